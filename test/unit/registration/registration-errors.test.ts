import { expect } from 'chai';
import type { DynamicRegistrationFailure } from '../../../src/registration/dynamic-registration.js';
import { registrationFailureToError } from '../../../src/registration/registration.routes.js';

const REGISTRATION_URL = 'https://pathwise.example.edu/lti/register';

const cases: readonly [DynamicRegistrationFailure, number, string, RegExp, RegExp][] = [
  [
    { type: 'missing-configuration-url' },
    400,
    'DR_MISSING_CONFIGURATION_URL',
    /no openid_configuration/,
    /Start the registration from your LMS with the tool URL https:\/\/pathwise\.example\.edu\/lti\/register/,
  ],
  [
    { type: 'invalid-request', problems: ['registration_token contains characters'] },
    400,
    'DR_INVALID_REQUEST',
    /registration_token contains characters/,
    /Start the registration from your LMS/,
  ],
  [
    {
      type: 'unsafe-url',
      field: 'openid_configuration',
      url: 'https://10.0.0.1/c',
      detail: '10.0.0.1 resolves to a private, loopback or link-local address (10.0.0.1)',
    },
    400,
    'DR_UNSAFE_URL',
    /refused to contact the openid_configuration URL https:\/\/10\.0\.0\.1\/c/,
    /https at public internet addresses/,
  ],
  [
    { type: 'configuration-unreachable', url: 'https://lms.example.edu/c', detail: 'timeout' },
    502,
    'DR_CONFIGURATION_UNREACHABLE',
    /could not reach the platform's configuration at https:\/\/lms\.example\.edu\/c \(timeout\)/,
    /can be reached from the Pathwise server/,
  ],
  [
    { type: 'configuration-too-large', url: 'https://lms.example.edu/c', limitBytes: 262144 },
    502,
    'DR_CONFIGURATION_TOO_LARGE',
    /The LMS configuration at https:\/\/lms\.example\.edu\/c was too large: Pathwise stopped reading it after 256 KB\./,
    /Nothing was stored in Pathwise/,
  ],
  [
    {
      type: 'registration-response-too-large',
      url: 'https://lms.example.edu/register',
      limitBytes: 262144,
    },
    502,
    'DR_REGISTRATION_RESPONSE_TOO_LARGE',
    /answer to the registration \(https:\/\/lms\.example\.edu\/register\) was too large/,
    /Nothing was stored in Pathwise/,
  ],
  [
    { type: 'configuration-refused', url: 'https://lms.example.edu/c', status: 401 },
    502,
    'DR_CONFIGURATION_REFUSED',
    /answered 401/,
    /registration token was refused or has expired/,
  ],
  [
    { type: 'configuration-refused', url: 'https://lms.example.edu/c', status: 500 },
    502,
    'DR_CONFIGURATION_REFUSED',
    /answered 500/,
    /LMS logs show why/,
  ],
  [
    { type: 'configuration-invalid', problems: ['jwks_uri: is missing'] },
    502,
    'DR_CONFIGURATION_INVALID',
    /cannot be used: jwks_uri: is missing/,
    /LTI Dynamic Registration 1\.0/,
  ],
  [
    {
      type: 'issuer-mismatch',
      issuer: 'https://evil.example.com',
      configurationUrl: 'https://lms.example.edu/c?x=1',
    },
    400,
    'DR_ISSUER_MISMATCH',
    /issuer https:\/\/evil\.example\.com, which is not the site it was fetched from \(https:\/\/lms\.example\.edu\)/,
    /same site/,
  ],
  [
    { type: 'registration-unreachable', url: 'https://lms.example.edu/r', detail: 'ECONNRESET' },
    502,
    'DR_REGISTRATION_UNREACHABLE',
    /registration endpoint at https:\/\/lms\.example\.edu\/r/,
    /can be reached/,
  ],
  [
    {
      type: 'registration-refused',
      url: 'https://lms.example.edu/r',
      status: 401,
      platformError: 'token_already_used: The registration token was already used',
    },
    502,
    'DR_REGISTRATION_REFUSED',
    /refused the registration \(HTTP 401: token_already_used/,
    /Moodle tokens work once/,
  ],
  [
    { type: 'registration-response-invalid', problems: ['client_id: is empty'] },
    502,
    'DR_REGISTRATION_RESPONSE_INVALID',
    /client_id: is empty/,
    /remove it in the LMS/,
  ],
  [
    {
      type: 'already-registered',
      issuer: 'https://canvas.instructure.com',
      clientId: '1001',
      platformId: 'p-1',
    },
    409,
    'DR_ALREADY_REGISTERED',
    /issuer https:\/\/canvas\.instructure\.com, client id 1001\) is already registered/,
    /npm run platform -- remove p-1/,
  ],
];

describe('registrationFailureToError: every failure says what failed and what to do', () => {
  for (const [failure, status, code, message, help] of cases) {
    it(`${failure.type}${'status' in failure ? ` ${failure.status}` : ''} → ${status} ${code}`, () => {
      const error = registrationFailureToError(failure, REGISTRATION_URL);
      expect(error.status).to.equal(status);
      expect(error.code).to.equal(code);
      expect(error.message).to.match(message);
      expect(error.help).to.match(help);
      expect(error.isOperational).to.equal(true);
    });
  }
});
