// Shared mocha settings; each npm script names the tier's spec glob.
'use strict';
module.exports = {
  'node-option': ['import=tsx'],
  extension: ['ts'],
  timeout: 20000,
  'forbid-only': Boolean(process.env.CI),
  reporter: 'spec',
};
