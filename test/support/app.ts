import { createLogger } from '../../src/infra/logger.js';
import { loadConfig, readConfigFiles, type Config } from '../../src/infra/config.js';
import { PROJECT_ROOT } from '../../src/app.js';
import path from 'node:path';

/** A validated test configuration; overrides use the same environment variable names as production. */
export function testConfig(env: Record<string, string> = {}): Config {
  const merged = {
    NODE_ENV: 'test',
    MONGODB_URI: 'mongodb://127.0.0.1:1/unused',
    LTI_ENCRYPTION_KEY: 'test-only-encryption-key-0123456789abcdef',
    ...env,
  };
  return loadConfig(merged, readConfigFiles(path.join(PROJECT_ROOT, 'config'), merged));
}

export const silentLogger = createLogger('silent');
