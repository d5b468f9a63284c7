/**
 * Starts the LMS simulator on its own HTTP server (127.0.0.1:0) for tests; baseUrl is known only
 * after listening, so the router is attached lazily.
 */
import express from 'express';
import {
  createLmsSimulator,
  type LmsSimulator,
  type LmsSimulatorOptions,
} from '../../../src/dev/lms-simulator/index.js';
import { startServer } from './http.js';

export interface RunningSimulator {
  readonly url: string;
  readonly simulator: LmsSimulator;
  close(): Promise<void>;
}

export async function startSimulator(
  options: Omit<LmsSimulatorOptions, 'baseUrl'> & { readonly mountPath?: string },
): Promise<RunningSimulator> {
  const app = express();
  const mountPath = options.mountPath ?? '/dev/lms';
  // The base URL is known only once the server listens; routes are attached right after.
  const server = await startServer(app);
  const simulator = await createLmsSimulator({ ...options, baseUrl: `${server.url}${mountPath}` });
  app.use(mountPath, simulator.router);
  return {
    url: server.url,
    simulator,
    close: async () => {
      simulator.close();
      await server.close();
    },
  };
}
