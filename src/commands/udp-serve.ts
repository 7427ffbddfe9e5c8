import { defineCommand } from 'citty';
import type { ConsolaInstance } from 'consola';
import { UDP_CHAT_DEFAULT_PORT } from '../protocol/udp-chat/client-datagrams.ts';
import { startUdpChatServer, type UdpChatServer } from '../core/udp-chat/udp-chat-server.ts';
import { DEFAULT_UDP_CHAT_LIMITS, resolveUdpChatLimits } from '../core/udp-chat/udp-chat-limits.ts';
import { formatHostPort } from '../core/shared/host-port.ts';
import { DROP_REASONS, LEAVE_REASONS, type UdpChatServerEvent } from '../core/udp-chat/udp-server-events.ts';
import { getRuntime } from '../runtime/index.ts';
import { LIMIT_FLAGS, limitArgs, limitsFromFlags } from './_limit-flags.ts';
import { listenAddress } from './_address-args.ts';
import { createLogger, EXIT, hostArg, logArgs, onShutdownSignal } from './_shared.ts';

function logEvent(logger: ConsolaInstance, event: UdpChatServerEvent): void {
  const from = formatHostPort(event.remote.address, event.remote.port);
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
    port: { type: 'string', alias: ['p'], description: `UDP port to listen on; 0 = any free port (default ${UDP_CHAT_DEFAULT_PORT})`, valueHint: 'port' },
    ...hostArg,
    ...limitArgs(LIMIT_FLAGS.udpServe, DEFAULT_UDP_CHAT_LIMITS),
    ...logArgs,
  },
  async run({ args }) {
    const logger = createLogger(args);
    const { host, port } = listenAddress(args, { host: '0.0.0.0', port: UDP_CHAT_DEFAULT_PORT });
    const limits = limitsFromFlags(LIMIT_FLAGS.udpServe, args, resolveUdpChatLimits);
    let server: UdpChatServer;
    try {
      server = await startUdpChatServer(getRuntime(), { host, port, limits, onEvent: (event) => logEvent(logger, event) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : code;
      logger.error(`cannot listen on udp ${formatHostPort(host, port)}: ${why}`);
      process.exitCode = EXIT.CONNECT;
      return;
    }
    const stopped = new Promise<void>((resolve) => {
      onShutdownSignal((signal) => {
        logger.info(`${signal}: shutting down (${server.userCount} in the chat)`);
        server.close().then(resolve);
      });
    });
    logger.info(`listening on ${formatHostPort(server.address.address, server.address.port)} (udp chat)`);
    await stopped;
    logger.info('server stopped');
    process.exitCode = EXIT.OK;
  },
});
