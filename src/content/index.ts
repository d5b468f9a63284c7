/**
 * Content: the question bank (skills, parametric templates) and what the practice flow calls.
 *
 * Practice cycle:
 * 1. Pool: `repository.listTemplates(skillIds)` → templates; the engine's item id is the template
 *    id and its skill the template's primary skill (`template.skills[0]`);
 *    `repository.prerequisites()` is the engine's `Assignment.prerequisites`.
 * 2. Show: `instantiate(template, seedFrom(learnerId, attempt))` → ItemInstance. Keep the whole
 *    instance on the server; send only `instance.question` to the browser (never `key`), render
 *    its texts with `renderMathText`, reveal `instance.hints[i]` one at a time.
 * 3. Answer: `checkAnswer(instance, response)` → `invalid` (ask again, nothing recorded) or
 *    `checked` with `correct`, feedback and the answer to show (then `instance.solution`).
 * Imports: `createContentService({ repository }).importSources(...)` or `.loadDemoBank()`.
 */
export type {
  AnswerCheck,
  AnswerKey,
  ContentBank,
  ItemId,
  ItemInstance,
  ItemTemplate,
  ItemType,
  LearnerResponse,
  QuestionView,
  Skill,
  SkillId,
} from './content.model.js';
export { ITEM_TYPES } from './content.model.js';
export { instantiate, MAX_DRAWS } from './generation.js';
export { checkAnswer, answerMessages } from './answer-check.js';
export { renderMathText, KATEX_DIST_DIR, KATEX_URL_PATH } from './math-render.js';
export { checkSkillGraph, prerequisiteMap } from './skill-graph.js';
export { TemplateError, formatProblem, type ContentProblem } from './content.errors.js';
export type { ContentRepository, ContentSnapshot, PublishResult } from './content.repository.js';
export {
  createContentService,
  formatOfFile,
  type ContentService,
  type ImportFailure,
  type ImportSource,
  type ImportSummary,
} from './content.service.js';
export { bankFileSchema, templateSchema, skillSchema, BANK_FORMAT } from './import/bank.schema.js';
