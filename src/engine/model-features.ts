/**
 * The learner model's features. P(correct) is a logistic regression over these, all computed
 * from the bounded learner state and the item's running counters, so a prediction is a short
 * dot product and an update a handful of arithmetic operations.
 */

/** Feature names in the order of the weight vector. */
export const FEATURES = [
  'bias',
  'itemEasiness',
  'itemOffset',
  'skillEasiness',
  'skillCorrect',
  'skillWrong',
  'totalCorrect',
  'totalWrong',
  'skillRecent',
  'skillSlow',
  'skillLast',
  'skillAbility',
  'globalAbility',
  'globalRecent',
  'newSkill',
  'skillGap',
  'itemRepeat',
  'skillStreak',
  'skillPattern1',
  'skillPattern2',
  'skillPattern3',
  'skillPattern4',
  'skillPattern5',
  'skillPattern6',
  'skillPattern7',
  'skillPattern8',
  'skillPattern9',
  'skillPattern10',
  'skillPattern11',
  'skillPattern12',
  'skillPattern13',
  'skillPattern14',
  'globalPattern0',
  'globalPattern1',
  'globalPattern2',
  'globalPattern3',
  'globalPattern4',
  'globalPattern5',
  'globalPattern6',
  'globalPattern7',
] as const;

/** One feature of the learner model. */
export type FeatureName = (typeof FEATURES)[number];

/** Number of features. */
export const FEATURE_COUNT = FEATURES.length;

/** Model components that can be switched off for ablation, and the features each owns. */
export const COMPONENTS = {
  item: ['itemEasiness', 'itemOffset'],
  skill: ['skillEasiness'],
  pfa: ['skillCorrect', 'skillWrong'],
  globalCounts: ['totalCorrect', 'totalWrong'],
  recency: [
    'skillRecent',
    'skillSlow',
    'skillLast',
    'newSkill',
    'skillGap',
    'itemRepeat',
    'skillStreak',
  ],
  elo: ['skillAbility', 'globalAbility'],
  globalRecent: ['globalRecent'],
  patterns: [
    'skillPattern1',
    'skillPattern2',
    'skillPattern3',
    'skillPattern4',
    'skillPattern5',
    'skillPattern6',
    'skillPattern7',
    'skillPattern8',
    'skillPattern9',
    'skillPattern10',
    'skillPattern11',
    'skillPattern12',
    'skillPattern13',
    'skillPattern14',
    'globalPattern0',
    'globalPattern1',
    'globalPattern2',
    'globalPattern3',
    'globalPattern4',
    'globalPattern5',
    'globalPattern6',
    'globalPattern7',
  ],
} as const satisfies Record<string, readonly FeatureName[]>;

/** A switchable component of the learner model. */
export type ComponentName = keyof typeof COMPONENTS;

/** Index of the first skill-pattern feature (last 1-3 answers on the skill, 14 codes). */
export const SKILL_PATTERN_BASE = 17;
/** Index of the first global-pattern feature (last 3 answers overall, 8 codes). */
export const GLOBAL_PATTERN_BASE = 32;

/** Index of each feature in the weight vector. */
export const FEATURE_INDEX: Readonly<Record<FeatureName, number>> = Object.fromEntries(
  FEATURES.map((f, i) => [f, i]),
) as Record<FeatureName, number>;
