import { expect } from 'chai';
import { decodeHtml, driveLaunch, readForm } from '../../support/platform/index.js';
import { startFixture, type Fixture } from './helpers.js';

/** The data-* attributes of the element with this id. */
function dataOf(html: string, id: string): Record<string, string> {
  const element = new RegExp(`<[a-z]+\\b[^>]*\\bid='${id}'[^>]*>`, 'i').exec(html)?.[0];
  if (element === undefined) throw new Error(`no element #${id}`);
  const out: Record<string, string> = {};
  for (const match of element.matchAll(/\bdata-([a-z-]+)='([^']*)'/g))
    out[match[1] ?? ''] = decodeHtml(match[2] ?? '');
  return out;
}

describe('LMS simulator: Platform Storage (lti_storage_target)', function () {
  describe('default profiles: Canvas offers it, Moodle does not', function () {
    let fx: Fixture;
    before(async function () {
      fx = await startFixture();
    });
    after(async function () {
      await fx.close();
    });

    it('canvas sends lti_storage_target=post_message_forwarding in the login initiation and in the launch', async function () {
      const platform = fx.sim.simulator.platform('canvas');
      expect(platform.storageTarget).to.equal('post_message_forwarding');
      const initiation = platform.initiateLogin({ user: 'student-02' });
      expect(initiation.params['lti_storage_target']).to.equal('post_message_forwarding');
      const result = await driveLaunch({ initiation });
      expect(result.idTokenForm?.fields['lti_storage_target']).to.equal('post_message_forwarding');
    });

    it('moodle sends no lti_storage_target (Moodle 4.x login requests carry none)', async function () {
      const platform = fx.sim.simulator.platform('moodle');
      expect(platform.storageTarget).to.equal(undefined);
      const initiation = platform.initiateLogin({ user: 'student-02' });
      expect(initiation.params).to.not.have.property('lti_storage_target');
      const result = await driveLaunch({ initiation });
      expect(result.idTokenForm?.fields).to.not.have.property('lti_storage_target');
    });

    it('the canvas dashboard embeds the storage frame next to the tool frame; moodle has none', async function () {
      const canvas = fx.sim.simulator.platform('canvas');
      const page = await (await fetch(`${canvas.urls.base}/`)).text();
      const frame = /<iframe\b[^>]*name='post_message_forwarding'[^>]*>/.exec(page)?.[0];
      expect(frame, 'a frame named as lti_storage_target').to.be.a('string');
      expect(frame).to.match(/\bhidden\b/);
      expect(frame).to.contain(`src='${canvas.urls.storageFrame}'`);
      expect(page).to.match(/name='tool-frame'/);
      const moodle = fx.sim.simulator.platform('moodle');
      const moodlePage = await (await fetch(`${moodle.urls.base}/`)).text();
      expect(moodlePage).to.not.contain('post_message_forwarding');
    });

    it('the storage frame answers only the registered tool origins, with its script as a file', async function () {
      const canvas = fx.sim.simulator.platform('canvas');
      expect(new URL(canvas.urls.storageFrame).origin).to.equal(new URL(canvas.urls.auth).origin);
      const response = await fetch(canvas.urls.storageFrame);
      expect(response.status).to.equal(200);
      const html = await response.text();
      const config = dataOf(html, 'platform-storage');
      expect(config['frame-name']).to.equal('post_message_forwarding');
      expect(JSON.parse(config['tool-origins'] ?? '[]')).to.deep.equal([
        new URL(fx.tool.url).origin,
      ]);
      expect(html).to.contain(`src='${canvas.urls.base}/assets/dev-lms-platform-storage.js'`);
      expect(html).to.not.match(/<script(?![^>]*\ssrc=)[^>]*>/);
      const script = await fetch(`${canvas.urls.base}/assets/dev-lms-platform-storage.js`);
      expect(script.status).to.equal(200);
      expect(script.headers.get('content-type')).to.contain('javascript');
      const moodle = fx.sim.simulator.platform('moodle');
      expect((await fetch(moodle.urls.storageFrame)).status).to.equal(404);
    });
  });

  describe('launch hints are single use, as on Canvas and Moodle', function () {
    let fx: Fixture;
    before(async function () {
      fx = await startFixture();
    });
    after(async function () {
      await fx.close();
    });

    for (const profile of ['canvas', 'moodle'] as const) {
      it(`${profile}: a second authorization request for the same lti_message_hint is refused`, async function () {
        const platform = fx.sim.simulator.platform(profile);
        const initiation = platform.initiateLogin({ user: 'student-03' });
        const first = await driveLaunch({ initiation });
        expect(first.auth?.status).to.equal(200);
        const issued = platform.state.issuedIdTokens.length;
        const second = await driveLaunch({ initiation });
        expect(second.auth?.status).to.equal(400);
        expect(second.auth?.body).to.contain('already used');
        expect(platform.state.issuedIdTokens.length).to.equal(issued);
      });
    }
  });

  describe('configurable per platform', function () {
    let fx: Fixture;
    before(async function () {
      fx = await startFixture({
        platforms: [
          { profile: 'canvas', platformStorage: false },
          { profile: 'moodle', platformStorage: true },
        ],
      });
    });
    after(async function () {
      await fx.close();
    });

    it('canvas without it (e.g. the mobile apps) sends no lti_storage_target; moodle with it does', async function () {
      const canvas = fx.sim.simulator.platform('canvas');
      expect(canvas.initiateLogin({ user: 'student-01' }).params).to.not.have.property(
        'lti_storage_target',
      );
      expect((await fetch(canvas.urls.storageFrame)).status).to.equal(404);
      const moodle = fx.sim.simulator.platform('moodle');
      const initiation = moodle.initiateLogin({ user: 'student-01' });
      expect(initiation.params['lti_storage_target']).to.equal('post_message_forwarding');
      const page = await (await fetch(`${moodle.urls.base}/`)).text();
      expect(page).to.match(/<iframe\b[^>]*name='post_message_forwarding'/);
      const result = await driveLaunch({ initiation });
      expect(readForm(result.auth?.body ?? '')?.fields['lti_storage_target']).to.equal(
        'post_message_forwarding',
      );
    });
  });
});
