import { expect } from 'chai';
import { summariseRoles } from '../../../src/lti/roles.js';

const M = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
const I = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#';
const S = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#';

describe('summariseRoles (LTI roles → app roles)', () => {
  const cases: [string, string[], string][] = [
    ['full context Learner URI', [`${M}Learner`], 'learner'],
    ['short name Learner', ['Learner'], 'learner'],
    ['full context Instructor URI', [`${M}Instructor`], 'instructor'],
    ['short name Instructor', ['Instructor'], 'instructor'],
    [
      'teaching assistant sub-role',
      ['http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant'],
      'instructor',
    ],
    ['content developer', [`${M}ContentDeveloper`], 'instructor'],
    [
      'institution administrator (Moodle site admin)',
      [`${I}Administrator`, `${M}Instructor`],
      'admin',
    ],
    ['system administrator', [`${S}Administrator`], 'admin'],
    ['no roles (Cert "No Role")', [], 'none'],
    ['unknown role URI is ignored', ['http://example.edu/roles#Wizard', `${M}Learner`], 'learner'],
    [
      'institution Instructor alone does not make a course instructor',
      [`${I}Instructor`, `${M}Learner`],
      'learner',
    ],
    ['Canvas student with system User role', [`${M}Learner`, `${S}User`, `${I}Student`], 'learner'],
  ];
  for (const [situation, roles, expected] of cases) {
    it(`${situation} → ${expected}`, () => {
      expect(summariseRoles(roles).primary).to.equal(expected);
    });
  }

  it('an instructor who is also a learner is both', () => {
    const summary = summariseRoles([`${M}Instructor`, `${M}Learner`]);
    expect(summary).to.include({ isInstructor: true, isLearner: true, primary: 'instructor' });
  });
});
