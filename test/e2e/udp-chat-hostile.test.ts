// `netchat udp-join` against a hostile UDP server (or anyone spoofing its address), under
// whichever runtime NETCHAT_CLI names: nothing it sends may drive the user's terminal, whether
// on stdout (plain or --json) or inside messages on stderr.
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, runCli } from '../helpers/cli.ts';
import { scriptedWelcome, startScriptedUdpServer, type ScriptedUdpServer } from '../core/udp-chat/scripted-udp-server.ts';

const FFFD = '\uFFFD';
/** Window title, clipboard write, clear screen and home, CR, bidi override, NUL, C1 CSI, an isolate, a bidi mark. */
const HOSTILE =
  '\u001b]0;pwned\u0007\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u001b[Hsafe\roverwrite \u202eevil\u202c \u0000nul \u009b31mc1 \u2066iso\u2069 \u200fmark ✓';
const SHOWN = `${FFFD}]0;pwned${FFFD}${FFFD}]52;c;ZXZpbA==${FFFD}${FFFD}[2J${FFFD}[Hsafe${FFFD}overwrite ${FFFD}evil${FFFD} ${FFFD}nul ${FFFD}31mc1 ${FFFD}iso${FFFD} ${FFFD}mark ✓`;
/** Any character a terminal would act on, except the LF that ends each output line. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** After the welcome: a message, a notice, a leave with a reason, a non-fatal error, then one that ends the client. */
const AFTER_JOINED = (name: string) => [
  scriptedWelcome(name),
  `mallory ~ ${HOSTILE}`,
  `[SERVER] ${HOSTILE}`,
  `[SERVER] mallory has left the chat (${HOSTILE}).`,
  `[SERVER] SERVER_BUSY: ${HOSTILE}`,
  `[SERVER] IDLE_TIMEOUT: ${HOSTILE}`,
];

const servers: ScriptedUdpServer[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function hostileServer(options: Parameters<typeof startScriptedUdpServer>[0]): Promise<ScriptedUdpServer> {
  const server = await startScriptedUdpServer(options);
  servers.push(server);
  return server;
}

const udpJoin = (server: ScriptedUdpServer, extra: string[] = []) =>
  runCli(['udp-join', 'bot', '127.0.0.1', String(server.port), '--stay', ...extra], { input: '' });

describe(`netchat udp-join against a hostile server [${CLI_RUNTIME}]`, () => {
  it('shows every datagram on stdout with unsafe characters as U+FFFD, and keeps stderr safe', async () => {
    const result = await udpJoin(await hostileServer({ afterJoined: AFTER_JOINED }));
    expect(result.code, result.stderr).toBe(EXIT.SERVER_CLOSED);
    expect(result.stdout).not.toMatch(UNSAFE);
    expect(result.stderr).not.toMatch(UNSAFE);
    expect(result.stdout.split('\n')).toEqual(
      expect.arrayContaining([`mallory ~ ${SHOWN}`, `[SERVER] ${SHOWN}`, `[SERVER] mallory has left the chat (${SHOWN}).`]),
    );
    // The non-fatal error is logged, the fatal one says why the client ended: both made safe.
    expect(result.stderr).toContain(`SERVER_BUSY: ${SHOWN}`);
    expect(result.stderr).toContain(`the server dropped us: IDLE_TIMEOUT ${SHOWN}`);
  });

  it('--json keeps the values exact and escapes every unsafe character', async () => {
    const result = await udpJoin(await hostileServer({ afterJoined: AFTER_JOINED }), ['--json']);
    expect(result.code, result.stderr).toBe(EXIT.SERVER_CLOSED);
    expect(result.stdout).not.toMatch(UNSAFE);
    expect(result.stderr).not.toMatch(UNSAFE);
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toContainEqual(expect.objectContaining({ type: 'message', from: 'mallory', text: HOSTILE }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'notice', text: HOSTILE }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'user-left', name: 'mallory', reason: HOSTILE }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', code: 'SERVER_BUSY', message: HOSTILE }));
    expect(events.at(-1)).toMatchObject({ type: 'closed', reason: 'kicked', code: 'IDLE_TIMEOUT', message: HOSTILE });
  });

  it('keeps a refusal of the name safe on stderr', async () => {
    const server = await hostileServer({ answerJoin: () => [`[SERVER] NAME_TAKEN: ${HOSTILE}`] });
    const result = await udpJoin(server);
    expect(result.code, result.stderr).toBe(EXIT.NAME_REFUSED);
    expect(result.stdout).not.toMatch(UNSAFE);
    expect(result.stderr).not.toMatch(UNSAFE);
    expect(result.stderr).toContain(`NAME_TAKEN ${SHOWN}`);
  });
});
