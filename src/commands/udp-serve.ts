import { defineCommand } from 'citty';
import type { ConsolaInstance } from 'consola';
import { UDP_CHAT_DEFAULT_PORT } from '../protocol/udp-chat/client-datagrams.ts';
import { startUdpChatServer, type UdpChatServer } from '../core/udp-chat/udp-chat-server.ts';
import { LimitError, type UdpChatLimits } from '../core/udp-chat/udp-chat-limits.ts';
import { DROP_REASONS, LEAVE_REASONS, type UdpChatServerEvent } from '../core/udp-chat/udp-server-events.ts';
import { getRuntime } from '../runtime/index.ts';
import { address } from './_echo-client.ts';
import { createLogger, EXIT, hostArg, logArgs, onShutdownSignal, parsePort, UsageError } from './_shared.ts';
import { UDP_FLAG_OF, udpLimitArgs, udpLimitsFrom } from './_udp-serve-limits.ts';

function logEvent(logger: ConsolaInstance, event: UdpChatServerEvent): void {
  const from = address(event.remote.address, event.remote.port);
  switch (event.type) {
    case 'challenge':
      return logger.debug(`${from} asks for ${event.name}: ${event.sent ? 'join code sent' : 'join code held back (too few bytes from it yet)'}`);
    case 'register':
      return logger.info(`${from} joined as ${event.name}`);
    case 'leave':
      return logger.info(`${event.name} (${from}) left: ${LEAVE_REASONS[event.reason] ?? 'quit'}`);
    case 'refuse':
      return logger.info(`refused ${event.name === undefined ? '' : `${JSON.stringify(event.name)} `}from ${from}: ${event.code}`);
    case 'relay':
      return logger.debug(`${event.name} ~ ${JSON.stringify(event.text)} to ${event.recipients}`);
    case 'drop': {
      const why = DROP_REASONS[event.reason] + (event.detail ? ` (${event.detail})` : '');
      const line = event.count === 1 ? `dropped a datagram from ${from}: ${why}` : `dropped ${event.count} more: ${why}, the last from ${from}`;
      return event.reason === 'unproven' ? logger.debug(line) : logger.warn(line);
    }
  }
}

export default defineCommand({
  meta: { name: 'udp-serve', description: 'Run the UDP chat server (the original UDP chat, safe to run in the open)' },
  args: {
    port: { type: 'string', description: `UDP port to listen on (0 = any free port)`, default: String(UDP_CHAT_DEFAULT_PORT) },
    ...hostArg,
    ...udpLimitArgs,
    ...logArgs,
  },
  async run({ args }) {
    const logger = createLogger(args);
    const port = parsePort(args.port, '--port');
    const limits = udpLimitsFrom(args);
    let server: UdpChatServer;
    try {
      server = await startUdpChatServer(getRuntime(), { host: args.host, port, limits, onEvent: (event) => logEvent(logger, event) });
    } catch (error) {
      if (error instanceof LimitError) throw new UsageError(`--${UDP_FLAG_OF[error.option as keyof UdpChatLimits]}: ${error.message}`);
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : code;
      logger.error(`cannot listen on udp ${address(args.host, port)}: ${why}`);
      process.exitCode = EXIT.CONNECT;
      return;
    }
    const stopped = new Promise<void>((resolve) => {
      onShutdownSignal((signal) => {
        logger.info(`${signal}: shutting down (${server.userCount} in the chat)`);
        server.close().then(resolve);
      });
    });
    logger.info(`listening on ${address(server.address.address, server.address.port)} (udp chat)`);
    await stopped;
    logger.info('server stopped');
    process.exitCode = EXIT.OK;
  },
});
