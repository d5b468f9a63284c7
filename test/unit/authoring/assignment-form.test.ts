import { expect } from 'chai';
import { parseAssignmentForm, formMessages } from '../../../src/authoring/assignment-form.js';
import type { Skill } from '../../../src/content/content.model.js';
import { asSkillId } from '../../../src/engine/index.js';

const skill = (id: string, prerequisites: string[] = []): Skill => ({
  id: asSkillId(id),
  name: id.toUpperCase(),
  description: '',
  prerequisites: prerequisites.map(asSkillId),
});
const bank = [skill('a'), skill('b', ['a']), skill('c', ['b']), skill('d')];

const good = {
  title: 'Week 3',
  scoreMaximum: '20',
  dueAt: '',
  skills: ['c'],
  mastery: 'streak3',
  targetSuccess: '75',
  minItems: '5',
  maxItems: '30',
  spacedReview: 'true',
  scorePolicy: 'correctness',
};

describe('parseAssignmentForm', function () {
  it('turns a good form into settings and adds missing prerequisites in bank order', function () {
    const parsed = parseAssignmentForm(good, bank);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.value.settings).to.deep.equal({
      skillIds: ['a', 'b', 'c'],
      mastery: { kind: 'streak', inARow: 3 },
      targetSuccess: 0.75,
      minItems: 5,
      maxItems: 30,
      spacedReview: true,
      placement: false,
      scorePolicy: 'correctness',
    });
    expect(parsed.value.addedPrerequisites.map((s) => s.id)).to.deep.equal(['b', 'a']);
  });

  it('reports every bad field at once and echoes the input', function () {
    const parsed = parseAssignmentForm(
      {
        ...good,
        title: ' ',
        scoreMaximum: '0',
        skills: ['nope'],
        mastery: 'p50',
        targetSuccess: '99',
        minItems: '-1',
        maxItems: 'x',
        scorePolicy: 'vibes',
      },
      bank,
    );
    expect(parsed.ok).to.equal(false);
    if (parsed.ok) return;
    expect(parsed.errors).to.deep.equal({
      title: formMessages.title,
      scoreMaximum: formMessages.points,
      skills: formMessages.unknownSkill('nope'),
      mastery: formMessages.mastery,
      targetSuccess: formMessages.target,
      minItems: formMessages.minItems,
      maxItems: formMessages.maxItems,
      scorePolicy: formMessages.scorePolicy,
    });
    expect(parsed.fields.title).to.equal('');
    expect(parsed.fields.skills).to.deep.equal(['nope']);
  });

  it('requires a skill when the bank has some, and a maximum not below the minimum', function () {
    const none = parseAssignmentForm({ ...good, skills: [] }, bank);
    expect(!none.ok && none.errors.skills).to.equal(formMessages.skills);
    const inverted = parseAssignmentForm({ ...good, minItems: '10', maxItems: '5' }, bank);
    expect(!inverted.ok && inverted.errors.maxItems).to.equal(formMessages.maxItems);
  });
});
