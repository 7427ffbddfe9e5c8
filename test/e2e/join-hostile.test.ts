// `netchat join` against a hostile server, under whichever runtime NETCHAT_CLI names: nothing
// the server sends may drive the user's terminal, whether on stdout (plain or --json) or inside
// messages on stderr; --raw alone passes the server's bytes through, on stdout only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, runCli } from '../helpers/cli.ts';
import { startHostileServer, type HostileServer } from '../core/chat-client/hostile-chat-server.ts';

const FFFD = '\uFFFD';
/** Window title, clipboard write, clear screen and home, CR, bidi override, NUL, C1 CSI, an isolate. */
const HOSTILE =
  '\u001b]0;pwned\u0007\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u001b[Hsafe\roverwrite \u202eevil\u202c \u0000nul \u009b31mc1 \u2066iso\u2069 ✓';
const SHOWN = `${FFFD}]0;pwned${FFFD}${FFFD}]52;c;ZXZpbA==${FFFD}${FFFD}[2J${FFFD}[Hsafe${FFFD}overwrite ${FFFD}evil${FFFD} ${FFFD}nul ${FFFD}31mc1 ${FFFD}iso${FFFD} ✓`;
/** Any character a terminal would act on, except the LF that ends each output line. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

describe(`netchat join against a hostile server [${CLI_RUNTIME}]`, () => {
  let server: HostileServer;
  beforeAll(async () => {
    server = await startHostileServer({
      onJoined: async (peer) => {
        await peer.write(
          [
            `[Broadcast] mallory: ${HOSTILE}`,
            `[Server] ${HOSTILE}`,
            `[Users] alice, ${HOSTILE}`,
            `[Limits] max-line-bytes=4096 \u001b[2J=1`,
            `[Help] ${HOSTILE}`,
            `ERROR NO_SUCH_USER ${HOSTILE}`,
            `ERROR FLOOD ${HOSTILE}`,
          ].join('\n') + '\n',
        );
        peer.socket.end();
      },
    });
  });
  afterAll(() => server.close());

  const join = (extra: string[]) => runCli(['join', 'bot', '127.0.0.1', String(server.port), '--stay', ...extra], { input: '' });

  it('shows every server line on stdout with unsafe characters as U+FFFD, and keeps stderr safe', async () => {
    const result = await join([]);
    expect(result.code, result.stderr).toBe(EXIT.SERVER_CLOSED);
    expect(result.stdout).not.toMatch(UNSAFE);
    expect(result.stderr).not.toMatch(UNSAFE);
    expect(result.stdout.split('\n')).toEqual(
      expect.arrayContaining([`[Broadcast] mallory: ${SHOWN}`, `[Server] ${SHOWN}`, `[Users] alice, ${SHOWN}`, `[Help] ${SHOWN}`]),
    );
    expect(result.stdout).toContain(`${FFFD}[2J=1`);
    // The non-fatal error is logged, the fatal one says why the client ended: both made safe.
    expect(result.stderr).toContain(`NO_SUCH_USER: ${SHOWN}`);
    expect(result.stderr).toContain(`FLOOD ${SHOWN}`);
  });

  it('--raw passes the server lines through on stdout, and only there', async () => {
    const result = await join(['--raw']);
    expect(result.code, result.stderr).toBe(EXIT.SERVER_CLOSED);
    expect(result.stdout.split('\n')).toContain(`[Broadcast] mallory: ${HOSTILE}`);
    expect(result.stderr).not.toMatch(UNSAFE);
    expect(result.stderr).toContain(`FLOOD ${SHOWN}`);
  });

  it('--json keeps the values exact and escapes every unsafe character', async () => {
    const result = await join(['--json']);
    expect(result.code, result.stderr).toBe(EXIT.SERVER_CLOSED);
    expect(result.stdout).not.toMatch(UNSAFE);
    expect(result.stderr).not.toMatch(UNSAFE);
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toContainEqual(expect.objectContaining({ type: 'broadcast', from: 'mallory', text: HOSTILE }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', code: 'NO_SUCH_USER', message: HOSTILE }));
    expect(events.at(-1)).toMatchObject({ type: 'closed', reason: 'kicked', code: 'FLOOD', message: HOSTILE });
  });

  it('refuses --raw where it has no meaning: with --json', async () => {
    const result = await join(['--raw', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.USAGE);
  });
});
