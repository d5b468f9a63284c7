import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/app.js';

function runMain(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/main.ts')],
      {
        cwd: PROJECT_ROOT,
        // A clean environment: nothing from the developer's shell leaks into the check.
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, output });
    });
  });
}

describe('process start-up', () => {
  it('production without MONGODB_URI, key and https URL exits 1 naming each problem', async () => {
    const { code, output } = await runMain({ NODE_ENV: 'production' });
    expect(code).to.equal(1);
    expect(output).to.match(/3 configuration problems/);
    for (const variable of ['MONGODB_URI', 'LTI_ENCRYPTION_KEY', 'PUBLIC_URL'])
      expect(output).to.include(variable);
  });

  it('a short key is refused without echoing it', async () => {
    const { code, output } = await runMain({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://pathwise.example.edu',
      MONGODB_URI: 'mongodb://db.example.edu:27017/pathwise',
      LTI_ENCRYPTION_KEY: 'tooshort-but-secret',
    });
    expect(code).to.equal(1);
    expect(output).to.include('LTI_ENCRYPTION_KEY');
    expect(output).not.to.include('tooshort-but-secret');
  });
});
