import { expect } from 'chai';
import { startFixture, type Fixture } from './helpers.js';

describe('LMS simulator: dev dashboard', function () {
  let fx: Fixture;
  before(async function () {
    fx = await startFixture();
  });
  after(async function () {
    await fx.close();
  });

  it('shows launch forms, gradebook and roster, with no inline script and every value escaped', async function () {
    const platform = fx.sim.simulator.platform('moodle');
    const response = await fetch(`${fx.sim.simulator.baseUrl}/`);
    expect(response.status).to.equal(200);
    const html = await response.text();
    expect(html.startsWith('<!doctype html>')).to.equal(true);
    expect(html).to.match(/<html lang=['"]en['"]>/);
    expect(html).to.contain('Gradebook');
    expect(html).to.contain('Roster');
    expect(html).to.contain('Launch the tool');
    expect(html).to.contain('Liam O’Connor');
    expect(html).to.match(/name=['"]tool-frame['"]/);
    expect(html).to.not.match(/<script(?![^>]*\ssrc=)[^>]*>/);
    const moodlePage = await (await fetch(`${platform.urls.base}/`)).text();
    expect(moodlePage).to.contain('iss ' + platform.issuer);
    const users = moodlePage.match(/<option value=['"](instructor|ta|student-\d\d)['"]/g) ?? [];
    expect(users.length).to.be.at.least(32);
  });

  it('serves its CSS and scripts from its own mount', async function () {
    const platform = fx.sim.simulator.platform('canvas');
    const css = await fetch(`${platform.urls.base}/assets/dev-lms.css`);
    expect(css.status).to.equal(200);
    expect(css.headers.get('content-type')).to.contain('text/css');
    const js = await fetch(`${platform.urls.base}/assets/dev-lms-autosubmit.js`);
    expect(js.headers.get('content-type')).to.contain('javascript');
    expect((await fetch(`${platform.urls.base}/assets/..%2Fsecret`)).status).to.equal(404);
  });

  it('an unknown user on /launch answers a 400 page, not a crash', async function () {
    const platform = fx.sim.simulator.platform('canvas');
    const response = await fetch(`${platform.urls.launch}?user=<script>`);
    expect(response.status).to.equal(400);
    const html = await response.text();
    expect(html).to.contain('&lt;script&gt;');
    expect(html).to.not.contain('<script>');
  });
});
