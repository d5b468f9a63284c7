/**
 * Practice benchmark (`npm run bench:practice`): answer submissions per second and latency with
 * 100 concurrent connections, each one a launched student answering through the JSON practice
 * API (authenticated request → answer check → engine update → attempt, profile and set stored →
 * score queued → response with the next question). Next to it, a bare Express "hello" server
 * driven by the same client at the same concurrency, in the same run; the ratio is printed.
 *
 * Everything runs in this process on the embedded database (or MONGODB_URI): client, Pathwise,
 * the LMS simulator and the hello server share the same two cores.
 */
import express from 'express';
import { formatTable, runLoad, type LoadResult } from './lti/load.js';
import { startLtiBenchFixture } from './lti/fixture.js';
import { deepLinkAssignment, launchStudent } from '../test/support/practice.js';
import { startServer } from '../test/support/platform/http.js';

const CONCURRENCY = 100;
const WARMUP_MS = 3_000;
const DURATION_MS = 10_000;

function percentile(result: LoadResult, q: number): number {
  const sorted = result.latenciesMs;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

interface Student {
  readonly session: string;
  step: number;
  /** An answer of the right kind for the question on screen (right or wrong does not matter). */
  answer: string;
}

interface QuestionJson {
  readonly step: number;
  readonly type: string;
  readonly choices: readonly { readonly id: string }[];
}

const answerFor = (question: QuestionJson): string => question.choices[0]?.id ?? '1';

const fx = await startLtiBenchFixture({ studentCount: CONCURRENCY });
try {
  const demo = await fx.application.content.loadDemoBank();
  if (!demo.ok) throw new Error('the demo bank does not load');
  // The first six skills of the bank (with their prerequisites, as an instructor would pick).
  const skills = (await fx.application.contentRepository.listSkills()).slice(0, 6).map((s) => s.id);
  const link = await deepLinkAssignment(fx, 'canvas', {
    title: 'Benchmark practice',
    scoreMaximum: '100',
    skills,
  });

  // Launch every student once (not measured) and read their first question.
  const students: Student[] = [];
  for (let i = 1; i <= CONCURRENCY; i++) {
    const page = await launchStudent(fx, 'canvas', `student-${String(i).padStart(2, '0')}`, link);
    const step = /name='step' value='(\d+)'/.exec(page.html)?.[1];
    const choice = /name='answer'[^>]*value='([^']+)'/.exec(page.html)?.[1];
    if (step === undefined) throw new Error(`student ${i} has no question (${page.status})`);
    students.push({ session: page.session, step: Number(step), answer: choice ?? '1' });
  }

  const idle = [...students];
  const answerOp = async (): Promise<void> => {
    const student = idle.pop();
    if (student === undefined) throw new Error('no idle student (concurrency above students)');
    try {
      const body = new URLSearchParams({
        session: student.session,
        step: String(student.step),
        answer: student.answer,
      });
      const response = await fetch(`${fx.url}/practice/answer`, {
        method: 'POST',
        headers: { Accept: 'application/json' },
        body,
      });
      const json = (await response.json()) as { question: QuestionJson | null };
      if (response.status !== 200) throw new Error(`answer → ${response.status}`);
      if (json.question === null) throw new Error('set complete: no next question');
      student.step = json.question.step;
      student.answer = answerFor(json.question);
    } finally {
      idle.push(student);
    }
  };

  const helloApp = express();
  helloApp.use(express.urlencoded({ extended: false }));
  helloApp.post('/hello', (req, res) => {
    res.json({ hello: (req.body as Record<string, string>)['answer'] ?? '' });
  });
  const hello = await startServer(helloApp);
  const helloOp = async (): Promise<void> => {
    const response = await fetch(`${hello.url}/hello`, {
      method: 'POST',
      headers: { Accept: 'application/json' },
      body: new URLSearchParams({ session: 'x'.repeat(43), step: '1', answer: '1' }),
    });
    await response.json();
    if (response.status !== 200) throw new Error(`hello → ${response.status}`);
  };

  const options = { concurrency: CONCURRENCY, warmupMs: WARMUP_MS, durationMs: DURATION_MS };
  const baseline = await runLoad(helloOp, options);
  const practice = await runLoad(answerOp, options);
  await hello.close();

  const attempts = await fx.database.connection.collection('pw_attempts').countDocuments();
  const row = (name: string, r: LoadResult) => [
    name,
    String(r.ops),
    r.perSecond.toFixed(0),
    percentile(r, 0.5).toFixed(1),
    percentile(r, 0.95).toFixed(1),
    percentile(r, 0.99).toFixed(1),
    String(r.errors),
  ];
  console.log(
    `\nPractice answers vs bare Express, ${CONCURRENCY} concurrent connections, ${DURATION_MS / 1000} s each after ${WARMUP_MS / 1000} s warm-up`,
  );
  console.log(
    formatTable(
      ['server', 'requests', 'per second', 'p50 ms', 'p95 ms', 'p99 ms', 'errors'],
      [
        row('bare Express hello (POST, JSON)', baseline),
        row('Pathwise answer submission', practice),
      ],
      new Set([1, 2, 3, 4, 5, 6]),
    ),
  );
  console.log(
    `\nratio: Pathwise answers/s ÷ hello req/s = ${(practice.perSecond / baseline.perSecond).toFixed(3)} ` +
      `(1 : ${(baseline.perSecond / practice.perSecond).toFixed(1)}); p95 ${percentile(practice, 0.95).toFixed(1)} ms vs ${percentile(baseline, 0.95).toFixed(1)} ms`,
  );
  console.log(
    `answers stored: ${attempts}${practice.firstError === undefined ? '' : `; first error: ${practice.firstError}`}`,
  );
} finally {
  await fx.close();
}
