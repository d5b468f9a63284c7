import { expect } from 'chai';
import {
  validatePlatformEntry,
  type FieldProblem,
} from '../../../src/registration/platform-entry.js';
import { checkPlatformUrl } from '../../../src/registration/url-policy.js';

const production = { devMode: false };
const dev = { devMode: true };

const valid = {
  name: 'Example Canvas',
  issuer: 'https://canvas.instructure.com',
  clientId: '10000000000001',
  authEndpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect',
  tokenEndpoint: 'https://sso.canvaslms.com/login/oauth2/token',
  jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks',
  deploymentIds: ['1:abc'],
};

function problems(raw: unknown, policy = production): FieldProblem[] {
  const result = validatePlatformEntry(raw, policy);
  if (result.ok) throw new Error('expected problems');
  return [...result.error];
}

function only(raw: unknown, policy = production): FieldProblem {
  const list = problems(raw, policy);
  expect(list, JSON.stringify(list)).to.have.length(1);
  return list[0]!;
}

describe('validatePlatformEntry (static config and CLI input)', () => {
  it('accepts a complete entry, keeps the issuer byte for byte and defaults active to true', () => {
    const result = validatePlatformEntry(valid, production);
    expect(result.ok).to.equal(true);
    if (!result.ok) return;
    expect(result.value).to.deep.equal({
      ...valid,
      authorizationServer: undefined,
      active: true,
    });
    // new URL() would have added a trailing slash; the issuer must match `iss` exactly.
    expect(result.value.issuer).to.equal('https://canvas.instructure.com');
  });

  it('defaults deploymentIds to an empty list and keeps active: false', () => {
    const { deploymentIds: _omit, ...rest } = valid;
    const result = validatePlatformEntry({ ...rest, active: false }, production);
    expect(result.ok && result.value.deploymentIds).to.deep.equal([]);
    expect(result.ok && result.value.active).to.equal(false);
  });

  for (const field of ['name', 'issuer', 'clientId', 'authEndpoint', 'tokenEndpoint', 'jwksUrl']) {
    it(`a missing ${field} is reported as missing with how to fill it`, () => {
      const raw = Object.fromEntries(Object.entries(valid).filter(([key]) => key !== field));
      const p = only(raw);
      expect(p.field).to.equal(field);
      expect(p.problem).to.equal('is missing');
      expect(p.fix).to.match(/^set /);
    });
  }

  for (const field of ['issuer', 'authEndpoint', 'tokenEndpoint', 'jwksUrl']) {
    it(`an http ${field} is refused outside dev mode`, () => {
      const raw = { ...valid, [field]: 'http://lms.example.edu/x' };
      const p = only(raw);
      expect(p).to.deep.equal({
        field,
        problem: 'uses http; LTI 1.3 requires https outside dev mode',
        fix: 'use the https:// URL the platform publishes',
      });
    });

    it(`an http://localhost ${field} is accepted in dev mode only`, () => {
      const raw = { ...valid, [field]: 'http://localhost:3000/dev/lms/moodle' };
      expect(validatePlatformEntry(raw, dev).ok).to.equal(true);
      expect(only(raw).problem).to.match(/requires https outside dev mode/);
    });

    it(`an http ${field} on another host is refused even in dev mode`, () => {
      const p = only({ ...valid, [field]: 'http://lms.example.edu/x' }, dev);
      expect(p.field).to.equal(field);
      expect(p.problem).to.equal(
        'uses http for lms.example.edu; dev mode allows http only for localhost',
      );
    });

    it(`a ${field} value that is not a URL says so`, () => {
      const p = only({ ...valid, [field]: 'lms.example.edu/x' });
      expect(p.problem).to.equal('"lms.example.edu/x" is not an absolute URL');
      expect(p.fix).to.equal('write the full URL, starting with https://');
    });
  }

  it('an issuer with a query string or fragment is refused', () => {
    const query = only({ ...valid, issuer: 'https://moodle.example.edu/?lang=en' });
    expect(query.field).to.equal('issuer');
    expect(query.problem).to.equal('contains a query string; an issuer has none');
    const fragment = only({ ...valid, issuer: 'https://moodle.example.edu#x' });
    expect(fragment.problem).to.equal('contains a fragment; an issuer has none');
    // Endpoints may carry a query (Moodle service URLs do).
    expect(
      validatePlatformEntry(
        { ...valid, authEndpoint: 'https://m.example.edu/auth.php?x=1' },
        production,
      ).ok,
    ).to.equal(true);
  });

  it('ftp, credentials and surrounding spaces are refused', () => {
    expect(only({ ...valid, jwksUrl: 'ftp://lms.example.edu/keys' }).problem).to.equal(
      'uses ftp; only https URLs are accepted',
    );
    expect(only({ ...valid, jwksUrl: 'https://u:p@lms.example.edu/keys' }).problem).to.equal(
      'contains a user name or password',
    );
    expect(only({ ...valid, issuer: ' https://canvas.instructure.com' }).problem).to.equal(
      'has leading or trailing spaces',
    );
  });

  it('clientId: empty, spaces, too long and wrong type', () => {
    expect(only({ ...valid, clientId: '' })).to.include({ field: 'clientId', problem: 'is empty' });
    expect(only({ ...valid, clientId: '123 ' }).problem).to.equal('has leading or trailing spaces');
    expect(only({ ...valid, clientId: 'x'.repeat(256) }).problem).to.equal(
      'is longer than 255 characters',
    );
    expect(only({ ...valid, clientId: 10000000000001 })).to.include({
      field: 'clientId',
      problem: 'must be a text value in double quotes',
    });
  });

  it('name: blank is empty', () => {
    expect(only({ ...valid, name: '   ' })).to.include({ field: 'name', problem: 'is empty' });
  });

  it('active must be a boolean', () => {
    expect(only({ ...valid, active: 'yes' })).to.deep.equal({
      field: 'active',
      problem: 'must be true or false (without quotes)',
      fix: 'write true or false (without quotes); it defaults to true',
    });
  });

  it('deploymentIds: not a list, an empty id, a repeated id', () => {
    expect(only({ ...valid, deploymentIds: '1:abc' })).to.include({
      field: 'deploymentIds',
      problem: 'must be a list in square brackets',
    });
    expect(only({ ...valid, deploymentIds: ['1', ''] })).to.include({
      field: 'deploymentIds.1',
      problem: 'is empty',
    });
    expect(only({ ...valid, deploymentIds: ['1', '2', '1'] })).to.deep.equal({
      field: 'deploymentIds.2',
      problem: 'repeats deployment id "1"',
      fix: 'list each deployment id once',
    });
  });

  it('authorizationServer is optional free text but not empty', () => {
    expect(
      validatePlatformEntry({ ...valid, authorizationServer: 'canvas.instructure.com' }, production)
        .ok,
    ).to.equal(true);
    expect(only({ ...valid, authorizationServer: '' })).to.include({
      field: 'authorizationServer',
      problem: 'is empty',
    });
  });

  it('an unknown (misspelt) field is named with the list of known ones', () => {
    const p = only({ ...valid, jwksURL: 'https://x.example/keys' });
    expect(p.field).to.equal('jwksURL');
    expect(p.problem).to.equal('is not a known field');
    expect(p.fix).to.include('jwksUrl');
  });

  it('reports every problem at once', () => {
    const list = problems({ name: 'x', issuer: 'http://a.example', clientId: '' });
    expect(list.map((p) => p.field).sort()).to.deep.equal(
      ['authEndpoint', 'clientId', 'issuer', 'jwksUrl', 'tokenEndpoint'].sort(),
    );
  });

  it('an entry that is not an object is one problem without a field', () => {
    expect(only('https://canvas.instructure.com')).to.include({
      field: undefined,
      problem: 'is not a JSON object',
    });
    expect(only(null).problem).to.equal('is not a JSON object');
    expect(only([valid]).problem).to.equal('is not a JSON object');
  });
});

describe('checkPlatformUrl', () => {
  it('treats 127.x, [::1] and *.localhost as this machine in dev mode', () => {
    for (const url of [
      'http://127.0.0.1:4000/x',
      'http://127.1.2.3/x',
      'http://[::1]:3000/x',
      'http://lms.localhost/x',
    ]) {
      expect(checkPlatformUrl(url, 'endpoint', dev), url).to.equal(undefined);
    }
    expect(checkPlatformUrl('http://127.0.0.1.example.com/x', 'endpoint', dev)?.problem).to.match(
      /dev mode allows http only for localhost/,
    );
  });
});
