/** Per-file fixture: a fake tool plus a simulator hosting both profiles on their own server. */
import { FakeTool, startSimulator, type RunningSimulator } from '../../support/platform/index.js';
import type { Clock } from '../../../src/shared/clock.js';
import type { LmsSimulatorOptions } from '../../../src/dev/lms-simulator/index.js';

export interface Fixture {
  readonly tool: FakeTool;
  readonly sim: RunningSimulator;
  close(): Promise<void>;
}

export async function startFixture(
  options: {
    clock?: Clock;
    platforms?: LmsSimulatorOptions['platforms'];
    toolJwksTimeoutMs?: number;
  } = {},
): Promise<Fixture> {
  const tool = await FakeTool.start();
  const sim = await startSimulator({
    tool: tool.toolOptions(),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.platforms === undefined ? {} : { platforms: options.platforms }),
    ...(options.toolJwksTimeoutMs === undefined
      ? {}
      : { toolJwksTimeoutMs: options.toolJwksTimeoutMs }),
  });
  for (const platform of sim.simulator.platforms) tool.trust(platform);
  return {
    tool,
    sim,
    close: async () => {
      await sim.close();
      await tool.close();
    },
  };
}

/** The first (manual) registration of a platform. */
export function firstRegistration(fixture: Fixture, profile: 'canvas' | 'moodle') {
  const platform = fixture.sim.simulator.platform(profile);
  const registration = [...platform.state.registrations.values()][0];
  if (registration === undefined) throw new Error('no registration');
  return { platform, registration };
}
