import { expect } from 'chai';
import {
  nonceStorageKey,
  stateStorageKey,
  storageOrigin,
  storageTargetFrom,
} from '../../../src/lti/platform-storage.js';

describe('Platform Storage values', function () {
  it('storageTargetFrom accepts frame names and _parent, nothing that addresses another window', function () {
    expect(storageTargetFrom('post_message_forwarding')).to.equal('post_message_forwarding');
    expect(storageTargetFrom('_parent')).to.equal('_parent');
    expect(storageTargetFrom('lti.storage-1')).to.equal('lti.storage-1');
    for (const bad of [
      undefined,
      '',
      '_top',
      '_blank',
      '_self',
      'opener',
      'top',
      'parent',
      'frames',
      '__proto__',
      'a b',
      '<script>',
      'x'.repeat(65),
    ])
      expect(storageTargetFrom(bad), String(bad)).to.equal(undefined);
  });

  it('the target origin is the OIDC authorization endpoint origin (Canvas: sso.canvaslms.com)', function () {
    expect(storageOrigin('https://sso.canvaslms.com/api/lti/authorize_redirect')).to.equal(
      'https://sso.canvaslms.com',
    );
    expect(storageOrigin('https://moodle.school.example:8443/mod/lti/auth.php')).to.equal(
      'https://moodle.school.example:8443',
    );
    expect(storageOrigin('not a url')).to.equal(undefined);
    expect(storageOrigin('javascript:alert(1)')).to.equal(undefined);
  });

  it('keys carry the value so parallel logins never collide', function () {
    expect(stateStorageKey('abc')).to.equal('state-abc');
    expect(nonceStorageKey('xyz')).to.equal('nonce-xyz');
  });
});
