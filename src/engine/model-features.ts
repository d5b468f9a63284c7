/**
 * The learner model's features. P(correct) is a logistic regression over these, all computed
 * from the bounded learner state and the item's running counters, so a prediction is a short
 * dot product and an update a handful of arithmetic operations.
 */

/** Last 1-3 answers on the skill as one of 14 codes. */
const SKILL_PATTERN_FEATURES = [
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
] as const;
/** Last 3 answers overall as one of 8 codes. */
const GLOBAL_PATTERN_FEATURES = [
  'globalPattern0',
  'globalPattern1',
  'globalPattern2',
  'globalPattern3',
  'globalPattern4',
  'globalPattern5',
  'globalPattern6',
  'globalPattern7',
] as const;

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
  ...SKILL_PATTERN_FEATURES,
  ...GLOBAL_PATTERN_FEATURES,
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
  patterns: [...SKILL_PATTERN_FEATURES, ...GLOBAL_PATTERN_FEATURES],
} as const satisfies Record<string, readonly FeatureName[]>;

/** A switchable component of the learner model. */
export type ComponentName = keyof typeof COMPONENTS;

/** Skill-pattern code c (1-14: last 1-3 answers on the skill) is feature SKILL_PATTERN_BASE + c. */
export const SKILL_PATTERN_BASE = FEATURES.indexOf('skillPattern1') - 1;
/** Global-pattern code c (0-7: last 3 answers overall) is feature GLOBAL_PATTERN_BASE + c. */
export const GLOBAL_PATTERN_BASE = FEATURES.indexOf('globalPattern0');

/** Index of each feature in the weight vector. */
export const FEATURE_INDEX: Readonly<Record<FeatureName, number>> = Object.fromEntries(
  FEATURES.map((f, i) => [f, i]),
) as Record<FeatureName, number>;
