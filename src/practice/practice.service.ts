/**
 * Practice use cases: show the next question, take an answer, reveal a hint, let the learner
 * choose a skill, finish the set. Each answer is stored (attempt, learner state, set) before the
 * caller answers the browser, and the gradebook score goes through the grade outbox.
 */
import { checkAnswer } from '../content/answer-check.js';
import type { ItemTemplate, LearnerResponse, Skill } from '../content/content.model.js';
import { instantiate } from '../content/generation.js';
import { prerequisiteMap } from '../content/skill-graph.js';
import {
  EMPTY_ITEM_STATS,
  asItemId,
  masteryOf,
  recordResponse,
  scoreAssignment,
  seedFrom,
  selectNextItem,
  typicalItemTerm,
  applyPlacement,
  markMastered,
  nextPlacementSkill,
  recordPlacementAnswer,
  startPlacement,
  type EngineConfig,
  type ItemStats,
  type PoolItem,
  type SkillId,
  type SkillStats,
  type Assignment as EngineAssignment,
} from '../engine/index.js';
import {
  engineConfigFor,
  PLACEMENT_BUDGET,
  poolShape,
} from '../assignments/assignment-settings.js';
import type { Assignment } from '../assignments/assignment.repository.js';
import type { GradeOutbox } from '../grading/grade-outbox.js';
import {
  PACE_TARGET_SHIFT,
  withMasteryEvents,
  type LearnerKey,
  type LearnerProfile,
  type MasteryEvent,
} from '../learners/learner.js';
import type { LearnerRepository } from '../learners/learner.repository.js';
import type { Clock } from '../shared/clock.js';
import { err, ok, type Result } from '../shared/result.js';
import { explainMasteryChange } from './feedback-rules.js';
import {
  autoHint,
  practiceSetId,
  scoreChanged,
  type AnswerResult,
  type AttemptRecord,
  type CurrentItem,
  type MasteryExplanation,
  type PracticeSet,
} from './practice-set.js';
import { completionAfterAnswer, gradebookProgress, isCompletion } from './completion.js';
import type {
  AttemptRepository,
  ItemStatsRepository,
  PracticeSetRepository,
} from './practice.repository.js';

/** The content the practice needs: skills and the templates of some skills. */
export interface PracticeContent {
  skills(): Promise<readonly Skill[]>;
  templatesForSkills(skillIds: readonly SkillId[]): Promise<readonly ItemTemplate[]>;
}

/** Who practises what, from the launch. */
export interface PracticeContext {
  readonly platformId: string;
  readonly learner: LearnerKey;
  readonly contextId: string;
  readonly resourceLinkId: string;
  readonly assignment: Assignment;
  /**
   * Staff (instructors, TAs, admins) trying the assignment as a student sees it: their answers
   * are checked and explained, but never graded, never sent to the gradebook, never counted in
   * item statistics and never shown on the class dashboard (a separate set, see previewSetKey).
   */
  readonly preview: boolean;
}

/** The assignment key of a staff member's preview set: dashboards list real assignment ids only. */
export const previewAssignmentKey = (assignmentId: string): string => `preview:${assignmentId}`;

/** How many skipped items the selection keeps away from (per set). */
const SKIPPED_ITEMS_KEPT = 3;

export type PracticeError =
  | { readonly type: 'stale-step'; readonly expected: number; readonly got: number }
  | { readonly type: 'invalid-answer'; readonly message: string }
  | { readonly type: 'no-question' }
  | { readonly type: 'unknown-skill'; readonly skillId: string }
  | { readonly type: 'skill-not-ready'; readonly skillId: string; readonly blockedBy: string }
  | { readonly type: 'empty-assignment' }
  | { readonly type: 'busy' };

/** Everything a practice page shows. */
export interface PracticeState {
  readonly learner: LearnerProfile;
  readonly set: PracticeSet;
  readonly skills: readonly SkillProgress[];
  /** Skills the learner may choose now (prerequisites mastered, not yet mastered). */
  readonly readySkills: readonly SkillId[];
  /** The assignment's mastery rule, to say where each skill stands in its terms. */
  readonly masteryRule: EngineConfig['mastery'];
}

export interface SkillProgress {
  readonly skillId: SkillId;
  readonly name: string;
  readonly description: string;
  readonly mastery: number;
  readonly mastered: boolean;
  readonly attempts: number;
  readonly correct: number;
  readonly ready: boolean;
  /** Unmastered prerequisites (names) holding the skill back. */
  readonly blockedBy: readonly string[];
  /** The latest explanation of a change, if any. */
  readonly lastWhy: string | undefined;
}

export interface PracticeServiceDeps {
  readonly learners: LearnerRepository;
  readonly sets: PracticeSetRepository;
  readonly attempts: AttemptRepository;
  readonly itemStats: ItemStatsRepository;
  readonly content: PracticeContent;
  readonly gradeOutbox: GradeOutbox;
  readonly clock: Clock;
}

/** The engine's selection, or our own extra practice once the goal is met early. */
type PickedQuestion =
  | {
      readonly kind: 'item';
      readonly itemId: string;
      readonly skillId: SkillId;
      readonly reason: {
        readonly code: string;
        readonly why: string;
        readonly predicted: number;
        readonly workedExample?: boolean;
      };
    }
  | { readonly kind: 'done'; readonly reason: { readonly code: string; readonly why: string } };

/** How many times a write is retried when another request wrote the same set meanwhile. */
const CONFLICT_RETRIES = 5;
/** A claimed step whose set did not move on within this time is finished from its attempt. */
const STALLED_CLAIM_MS = 3000;
/** Pause before retrying after a concurrent write (a double-clicked submit settles meanwhile). */
const BUSY_RETRY_MS = 40;

interface Loaded {
  readonly learner: LearnerProfile;
  readonly set: PracticeSet;
  readonly skills: readonly Skill[];
  readonly targetSkills: readonly SkillId[];
  readonly config: EngineConfig;
}

export interface PracticeService {
  /** Opens (or resumes) the set; picks a question when none is on screen. */
  open(ctx: PracticeContext): Promise<Result<PracticeState, PracticeError>>;
  answer(
    ctx: PracticeContext,
    input: {
      readonly step: number;
      readonly response: LearnerResponse;
      readonly confidence: number | undefined;
      /** Pick the next question in the same write (script clients show both at once). */
      readonly advance?: boolean;
    },
  ): Promise<Result<PracticeState, PracticeError>>;
  hint(ctx: PracticeContext, step: number): Promise<Result<PracticeState, PracticeError>>;
  /** The skills the assignment practises (every skill of the bank when it names none). */
  targetSkills(ctx: PracticeContext): Promise<readonly SkillId[]>;
  /** The engine's view of practising these skills (pool with statistics, prerequisites). */
  poolFor(skillIds: readonly SkillId[]): Promise<EngineAssignment>;
  /** From the feedback screen to the next question. */
  next(ctx: PracticeContext): Promise<Result<PracticeState, PracticeError>>;
  /** Test out of a ready skill: TEST_OUT_RIGHT right answers in a row master it. */
  testOut(ctx: PracticeContext, skillId: SkillId): Promise<Result<PracticeState, PracticeError>>;
  /** Practise this skill next (undefined: let Pathwise choose). */
  chooseSkill(
    ctx: PracticeContext,
    skillId: SkillId | undefined,
  ): Promise<Result<PracticeState, PracticeError>>;
}

export function createPracticeService(deps: PracticeServiceDeps): PracticeService {
  const { clock } = deps;

  async function load(ctx: PracticeContext): Promise<Result<Loaded, PracticeError>> {
    const now = clock.now();
    const learner = await deps.learners.findOrCreate(ctx.platformId, ctx.learner, now);
    const skills = await deps.content.skills();
    const targetSkills = targetSkillsOf(ctx, skills);
    if (targetSkills.length === 0) return err({ type: 'empty-assignment' });
    const setAssignmentId = ctx.preview
      ? previewAssignmentKey(ctx.assignment.id)
      : ctx.assignment.id;
    const id = practiceSetId(learner.id, setAssignmentId);
    const set =
      (await deps.sets.find(id)) ??
      (await deps.sets.create({
        id,
        learnerId: learner.id,
        assignmentId: setAssignmentId,
        platformId: ctx.platformId,
        contextId: ctx.contextId,
        resourceLinkId: ctx.resourceLinkId,
        userId: ctx.learner.userId,
        phase: 'question',
        answered: 0,
        correct: 0,
        reviews: 0,
        skipped: 0,
        skippedItems: [],
        // A placement check only for a learner new to every skill of the assignment.
        ...(ctx.assignment.settings.placement === true &&
        targetSkills.every((s) => !masteryOf(learner.engine, s).started)
          ? { placement: startPlacement(PLACEMENT_BUDGET) }
          : {}),
        step: 0,
        current: undefined,
        lastResult: undefined,
        chosenSkillId: undefined,
        completion: undefined,
        lastScore: undefined,
        startedAt: now,
        updatedAt: now,
        version: 0,
      }));
    const config = engineConfigFor(
      ctx.assignment.settings,
      PACE_TARGET_SHIFT[learner.preferences.pace],
    );
    return ok({ learner, set, skills, targetSkills, config });
  }

  /** Builds the engine's view of the assignment: pool with statistics, prerequisites inside it. */
  async function engineAssignment(
    loaded: Pick<Loaded, 'skills' | 'targetSkills'>,
    templates: readonly ItemTemplate[],
  ): Promise<EngineAssignment> {
    const stats = await deps.itemStats.statsFor(templates.map((t) => t.id));
    const prerequisites = targetPrerequisites(loaded);
    const items: PoolItem[] = templates.map((t) => ({
      itemId: t.id,
      skillId: t.skills[0],
      stats: stats.get(t.id) ?? EMPTY_ITEM_STATS,
    }));
    return {
      skills: loaded.targetSkills,
      items,
      prerequisites,
      skillNames: Object.fromEntries(loaded.skills.map((s) => [s.id, s.name])),
    };
  }

  /** Picks the next question (or completes the set) into a new version of the set. */
  async function withNextQuestion(ctx: PracticeContext, loaded: Loaded): Promise<PracticeSet> {
    const now = clock.now();
    const { set, learner } = loaded;
    const templates = await deps.content.templatesForSkills(loaded.targetSkills);
    const assignment = await engineAssignment(loaded, templates);
    const config = engineConfigFor(
      ctx.assignment.settings,
      PACE_TARGET_SHIFT[learner.preferences.pace],
      poolShape(assignment),
    );
    const settings = ctx.assignment.settings;
    const goal = {
      masteredShare: 1,
      ...(settings.maxItems === undefined ? {} : { maxItems: settings.maxItems }),
    };
    const probe =
      set.placement === undefined || set.placement.done
        ? undefined
        : nextPlacementSkill(
            set.placement,
            loaded.targetSkills,
            assignment.prerequisites ?? {},
            learner.engine,
          );
    let selection: PickedQuestion = selectNextItem({
      learner: learner.engine,
      assignment: { ...assignment, goal },
      config,
      now,
      seed: seedFrom(learner.id, ctx.assignment.id, learner.engine.steps, set.step),
      ...(probe === undefined ? {} : { placementSkill: probe }),
      ...(set.chosenSkillId === undefined ? {} : { chosenSkill: set.chosenSkillId }),
      answeredInSet: set.answered,
      reviewsInSet: set.reviews,
      avoidItems: (set.skippedItems ?? []).map(asItemId),
    });
    if (
      selection.kind === 'done' &&
      selection.reason.code === 'GOAL_MET' &&
      set.answered < settings.minItems
    ) {
      // The set asks for a minimum number of answers: keep the skills fresh with reviews.
      const extra = extraPractice(learner, templates, set.step);
      if (extra !== undefined) selection = extra;
    }
    if (selection.kind === 'done') {
      const ended: PracticeSet = {
        ...set,
        phase: 'complete',
        current: undefined,
        completion: { code: selection.reason.code, why: selection.reason.why },
        updatedAt: now,
        version: set.version + 1,
      };
      // Complete without a new answer (skills mastered in another assignment): tell the LMS.
      return isCompletion(ended.completion) && !ctx.preview ? withScore(ctx, loaded, ended) : ended;
    }
    const template = templates.find((t) => t.id === selection.itemId);
    if (template === undefined) throw new Error(`selected unknown template ${selection.itemId}`);
    const step = set.step + 1;
    const instance = instantiate(template, seedFrom(learner.id, ctx.assignment.id, step));
    const hints = autoHint({
      preference: learner.preferences.showHintsAutomatically,
      hintsAvailable: instance.hints.length,
      skillId: instance.skillId,
      previous: set.lastResult,
    });
    const testing = set.testOut?.skillId === selection.skillId ? set.testOut : undefined;
    const current: CurrentItem = {
      step,
      instance,
      reason: {
        code: testing === undefined ? selection.reason.code : 'TEST_OUT',
        why:
          testing === undefined
            ? selection.reason.why
            : practiceMessages.testOutQuestion(
                testing.right + 1,
                TEST_OUT_RIGHT,
                loaded.skills.find((k) => k.id === selection.skillId)?.name ?? selection.skillId,
              ),
        predicted: selection.reason.predicted,
      },
      shownAt: now,
      hintsShown: hints.hintsShown,
      ...(hints.withheld ? { autoHintWithheld: true } : {}),
      ...(selection.reason.workedExample === true
        ? { example: workedExample(template, learner.id, ctx.assignment.id, step) }
        : {}),
    };
    return {
      ...set,
      phase: 'question',
      step,
      current,
      completion: undefined,
      updatedAt: now,
      version: set.version + 1,
    };
  }

  function extraPractice(
    learner: LearnerProfile,
    templates: readonly ItemTemplate[],
    step: number,
  ):
    | {
        kind: 'item';
        itemId: string;
        skillId: SkillId;
        reason: { code: string; why: string; predicted: number };
      }
    | undefined {
    const recent = new Set<string>(learner.engine.recentItems);
    const fresh = templates.filter((t) => !recent.has(t.id));
    const pool = fresh.length > 0 ? fresh : templates;
    if (pool.length === 0) return undefined;
    const template = pool[seedFrom(learner.id, step) % pool.length];
    if (template === undefined) return undefined;
    return {
      kind: 'item',
      itemId: template.id,
      skillId: template.skills[0],
      reason: {
        code: 'EXTRA_PRACTICE',
        why: messages.extraPractice,
        predicted: 0.8,
      },
    };
  }

  function state(loaded: Loaded): PracticeState {
    const { learner, skills, targetSkills } = loaded;
    const byId = new Map(skills.map((s) => [s.id, s]));
    const targets = new Set<string>(targetSkills);
    const lastWhy = new Map<string, string>();
    for (const event of learner.masteryHistory) lastWhy.set(event.skillId, event.why);
    const progress = targetSkills.map((skillId): SkillProgress => {
      const skill = byId.get(skillId);
      const mastery = masteryOf(learner.engine, skillId);
      const blockedBy = (skill?.prerequisites ?? [])
        .filter((p) => targets.has(p) && !masteryOf(learner.engine, p).mastered)
        .map((p) => byId.get(p)?.name ?? p);
      const entry = learner.engine.skills.find((s) => s.skillId === skillId);
      return {
        skillId,
        name: skill?.name ?? skillId,
        description: skill?.description ?? '',
        mastery: mastery.probability,
        mastered: mastery.mastered,
        attempts: mastery.attempts,
        correct: entry?.correct ?? 0,
        ready: !mastery.mastered && blockedBy.length === 0,
        blockedBy,
        lastWhy: lastWhy.get(skillId),
      };
    });
    return {
      learner,
      set: loaded.set,
      skills: progress,
      readySkills: progress.filter((p) => p.ready).map((p) => p.skillId),
      masteryRule: loaded.config.mastery,
    };
  }

  /** Runs `change` on fresh data until its writes land without a concurrent conflict. */
  async function mutate(
    ctx: PracticeContext,
    change: (loaded: Loaded) => Promise<Result<Loaded, PracticeError>>,
  ): Promise<Result<PracticeState, PracticeError>> {
    for (let attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
      const loaded = await load(ctx);
      if (!loaded.ok) return loaded;
      const changed = await change(loaded.value);
      if (!changed.ok) {
        if (changed.error.type === 'busy') {
          await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS * (attempt + 1)));
          continue;
        }
        return changed;
      }
      return ok(state(changed.value));
    }
    return err({ type: 'busy' });
  }

  async function saveSet(
    loaded: Loaded,
    next: PracticeSet,
  ): Promise<Result<Loaded, PracticeError>> {
    if (next === loaded.set) return ok(loaded);
    return (await deps.sets.save(next)) === 'saved'
      ? ok({ ...loaded, set: next })
      : err({ type: 'busy' });
  }

  /** Switches to a skill (undefined: automatic choice), or starts a test-out of it. */
  function switchTo(
    ctx: PracticeContext,
    skillId: SkillId | undefined,
    testOut: boolean,
  ): Promise<Result<PracticeState, PracticeError>> {
    return mutate(ctx, async (loaded) => {
      if (skillId !== undefined && !loaded.targetSkills.includes(skillId))
        return err({ type: 'unknown-skill', skillId });
      if (skillId !== undefined) {
        // Only a ready skill can be chosen: prerequisites first, mastered ones are done.
        const progress = state(loaded).skills.find((s) => s.skillId === skillId);
        if (progress !== undefined && !progress.ready)
          return err({
            type: 'skill-not-ready',
            skillId,
            blockedBy: progress.mastered ? '' : progress.blockedBy.join(', '),
          });
      }
      const now = clock.now();
      let next: PracticeSet = {
        ...loaded.set,
        chosenSkillId: skillId,
        ...(testOut && skillId !== undefined ? { testOut: { skillId, right: 0 } } : {}),
        ...(!testOut && loaded.set.testOut !== undefined ? { testOut: undefined } : {}),
        // Choosing a skill ends a placement check (nothing is marked known from it).
        ...(skillId !== undefined &&
        loaded.set.placement !== undefined &&
        !loaded.set.placement.done
          ? { placement: { ...loaded.set.placement, probe: null, done: true } }
          : {}),
        updatedAt: now,
        version: loaded.set.version + 1,
      };
      // An unanswered question of another skill makes way for the chosen one: it is recorded
      // as skipped (the dashboard shows it, the selection avoids the item for a while).
      const current = next.current;
      if (
        skillId !== undefined &&
        next.phase === 'question' &&
        current !== undefined &&
        current.instance.skillId !== skillId
      ) {
        const claimed = await deps.attempts.insert(skippedAttempt(loaded, current, now));
        if (claimed === 'duplicate') return err({ type: 'busy' });
        next = {
          ...next,
          current: undefined,
          skipped: (next.skipped ?? 0) + 1,
          skippedItems: [...(next.skippedItems ?? []), current.instance.templateId].slice(
            -SKIPPED_ITEMS_KEPT,
          ),
        };
      }
      // A test-out of the skill already on screen starts with that question (no re-roll).
      const onScreen = next.current;
      if (testOut && skillId !== undefined && onScreen?.instance.skillId === skillId)
        next = {
          ...next,
          current: {
            ...onScreen,
            reason: {
              ...onScreen.reason,
              code: 'TEST_OUT',
              why: practiceMessages.testOutQuestion(
                1,
                TEST_OUT_RIGHT,
                loaded.skills.find((k) => k.id === skillId)?.name ?? skillId,
              ),
            },
          },
        };
      const saved = await saveSet(loaded, next);
      if (
        !saved.ok ||
        saved.value.set.current !== undefined ||
        saved.value.set.phase !== 'question'
      )
        return saved;
      return saveSet(saved.value, await withNextQuestion(ctx, saved.value));
    });
  }

  return {
    targetSkills: async (ctx) => targetSkillsOf(ctx, await deps.content.skills()),

    poolFor: async (skillIds) => {
      const skills = await deps.content.skills();
      const templates = await deps.content.templatesForSkills(skillIds);
      return engineAssignment({ skills, targetSkills: skillIds }, templates);
    },

    open: (ctx) =>
      mutate(ctx, async (loaded) => {
        if (loaded.set.phase !== 'question' || loaded.set.current !== undefined) return ok(loaded);
        return saveSet(loaded, await withNextQuestion(ctx, loaded));
      }),

    next: (ctx) =>
      mutate(ctx, async (loaded) => {
        if (loaded.set.phase !== 'feedback') return ok(loaded);
        // The answer that completed the set already said so (and told the gradebook).
        if (isCompletion(loaded.set.completion))
          return saveSet(loaded, completedSet(loaded.set, clock.now()));
        return saveSet(loaded, await withNextQuestion(ctx, loaded));
      }),

    hint: (ctx, step) =>
      mutate(ctx, async (loaded) => {
        const current = loaded.set.current;
        if (loaded.set.phase !== 'question' || current === undefined)
          return err({ type: 'no-question' });
        if (current.step !== step)
          return err({ type: 'stale-step', expected: current.step, got: step });
        const hintsShown = Math.min(current.hintsShown + 1, current.instance.hints.length);
        if (hintsShown === current.hintsShown) return ok(loaded);
        return saveSet(loaded, {
          ...loaded.set,
          current: { ...current, hintsShown },
          updatedAt: clock.now(),
          version: loaded.set.version + 1,
        });
      }),

    chooseSkill: (ctx, skillId) => switchTo(ctx, skillId, false),

    testOut: (ctx, skillId) => switchTo(ctx, skillId, true),

    answer: (ctx, input) =>
      mutate(ctx, async (loaded) => {
        const { set, learner, config } = loaded;
        const current = set.current;
        if (set.phase !== 'question' || current === undefined) {
          // The same form posted twice: the first post already moved on.
          if (set.lastResult?.step === input.step) return ok(loaded);
          return err({ type: 'no-question' });
        }
        // Posted twice after the set already moved on to the next question.
        if (set.lastResult?.step === input.step) return ok(loaded);
        if (current.step !== input.step)
          return err({ type: 'stale-step', expected: current.step, got: input.step });
        const checked = checkAnswer(current.instance, input.response);
        if (checked.status === 'invalid')
          return err({ type: 'invalid-answer', message: checked.message });

        const now = clock.now();
        const instance = current.instance;
        const skillId = instance.skillId;
        const skillName = loaded.skills.find((s) => s.id === skillId)?.name ?? skillId;
        // One query gives the item's statistics and its skill's (the prior for new items).
        const skillTemplates = await deps.content.templatesForSkills([skillId]);
        const stats = await deps.itemStats.statsFor([
          instance.templateId,
          ...skillTemplates.map((t) => t.id),
        ]);
        const itemStats: ItemStats = stats.get(instance.templateId) ?? EMPTY_ITEM_STATS;
        const summed = sumStats(stats.values());
        // Mastery is measured on a typical item of the skill: its templates' mean item terms.
        const skillStats: SkillStats = {
          ...summed,
          typicalItemTerm: typicalItemTerm(
            skillTemplates.map((t) => stats.get(t.id) ?? EMPTY_ITEM_STATS),
            summed,
            config.model,
          ),
        };
        const item = { itemId: instance.templateId, skillId, stats: itemStats, skillStats };
        // A correct answer after a hint is practice, not evidence of mastery (ASSISTments' rule
        // counts it wrong; we leave mastery unchanged instead, and say so).
        const counted = !(checked.correct && current.hintsShown > 0);
        const answerOn = (profile: LearnerProfile) => {
          const before = masteryOf(profile.engine, skillId);
          const recorded = counted
            ? recordResponse(
                profile.engine,
                { item, correct: checked.correct },
                config,
                now,
                skillName,
              )
            : undefined;
          const after = masteryOf(recorded?.state ?? profile.engine, skillId);
          const predicted = recorded?.predicted ?? current.reason.predicted;
          const statusWhy = recorded?.changes.map((c) => c.why).join(' ');
          const shownBefore = before.started ? before.probability : undefined;
          const why = explainMasteryChange({
            skillName,
            before: shownBefore,
            after: after.probability,
            correct: checked.correct,
            predicted,
            hintsUsed: current.hintsShown,
            counted,
            statusWhy: statusWhy === '' ? undefined : statusWhy,
          }).text;
          const event: MasteryEvent = {
            at: now,
            skillId,
            // A first estimate is shown as "not started → p": the event keeps the model's prior.
            before: shownBefore ?? recorded?.prior ?? before.probability,
            after: after.probability,
            mastered: after.mastered,
            why,
          };
          // A placement answer also walks the placement; its end marks the skills found known.
          const placement =
            current.reason.code === 'PLACEMENT' && set.placement !== undefined
              ? recordPlacementAnswer(
                  set.placement,
                  skillId,
                  // A right answer after a hint does not show the skill is known.
                  checked.correct && current.hintsShown === 0,
                  loaded.targetSkills,
                  targetPrerequisites(loaded),
                )
              : set.placement;
          const placed =
            placement !== undefined && placement.done && set.placement?.done !== true
              ? applyPlacement(
                  recorded?.state ?? profile.engine,
                  placement.known,
                  config,
                  now,
                  (s) => loaded.skills.find((k) => k.id === s)?.name ?? s,
                )
              : undefined;
          // A test-out the learner asked for: TEST_OUT_RIGHT right answers without hints master
          // the skill; a miss (or a hint) ends it.
          const testing =
            current.reason.code === 'TEST_OUT' && set.testOut?.skillId === skillId
              ? set.testOut
              : undefined;
          const testRight =
            testing === undefined
              ? undefined
              : checked.correct && current.hintsShown === 0
                ? testing.right + 1
                : -1;
          const engineSoFar = placed?.state ?? recorded?.state ?? profile.engine;
          const testedOut =
            testRight !== undefined && testRight >= TEST_OUT_RIGHT
              ? markMastered(engineSoFar, [skillId], config, now, 'TESTED_OUT', () =>
                  practiceMessages.testedOut(skillName, TEST_OUT_RIGHT),
                )
              : undefined;
          const testOut =
            testing === undefined
              ? set.testOut
              : testRight === undefined || testRight < 0 || testedOut !== undefined
                ? undefined
                : { skillId, right: testRight };
          const placedEvents: MasteryEvent[] = [
            ...(placed?.changes ?? []),
            ...(testedOut?.changes ?? []),
          ].map((c) => ({
            at: now,
            skillId: c.skillId,
            before: c.probability,
            after: c.probability,
            mastered: true,
            why: c.why,
          }));
          const next: LearnerProfile = {
            ...profile,
            engine: testedOut?.state ?? engineSoFar,
            masteryHistory: withMasteryEvents(profile.masteryHistory, [event, ...placedEvents]),
            updatedAt: now,
            version: profile.version + 1,
          };
          return {
            before,
            shownBefore,
            after,
            predicted,
            recorded,
            event,
            next,
            placement,
            placedEvents,
            testOut,
            testOutEnded: testRight === -1,
          };
        };
        const first = answerOn(learner);

        // The attempt is the claim on this step: a second post of the same form stops here.
        const attempt: AttemptRecord = {
          ...attemptOf(set, learner.id, current, now),
          response: checked.normalizedResponse,
          correct: checked.correct,
          confidence: input.confidence,
          predicted: first.predicted,
          reasonCode: current.reason.code,
          masteryBefore: first.event.before,
          masteryAfter: first.after.probability,
        };
        if ((await deps.attempts.insert(attempt)) === 'duplicate') {
          // Another request holds this step. If it stopped part-way (crash, lost race on the
          // set), finish the step from its stored attempt instead of blocking the learner.
          const stored = await deps.attempts.find(attempt.id);
          if (
            stored === undefined ||
            now.getTime() - new Date(stored.at).getTime() < STALLED_CLAIM_MS
          )
            return err({ type: 'busy' });
          return saveSet(loaded, finishedFromAttempt(set, current, stored, skillName, now));
        }

        // The profile is shared by the learner's courses: an answer elsewhere may have changed it.
        let applied = first;
        for (let tries = 0; (await deps.learners.save(applied.next)) === 'conflict'; tries++) {
          const fresh = await deps.learners.findById(learner.id);
          if (fresh === undefined || tries >= CONFLICT_RETRIES)
            throw new Error('could not store the answer in the learner profile');
          applied = answerOn(fresh);
        }
        const { recorded, event } = applied;
        const nextLearner = applied.next;
        // A staff preview teaches the item statistics nothing about students.
        if (recorded !== undefined && !ctx.preview)
          await deps.itemStats.increment(instance.templateId, skillId, recorded.itemIncrement);
        const explanation: MasteryExplanation = {
          skillId,
          skillName,
          before: applied.shownBefore,
          ...(applied.testOutEnded ? { note: practiceMessages.testOutEnded(skillName) } : {}),
          after: event.after,
          mastered: event.mastered,
          why: event.why,
        };

        const result: AnswerResult = {
          step: current.step,
          templateId: instance.templateId,
          skillId,
          prompt: instance.question.prompt,
          correct: checked.correct,
          response: checked.normalizedResponse,
          feedback: checked.feedback,
          answerDisplay: checked.answerDisplay,
          solution: instance.solution,
          hintsUsed: current.hintsShown,
          masteryChanges: [
            explanation,
            ...applied.placedEvents.map((e): MasteryExplanation => ({
              skillId: e.skillId,
              skillName: loaded.skills.find((k) => k.id === e.skillId)?.name ?? e.skillId,
              before: undefined,
              after: e.after,
              mastered: true,
              why: e.why,
            })),
          ],
          at: now,
        };
        const settings = ctx.assignment.settings;
        const completion = completionAfterAnswer({
          answered: set.answered + 1,
          minItems: settings.minItems,
          maxItems: settings.maxItems,
          targetSkills: loaded.targetSkills.length,
          masteredSkills: loaded.targetSkills.filter(
            (s) => masteryOf(nextLearner.engine, s).mastered,
          ).length,
        });
        const answeredSet: PracticeSet = {
          ...set,
          phase: 'feedback',
          current: undefined,
          lastResult: result,
          completion,
          ...(applied.placement === undefined ? {} : { placement: applied.placement }),
          testOut: applied.testOut,
          answered: set.answered + 1,
          correct: set.correct + (checked.correct ? 1 : 0),
          reviews: set.reviews + (current.reason.code === 'REVIEW_DUE' ? 1 : 0),
          // A chosen skill holds until it is mastered.
          chosenSkillId:
            set.chosenSkillId === skillId && masteryOf(nextLearner.engine, skillId).mastered
              ? undefined
              : set.chosenSkillId,
          updatedAt: now,
          version: set.version + 1,
        };
        const withLearner: Loaded = { ...loaded, learner: nextLearner };
        const scored = ctx.preview ? answeredSet : await withScore(ctx, withLearner, answeredSet);
        const next =
          input.advance === true && isCompletion(completion)
            ? completedSet(scored, now)
            : input.advance === true
              ? {
                  ...(await withNextQuestion(ctx, { ...withLearner, set: scored })),
                  version: scored.version,
                }
              : scored;
        const saved = await saveSet(loaded, next);
        if (!saved.ok) return saved;
        return ok({ ...saved.value, learner: nextLearner });
      }),
  };

  /** Queues the new gradebook score when it changed, and records what was sent. */
  async function withScore(
    ctx: PracticeContext,
    loaded: Loaded,
    set: PracticeSet,
  ): Promise<PracticeSet> {
    const score = scoreAssignment(loaded.learner.engine, loaded.targetSkills, loaded.config, {
      answered: set.answered,
      correct: set.correct,
    });
    const scoreMaximum = ctx.assignment.scoreMaximum;
    // Whole percents of the maximum: the gradebook shows no finer grain, and each change is
    // one more request to the platform.
    const percent = Math.round((score.scoreGiven / score.scoreMaximum) * 100);
    const scoreGiven = Math.round(percent * scoreMaximum) / 100;
    const { activityProgress, gradingProgress } = gradebookProgress(set.completion);
    if (!scoreChanged(set.lastScore, { scoreGiven, activityProgress })) return set;
    const queued = await deps.gradeOutbox.enqueueScore({
      destination: {
        platformId: set.platformId,
        contextId: set.contextId,
        resourceLinkId: set.resourceLinkId,
      },
      score: {
        userId: set.userId,
        scoreGiven,
        scoreMaximum,
        activityProgress,
        gradingProgress,
      },
      lineItem: { label: ctx.assignment.title, resourceId: ctx.assignment.id, tag: 'pathwise' },
    });
    if (!queued.ok) throw new Error(`score refused by the outbox: ${queued.error.message}`);
    return {
      ...set,
      lastScore: {
        scoreGiven,
        scoreMaximum,
        activityProgress,
        why: score.why,
        queuedAt: clock.now(),
        entryId: queued.value.id,
      },
    };
  }
}

/** What every attempt on the question on screen records, whatever the learner did. */
function attemptOf(
  set: PracticeSet,
  learnerId: string,
  current: CurrentItem,
  now: Date,
): Omit<
  AttemptRecord,
  'response' | 'correct' | 'confidence' | 'predicted' | 'masteryBefore' | 'masteryAfter'
> {
  return {
    id: `${set.id}:${current.step}`,
    setId: set.id,
    learnerId,
    assignmentId: set.assignmentId,
    platformId: set.platformId,
    contextId: set.contextId,
    userId: set.userId,
    step: current.step,
    templateId: current.instance.templateId,
    skillId: current.instance.skillId,
    seed: current.instance.seed,
    hintsUsed: current.hintsShown,
    durationMs: Math.max(0, now.getTime() - new Date(current.shownAt).getTime()),
    at: now,
  };
}

/** The attempt that records a question left unanswered (its step is used up, like an answer). */
function skippedAttempt(loaded: Loaded, current: CurrentItem, now: Date): AttemptRecord {
  const mastery = masteryOf(loaded.learner.engine, current.instance.skillId).probability;
  return {
    ...attemptOf(loaded.set, loaded.learner.id, current, now),
    response: '',
    correct: false,
    skipped: true,
    confidence: undefined,
    predicted: current.reason.predicted,
    masteryBefore: mastery,
    masteryAfter: mastery,
  };
}

/** A worked example: another instance of the same template, with its solution. */
function workedExample(
  template: ItemTemplate,
  learnerId: string,
  assignmentId: string,
  step: number,
): { prompt: string; solution: string } {
  const example = instantiate(template, seedFrom(learnerId, assignmentId, step, 'worked-example'));
  return { prompt: example.question.prompt, solution: example.solution };
}

/** The end screen of a set whose last answer completed it. */
function completedSet(set: PracticeSet, now: Date): PracticeSet {
  return {
    ...set,
    phase: 'complete',
    current: undefined,
    updatedAt: now,
    version: set.version + 1,
  };
}

/** The prerequisite graph inside the assignment (prerequisites outside it never block it). */
function targetPrerequisites(
  loaded: Pick<Loaded, 'skills' | 'targetSkills'>,
): Record<string, readonly SkillId[]> {
  const targets = new Set<string>(loaded.targetSkills);
  const all = prerequisiteMap(loaded.skills);
  const out: Record<string, readonly SkillId[]> = {};
  for (const skillId of loaded.targetSkills)
    out[skillId] = (all[skillId] ?? []).filter((p) => targets.has(p));
  return out;
}

function targetSkillsOf(ctx: PracticeContext, skills: readonly Skill[]): readonly SkillId[] {
  const known = new Set(skills.map((s) => s.id));
  const chosen = ctx.assignment.settings.skillIds.filter((id) => known.has(id));
  return chosen.length > 0 ? chosen : skills.map((s) => s.id);
}

function sumStats(stats: Iterable<ItemStats>): SkillStats {
  let n = 0;
  let correct = 0;
  for (const s of stats) {
    n += s.n;
    correct += s.correct;
  }
  return { n, correct };
}

/** The feedback screen of a step whose answer was stored but whose set was not updated. */
function finishedFromAttempt(
  set: PracticeSet,
  current: CurrentItem,
  attempt: AttemptRecord,
  skillName: string,
  now: Date,
): PracticeSet {
  const checked = checkAnswer(current.instance, attempt.response);
  const feedback = checked.status === 'checked' ? checked.feedback : '';
  const answerDisplay = checked.status === 'checked' ? checked.answerDisplay : '';
  const why = explainMasteryChange({
    skillName,
    before: attempt.masteryBefore,
    after: attempt.masteryAfter,
    correct: attempt.correct,
    predicted: attempt.predicted,
    hintsUsed: attempt.hintsUsed,
    counted: !(attempt.correct && attempt.hintsUsed > 0),
    statusWhy: undefined,
  }).text;
  return {
    ...set,
    phase: 'feedback',
    current: undefined,
    lastResult: {
      step: attempt.step,
      templateId: attempt.templateId,
      skillId: attempt.skillId,
      prompt: current.instance.question.prompt,
      correct: attempt.correct,
      response: attempt.response,
      feedback,
      answerDisplay,
      solution: current.instance.solution,
      hintsUsed: attempt.hintsUsed,
      masteryChanges: [
        {
          skillId: attempt.skillId,
          skillName,
          before: attempt.masteryBefore,
          after: attempt.masteryAfter,
          mastered: false,
          why,
        },
      ],
      at: now,
    },
    answered: set.answered + 1,
    correct: set.correct + (attempt.correct ? 1 : 0),
    updatedAt: now,
    version: set.version + 1,
  };
}

/** Right answers in a row (without hints) that pass a test-out the learner asked for. */
export const TEST_OUT_RIGHT = 3;

export const practiceMessages = {
  testOutQuestion: (k: number, of: number, skill: string) =>
    `Test-out of ${skill}: question ${String(k)} of ${String(of)}. Get ${String(of)} right in a row, without hints, to master it now.`,
  testedOut: (skill: string, n: number) =>
    `You tested out of ${skill}: ${String(n)} right in a row. It is mastered, and a review will confirm it later.`,
  testOutEnded: (skill: string) =>
    `Test-out ended: this one was not right (or used a hint). Keep practising ${skill}; you can try again later.`,
} as const;

export const messages = {
  extraPractice:
    'Extra practice: this assignment asks for a few more answers, so here is a question on a skill you have already mastered.',
} as const;
