/**
 * Before an assignment is saved the instructor sees what Pathwise adds and whether the question
 * limit lets students finish; nothing is stored until they confirm.
 */
import { expect } from 'chai';
import { startLtiFixture, type LtiFixture } from '../../support/pathwise.js';
import { importMiniBank } from '../../support/practice.js';
import { driveLaunch, MESSAGE_TYPE, readForm } from '../../support/platform/index.js';
// As the browser that launched (session-bound cookies): see test/support/platform/browser.ts.
import { browserFetch as fetch } from '../../support/platform/browser.js';

describe('assignment plan before saving (prerequisites added, expected questions, limit)', function () {
  this.timeout(30_000);
  let fx: LtiFixture;
  before(async function () {
    fx = await startLtiFixture();
    await importMiniBank(fx);
  });
  after(async function () {
    await fx.close();
  });

  it('shows the added prerequisite and a limit too low, stores nothing, and saves once confirmed', async function () {
    const result = await driveLaunch({
      initiation: fx.platform('moodle').initiateLogin({
        user: 'instructor',
        messageType: MESSAGE_TYPE.deepLinking,
      }),
    });
    const form = readForm(result.final!.body)!;
    const url = new URL(form.action, result.final!.url);
    const body = new URLSearchParams({ ...form.fields, title: 'Big sums', scoreMaximum: '10' });
    body.delete('skills');
    body.append('skills', 'add-big'); // needs add-small
    body.set('minItems', '0');
    body.set('maxItems', '2');
    const count = () =>
      fx.pathwise.database.connection.collection('pw_assignments').countDocuments();
    const before = await count();
    const first = await fetch(url, { method: 'POST', body });
    const page = await first.text();
    expect(first.status).to.equal(200);
    expect(page).to.contain('Check before adding');
    expect(page).to.contain(
      'Pathwise adds these prerequisites so students can learn the skills in order: Adding small numbers.',
    );
    expect(page).to.match(/A typical student needs about \d+ questions to master these 2 skills/);
    expect(page).to.match(/Your limit of 2 questions is below that/);
    expect(await count()).to.equal(before);
    // The form keeps what was typed.
    expect(page).to.contain("value='Big sums'");
    const reviewed = /name='reviewed' value='([0-9a-f]+)'/.exec(page)![1]!;
    // A changed form is reviewed again, the same one is saved.
    const changed = new URLSearchParams(body);
    changed.set('maxItems', '3');
    changed.set('reviewed', reviewed);
    const again = await (await fetch(url, { method: 'POST', body: changed })).text();
    expect(again).to.contain('Check before adding');
    expect(await count()).to.equal(before);
    const confirmed = new URLSearchParams(body);
    confirmed.set('reviewed', reviewed);
    const saved = await (await fetch(url, { method: 'POST', body: confirmed })).text();
    expect(readForm(saved)?.fields['JWT']).to.be.a('string');
    expect(await count()).to.equal(before + 1);
  });
});
