import { expect } from 'chai';
import {
  describeProblem,
  parseStaticPlatforms,
  StaticPlatformsError,
} from '../../../src/registration/static-platforms.js';

const production = { devMode: false };

const canvas = {
  name: 'Example Canvas',
  issuer: 'https://canvas.instructure.com',
  clientId: '10000000000001',
  authEndpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect',
  tokenEndpoint: 'https://sso.canvaslms.com/login/oauth2/token',
  jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks',
  deploymentIds: ['1:abc'],
};

describe('parseStaticPlatforms (config/platforms*.json)', () => {
  it('returns every valid entry with where it came from', () => {
    const { entries, problems } = parseStaticPlatforms(
      JSON.stringify([canvas]),
      'config/platforms.json',
      production,
    );
    expect(problems).to.deep.equal([]);
    expect(entries).to.have.length(1);
    expect(entries[0]).to.deep.include({
      issuer: canvas.issuer,
      clientId: canvas.clientId,
      active: true,
      deploymentIds: ['1:abc'],
      origin: { file: 'config/platforms.json', index: 0 },
    });
  });

  it('names the file, entry index, entry name, field and fix of a bad URL', () => {
    const { entries, problems } = parseStaticPlatforms(
      JSON.stringify([canvas, { ...canvas, clientId: '2', jwksUrl: 'http://lms.example.edu/k' }]),
      'config/platforms.json',
      production,
    );
    expect(entries).to.have.length(1);
    expect(problems).to.have.length(1);
    const text = describeProblem(problems[0]!);
    expect(text).to.equal(
      'config/platforms.json, entry 1 ("Example Canvas"), field "jwksUrl": uses http; LTI 1.3 requires https outside dev mode; fix: use the https:// URL the platform publishes',
    );
  });

  it('a file that is not JSON, or not an array, is one problem for the whole file', () => {
    const broken = parseStaticPlatforms('[{', 'config/platforms.json', production);
    expect(broken.problems).to.have.length(1);
    expect(describeProblem(broken.problems[0]!)).to.match(
      /^config\/platforms\.json: is not valid JSON \(.+\); fix: correct the JSON syntax$/,
    );
    const object = parseStaticPlatforms(
      JSON.stringify(canvas),
      'config/platforms.json',
      production,
    );
    expect(describeProblem(object.problems[0]!)).to.match(
      /^config\/platforms\.json: is not a JSON array; fix: make the file a list of registrations/,
    );
  });

  it('an entry without a name is still located by its index', () => {
    const { name: _n, ...rest } = canvas;
    const { problems } = parseStaticPlatforms(JSON.stringify([rest]), 'p.json', production);
    expect(describeProblem(problems[0]!)).to.match(/^p\.json, entry 0, field "name": is missing;/);
  });

  it('StaticPlatformsError lists every problem in its message', () => {
    const { problems } = parseStaticPlatforms(
      JSON.stringify([{ ...canvas, issuer: 'https://x.example/?a', clientId: '' }]),
      'config/platforms.json',
      production,
    );
    const error = new StaticPlatformsError(problems);
    expect(error.message).to.include('2 problems');
    expect(error.message).to.include('field "issuer": contains a query string');
    expect(error.message).to.include('field "clientId": is empty');
  });
});
