import { expect } from 'chai';
import type { RequestListener } from 'node:http';
import { createApp } from '../../../src/app.js';
import { createLmsSimulator, type LmsSimulator } from '../../../src/dev/lms-simulator/index.js';
import { silentLogger, testConfig } from '../../support/app.js';
import {
  driveLaunch,
  FakeTool,
  startServer,
  type RunningServer,
} from '../../support/platform/index.js';

describe('LMS simulator mounted in the Pathwise app (dev mode shape)', function () {
  let tool: FakeTool;
  let server: RunningServer;
  let simulator: LmsSimulator;

  before(async function () {
    tool = await FakeTool.start();
    const holder: { handler?: RequestListener } = {};
    server = await startServer((req, res) => {
      if (holder.handler === undefined) res.writeHead(503).end();
      else holder.handler(req, res);
    });
    simulator = await createLmsSimulator({
      baseUrl: `${server.url}/dev/lms`,
      tool: tool.toolOptions(),
    });
    for (const platform of simulator.platforms) tool.trust(platform);
    holder.handler = createApp({
      config: testConfig(),
      logger: silentLogger,
      health: { isDatabaseReachable: () => Promise.resolve(true) },
      routers: [{ path: '/dev/lms', handler: simulator.router }],
    });
  });
  after(async function () {
    simulator.close();
    await server.close();
    await tool.close();
  });

  it('serves the dashboard and its assets under the app CSP (script-src self, no inline script)', async function () {
    const page = await fetch(`${server.url}/dev/lms/`);
    expect(page.status).to.equal(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).to.contain("script-src 'self'");
    const css = await fetch(`${server.url}/dev/lms/canvas/assets/dev-lms.css`);
    expect(css.status).to.equal(200);
  });

  it('a launch and a score go through the app’s body parsers and error handling', async function () {
    const platform = simulator.platform('moodle');
    const result = await driveLaunch({
      initiation: platform.initiateLogin({ user: 'student-10' }),
    });
    expect(result.final?.status).to.equal(200);
    const registration = [...platform.state.registrations.values()][0]!;
    const token = await tool.accessToken(platform, registration.clientId, [
      'https://purl.imsglobal.org/spec/lti-ags/scope/score',
    ]);
    const item = [...platform.state.lineItems.values()][0]!;
    const url = new URL(item.url);
    url.pathname += '/scores';
    const sub = platform.state.userByKey('student-10')!.sub;
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${String(token.body['access_token'])}`,
        'Content-Type': 'application/vnd.ims.lis.v1.score+json',
        'User-Agent': 'Pathwise-test/1.0',
      },
      body: JSON.stringify({
        userId: sub,
        scoreGiven: 1,
        scoreMaximum: 1,
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded',
        timestamp: new Date().toISOString(),
      }),
    });
    expect(response.status).to.equal(200);
    expect(platform.state.scoresFor(item.id, sub)).to.have.length(1);
  });
});
