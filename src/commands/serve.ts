import { defineCommand } from 'citty';
import { getRuntime } from '../runtime/index.ts';
import { createLogger, hostArg, logArgs, parsePort } from './_shared.ts';

export default defineCommand({
  meta: { name: 'serve', description: 'Run the TCP chat server' },
  args: {
    port: { type: 'string', description: 'TCP port to listen on', default: '12000' },
    ...hostArg,
    ...logArgs,
  },
  async run({ args }) {
    const logger = createLogger(args);
    const port = parsePort(args.port, '--port');
    const server = await getRuntime().listenTcp({ host: args.host, port }, (c) => c.end('hi\n'));
    logger.info(`listening on ${server.address.address}:${server.address.port}`);
  },
});
