import { expect } from 'chai';
import { driveLaunch } from '../../support/platform/index.js';
import { startSimulator, type RunningSimulator } from '../../support/platform/simulator.js';
import { startPathwise, type RunningPathwise } from '../../support/pathwise.js';
// As the browser that launched (session-bound cookies): see test/support/platform/browser.ts.
import { browserFetch as fetch } from '../../support/platform/browser.js';

/**
 * The whole life of a platform added by Dynamic Registration, through Pathwise's own routes: the
 * LMS registers, launches are refused while the platform waits for approval, and work once an
 * administrator activates it (the same registry call `npm run platform -- activate` makes).
 */
describe('Dynamic Registration, then launches only after activation (real HTTP)', function () {
  let pathwise: RunningPathwise;
  let sim: RunningSimulator;
  before(async function () {
    // Dev mode: the simulator runs on a loopback http address, which production refuses (SSRF).
    pathwise = await startPathwise({ env: { PATHWISE_DEV_MODE: 'true' } });
    sim = await startSimulator({
      platforms: [{ profile: 'moodle', path: '/school-moodle', tool: null }],
    });
  });
  after(async function () {
    await sim.close();
    await pathwise.close();
  });

  it('moodle: registers, refuses a launch while inactive, launches once activated', async function () {
    const platform = sim.simulator.platforms[0]!;
    const start = platform.startDynamicRegistration(`${pathwise.url}/lti/register`);
    const registered = await fetch(start.url);
    const page = await registered.text();
    expect(registered.status, page).to.equal(200);
    expect(page).to.contain('npm run platform -- activate');

    const record = platform.state.dynamicRegistrations.at(-1)!;
    const clientId = record.clientId!;
    const stored = await pathwise.application.registry.find(platform.issuer, clientId);
    expect(stored).to.deep.include({ active: false, source: 'dynamic' });

    const refused = await driveLaunch({
      initiation: platform.initiateLogin({ user: 'student-01', clientId }),
    });
    const refusal = refused.final ?? refused.login;
    expect(refusal.status).to.equal(403);
    expect(refusal.body).to.match(/not (yet )?(been )?(approved|activated)|activate/i);
    expect(
      await pathwise.database.connection.collection('pw_lti_sessions').countDocuments(),
    ).to.equal(0);

    await pathwise.application.registry.setActive(stored!.id, true);
    const launched = await driveLaunch({
      initiation: platform.initiateLogin({ user: 'student-01', clientId }),
    });
    expect(launched.final?.status, launched.final?.body).to.equal(200);
    expect(launched.final?.url).to.match(/\/lti\/home\?session=/);
  });
});
