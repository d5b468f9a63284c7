/**
 * Next-item selection for an assignment: due spaced reviews first, then practice on "ready"
 * skills (not mastered, every prerequisite mastered: ALEKS's outer fringe) with the item whose
 * predicted success is closest to the target (desirable difficulty), interleaving skills,
 * never repeating an item too soon, exploring uncalibrated items a little, honouring the
 * learner's choice among ready skills, and ending with `done` when the goal is met.
 * Deterministic for a given seed.
 */
import { EngineValidationError } from './errors.js';
import {
  EMPTY_SKILL,
  itemEasiness,
  itemOffset,
  learnerLogit,
  logit,
  sigmoid,
  skillStateOf,
} from './learner-model.js';
import type { EngineConfig } from './params.js';
import { placementMessages } from './placement.js';
import { isReviewDue, retrievability } from './review.js';
import { createRng } from './rng.js';
import type { ItemId, LearnerState, PoolItem, SkillId, SkillState, SkillStats } from './types.js';

/** When an assignment is complete. */
export interface AssignmentGoal {
  /** Share of the target skills to master, in (0, 1]. */
  readonly masteredShare: number;
  /** Optional cap on items answered in the set (integer >= 1). */
  readonly maxItems?: number;
}

/** What the learner practises: target skills, the item pool, prerequisites and the goal. */
export interface Assignment {
  /** Target skills of the assignment. */
  readonly skills: readonly SkillId[];
  /** Items offered; items of other skills are ignored. */
  readonly items: readonly PoolItem[];
  /** Prerequisites: skill -> skills that must be mastered first. */
  readonly prerequisites?: Readonly<Record<string, readonly SkillId[]>>;
  /** Completion rule (default: all target skills mastered). */
  readonly goal?: AssignmentGoal;
  /** Display names of skills for the `why` texts. */
  readonly skillNames?: Readonly<Record<string, string>>;
  /** Aggregated statistics per skill (default: summed over the pool's items). */
  readonly skillStats?: Readonly<Record<string, SkillStats>>;
}

/** Inputs of {@link selectNextItem}. */
export interface SelectionRequest {
  readonly learner: LearnerState;
  readonly assignment: Assignment;
  readonly config: EngineConfig;
  readonly now: Date;
  /** Seed of the random choices (derive it with `seedFrom(learnerId, learner.steps)`). */
  readonly seed: number;
  /** A skill the learner asked for; honoured when it is ready or due for review. */
  readonly chosenSkill?: SkillId;
  /** Items answered so far in this set (for `goal.maxItems`). */
  readonly answeredInSet?: number;
  /** Reviews given so far in this set (for `selection.maxReviewsFirst`). */
  readonly reviewsInSet?: number;
  /**
   * Items the learner left unanswered lately (skipped by switching skill): not offered again
   * while another item of the skill is available, so a switch is never a free re-roll.
   */
  readonly avoidItems?: readonly ItemId[];
  /** During a placement check: the skill to probe, whatever its readiness. */
  readonly placementSkill?: SkillId;
}

/** Why the item was chosen. */
export interface ItemReason {
  readonly code:
    'REVIEW_DUE' | 'PRACTICE' | 'EXPLORE' | 'LEARNER_CHOICE' | 'STEP_BACK' | 'PLACEMENT';
  /** A worked example should come before this question (the learner is struggling). */
  readonly workedExample?: boolean;
  /** Text a learner can read. */
  readonly why: string;
  /** Predicted chance of success on this item. */
  readonly predicted: number;
  /** Target chance of success. */
  readonly target: number;
  /** Skills ready to practise (outer fringe) when the choice was made. */
  readonly readySkills: readonly SkillId[];
  /** Skills held back by unmastered prerequisites. */
  readonly blockedSkills: readonly SkillId[];
}

/** Why the set is over. */
export interface DoneReason {
  readonly code: 'GOAL_MET' | 'ITEM_LIMIT' | 'BLOCKED' | 'POOL_EXHAUSTED';
  readonly why: string;
}

/** The selector's answer. */
export type Selection =
  | {
      readonly kind: 'item';
      readonly itemId: ItemId;
      readonly skillId: SkillId;
      readonly reason: ItemReason;
    }
  | { readonly kind: 'done'; readonly reason: DoneReason };

const pct = (p: number): string => `${Math.round(p * 100)}%`;

/** Learner-facing texts of the selector. */
export const selectionMessages = {
  review: (skill: string, days: number) =>
    `Quick review of ${skill}: you mastered it ${days <= 1 ? 'recently' : `${days} days ago`}, and reviewing it now helps you keep it.`,
  stretch: (skill: string, p: number) =>
    `You've been getting ${skill} right; this one is a bit harder to stretch you (about ${pct(p)} chance).`,
  support: (skill: string, p: number) =>
    `Let's build up ${skill} with a question within reach (about ${pct(p)} chance).`,
  switchSkill: (skill: string) => `Switching to ${skill}: mixing skills helps you remember them.`,
  choice: (skill: string) => `You chose ${skill}.`,
  choiceBlocked: (skill: string, missing: string) =>
    `${skill} isn't ready yet: first master ${missing}. Here is something that is ready.`,
  explore: (skill: string) =>
    `A newer ${skill} question we're still calibrating; your answer helps us tune it.`,
  goalMet: (n: number, total: number) =>
    `Well done: you've mastered ${n} of ${total} skills, which completes this assignment.`,
  itemLimit: (n: number) => `You've answered the ${n} questions of this set.`,
  blocked: (skills: string) =>
    `The remaining skills need prerequisites that aren't part of this assignment (${skills}); ask your teacher.`,
  exhausted: () => `There are no more new questions to show right now; come back later.`,
  stepBackEasier: (skill: string, misses: number) =>
    `You've missed the last ${String(misses)} ${skill} questions, so here is an easier one, with a worked example first.`,
  stepBackPrerequisite: (skill: string, prerequisite: string) =>
    `${skill} has been hard lately, so let's strengthen ${prerequisite}, which it builds on.`,
} as const;

function validateRequest(req: SelectionRequest): AssignmentGoal {
  const goal = req.assignment.goal ?? { masteredShare: 1 };
  if (!(goal.masteredShare > 0 && goal.masteredShare <= 1)) {
    throw new EngineValidationError(
      'assignment.goal.masteredShare',
      `must be a number in (0, 1], got ${String(goal.masteredShare)}`,
    );
  }
  if (goal.maxItems !== undefined && !(Number.isInteger(goal.maxItems) && goal.maxItems >= 1)) {
    throw new EngineValidationError(
      'assignment.goal.maxItems',
      `must be an integer >= 1, got ${String(goal.maxItems)}`,
    );
  }
  if (req.assignment.skills.length === 0) {
    throw new EngineValidationError('assignment.skills', 'must list at least one skill');
  }
  if (!Number.isInteger(req.seed)) {
    throw new EngineValidationError('seed', `must be an integer, got ${String(req.seed)}`);
  }
  if (Number.isNaN(req.now.getTime())) {
    throw new EngineValidationError('now', 'must be a valid date');
  }
  return goal;
}

interface Scored {
  readonly item: PoolItem;
  readonly p: number;
}

/**
 * Chooses the next item (or `done`) for a learner in an assignment. Never returns an item outside
 * `assignment.items`, of a skill outside `assignment.skills`, of a blocked skill, or one shown
 * within the last `selection.minRepeatGap` responses. Same inputs and seed, same answer.
 */
export function selectNextItem(req: SelectionRequest): Selection {
  const goal = validateRequest(req);
  const { learner, assignment, config, now } = req;
  const sel = config.selection;
  const model = config.model;
  const rng = createRng(req.seed);
  const name = (s: SkillId): string => assignment.skillNames?.[s] ?? s;
  const targets = [...new Set(assignment.skills)];
  const targetSet = new Set<string>(targets);

  if (goal.maxItems !== undefined && (req.answeredInSet ?? 0) >= goal.maxItems) {
    return {
      kind: 'done',
      reason: { code: 'ITEM_LIMIT', why: selectionMessages.itemLimit(goal.maxItems) },
    };
  }

  // Skill statistics: given, or summed over the pool in one pass.
  let derived: Map<string, { n: number; correct: number }> | undefined;
  const statsOf = (s: SkillId): SkillStats => {
    const given = assignment.skillStats?.[s];
    if (given !== undefined) return given;
    if (derived === undefined) {
      derived = new Map();
      for (const it of assignment.items) {
        const d = derived.get(it.skillId) ?? { n: 0, correct: 0 };
        d.n += it.stats.n;
        d.correct += it.stats.correct;
        derived.set(it.skillId, d);
      }
    }
    return derived.get(s) ?? { n: 0, correct: 0 };
  };
  const recent = new Set<string>([
    ...(sel.minRepeatGap === 0 ? [] : learner.recentItems.slice(-sel.minRepeatGap)),
    ...(req.avoidItems ?? []),
  ]);

  const entries = new Map<string, SkillState>();
  for (const e of learner.skills) entries.set(e.skillId, e);
  const entryOf = (s: SkillId): SkillState => entries.get(s) ?? EMPTY_SKILL;
  const isMastered = (s: SkillId): boolean => entryOf(s).mastered;
  // A prerequisite is met once mastered, or once probably known (prerequisiteReady).
  const prerequisiteMet = (p: SkillId): boolean => {
    const e = entryOf(p);
    return e.mastered || (e.n > 0 && e.mastery >= sel.prerequisiteReady);
  };
  const missingPrereqs = (s: SkillId): SkillId[] =>
    (assignment.prerequisites?.[s] ?? []).filter((p) => !prerequisiteMet(p));
  const mastered = targets.filter(isMastered);
  const ready = targets.filter((s) => !isMastered(s) && missingPrereqs(s).length === 0);
  const blocked = targets.filter((s) => !isMastered(s) && missingPrereqs(s).length > 0);

  /** Log-odds of success of every item of the given skills not seen too recently. */
  const visit = (skills: readonly SkillId[], fn: (item: PoolItem, z: number) => void): void => {
    const bases = new Map<string, { base: number; stats: SkillStats }>();
    for (const sk of skills) {
      if (!targetSet.has(sk)) continue;
      const stats = statsOf(sk);
      bases.set(sk, { base: learnerLogit(learner, sk, stats, model, entryOf(sk)), stats });
    }
    const w = model.weights;
    const wEasy = w.itemEasiness;
    const wOffset = w.itemOffset;
    // Local aliases: one binding lookup per call instead of one per item.
    const easiness = itemEasiness;
    const offset = itemOffset;
    for (const item of assignment.items) {
      const b = bases.get(item.skillId);
      if (b === undefined || recent.has(item.itemId)) continue;
      fn(
        item,
        b.base + wEasy * easiness(item.stats, b.stats, model) + wOffset * offset(item.stats, model),
      );
    }
  };
  /**
   * For each skill, the item closest to the target success probability, measured in log-odds
   * (the same order as in probability on each side of the target, with no exponential per item),
   * in one pass over the pool; ties broken by the seeded generator.
   */
  const closestPerSkill = (skills: readonly SkillId[], target: number): Map<string, Scored> => {
    const t = logit(target);
    const best = new Map<string, { item: PoolItem; z: number; d: number }>();
    visit(skills, (item, z) => {
      const d = Math.abs(z - t);
      const cur = best.get(item.skillId);
      if (cur === undefined || d < cur.d - 1e-12 || (d <= cur.d + 1e-12 && rng() < 0.5)) {
        best.set(item.skillId, { item, z, d });
      }
    });
    const out = new Map<string, Scored>();
    for (const [sk, b] of best) out.set(sk, { item: b.item, p: sigmoid(b.z) });
    return out;
  };
  const done = (): Selection | null => {
    const share = mastered.length / targets.length;
    if (share >= goal.masteredShare - 1e-12) {
      return {
        kind: 'done',
        reason: {
          code: 'GOAL_MET',
          why: selectionMessages.goalMet(mastered.length, targets.length),
        },
      };
    }
    return null;
  };

  // 0. A placement check probes its skill first (the caller runs the placement, see placement.ts).
  if (req.placementSkill !== undefined && targetSet.has(req.placementSkill)) {
    const pick = closestPerSkill([req.placementSkill], sel.targetSuccess).get(req.placementSkill);
    if (pick !== undefined)
      return {
        kind: 'item',
        itemId: pick.item.itemId,
        skillId: req.placementSkill,
        reason: {
          code: 'PLACEMENT',
          why: placementMessages.probe(name(req.placementSkill)),
          predicted: pick.p,
          target: sel.targetSuccess,
          readySkills: ready,
          blockedSkills: blocked,
        },
      };
  }

  // A met goal ends the set at once, due reviews or not (the app completes the set with the
  // answer that meets it; reviews come back in the next assignment or when mastery is lost).
  const goalMet = done();
  if (goalMet !== null) return goalMet;

  // 1. Due reviews of mastered target skills, most forgotten first: the first ones at once, then
  // one every reviewSpacing answers.
  const reviews = req.reviewsInSet ?? 0;
  const answered = req.answeredInSet ?? 0;
  if (
    reviews < sel.maxReviewsFirst ||
    (sel.reviewSpacing > 0 && (reviews - sel.maxReviewsFirst + 1) * sel.reviewSpacing <= answered)
  ) {
    const due = mastered
      .map((s) => ({ s, card: entryOf(s).review }))
      .filter(({ card }) => isReviewDue(card, now))
      .map(({ s, card }) => ({
        s,
        card,
        r: card === null ? 1 : retrievability(card, now, config.review),
      }))
      .sort((a, b) => a.r - b.r || (a.s < b.s ? -1 : 1));
    const chosenDue = due.find((d) => d.s === req.chosenSkill);
    const picks = closestPerSkill(
      due.map((d) => d.s),
      sel.reviewTargetSuccess,
    );
    for (const d of chosenDue === undefined ? due : [chosenDue, ...due]) {
      const pick = picks.get(d.s);
      if (pick === undefined) continue;
      const last = d.card?.lastReview ?? now.getTime();
      const days = Math.round((now.getTime() - last) / 86_400_000);
      return {
        kind: 'item',
        itemId: pick.item.itemId,
        skillId: d.s,
        reason: {
          code: 'REVIEW_DUE',
          why: selectionMessages.review(name(d.s), days),
          predicted: pick.p,
          target: sel.reviewTargetSuccess,
          readySkills: ready,
          blockedSkills: blocked,
        },
      };
    }
  }

  const finished = done();
  if (finished !== null) return finished;

  if (ready.length === 0) {
    return {
      kind: 'done',
      reason: {
        code: 'BLOCKED',
        why: selectionMessages.blocked(
          blocked
            .map((s) => `${name(s)} needs ${missingPrereqs(s).map(name).join(', ')}`)
            .join('; '),
        ),
      },
    };
  }

  // 2. Learner's choice, if ready.
  let choiceNote: string | null = null;
  let candidates = ready;
  if (req.chosenSkill !== undefined) {
    if (ready.includes(req.chosenSkill)) candidates = [req.chosenSkill];
    else if (blocked.includes(req.chosenSkill)) {
      choiceNote = selectionMessages.choiceBlocked(
        name(req.chosenSkill),
        missingPrereqs(req.chosenSkill).map(name).join(', '),
      );
    }
  }

  // 3. Best item per candidate skill; interleaving penalises staying on the last skill.
  let bestSkill: { s: SkillId; pick: Scored; score: number } | undefined;
  const picks = closestPerSkill(candidates, sel.targetSuccess);
  for (const s of candidates) {
    const pick = picks.get(s);
    if (pick === undefined) continue;
    const score =
      Math.abs(pick.p - sel.targetSuccess) +
      (learner.lastSkill === s ? sel.interleave : 0) -
      (entryOf(s).n < 3 ? sel.newSkillBonus : 0) +
      rng() * 1e-9;
    if (bestSkill === undefined || score < bestSkill.score) {
      bestSkill = { s, pick, score };
    }
  }
  if (bestSkill === undefined) {
    return { kind: 'done', reason: { code: 'POOL_EXHAUSTED', why: selectionMessages.exhausted() } };
  }

  // 4. A struggling learner is met where they are: after `stepBackAfter` misses in a row on the
  // skill, the weakest unmastered prerequisite in the assignment, or an easier question of the
  // skill with a worked example first.
  let { s } = bestSkill;
  let pick = bestSkill.pick;
  let code: ItemReason['code'] =
    candidates.length === 1 && req.chosenSkill === s ? 'LEARNER_CHOICE' : 'PRACTICE';
  const misses = missesInARow(entryOf(s));
  let stepBackWhy: string | null = null;
  let workedExample = false;
  if (sel.stepBackAfter > 0 && misses >= sel.stepBackAfter && code === 'PRACTICE') {
    // Only a prerequisite that is not even probably known (the learner chose this skill early).
    const weakest = (assignment.prerequisites?.[s] ?? [])
      .filter((p) => targetSet.has(p) && !prerequisiteMet(p))
      .sort((a, b) => entryOf(a).mastery - entryOf(b).mastery)[0];
    const prerequisitePick =
      weakest === undefined
        ? undefined
        : closestPerSkill([weakest], sel.stepBackTarget).get(weakest);
    if (weakest !== undefined && prerequisitePick !== undefined) {
      stepBackWhy = selectionMessages.stepBackPrerequisite(name(s), name(weakest));
      s = weakest;
      pick = prerequisitePick;
    } else {
      const easier = closestPerSkill([s], sel.stepBackTarget).get(s);
      if (easier !== undefined) pick = easier;
      stepBackWhy = selectionMessages.stepBackEasier(name(s), misses);
      workedExample = true;
    }
    code = 'STEP_BACK';
  }
  if (stepBackWhy === null && rng() < sel.exploreRate) {
    const fresh: Scored[] = [];
    visit([s], (item, z) => {
      if (item.stats.n < sel.calibrationCount) fresh.push({ item, p: sigmoid(z) });
    });
    const chosen = fresh[Math.floor(rng() * fresh.length)];
    if (chosen !== undefined) {
      pick = chosen;
      code = 'EXPLORE';
    }
  }
  const skillP = sigmoid(learnerLogit(learner, s, statsOf(s), model));
  let why: string;
  if (stepBackWhy !== null) why = stepBackWhy;
  else if (code === 'EXPLORE') why = selectionMessages.explore(name(s));
  else if (code === 'LEARNER_CHOICE') why = selectionMessages.choice(name(s));
  else if (
    learner.lastSkill !== null &&
    learner.lastSkill !== s &&
    skillStateOf(learner, learner.lastSkill).n > 0
  )
    why = selectionMessages.switchSkill(name(s));
  else if (skillStateOf(learner, s).n > 0 && pick.p < skillP)
    why = selectionMessages.stretch(name(s), pick.p);
  else why = selectionMessages.support(name(s), pick.p);
  if (choiceNote !== null) why = `${choiceNote} ${why}`;
  return {
    kind: 'item',
    itemId: pick.item.itemId,
    skillId: s,
    reason: {
      code,
      why,
      predicted: pick.p,
      target: code === 'STEP_BACK' ? sel.stepBackTarget : sel.targetSuccess,
      readySkills: ready,
      blockedSkills: blocked,
      ...(workedExample ? { workedExample: true } : {}),
    },
  };
}

/** Wrong answers in a row at the end of a skill's history (its last 8 answers are kept). */
export function missesInARow(entry: SkillState): number {
  let misses = 0;
  for (let i = 0; i < Math.min(entry.n, 8) && ((entry.pattern >> i) & 1) === 0; i++) misses++;
  return misses;
}
