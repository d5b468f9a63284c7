/**
 * Placement (ALEKS-style initial check): a short adaptive walk of the prerequisite graph at the
 * start of an assignment. Each probe asks questions on one skill until it is settled (three
 * right, or two wrong: with two right, lucky guesses on a graph with errors placed 15 % of skills
 * falsely in the simulation study, with three 5 %); a skill answered right tells that its
 * prerequisites are known too, a
 * skill answered wrong that its dependents are not, so each probe settles several skills. The
 * skills found known are then marked mastered ("placed"), and practice starts at the frontier.
 * Pure: the state is a plain object the app stores with the practice set.
 */
import { scheduleReview } from './review.js';
import { replaceSkill, skillStateOf, EMPTY_SKILL } from './learner-model.js';
import type { EngineConfig } from './params.js';
import type { LearnerState, MasteryChange, SkillId } from './types.js';

export interface PlacementState {
  /** Questions asked so far. */
  readonly asked: number;
  /** Questions the placement may ask at most. */
  readonly budget: number;
  /** The skill being probed and its answers so far. */
  readonly probe: {
    readonly skillId: SkillId;
    readonly right: number;
    readonly wrong: number;
  } | null;
  readonly known: readonly SkillId[];
  readonly unknown: readonly SkillId[];
  readonly done: boolean;
}

export const placementMessages = {
  probe: (skill: string) =>
    `Placement check: a question on ${skill}, to find where to start (it does not count against you).`,
  placed: (skill: string) =>
    `Your placement check showed you already know ${skill}: marked as mastered (a review will confirm it).`,
  summary: (known: number, total: number) =>
    known === 0
      ? 'Placement check done: we will start from the first skills.'
      : `Placement check done: you already know ${String(known)} of ${String(total)} skills, so practice starts where you are.`,
} as const;

/** Right answers that settle a probed skill as known; wrong ones that settle it as not known. */
const PLACE_AFTER_RIGHT = 3;
const SETTLE_AFTER_WRONG = 2;

export function startPlacement(budget: number): PlacementState {
  return { asked: 0, budget, probe: null, known: [], unknown: [], done: budget <= 0 };
}

type Graph = Readonly<Record<string, readonly SkillId[]>>;

function closure(start: SkillId, next: (s: SkillId) => readonly SkillId[]): Set<SkillId> {
  const seen = new Set<SkillId>();
  const stack = [start];
  while (stack.length > 0) {
    const s = stack.pop() as SkillId;
    for (const n of next(s)) {
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(n);
    }
  }
  return seen;
}

/**
 * The next skill to probe: the undetermined skill whose answer settles the most, i.e. the one
 * with the most balanced split between its undetermined prerequisites (settled if it is known)
 * and its undetermined dependents (settled if it is not). Undefined when placement is over.
 */
export function nextPlacementSkill(
  state: PlacementState,
  skills: readonly SkillId[],
  prerequisites: Graph,
  learner: LearnerState,
): SkillId | undefined {
  if (state.done) return undefined;
  if (state.probe !== null) return state.probe.skillId;
  const settled = new Set<SkillId>([...state.known, ...state.unknown]);
  const open = skills.filter((s) => !settled.has(s) && !skillStateOf(learner, s).mastered);
  if (open.length === 0) return undefined;
  const inside = new Set(open);
  const pre = (s: SkillId) => (prerequisites[s] ?? []).filter((p) => inside.has(p));
  const dependents = (s: SkillId) => open.filter((d) => (prerequisites[d] ?? []).includes(s));
  let best: { s: SkillId; score: number } | undefined;
  for (const s of open) {
    const up = closure(s, pre).size;
    const down = closure(s, dependents).size;
    const score = Math.min(up, down) * 1000 + up + down;
    if (best === undefined || score > best.score) best = { s, score };
  }
  return best?.s;
}

/** Records a placement answer on the probed skill; settles it (and its neighbours) when clear. */
export function recordPlacementAnswer(
  state: PlacementState,
  skillId: SkillId,
  correct: boolean,
  skills: readonly SkillId[],
  prerequisites: Graph,
): PlacementState {
  const probe = state.probe?.skillId === skillId ? state.probe : { skillId, right: 0, wrong: 0 };
  const next = {
    skillId,
    right: probe.right + (correct ? 1 : 0),
    wrong: probe.wrong + (correct ? 0 : 1),
  };
  const asked = state.asked + 1;
  const overBudget = asked >= state.budget;
  const inside = new Set(skills);
  let known = state.known;
  let unknown = state.unknown;
  let open: typeof state.probe = next;
  if (next.right >= PLACE_AFTER_RIGHT) {
    const ancestors = closure(skillId, (s) =>
      (prerequisites[s] ?? []).filter((p) => inside.has(p)),
    );
    known = [
      ...new Set([...known, skillId, ...[...ancestors].filter((a) => !unknown.includes(a))]),
    ];
    open = null;
  } else if (next.wrong >= SETTLE_AFTER_WRONG) {
    const below = closure(skillId, (s) =>
      skills.filter((d) => (prerequisites[d] ?? []).includes(s)),
    );
    unknown = [...new Set([...unknown, skillId, ...[...below].filter((d) => !known.includes(d))])];
    open = null;
  }
  const settled = new Set([...known, ...unknown]);
  const done = overBudget || skills.every((s) => settled.has(s));
  return { asked, budget: state.budget, probe: done ? null : open, known, unknown, done };
}

/**
 * Marks the skills a placement found known as mastered (if they are not already): each gets a
 * review card so spaced review confirms it, and a readable change.
 */
export function applyPlacement(
  learner: LearnerState,
  known: readonly SkillId[],
  config: EngineConfig,
  now: Date,
  skillName: (s: SkillId) => string = (s) => s,
): { readonly state: LearnerState; readonly changes: readonly MasteryChange[] } {
  return markMastered(learner, known, config, now, 'PLACED', (s) =>
    placementMessages.placed(skillName(s)),
  );
}

/** Marks skills mastered with a review card and a reason (placement, or a test-out on request). */
export function markMastered(
  learner: LearnerState,
  skillIds: readonly SkillId[],
  config: EngineConfig,
  now: Date,
  code: 'PLACED' | 'TESTED_OUT',
  why: (s: SkillId) => string,
): { readonly state: LearnerState; readonly changes: readonly MasteryChange[] } {
  let skills = learner.skills;
  const changes: MasteryChange[] = [];
  for (const skillId of skillIds) {
    const entry = skillStateOf(learner, skillId);
    if (entry.mastered) continue;
    const base = entry === EMPTY_SKILL ? { ...EMPTY_SKILL, skillId } : entry;
    skills = replaceSkill(skills, {
      ...base,
      mastered: true,
      review: scheduleReview(null, true, now, config.review),
    });
    changes.push({
      skillId,
      from: 'not-mastered',
      to: 'mastered',
      probability: base.mastery,
      code,
      why: why(skillId),
    });
  }
  return { state: { ...learner, skills }, changes };
}
