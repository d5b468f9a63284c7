// `npm run mongo:embedded [-- --port 27018] [--snapshot .data/embedded-mongo.json]`
import { parseArgs } from 'node:util';
import { startEmbeddedMongo } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '27018' },
    snapshot: { type: 'string' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid --port ${values.port}`);
  process.exit(2);
}

const server = await startEmbeddedMongo({
  port,
  ...(values.snapshot === undefined ? {} : { snapshotPath: values.snapshot }),
  logger: {
    warn: (message) => {
      console.error(message);
    },
  },
});
console.log(server.uri);

const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
