/**
 * The practice page's view models (read side): what a learner sees of their set, with math
 * rendered to safe HTML here and everything else escaped by the template; and the JSON answer of
 * script clients. Pure: no I/O.
 */
import { mathToPlainText, renderMathText } from '../content/math-render.js';
import { masteryPercent, masteryStatus, ruleSentence } from './feedback-rules.js';
import { PACES, strengthsAndWeaknesses } from '../learners/learner.js';
import type { PracticeState } from './practice.service.js';

const pct = (p: number): number => Math.round(p * 100);

const CONFIDENCE_LABELS = ['Guessing', 'Fairly sure', 'Sure'] as const;

/** The practice page's view model: math rendered to safe HTML here, everything else escaped. */
export function practicePage(
  state: PracticeState,
  session: string,
  assignmentTitle: string,
  extras: {
    readonly error?: string;
    readonly previous?: string;
    readonly delivery?: string;
    /** The preview notice, for staff trying the assignment. */
    readonly preview?: string;
  },
) {
  const { set, learner } = state;
  const current = set.current;
  const question = current?.instance.question;
  const mastered = state.skills.filter((s) => s.mastered).length;
  const inputKind =
    question === undefined
      ? undefined
      : question.type === 'choice-single'
        ? 'radio'
        : question.type === 'choice-multi'
          ? 'checkbox'
          : 'text';
  const result = set.lastResult;
  return {
    title: `${assignmentTitle} · Pathwise`,
    session,
    assignmentTitle,
    phase: {
      question: set.phase === 'question',
      feedback: set.phase === 'feedback',
      complete: set.phase === 'complete',
    },
    error: extras.error,
    preview: extras.preview,
    summary: {
      answered: set.answered,
      correct: set.correct,
      percent: set.answered === 0 ? 0 : pct(set.correct / set.answered),
      mastered,
      total: state.skills.length,
    },
    question:
      current === undefined || question === undefined
        ? undefined
        : {
            step: current.step,
            number: set.answered + 1,
            promptHtml: renderMathText(question.prompt),
            why: current.reason.why,
            steppedBack: current.reason.code === 'STEP_BACK',
            example:
              current.example === undefined
                ? undefined
                : {
                    promptHtml: renderMathText(current.example.prompt),
                    solutionHtml: renderMathText(current.example.solution),
                  },
            skillName: state.skills.find((s) => s.skillId === current.instance.skillId)?.name,
            isChoice: inputKind !== 'text',
            inputType: inputKind,
            choices: question.choices.map((c, i) => ({
              id: c.id,
              inputId: `choice-${i}`,
              html: renderMathText(c.text),
              plain: mathToPlainText(c.text),
              checked: extras.previous === c.id,
            })),
            units: question.units.join(', '),
            variables: question.variables.join(', '),
            answerLabel:
              question.type === 'fraction'
                ? 'Your answer (a fraction like 3/4, or a whole number)'
                : question.type === 'expression'
                  ? `Your answer (an expression${question.variables.length > 0 ? ` in ${question.variables.join(', ')}` : ''})`
                  : question.type === 'numeric'
                    ? `Your answer (a number${question.units.length > 0 ? `, with units: ${question.units.join(' or ')}` : ''})`
                    : 'Your answer',
            previous: extras.previous ?? '',
            hints: current.instance.hints.slice(0, current.hintsShown).map((h, i) => ({
              number: i + 1,
              html: renderMathText(h),
            })),
            hintsLeft: current.instance.hints.length - current.hintsShown,
            hintWithheld: current.autoHintWithheld === true,
            hintTotal: current.instance.hints.length,
            nextHint: current.hintsShown + 1,
            askConfidence: learner.preferences.askConfidence,
            confidence: CONFIDENCE_LABELS.map((label, i) => ({
              value: i + 1,
              label,
              id: `confidence-${i + 1}`,
            })),
          },
    result:
      result === undefined
        ? undefined
        : {
            correct: result.correct,
            promptHtml: renderMathText(result.prompt),
            response: result.response,
            feedbackHtml: renderMathText(result.feedback),
            answerHtml: renderMathText(result.answerDisplay),
            solutionHtml: renderMathText(result.solution),
            usedHints: result.hintsUsed > 0,
            hintsUsed: result.hintsUsed,
            mastery: result.masteryChanges.map((m) => {
              // Stored documents keep "no value" as null: a first estimate either way.
              const before = typeof m.before === 'number' ? m.before : undefined;
              return {
                name: m.skillName,
                // Not started before this answer: its first estimate, not a jump from 0 %.
                firstEstimate: before === undefined,
                before: before === undefined ? undefined : masteryPercent(before),
                after: masteryPercent(m.after),
                up: before !== undefined && masteryPercent(m.after) > masteryPercent(before),
                down: before !== undefined && masteryPercent(m.after) < masteryPercent(before),
                mastered: m.mastered,
                why: m.why,
                note: m.note,
              };
            }),
          },
    completion: set.completion,
    score:
      set.lastScore === undefined
        ? undefined
        : {
            given: set.lastScore.scoreGiven,
            maximum: set.lastScore.scoreMaximum,
            why: set.lastScore.why,
            completed: set.lastScore.activityProgress === 'Completed',
            delivery: extras.delivery,
          },
    skills: state.skills.map((s) => {
      const status = masteryStatus({
        attempts: s.attempts,
        probability: s.mastery,
        mastered: s.mastered,
        rule: state.masteryRule,
      });
      return {
        id: s.skillId,
        name: s.name,
        description: s.description,
        percent: status.percent,
        started: status.percent !== undefined,
        status: status.label,
        statusKind: !s.mastered && s.blockedBy.length > 0 ? 'locked' : status.kind,
        locked: !s.mastered && s.blockedBy.length > 0,
        mastered: s.mastered,
        ready: s.ready,
        blockedBy: s.blockedBy.join(', '),
        attempts: s.attempts,
        correct: s.correct,
        why: s.lastWhy,
        chosen: set.chosenSkillId === s.skillId,
        // A ready skill can be tested out of, unless a test-out of it is running.
        canTestOut: s.ready && set.testOut?.skillId !== s.skillId && set.phase !== 'complete',
      };
    }),
    masteryRule: ruleSentence(state.masteryRule),
    readySkills: state.skills
      .filter((s) => s.ready)
      .map((s) => ({ id: s.skillId, name: s.name, selected: set.chosenSkillId === s.skillId })),
    autoChoice: set.chosenSkillId === undefined,
    profile: profileSummary(state),
    goals: learner.goals.map((g) => ({
      id: g.id,
      skills: g.skillIds
        .map((id) => state.skills.find((s) => s.skillId === id)?.name ?? id)
        .join(', '),
      targetDate: new Date(g.targetDate).toISOString().slice(0, 10),
      met: g.skillIds.every((id) => state.skills.find((s) => s.skillId === id)?.mastered === true),
    })),
    preferences: {
      showHints: learner.preferences.showHintsAutomatically,
      askConfidence: learner.preferences.askConfidence,
      paces: PACES.map((p) => ({
        value: p,
        label: PACE_LABELS[p],
        selected: learner.preferences.pace === p,
      })),
    },
  };
}

/** Strengths and what to work on, across everything the learner practised on this platform. */
function profileSummary(state: PracticeState) {
  const names = new Map<string, string>(state.skills.map((s) => [s.skillId, s.name]));
  const { strengths, weaknesses } = strengthsAndWeaknesses(state.learner);
  const describe = (list: typeof strengths) =>
    list.slice(0, 5).map((s) => ({
      name: names.get(s.skillId) ?? s.skillId.replace(/-/g, ' '),
      percent: masteryPercent(s.mastery),
      record: `${s.correct} of ${s.attempts} right`,
    }));
  return { strengths: describe(strengths), weaknesses: describe(weaknesses) };
}

const PACE_LABELS = {
  gentle: 'Gentle: mostly questions I can do',
  steady: 'Steady (recommended)',
  challenge: 'Challenge me: harder questions',
} as const;

export const DELIVERY_LABELS = {
  pending: 'waiting to reach the gradebook (Pathwise keeps trying)',
  sent: 'in your gradebook',
  dead: 'not accepted by the gradebook yet; your teacher can see this and resend it',
  superseded: 'replaced by a newer score',
} as const;

/** The JSON answer of a script client: what was stored, and the next question without its key. */
export function jsonAnswer(state: PracticeState) {
  const result = state.set.lastResult;
  const current = state.set.current;
  return {
    result:
      result === undefined
        ? null
        : {
            step: result.step,
            correct: result.correct,
            response: result.response,
            feedback: result.feedback,
            answer: result.answerDisplay,
            mastery: result.masteryChanges,
          },
    score: state.set.lastScore ?? null,
    phase: state.set.phase,
    question:
      current === undefined
        ? null
        : { step: current.step, why: current.reason.why, ...current.instance.question },
    completion: state.set.completion ?? null,
  };
}
