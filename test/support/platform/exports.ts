/** Re-exports of the simulator's pure pieces for test helpers, plus test-only constants. */
export * from '../../../src/dev/lms-simulator/index.js';
export { ALL_SERVICE_SCOPES as ALL_SCOPES } from '../../../src/dev/lms-simulator/vocabulary.js';
