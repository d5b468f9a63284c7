import { expect } from 'chai';
import {
  buildClientRegistration,
  requestedScopes,
} from '../../../src/registration/dynamic-registration.js';
import {
  matchIssuer,
  parsePlatformConfiguration,
  type PlatformConfiguration,
} from '../../../src/registration/platform-configuration.js';
import { defaultToolIdentity, toolEndpoints } from '../../../src/registration/tool-identity.js';

const PLATFORM = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
const TOOL = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
const AGS = 'https://purl.imsglobal.org/spec/lti-ags/scope/';
const NRPS = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';
const ALL_SCOPES = [
  `${AGS}lineitem`,
  `${AGS}lineitem.readonly`,
  `${AGS}result.readonly`,
  `${AGS}score`,
  NRPS,
];

/** Shaped like canvas-lms doc/api/registration.md's example configuration. */
const canvasConfiguration = {
  issuer: 'https://canvas.instructure.com',
  authorization_endpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect',
  registration_endpoint: 'https://school.instructure.com/api/lti/registrations',
  jwks_uri: 'https://sso.canvaslms.com/api/lti/security/jwks',
  token_endpoint: 'https://sso.canvaslms.com/login/oauth2/token',
  token_endpoint_auth_methods_supported: ['private_key_jwt'],
  token_endpoint_auth_signing_alg_values_supported: ['RS256'],
  scopes_supported: [...ALL_SCOPES, 'https://canvas.instructure.com/lti/public_jwk/scope/update'],
  response_types_supported: ['id_token'],
  id_token_signing_alg_values_supported: ['RS256'],
  claims_supported: ['sub', 'iss', 'name', 'given_name', 'family_name', 'nickname', 'email'],
  subject_types_supported: ['public'],
  authorization_server: 'canvas.instructure.com',
  [PLATFORM]: {
    product_family_code: 'canvas',
    version: 'vCloud',
    messages_supported: [
      { type: 'LtiResourceLinkRequest', placements: ['account_navigation', 'course_navigation'] },
      { type: 'LtiDeepLinkingRequest', placements: ['assignment_selection', 'link_selection'] },
    ],
    'https://canvas.instructure.com/lti/account_name': 'Test University',
  },
};

/** Shaped like Moodle's mod/lti/openid-configuration.php. */
const moodleConfiguration = {
  issuer: 'https://moodle.example.edu',
  token_endpoint: 'https://moodle.example.edu/mod/lti/token.php',
  token_endpoint_auth_methods_supported: ['private_key_jwt'],
  token_endpoint_auth_signing_alg_values_supported: ['RS256'],
  jwks_uri: 'https://moodle.example.edu/mod/lti/certs.php',
  authorization_endpoint: 'https://moodle.example.edu/mod/lti/auth.php',
  registration_endpoint: 'https://moodle.example.edu/mod/lti/openid-registration.php',
  scopes_supported: [`${AGS}lineitem`, `${AGS}score`, NRPS, 'openid'],
  response_types_supported: ['id_token'],
  subject_types_supported: ['public', 'pairwise'],
  id_token_signing_alg_values_supported: ['RS256'],
  claims_supported: ['sub', 'iss', 'name', 'given_name', 'family_name', 'email'],
  [PLATFORM]: {
    product_family_code: 'moodle',
    version: '4.5',
    messages_supported: ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest'],
    variables: ['Context.id'],
  },
};

function parsed(json: unknown, devMode = false): PlatformConfiguration {
  const result = parsePlatformConfiguration(json, { devMode });
  if (!result.ok) throw new Error(result.error.join('; '));
  return result.value;
}

function problemsOf(json: unknown, devMode = false): readonly string[] {
  const result = parsePlatformConfiguration(json, { devMode });
  if (result.ok) throw new Error('expected problems');
  return result.error;
}

describe('parsePlatformConfiguration (DR §3.4)', () => {
  it('reads Canvas and Moodle configurations into our names', () => {
    const canvas = parsed(canvasConfiguration);
    expect(canvas).to.deep.include({
      issuer: 'https://canvas.instructure.com',
      registrationEndpoint: 'https://school.instructure.com/api/lti/registrations',
      authorizationServer: 'canvas.instructure.com',
      productFamily: 'canvas',
      accountName: 'Test University',
    });
    expect(canvas.messagesSupported?.[1]).to.deep.equal({
      type: 'LtiDeepLinkingRequest',
      placements: ['assignment_selection', 'link_selection'],
    });
    const moodle = parsed(moodleConfiguration);
    expect(moodle.productFamily).to.equal('moodle');
    expect(moodle.messagesSupported).to.deep.equal([
      { type: 'LtiResourceLinkRequest', placements: undefined },
      { type: 'LtiDeepLinkingRequest', placements: undefined },
    ]);
  });

  it('names each missing or unusable field', () => {
    const { registration_endpoint: _r, ...noRegistration } = moodleConfiguration;
    expect(problemsOf(noRegistration)).to.deep.equal(['registration_endpoint: is missing']);
    expect(
      problemsOf({ ...moodleConfiguration, token_endpoint_auth_methods_supported: ['none'] }),
    ).to.deep.equal([
      'token_endpoint_auth_methods_supported: does not include private_key_jwt (LTI service tokens need it)',
    ]);
    expect(
      problemsOf({ ...moodleConfiguration, id_token_signing_alg_values_supported: ['HS256'] }),
    ).to.deep.equal([
      'id_token_signing_alg_values_supported: does not include RS256 (LTI 1.3 requires it)',
    ]);
    const { [PLATFORM]: _p, ...noPlatform } = moodleConfiguration;
    expect(problemsOf(noPlatform)).to.deep.equal([`${PLATFORM}: is missing`]);
    expect(problemsOf('nope')[0]).to.match(/^the document: /);
  });

  it('refuses http endpoints and an issuer with a query outside dev mode', () => {
    expect(
      problemsOf({
        ...moodleConfiguration,
        jwks_uri: 'http://moodle.example.edu/mod/lti/certs.php',
        issuer: 'https://moodle.example.edu/?x=1',
      }),
    ).to.deep.equal([
      'issuer: contains a query string; an issuer has none',
      'jwks_uri: uses http; LTI 1.3 requires https outside dev mode',
    ]);
  });
});

describe('matchIssuer (DR §3.5.1)', () => {
  const url = (u: string) => new URL(u);
  it('accepts the same origin, including a Moodle under a path', () => {
    expect(
      matchIssuer(
        'https://example.edu/moodle',
        url('https://example.edu/moodle/mod/lti/openid-configuration.php'),
        'moodle',
        [],
      ),
    ).to.equal('same-origin');
  });

  it('refuses another host, scheme or port', () => {
    const config = url('https://moodle.example.edu/mod/lti/openid-configuration.php');
    expect(matchIssuer('https://evil.example.com', config, 'moodle', [])).to.equal(undefined);
    expect(matchIssuer('https://moodle.example.edu:8443', config, 'moodle', [])).to.equal(
      undefined,
    );
    expect(matchIssuer('not a url', config, 'moodle', [])).to.equal(undefined);
  });

  it("accepts Canvas's shared issuer only from Instructure domains or listed hosts, and only for Canvas", () => {
    const hosted = url('https://school.instructure.com/api/lti/security/openid-configuration');
    expect(matchIssuer('https://canvas.instructure.com', hosted, 'canvas', [])).to.equal(
      'canvas-shared-issuer',
    );
    expect(matchIssuer('https://canvas.beta.instructure.com', hosted, 'canvas', [])).to.equal(
      'canvas-shared-issuer',
    );
    const custom = url('https://canvas.school.edu/api/lti/security/openid-configuration');
    expect(matchIssuer('https://canvas.instructure.com', custom, 'canvas', [])).to.equal(undefined);
    expect(
      matchIssuer('https://canvas.instructure.com', custom, 'canvas', ['canvas.school.edu']),
    ).to.equal('canvas-shared-issuer');
    // A non-Canvas platform cannot borrow Canvas's issuer, and lookalike domains do not count.
    expect(matchIssuer('https://canvas.instructure.com', hosted, 'moodle', [])).to.equal(undefined);
    const lookalike = url('https://evilinstructure.com/config');
    expect(matchIssuer('https://canvas.instructure.com', lookalike, 'canvas', [])).to.equal(
      undefined,
    );
  });
});

describe('buildClientRegistration (DR §3.5.2)', () => {
  const endpoints = toolEndpoints('https://pathwise.example.edu');
  const identity = defaultToolIdentity('https://pathwise.example.edu');

  it('Canvas: the spec fields, the scopes it supports, placements and privacy_level public', () => {
    const request = buildClientRegistration(endpoints, identity, parsed(canvasConfiguration));
    expect(request).to.deep.include({
      application_type: 'web',
      response_types: ['id_token'],
      grant_types: ['implicit', 'client_credentials'],
      initiate_login_uri: 'https://pathwise.example.edu/lti/login',
      redirect_uris: ['https://pathwise.example.edu/lti/launch'],
      client_name: 'Pathwise',
      jwks_uri: 'https://pathwise.example.edu/lti/keys',
      logo_uri: 'https://pathwise.example.edu/public/img/pathwise-logo.svg',
      token_endpoint_auth_method: 'private_key_jwt',
      scope: ALL_SCOPES.join(' '),
    });
    const tool = request[TOOL];
    expect(tool.domain).to.equal('pathwise.example.edu');
    expect(tool.target_link_uri).to.equal('https://pathwise.example.edu/lti/launch');
    expect(tool['https://canvas.instructure.com/lti/privacy_level']).to.equal('public');
    expect(tool['https://canvas.instructure.com/lti/tool_id']).to.equal('pathwise');
    expect(tool.claims).to.deep.equal(['iss', 'sub', 'name', 'given_name', 'family_name', 'email']);
    expect(tool.messages.map((m) => [m.type, m.target_link_uri, m.placements])).to.deep.equal([
      ['LtiResourceLinkRequest', 'https://pathwise.example.edu/lti/launch', ['course_navigation']],
      [
        'LtiDeepLinkingRequest',
        'https://pathwise.example.edu/lti/launch',
        ['assignment_selection', 'link_selection'],
      ],
    ]);
    expect(
      tool.messages[0]?.['https://canvas.instructure.com/lti/course_navigation/default_enabled'],
    ).to.equal(false);
  });

  it('Moodle: only the scopes it lists, no Canvas extensions, no placements', () => {
    const request = buildClientRegistration(endpoints, identity, parsed(moodleConfiguration));
    expect(request.scope.split(' ')).to.deep.equal([`${AGS}lineitem`, `${AGS}score`, NRPS]);
    const tool = request[TOOL];
    expect(tool).not.to.have.property('https://canvas.instructure.com/lti/privacy_level');
    expect(tool.messages.every((m) => m.placements === undefined)).to.equal(true);
    expect(tool.messages.map((m) => m.type)).to.deep.equal([
      'LtiResourceLinkRequest',
      'LtiDeepLinkingRequest',
    ]);
  });

  it('drops Deep Linking, placements and claims the platform does not support', () => {
    const platform = parsed({
      ...canvasConfiguration,
      claims_supported: ['sub', 'iss'],
      [PLATFORM]: {
        product_family_code: 'canvas',
        messages_supported: [
          { type: 'LtiResourceLinkRequest', placements: ['account_navigation'] },
        ],
      },
    });
    const request = buildClientRegistration(endpoints, identity, platform);
    const tool = request[TOOL];
    expect(tool.claims).to.deep.equal(['iss', 'sub']);
    expect(tool.messages).to.have.length(1);
    expect(tool.messages[0]?.placements).to.deep.equal([]);
    expect(tool.messages[0]).not.to.have.property(
      'https://canvas.instructure.com/lti/course_navigation/default_enabled',
    );
  });

  it('asks for every Pathwise scope when the platform does not list scopes', () => {
    const { scopes_supported: _s, ...rest } = moodleConfiguration;
    expect(requestedScopes(parsed(rest))).to.deep.equal(ALL_SCOPES);
  });

  it('omits logo_uri and icon_uri without a logo', () => {
    const request = buildClientRegistration(
      endpoints,
      { ...identity, logoUrl: undefined },
      parsed(moodleConfiguration),
    );
    expect(request).not.to.have.property('logo_uri');
    expect(request[TOOL].messages.every((m) => m.icon_uri === undefined)).to.equal(true);
  });
});
