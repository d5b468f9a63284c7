import { expect } from 'chai';
import {
  buildCsv,
  buildGrades,
  buildHeatmap,
  buildItemStats,
  buildOverview,
  buildStruggling,
  csvField,
  csvFileName,
  estimatedSuccess,
  gradeStatusOf,
  heatBand,
  heatCell,
  itemFlags,
  rosterStatusText,
  strugglingPage,
  stuckReasons,
  studentsOf,
  type DashboardInputs,
} from '../../../src/dashboards/instructor-dashboard.view.js';
import {
  at,
  attempt,
  grade,
  inputs,
  member,
  NOW,
  profile,
  SCOPE,
  set,
  skillState,
} from './fixtures.js';

/** A small class: Ana practised well, Bo struggles, Cy never launched, staff and leavers. */
function classroom(): DashboardInputs {
  const anaAttempts = [attempt('ana', 's1', true), attempt('ana', 's1', true)];
  const boAttempts = [1, 2, 3, 4, 5].map(() => attempt('bo', 's1', false, { hintsUsed: 1 }));
  return inputs({
    roster: [
      member('ana', 'Ana Lopez'),
      member('bo', 'Bo Chen'),
      member('cy', 'Cy Adams'),
      member('teacher', 'Grace Hopkins', 'instructor'),
      member('gone', 'Gone Student', 'learner', 'Deleted'),
      member('gone-worked', 'Zed Left', 'learner', 'Deleted'),
      member('quiet', undefined, 'learner', 'Inactive'),
    ],
    sets: [
      set('ana', {
        answered: 2,
        correct: 2,
        phase: 'complete',
        completion: { code: 'GOAL_MET', why: 'Mastered 2 of 2.' },
        updatedAt: at(15),
      }),
      set('bo', { answered: 5, correct: 0 }),
      set('gone-worked', { answered: 1, correct: 1 }),
      set('newcomer', { answered: 1, correct: 0 }),
    ],
    attempts: [...anaAttempts, ...boAttempts],
    profiles: [
      profile('ana', [skillState('s1', 0.91, true)]),
      profile('bo', [skillState('s1', 0.2, false, 5)]),
      // Cy has a profile from another course: it must not show here.
      profile('cy', [skillState('s1', 0.95, true), skillState('s2', 0.9, true)]),
    ],
    grades: [grade('ana', 'sent'), grade('bo', 'dead')],
  });
}

describe('instructor dashboard view builders', function () {
  describe('studentsOf / buildOverview', function () {
    it('lists every learner of the roster, never-launched ones as not started, staff and leavers without work left out', function () {
      const view = buildOverview(classroom());
      expect(view.rows.map((r) => r.name)).to.deep.equal([
        'Ana Lopez',
        'Bo Chen',
        'Cy Adams',
        'Zed Left',
        'Name not shared by the LMS',
        'Name not shared by the LMS',
      ]);
      expect(view.summary).to.deep.equal({
        students: 6,
        started: 4,
        completed: 1,
        notStarted: 2,
        gradeProblems: 1,
      });
      const cy = view.rows.find((r) => r.name === 'Cy Adams')!;
      expect(cy).to.include({
        progress: 'Not started',
        answered: 0,
        percentCorrect: '—',
        mastered: '—',
      });
      expect(cy.lastActivity).to.equal(undefined);
      expect(cy.grade.label).to.equal('No score yet');
    });

    it('shows answered, correct, skills mastered, last activity and grade of a student who practised', function () {
      const ana = buildOverview(classroom()).rows[0]!;
      expect(ana).to.deep.include({
        progress: 'Complete',
        progressKind: 'complete',
        answered: 2,
        correct: 2,
        percentCorrect: '100%',
        mastered: '1 of 2',
        lastActivity: { iso: at(15).toISOString(), text: '2026-03-10 11:45 UTC' },
      });
      expect(ana.grade).to.include({ label: 'Delivered', tone: 'good', score: '7.46 / 10' });
    });

    it('marks who left, who is inactive, who is not in the roster yet, and hides no one without a name', function () {
      const rows = buildOverview(classroom()).rows;
      expect(rows.find((r) => r.name === 'Zed Left')?.note).to.equal('no longer in the course');
      const unnamed = rows.filter((r) => r.nameHidden);
      expect(unnamed.map((r) => [r.shortId, r.note])).to.deep.equal([
        ['newcomer', 'not in the roster yet'],
        ['quiet', 'inactive in the LMS'],
      ]);
    });

    it('never shows mastery for a student who has not started here, even with a profile from elsewhere', function () {
      const cy = studentsOf(classroom()).find((s) => s.userId === 'cy')!;
      expect(cy.skills.map((s) => s.mastery)).to.deep.equal([undefined, undefined]);
      expect(cy.masteredCount).to.equal(0);
      expect(buildCsv(classroom())).to.not.contain('95');
    });

    it('takes the newest grade entry of a student across links', function () {
      const [student] = studentsOf(
        inputs({
          roster: [member('ana', 'Ana')],
          sets: [set('ana')],
          grades: [
            grade('ana', 'dead', { id: 'old', enqueuedAt: at(50), resourceLinkId: 'rl0' }),
            grade('ana', 'sent', { id: 'new', enqueuedAt: at(5) }),
          ],
        }),
      );
      expect(student?.grade?.id).to.equal('new');
    });
  });

  describe('rosterStatusText', function () {
    it('says when the roster was read, and shows an error only when it is newer than the last success', function () {
      expect(rosterStatusText(undefined).status).to.equal(
        'The roster has not been read from your LMS yet.',
      );
      const synced = {
        ...SCOPE,
        platformId: 'p1',
        lastSyncAt: at(60),
        lastAttemptAt: at(60),
        lastError: 'HTTP 500',
        memberCount: 32,
      };
      expect(rosterStatusText(synced)).to.deep.equal({
        status: 'Roster read from your LMS at 2026-03-10 11:00 UTC (32 members).',
        error: undefined,
      });
      expect(rosterStatusText({ ...synced, lastAttemptAt: at(5) }).error).to.equal(
        'The last roster update failed: HTTP 500',
      );
    });
  });

  describe('heatmap', function () {
    it('bands mastery, with the percentage and a words-only state in every cell', function () {
      expect(heatBand({ mastery: undefined, mastered: false, attempts: 0 })).to.equal('heat-none');
      expect(heatBand({ mastery: 0.39, mastered: false, attempts: 2 })).to.equal('heat-low');
      expect(heatBand({ mastery: 0.4, mastered: false, attempts: 2 })).to.equal('heat-mid');
      expect(heatBand({ mastery: 0.7, mastered: false, attempts: 2 })).to.equal('heat-high');
      expect(heatBand({ mastery: 0.6, mastered: true, attempts: 2 })).to.equal('heat-mastered');
      expect(
        heatCell({ skillId: 's1', mastery: 0.914, mastered: true, attempts: 3, correct: 2 }),
      ).to.deep.equal({
        band: 'heat-mastered',
        text: '✓ 91%',
        srText: 'mastered',
        detail: '2/3 answers right',
      });
      expect(
        heatCell({ skillId: 's1', mastery: 0.3, mastered: false, attempts: 1, correct: 0 }),
      ).to.deep.equal({
        band: 'heat-low',
        text: '30%',
        srText: 'mastery, not yet mastered',
        detail: '0/1 answer right',
      });
      expect(
        heatCell({ skillId: 's1', mastery: 0.5, mastered: false, attempts: 0, correct: 0 }).text,
      ).to.equal('—');
    });

    it('has one row per started student, one column per target skill, and class totals', function () {
      const view = buildHeatmap(classroom());
      expect(view.skills.map((s) => s.name)).to.deep.equal([
        'Adding fractions',
        'Comparing fractions',
      ]);
      expect(view.rows.map((r) => r.name)).to.deep.equal([
        'Ana Lopez',
        'Bo Chen',
        'Zed Left',
        'Name not shared by the LMS',
      ]);
      expect(view.rows[0]!.cells.map((c) => c.text)).to.deep.equal(['✓ 91%', '—']);
      expect(view.rows[1]!.cells.map((c) => c.text)).to.deep.equal(['20%', '—']);
      expect(view.totals).to.deep.equal([
        { mastered: 1, practising: 2 },
        { mastered: 0, practising: 0 },
      ]);
      expect(view.summary).to.equal(
        '4 students started this assignment; 2 students have not started and are not shown.',
      );
    });
  });

  describe('struggling students', function () {
    const tries = (pattern: string, hints = 0) =>
      pattern.split('').map((c) => ({ correct: c === '1', hintsUsed: hints }));

    it('flags low mastery after many answers, and a run of misses, saying which and why', function () {
      expect(stuckReasons(tries('10100'), 0.3, false)).to.deep.equal([
        '5 answers on this skill and mastery is still 30%',
      ]);
      expect(stuckReasons(tries('1000'), 0.55, false)).to.deep.equal([
        'missed the last 3 questions in a row',
      ]);
      expect(stuckReasons(tries('000000'), 0.1, false)).to.deep.equal([
        '6 answers on this skill and mastery is still 10%',
        'missed the last 6 questions in a row',
      ]);
    });

    it('does not flag a mastered skill, a short run, or hint use alone; hints support a flag', function () {
      expect(stuckReasons(tries('00000'), 0.2, true)).to.deep.equal([]);
      expect(stuckReasons(tries('0011'), 0.45, false)).to.deep.equal([]);
      expect(stuckReasons(tries('1111', 2), 0.6, false)).to.deep.equal([]);
      expect(stuckReasons(tries('1000', 1), 0.55, false)).to.deep.equal([
        'missed the last 3 questions in a row',
        'used hints on 4 of the last 4 questions',
      ]);
    });

    it('lists stuck students with their skills, most stuck first, and a page with one row per skill', function () {
      const students = buildStruggling(classroom());
      expect(students).to.have.length(1);
      expect(students[0]).to.deep.include({ name: 'Bo Chen', userId: 'bo' });
      expect(students[0]!.skills).to.deep.equal([
        {
          skillId: 's1',
          name: 'Adding fractions',
          mastery: '20%',
          reasons: [
            '5 answers on this skill and mastery is still 20%',
            'missed the last 5 questions in a row',
            'used hints on 4 of the last 4 questions',
          ],
        },
      ]);
      const page = strugglingPage(students);
      expect(page.caption).to.equal('1 student looks stuck; one row per student and skill');
      expect(page.rows[0]).to.deep.include({
        name: 'Bo Chen',
        skill: 'Adding fractions',
        why: '5 answers on this skill and mastery is still 20%; missed the last 5 questions in a row; used hints on 4 of the last 4 questions.',
      });
      expect(page.rules).to.deep.equal({ minAttempts: 5, lowMastery: '50%', missStreak: 3 });
    });
  });

  describe('item statistics', function () {
    it('flags items only with enough answers: very hard, very easy, far from the prediction, hint-heavy', function () {
      expect(itemFlags({ attempts: 4, correct: 0, predictedSum: 3.6, hinted: 4 })).to.deep.equal(
        [],
      );
      expect(itemFlags({ attempts: 10, correct: 2, predictedSum: 7, hinted: 0 })).to.deep.equal([
        'Very hard: only 20% correct',
        'Harder than predicted: 20% correct where about 70% was expected',
      ]);
      expect(itemFlags({ attempts: 20, correct: 20, predictedSum: 14, hinted: 0 })).to.deep.equal([
        'Very easy: 100% correct',
        'Easier than predicted: 100% correct where about 70% was expected',
      ]);
      expect(itemFlags({ attempts: 10, correct: 6, predictedSum: 6, hinted: 5 })).to.deep.equal([
        'Hints used on 50% of answers',
      ]);
      expect(itemFlags({ attempts: 10, correct: 6, predictedSum: 6.5, hinted: 1 })).to.deep.equal(
        [],
      );
    });

    it("estimates difficulty by shrinking an item's own rate towards its skill's", function () {
      const skill = { attempts: 40, correct: 20 };
      const lucky = estimatedSuccess({ attempts: 3, correct: 3 }, skill);
      expect(lucky).to.be.above(0.5).and.below(0.9);
      const proven = estimatedSuccess({ attempts: 30, correct: 30 }, skill);
      expect(proven).to.be.above(lucky);
      expect(estimatedSuccess({ attempts: 0, correct: 0 }, skill)).to.be.closeTo(0.54, 0.02);
    });

    it('aggregates this assignment’s answers per template, flagged items first, and lists unused templates', function () {
      const answers = [
        ...[1, 2, 3, 4, 5, 6].map(() =>
          attempt('bo', 's1', false, { templateId: 's1-t2', predicted: 0.8, hintsUsed: 1 }),
        ),
        ...[1, 2, 3, 4, 5, 6, 7].map((i) =>
          attempt('ana', 's1', i % 2 === 0, { templateId: 's1-t1', predicted: 0.5 }),
        ),
      ];
      const view = buildItemStats(inputs({ attempts: answers }));
      expect(view.rows.map((r) => r.templateId)).to.deep.equal(['s1-t2', 's1-t1']);
      expect(view.flagged).to.equal(1);
      expect(view.rows[0]).to.deep.include({
        title: 'Add unlike denominators',
        skillName: 'Adding fractions',
        attempts: 6,
        correct: 0,
        percentCorrect: '0%',
        expected: '80%',
        difficulty: 'Hard',
        hintRate: '100%',
      });
      expect(view.rows[0]!.flags).to.deep.equal([
        'Very hard: only 0% correct',
        'Harder than predicted: 0% correct where about 80% was expected',
        'Hints used on 100% of answers',
      ]);
      expect(view.rows[1]).to.deep.include({ attempts: 7, percentCorrect: '43%', flags: [] });
      expect(view.unused).to.deep.equal([
        { title: 'Which is bigger?', skillName: 'Comparing fractions' },
      ]);
    });
  });

  describe('grade status', function () {
    it('describes each outbox status, and offers a retry only for failed scores', function () {
      expect(gradeStatusOf(undefined)).to.include({ label: 'No score yet', retryId: undefined });
      expect(gradeStatusOf(grade('a', 'sent'))).to.deep.equal({
        label: 'Delivered',
        tone: 'good',
        detail: 'Delivered to the LMS gradebook at 2026-03-10 11:41 UTC.',
        score: '7.46 / 10',
        retryId: undefined,
      });
      expect(gradeStatusOf(grade('a', 'pending'))).to.include({
        label: 'Waiting to send',
        detail: 'Queued at 2026-03-10 11:40 UTC; sending shortly.',
        retryId: undefined,
      });
      expect(gradeStatusOf(grade('a', 'pending', { attempts: 2 }))).to.include({
        label: 'Retrying',
        detail:
          '2 failed attempts; next try at 2026-03-10 12:05 UTC. Last error: HTTP 422: not a student',
      });
      expect(gradeStatusOf(grade('a', 'dead'))).to.deep.include({
        label: 'Failed',
        tone: 'bad',
        detail: 'Gave up after 3 attempts. The LMS said: HTTP 422: not a student',
        retryId: 'g-a',
      });
      expect(gradeStatusOf(grade('a', 'superseded')).retryId).to.equal(undefined);
    });

    it('lists failed scores first and counts students per state', function () {
      const view = buildGrades(classroom());
      expect(view.rows[0]).to.deep.include({ name: 'Bo Chen', attempts: 3 });
      expect(view.rows[0]!.grade.retryId).to.equal('g-bo');
      expect(view.rows[1]!.name).to.equal('Ana Lopez');
      expect(view.counts).to.deep.equal({ delivered: 1, waiting: 0, failed: 1, none: 4 });
    });
  });

  describe('CSV export', function () {
    it('escapes separators, quotes and line breaks, and defuses formulas', function () {
      expect(csvField('Ana Lopez')).to.equal('Ana Lopez');
      expect(csvField('Lopez, Ana')).to.equal('"Lopez, Ana"');
      expect(csvField('Ana "the ace" Lopez')).to.equal('"Ana ""the ace"" Lopez"');
      expect(csvField('two\nlines')).to.equal('"two\nlines"');
      expect(csvField('a;b')).to.equal('"a;b"');
      expect(csvField(' padded')).to.equal('" padded"');
      expect(csvField('=1+1')).to.equal("'=1+1");
      expect(csvField('+1')).to.equal("'+1");
      expect(csvField('-2')).to.equal("'-2");
      expect(csvField('@SUM(A1)')).to.equal("'@SUM(A1)");
      expect(csvField('\t=1')).to.equal("'\t=1");
      expect(csvField('=HYPERLINK("http://x","y")')).to.equal('"\'=HYPERLINK(""http://x"",""y"")"');
      expect(csvField(-3)).to.equal('-3');
      expect(csvField(0.5)).to.equal('0.5');
      expect(csvField(Number.NaN)).to.equal('');
      expect(csvField(undefined)).to.equal('');
    });

    it('has a header with one mastery column per skill and a line per student, CRLF, with a BOM', function () {
      const csv = buildCsv(classroom());
      expect(csv.startsWith('\uFEFF')).to.equal(true);
      expect(csv.endsWith('\r\n')).to.equal(true);
      const lines = csv.slice(1).trimEnd().split('\r\n');
      expect(lines[0]).to.equal(
        'Student,User ID,Enrolment,Progress,Answered,Correct,Percent correct,Skills mastered,Skills total,Last activity (UTC),Grade status,Score,Out of,Mastery %: Adding fractions,Mastery %: Comparing fractions',
      );
      expect(lines).to.have.length(7);
      expect(lines[1]).to.equal(
        `Ana Lopez,ana,Active,Complete,2,2,100,1,2,${at(15).toISOString()},Delivered,7.46,10,91,`,
      );
      expect(lines[3]).to.equal('Cy Adams,cy,Active,Not started,0,0,,,2,,No score yet,,,,');
      expect(lines.find((l) => l.includes('newcomer'))).to.match(/^,newcomer,,In progress,1,0,0,/);
    });

    it('names the file after the assignment with safe characters only', function () {
      expect(csvFileName('Fractions, week 3: "review"', NOW)).to.equal(
        'pathwise-fractions-week-3-review-2026-03-10.csv',
      );
      expect(csvFileName('¿¡!!', NOW)).to.equal('pathwise-assignment-2026-03-10.csv');
    });
  });
});
