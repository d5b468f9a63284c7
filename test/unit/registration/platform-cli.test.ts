import { expect } from 'chai';
import { parsePlatformCommand } from '../../../src/registration/platform-cli.js';

const production = { devMode: false };

const addArgs = [
  'add',
  '--name',
  'Example Moodle',
  '--issuer',
  'https://moodle.example.edu',
  '--client-id',
  'abc123',
  '--auth-endpoint',
  'https://moodle.example.edu/mod/lti/auth.php',
  '--token-endpoint',
  'https://moodle.example.edu/mod/lti/token.php',
  '--jwks-url',
  'https://moodle.example.edu/mod/lti/certs.php',
];

function problems(argv: string[]): readonly string[] {
  const result = parsePlatformCommand(argv, production);
  if (result.ok) throw new Error('expected problems');
  return result.error;
}

describe('parsePlatformCommand (platform CLI)', () => {
  it('add: flags become a validated entry, deployments repeat, --inactive turns active off', () => {
    const result = parsePlatformCommand(
      [...addArgs, '--deployment', '3', '--deployment=4', '--inactive'],
      production,
    );
    expect(result.ok).to.equal(true);
    if (!result.ok || result.value.kind !== 'add') return;
    expect(result.value.entry).to.deep.include({
      name: 'Example Moodle',
      clientId: 'abc123',
      deploymentIds: ['3', '4'],
      active: false,
    });
  });

  it('add: each bad or missing value names its flag and the fix', () => {
    const withHttp = addArgs.map((a) =>
      a === 'https://moodle.example.edu/mod/lti/certs.php' ? 'http://moodle.example.edu/k' : a,
    );
    expect(problems(withHttp)).to.deep.equal([
      '--jwks-url: uses http; LTI 1.3 requires https outside dev mode; fix: use the https:// URL the platform publishes',
    ]);
    const withoutClient = addArgs.filter(
      (a, i) => a !== '--client-id' && addArgs[i - 1] !== '--client-id',
    );
    const [missing] = problems(withoutClient);
    expect(missing).to.match(
      /^--client-id: is missing; fix: pass the client id the platform issued/,
    );
    expect(problems([...addArgs, '--deployment', '3', '--deployment', '3'])).to.deep.equal([
      '--deployment: repeats deployment id "3"; fix: list each deployment id once',
    ]);
  });

  it('add: unknown flags and stray words are refused', () => {
    expect(problems([...addArgs, '--jwks', 'x'])[0]).to.match(/^add: Unknown option '--jwks'/);
    expect(problems([...addArgs, 'extra'])[0]).to.match(/^add takes only flags; unexpected: extra/);
  });

  it('id commands need exactly their arguments', () => {
    expect(parsePlatformCommand(['activate', 'p1'], production)).to.deep.equal({
      ok: true,
      value: { kind: 'activate', platformId: 'p1' },
    });
    expect(parsePlatformCommand(['deployment-add', 'p1', 'd1'], production)).to.deep.equal({
      ok: true,
      value: { kind: 'deployment-add', platformId: 'p1', deploymentId: 'd1' },
    });
    expect(parsePlatformCommand(['retire-key', 'k1'], production)).to.deep.equal({
      ok: true,
      value: { kind: 'retire-key', kid: 'k1' },
    });
    expect(problems(['activate'])).to.deep.equal([
      'activate needs <platformId>: npm run platform -- activate <platformId>',
    ]);
    expect(problems(['deployment-remove', 'p1'])).to.deep.equal([
      'deployment-remove needs <deploymentId>: npm run platform -- deployment-remove <platformId> <deploymentId>',
    ]);
    expect(problems(['rotate-key', 'a', 'b'])).to.deep.equal([
      'rotate-key takes 1 argument; unexpected: b',
    ]);
  });

  it('list, keys, help and unknown commands', () => {
    expect(parsePlatformCommand(['list', '--json'], production)).to.deep.equal({
      ok: true,
      value: { kind: 'list', json: true },
    });
    expect(parsePlatformCommand(['keys'], production)).to.deep.equal({
      ok: true,
      value: { kind: 'keys' },
    });
    expect(parsePlatformCommand(['help'], production)).to.deep.equal({
      ok: true,
      value: { kind: 'help' },
    });
    expect(problems(['lst'])).to.deep.equal([
      'unknown command "lst"; run "npm run platform -- help" for the list',
    ]);
    expect(problems([])).to.deep.equal(['a command is required; run "npm run platform -- help"']);
  });

  it('frame-origin-add/remove take an https origin (a URL is cut to its origin)', () => {
    expect(
      parsePlatformCommand(
        ['frame-origin-add', 'p1', 'https://school.instructure.com/courses/1'],
        production,
      ),
    ).to.deep.equal({
      ok: true,
      value: {
        kind: 'frame-origin-add',
        platformId: 'p1',
        origin: 'https://school.instructure.com',
      },
    });
    expect(problems(['frame-origin-add', 'p1', 'http://school.example'])[0]).to.match(
      /is not an https origin/,
    );
    expect(problems(['frame-origin-remove', 'p1'])).to.have.length(1);
  });
});
