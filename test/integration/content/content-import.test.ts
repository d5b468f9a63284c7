// The question bank on a real database (the embedded server, or MongoDB when MONGODB_URI is
// set): imports land completely or change nothing, also when a write fails midway.
import { expect } from 'chai';
import type { Connection } from 'mongoose';
import { asItemId, asSkillId } from '../../../src/engine/index.js';
import {
  CONTENT_COLLECTIONS,
  createContentRepository,
} from '../../../src/content/content.repository.mongo.js';
import type { ContentRepository } from '../../../src/content/content.repository.js';
import {
  createContentService,
  type ContentService,
  type ImportSource,
} from '../../../src/content/content.service.js';
import { DEMO_BANK_FILES } from '../../../src/content/demo-bank/index.js';
import { openDatabase, type Database } from '../../../src/infra/db.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { silentLogger } from '../../support/app.js';

const json = (name: string, value: unknown): ImportSource => ({
  name,
  format: 'json',
  text: JSON.stringify(value, null, 2),
});

const extraSkillFile = json('extra.json', {
  format: 'pathwise-bank/1',
  skills: [
    {
      id: 'decimals-place-value',
      name: 'Decimal place value',
      prerequisites: ['integers-add-subtract'],
    },
  ],
  templates: [
    {
      id: 'decimal-tenths',
      skills: ['decimals-place-value'],
      type: 'numeric',
      prompt: 'How many tenths are in {{n}}?',
      variables: { n: { kind: 'decimal', min: 0.1, max: 0.9, step: 0.1 } },
      answer: { value: 'round(n * 10)' },
      hints: ['One tenth is 0.1.', 'Count the tenths.'],
      solution: '{{n}} is {{t}} tenths.',
      derived: { t: 'round(n * 10)' },
    },
  ],
});

describe('content import into MongoDB', function () {
  let testDb: TestDatabase;
  let database: Database;
  let connection: Connection;
  let repository: ContentRepository;
  let service: ContentService;

  /** Raw document counts of every content collection, staged revisions included. */
  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const name of Object.values(CONTENT_COLLECTIONS))
      out[name] = await connection.collection(name).countDocuments({});
    return out;
  }

  beforeEach(async function () {
    testDb = await openTestDatabase();
    database = await openDatabase(testDb.uri, silentLogger);
    connection = database.connection;
    repository = await createContentRepository(connection);
    service = createContentService({ repository });
  });
  afterEach(async function () {
    await database.close();
    await testDb.close();
  });

  it('loads the demo bank and serves skills, templates by primary skill and prerequisites', async function () {
    const result = await service.loadDemoBank();
    expect(result.ok, JSON.stringify(result)).to.equal(true);
    if (!result.ok) return;
    expect(result.value.added.skills).to.be.at.least(12);
    expect(result.value.added.templates).to.be.at.least(60);

    const skills = await repository.listSkills();
    expect(skills.map((s) => s.id)).to.include.members([
      'integers-add-subtract',
      'fractions-add-unlike',
      'equations-both-sides',
    ]);
    const skill = await repository.getSkill(asSkillId('fractions-add-unlike'));
    expect(skill?.prerequisites).to.deep.equal(['fractions-add-like']);
    const templates = await repository.listTemplates([
      asSkillId('fractions-divide'),
      asSkillId('ratios'),
    ]);
    expect(templates.length).to.be.at.least(8);
    expect(new Set(templates.map((t) => t.skills[0]))).to.deep.equal(
      new Set(['fractions-divide', 'ratios']),
    );
    expect((await repository.listTemplates()).length).to.equal(result.value.totals.templates);
    const template = await repository.getTemplate(asItemId('frac-divide'));
    expect(template?.type).to.equal('fraction');
    expect(await repository.getTemplate(asItemId('no-such-template'))).to.equal(undefined);
    const prerequisites = await repository.prerequisites();
    expect(prerequisites['equations-both-sides']).to.deep.equal([
      'equations-two-step',
      'expressions-simplify',
    ]);
  });

  it('loadDemoBank is idempotent: a second call writes nothing', async function () {
    const first = await service.loadDemoBank();
    const before = await counts();
    const second = await service.loadDemoBank();
    expect(second.ok && first.ok && second.value.revision === first.value.revision).to.equal(true);
    expect(second.ok && second.value.added).to.deep.equal({ skills: 0, templates: 0 });
    expect(await counts()).to.deep.equal(before);
  });

  it('a malformed JSON file among valid ones changes nothing and names file and line', async function () {
    await service.loadDemoBank();
    const before = await counts();
    const snapshot = await repository.snapshot();
    const broken: ImportSource = {
      name: 'broken.json',
      format: 'json',
      text: '{\n  "format": "pathwise-bank/1",\n  "skills": [\n',
    };
    const result = await service.importSources([extraSkillFile, broken]);
    expect(result.ok).to.equal(false);
    if (result.ok || result.error.type !== 'invalid-content')
      throw new Error('expected invalid content');
    expect(result.error.problems.map((p) => [p.file, p.line])).to.deep.equal([['broken.json', 4]]);
    expect(await counts()).to.deep.equal(before);
    expect((await repository.snapshot()).revision).to.equal(snapshot.revision);
    expect(await repository.getSkill(asSkillId('decimals-place-value'))).to.equal(undefined);
  });

  it('a malformed GIFT file changes nothing and names file, question, line and field', async function () {
    await service.loadDemoBank();
    const before = await counts();
    const gift: ImportSource = {
      name: 'quiz.gift',
      format: 'gift',
      text: '$CATEGORY: fractions-add-like\n\n::Good:: Is 1/2 + 1/2 = 1? {T}\n\n::Bad:: Pick one {=a ~%50%b}\n',
    };
    const result = await service.importSources([extraSkillFile, gift]);
    if (result.ok || result.error.type !== 'invalid-content')
      throw new Error('expected invalid content');
    expect(result.error.problems.map((p) => [p.file, p.item, p.line, p.field])).to.deep.equal([
      ['quiz.gift', 'question 2 "Bad"', 5, 'answers[2]'],
    ]);
    expect(await counts()).to.deep.equal(before);
  });

  it('a write that fails midway leaves the bank exactly as it was and cleans up', async function () {
    await service.loadDemoBank();
    const before = await counts();
    const snapshot = await repository.snapshot();
    let batches = 0;
    const failing = await createContentRepository(connection, {
      batchSize: 5,
      beforeBatch: (collection, batch) => {
        batches++;
        if (collection === 'templates' && batch === 3) throw new Error('simulated write failure');
      },
    });
    let thrown: unknown;
    try {
      await createContentService({ repository: failing }).importSources([extraSkillFile]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(Error);
    expect((thrown as Error).message).to.equal('simulated write failure');
    expect(batches, 'skills and three template batches were written first').to.be.greaterThan(5);
    expect(await counts()).to.deep.equal(before);
    const after = await repository.snapshot();
    expect(after.revision).to.equal(snapshot.revision);
    expect(after.bank.templates.map((t) => t.id)).to.deep.equal(
      snapshot.bank.templates.map((t) => t.id),
    );
    expect(await repository.getTemplate(asItemId('decimal-tenths'))).to.equal(undefined);

    const retried = await service.importSources([extraSkillFile]);
    expect(retried.ok && retried.value.added).to.deep.equal({ skills: 1, templates: 1 });
    expect((await repository.getTemplate(asItemId('decimal-tenths')))?.title).to.equal(
      'decimal-tenths',
    );
  });

  it('of two imports validated against the same revision, only the first publishes', async function () {
    await service.loadDemoBank();
    const snapshot = await repository.snapshot();
    const before = await counts();
    const extended = { skills: snapshot.bank.skills, templates: snapshot.bank.templates.slice(1) };
    const first = await repository.publish(extended, snapshot.revision);
    expect(first.status).to.equal('published');
    const second = await repository.publish(snapshot.bank, snapshot.revision);
    expect(second).to.deep.equal({ status: 'conflict' });
    expect((await repository.listTemplates()).length).to.equal(snapshot.bank.templates.length - 1);
    // The new revision replaced the old one; the loser's staged documents are gone.
    const now = await counts();
    expect(now[CONTENT_COLLECTIONS.templates]).to.equal(
      (before[CONTENT_COLLECTIONS.templates] ?? 0) + snapshot.bank.templates.length - 1,
    );
  });

  it('keeps only the active and previous revisions after several imports', async function () {
    await service.loadDemoBank();
    const sizes = (await repository.snapshot()).bank;
    await service.importSources([extraSkillFile]);
    const replaced = json('extra.json', {
      format: 'pathwise-bank/1',
      skills: [{ id: 'decimals-place-value', name: 'Decimals' }],
    });
    const third = await service.importSources([replaced], { replaceExisting: true });
    expect(third.ok).to.equal(true);
    const revisions = await connection.collection(CONTENT_COLLECTIONS.skills).distinct('revision');
    expect(revisions).to.have.length(2);
    expect((await repository.getSkill(asSkillId('decimals-place-value')))?.name).to.equal(
      'Decimals',
    );
    expect((await repository.listSkills()).length).to.equal(sizes.skills.length + 1);
  });

  it('refuses a changed template with an existing id unless --replace, then replaces it', async function () {
    await service.loadDemoBank();
    const changed = DEMO_BANK_FILES.find((f) => f.name.endsWith('integers.json'));
    const value = JSON.parse(JSON.stringify(changed?.value)) as {
      templates: { hints: string[] }[];
    };
    value.templates[0]!.hints = ['A new first hint.', 'A new second hint.'];
    const source = json('integers.json', value);
    const refused = await service.importSources([source]);
    if (refused.ok || refused.error.type !== 'invalid-content')
      throw new Error('expected invalid content');
    expect(refused.error.problems[0]?.message).to.include('already in the bank');
    const replaced = await service.importSources([source], { replaceExisting: true });
    expect(replaced.ok && replaced.value.replaced).to.deep.equal({ skills: 0, templates: 1 });
    expect((await repository.getTemplate(asItemId('int-add-mixed-signs')))?.hints[0]).to.equal(
      'A new first hint.',
    );
  });

  it('imports GIFT questions into an existing skill', async function () {
    await service.loadDemoBank();
    const gift: ImportSource = {
      name: 'warmup.gift',
      format: 'gift',
      text: '$CATEGORY: $course$/top/fractions-add-like\n\n::Half:: What is $$\\frac\\{1\\}\\{2\\} + \\frac\\{1\\}\\{2\\}$$? {#1}\n',
    };
    const result = await service.importSources([gift]);
    expect(result.ok && result.value.added).to.deep.equal({ skills: 0, templates: 1 });
    const template = await repository.getTemplate(asItemId('warmup-half'));
    expect(template?.skills).to.deep.equal(['fractions-add-like']);
    expect(template?.prompt).to.equal('What is $$\\frac{1}{2} + \\frac{1}{2}$$?');
  });
});
