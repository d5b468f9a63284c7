// The demo bank, as learners will meet it: every template instantiated with 50 seeds.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { checkAnswer, correctResponseOf } from '../../../src/content/answer-check.js';
import type { ItemTemplate } from '../../../src/content/content.model.js';
import { ITEM_TYPES } from '../../../src/content/content.model.js';
import { DEMO_BANK_FILES } from '../../../src/content/demo-bank/index.js';
import { instantiateWithValues } from '../../../src/content/generation.js';
import { readJsonBank } from '../../../src/content/import/json-import.js';
import { prepareImport } from '../../../src/content/import/prepare-import.js';
import { evaluateNode, parseAuthorExpression } from '../../../src/content/math.js';
import { findMathErrors, renderMathText } from '../../../src/content/math-render.js';
import { instanceTexts, sampleSeeds } from '../../../src/content/template-check.js';
import { normaliseText } from '../../../src/content/learner-input.js';

const SEEDS = 50;
const DIR = path.join(import.meta.dirname, '../../../src/content/demo-bank');

const prepared = prepareImport(
  DEMO_BANK_FILES.map((f) => readJsonBank(f.name, { value: f.value })),
  { skills: [], templates: [] },
  { replaceExisting: false },
);
if (!prepared.ok) throw new Error(`demo bank invalid: ${JSON.stringify(prepared.error, null, 2)}`);
const { skills, templates } = prepared.value.bank;

const hasMistakeFeedback = (t: ItemTemplate): boolean => {
  switch (t.type) {
    case 'choice-single':
    case 'choice-multi':
      return t.answer.choices.some((c) => !c.correct && c.feedback !== null);
    case 'numeric':
    case 'fraction':
    case 'expression':
    case 'short-text':
      return t.answer.commonErrors.length > 0;
  }
};

describe('demo bank', () => {
  it('parses from disk with line numbers and nothing to report, and the bundle matches the files', () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(files).to.deep.equal(DEMO_BANK_FILES.map((f) => path.basename(f.name)).sort());
    for (const file of files) {
      const parsed = readJsonBank(file, { text: readFileSync(path.join(DIR, file), 'utf8') });
      expect(parsed.problems, file).to.deep.equal([]);
    }
  });

  it('has at least 12 skills in a prerequisite graph and at least 60 templates, 4 per skill', () => {
    expect(skills.length).to.be.at.least(12);
    expect(templates.length).to.be.at.least(60);
    expect(skills.filter((s) => s.prerequisites.length > 0).length).to.be.at.least(
      skills.length - 2,
    );
    for (const skill of skills) {
      const own = templates.filter((t) => t.skills[0] === skill.id);
      expect(own.length, skill.id).to.be.at.least(4);
    }
  });

  it('mixes every item type', () => {
    for (const type of ITEM_TYPES)
      expect(templates.filter((t) => t.type === type).length, type).to.be.at.least(3);
  });

  it('gives every template two hints, a worked solution and feedback for a common mistake', () => {
    for (const t of templates) {
      expect(t.hints.length, t.id).to.be.at.least(2);
      expect(t.solution.trim(), t.id).to.not.equal('');
      expect(hasMistakeFeedback(t), t.id).to.equal(true);
    }
  });

  for (const template of templates) {
    it(`${template.id}: ${SEEDS} instances are sound (key accepted, distractors rejected and distinct, constraints hold, TeX renders)`, () => {
      const names = new Set([...Object.keys(template.variables), ...Object.keys(template.derived)]);
      const constraints = template.constraints.map((c) => {
        const parsed = parseAuthorExpression(c, names);
        if (!parsed.ok) throw new Error(parsed.message);
        return parsed.node;
      });
      const prompts = new Set<string>();
      for (const seed of sampleSeeds(template.id, SEEDS)) {
        const { instance, values } = instantiateWithValues(template, seed);
        prompts.add(
          [instance.question.prompt, ...instance.question.choices.map((c) => c.text)].join('\n'),
        );
        for (const node of constraints)
          expect(evaluateNode(node, values), `seed ${seed}`).to.equal(true);

        const own = checkAnswer(instance, correctResponseOf(instance.key));
        expect(own, `seed ${seed}: ${instance.question.prompt}`).to.include({
          status: 'checked',
          correct: true,
        });

        const { key } = instance;
        if (key.type === 'choice-single' || key.type === 'choice-multi') {
          const texts = instance.question.choices.map((c) => normaliseText(c.text, false));
          expect(new Set(texts).size, `seed ${seed}: ${texts.join(' | ')}`).to.equal(texts.length);
          for (const id of key.choiceIds) {
            const correct =
              key.type === 'choice-single' ? key.correct === id : key.correct.includes(id);
            if (correct) continue;
            const response = key.type === 'choice-single' ? id : [...key.correct, id];
            expect(checkAnswer(instance, response), `seed ${seed} option ${id}`).to.include({
              status: 'checked',
              correct: false,
            });
          }
        } else {
          const mistakes =
            key.type === 'numeric'
              ? key.commonErrors.map((e) => String(e.value))
              : key.type === 'fraction'
                ? key.commonErrors.map((e) => e.value)
                : key.type === 'expression'
                  ? key.commonErrors.map((e) => e.expression)
                  : key.commonErrors.map((e) => e.text);
          for (const mistake of mistakes) {
            const result = checkAnswer(
              instance,
              key.type === 'numeric' && key.units?.required
                ? `${mistake} ${key.units.accepted[0] ?? ''}`
                : mistake,
            );
            expect(result, `seed ${seed}: common error ${mistake}`).to.include({
              status: 'checked',
              correct: false,
            });
          }
        }

        for (const { field, text } of instanceTexts(instance)) {
          expect(findMathErrors(text), `seed ${seed} ${field}: ${text}`).to.deep.equal([]);
          expect(renderMathText(text), `seed ${seed} ${field}`).to.not.include('katex-error');
        }
      }
      if (Object.keys(template.variables).length > 0)
        expect(prompts.size, 'different seeds give different questions').to.be.greaterThan(1);
    });
  }
});
