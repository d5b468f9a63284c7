/**
 * Abuse of the practice rules (hardening issue): free re-rolls by switching skill, choosing a
 * skill that is not ready, and staff answering as if they were students.
 */
import { expect } from 'chai';
import { startLtiFixture, type LtiFixture } from '../../support/pathwise.js';
import {
  answerFor,
  deepLinkAssignment,
  getPage,
  importMiniBank,
  launchStudent,
  postForm,
  storedSet,
  userIdOf,
} from '../../support/practice.js';
import {
  bodyRows,
  cellOf,
  dashboardPath,
  getHtml,
  nameOf,
  rowFor,
  tableOf,
} from '../../integration/dashboards/helpers.js';

describe('security: practice rules cannot be gamed', function () {
  this.timeout(60_000);
  let fx: LtiFixture;
  let link: string;
  const db = () => fx.pathwise.database.connection;

  before(async function () {
    fx = await startLtiFixture();
    await importMiniBank(fx);
    // Two independent skills (read before anything caches the bank).
    const imported = await fx.pathwise.application.content.importSources([
      {
        name: 'two-ready.json',
        format: 'json',
        text: JSON.stringify({
          format: 'pathwise-bank/1',
          skills: [
            { id: 'ready-a', name: 'Ready A', description: 'A.' },
            { id: 'ready-b', name: 'Ready B', description: 'B.' },
          ],
          templates: ['ready-a', 'ready-b'].flatMap((skill) =>
            [1, 2, 3].map((n) => ({
              id: `${skill}-${n}`,
              title: `${skill} item ${n}`,
              skills: [skill],
              type: 'numeric',
              prompt: `${skill} ${n}: what is {{a}} + ${n}?`,
              variables: { a: { kind: 'integer', min: 1, max: 9 } },
              answer: { value: `a + ${n}` },
              hints: ['Add.'],
              solution: 'Add them.',
            })),
          ),
        }),
      },
    ]);
    if (!imported.ok) throw new Error(JSON.stringify(imported.error));
    link = await deepLinkAssignment(fx, 'moodle', {
      title: 'Rules',
      scoreMaximum: '10',
      skills: ['add-small', 'add-big'],
      minItems: '0',
    });
  });
  after(async function () {
    await fx.close();
  });

  it('a locked skill cannot be chosen: 409 with what to master first, nothing changes', async function () {
    const page = await launchStudent(fx, 'moodle', 'student-01', link);
    const userId = userIdOf(fx, 'moodle', 'student-01');
    const before = await storedSet(fx, userId);
    const chosen = await postForm(fx, '/practice/skill', {
      session: page.session,
      skill: 'add-big',
    });
    expect(chosen.status).to.equal(409);
    expect(chosen.html).to.contain('not ready yet: first master Adding small numbers');
    const after = await storedSet(fx, userId);
    expect(after.version).to.equal(before.version);
    expect(after.current?.step).to.equal(before.current?.step);
    expect(await db().collection('pw_attempts').countDocuments({ userId })).to.equal(0);
  });

  it('choosing the skill on screen, or a mastered one, never re-rolls the question', async function () {
    const twoReady = await deepLinkAssignment(fx, 'moodle', {
      title: 'Two ready skills',
      scoreMaximum: '10',
      skills: ['add-small'],
      minItems: '0',
    });
    const page = await launchStudent(fx, 'moodle', 'student-02', twoReady);
    const userId = userIdOf(fx, 'moodle', 'student-02');
    const first = await storedSet(fx, userId);
    // Choosing the skill already on screen keeps the question: no re-roll.
    await postForm(fx, '/practice/skill', { session: page.session, skill: 'add-small' });
    const same = await storedSet(fx, userId);
    expect(same.current?.step).to.equal(first.current?.step);
    expect(same.current?.instance.seed).to.equal(first.current?.instance.seed);
    expect(await db().collection('pw_attempts').countDocuments({ userId })).to.equal(0);

    // On the two-skill assignment a student masters add-small, then switches back and forth.
    const student = await launchStudent(fx, 'moodle', 'student-03', link);
    const id33 = userIdOf(fx, 'moodle', 'student-03');
    const addSmallMastered = async () => {
      const profile = await db().collection('pw_learners').findOne({ userId: id33 });
      const engine = profile?.['engine'] as
        { skills: { skillId: string; mastered: boolean }[] } | undefined;
      return engine?.skills.find((s) => s.skillId === 'add-small')?.mastered === true;
    };
    for (let i = 0; i < 60; i++) {
      const set = await storedSet(fx, id33);
      if (set.phase === 'question' && (await addSmallMastered())) break;
      if (set.phase === 'feedback') {
        await postForm(fx, '/practice/next', { session: student.session });
        continue;
      }
      await postForm(fx, '/practice/answer', {
        session: student.session,
        step: String(set.current!.step),
        answer: answerFor(set.current!.instance.key, true),
      });
    }
    const ready = await storedSet(fx, id33);
    expect(await addSmallMastered(), 'add-small mastered').to.equal(true);
    const answeredBefore = ready.answered;
    // Only ready skills can be chosen; add-small is mastered now, so it is refused too.
    const mastered = await postForm(fx, '/practice/skill', {
      session: student.session,
      skill: 'add-small',
    });
    expect(mastered.status).to.equal(409);
    expect(mastered.html).to.contain('already mastered that skill');
    // Back to automatic choice: the question on screen stays (no free re-roll either).
    await postForm(fx, '/practice/skill', { session: student.session, skill: '' });
    const kept = await storedSet(fx, id33);
    expect(kept.current?.step).to.equal(ready.current?.step);

    expect(answeredBefore).to.be.above(0);
  });

  it('eight switches between two ready skills store eight skipped questions, never an answer', async function () {
    const abLink = await deepLinkAssignment(fx, 'moodle', {
      title: 'A and B',
      scoreMaximum: '10',
      skills: ['ready-a', 'ready-b'],
      minItems: '0',
    });
    const page = await launchStudent(fx, 'moodle', 'student-05', abLink);
    const userId = userIdOf(fx, 'moodle', 'student-05');
    const skippedTemplates: string[] = [];
    for (let i = 0; i < 8; i++) {
      const set = await storedSet(fx, userId);
      const other = set.current!.instance.skillId === 'ready-a' ? 'ready-b' : 'ready-a';
      skippedTemplates.push(set.current!.instance.templateId);
      const switched = await postForm(fx, '/practice/skill', {
        session: page.session,
        skill: other,
      });
      expect(switched.status).to.equal(200);
      const next = await storedSet(fx, userId);
      expect(next.current!.instance.skillId).to.equal(other);
      // The item just left is not the one served when its skill comes back.
      if (i >= 1) expect(next.current!.instance.templateId).not.to.equal(skippedTemplates[i - 1]);
    }
    const set = await storedSet(fx, userId);
    expect(set.answered).to.equal(0);
    expect(set.skipped).to.equal(8);
    const stored = await db().collection('pw_attempts').find({ userId }).toArray();
    expect(stored).to.have.length(8);
    expect(stored.every((a) => a['skipped'] === true && a['correct'] === false)).to.equal(true);
    // Nothing was graded.
    expect(set.lastScore ?? undefined).to.equal(undefined);

    // The instructor sees the skips: "8 skipped" next to 0 answers, and per item.
    const instructor = await launchStudent(fx, 'moodle', 'instructor', abLink);
    const overview = await getHtml(fx, dashboardPath('', instructor.session));
    const row = rowFor(tableOf(overview.html, 'roster'), nameOf(fx, 'moodle', 'student-05'));
    expect(cellOf(row, 'answered')).to.match(/^0 \(8 skipped\)$/);
    const items = await getHtml(fx, dashboardPath('/items', instructor.session));
    const skippedCells = bodyRows(tableOf(items.html, 'items')).map((r) =>
      Number(cellOf(r, 'skipped')),
    );
    expect(skippedCells.reduce((sum, n) => sum + n, 0)).to.equal(8);
  });

  it('an instructor may try the assignment in preview: checked and explained, never graded or counted', async function () {
    const instructor = await launchStudent(fx, 'moodle', 'instructor', link);
    expect(instructor.url).to.match(/\/dashboard\?session=/);
    const stats = async () => db().collection('pw_item_stats').find({}).toArray();
    const statsBefore = JSON.stringify(await stats());
    const outboxBefore = await db().collection('pw_grade_outbox').countDocuments();
    const page = await getPage(fx, instructor.session);
    expect(page.status).to.equal(200);
    expect(page.html).to.contain('Preview: you see this assignment as a student would');
    const userId = userIdOf(fx, 'moodle', 'instructor');
    const set = await storedSet(fx, userId);
    expect(set.assignmentId.startsWith('preview:')).to.equal(true);
    for (const correct of [true, false]) {
      const current = (await storedSet(fx, userId)).current!;
      const answered = await postForm(fx, '/practice/answer', {
        session: instructor.session,
        step: String(current.step),
        answer: answerFor(current.instance.key, correct),
      });
      expect(answered.status).to.equal(200);
      expect(answered.html).to.contain(correct ? 'Correct!' : 'Not quite');
      await postForm(fx, '/practice/next', { session: instructor.session });
    }
    expect((await storedSet(fx, userId)).lastScore ?? undefined).to.equal(undefined);
    expect(await db().collection('pw_grade_outbox').countDocuments()).to.equal(outboxBefore);
    expect(JSON.stringify(await stats())).to.equal(statsBefore);
    // The class dashboard lists students only; the preview is not among them.
    const overview = await getHtml(fx, dashboardPath('', instructor.session));
    expect(overview.html).not.to.contain(nameOf(fx, 'moodle', 'instructor'));
    const platform = fx.platform('moodle');
    const [lineItem] = platform.state.lineItemsForLink(link);
    const scores = lineItem === undefined ? [] : platform.state.scoresFor(lineItem.id);
    expect(scores.filter((s) => s.userId === userId)).to.deep.equal([]);
  });
});
