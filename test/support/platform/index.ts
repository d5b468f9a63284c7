/**
 * Test support for LTI platform interactions, shared by the simulator's own tests and the tool's
 * integration/e2e tests: claims builder and token minting, a fake tool, a launch driver, HTTP bits.
 */
export * from './exports.js';
export { createTestLaunchClaims, mintTestIdToken, type TestLaunchInput } from './claims.js';
export {
  driveLaunch,
  type DriveLaunchOptions,
  type DrivenLaunch,
  type HttpStep,
} from './drive-launch.js';
export { FakeTool, type CapturedLaunch, type RegistrationOutcome } from './fake-tool.js';
export {
  CookieJar,
  decodeHtml,
  readForm,
  startServer,
  type HtmlForm,
  type RunningServer,
} from './http.js';
export { browserFetch, browserOfSession, rememberBrowser } from './browser.js';
export { startSimulator, type RunningSimulator } from './simulator.js';
