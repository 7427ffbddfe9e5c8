// `join` in a script: a refused input line shows in the exit code, and the client's own errors
// come out where they belong among the server's replies, so each can be matched to its line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';

describe(`netchat join in scripts [${CLI_RUNTIME}]`, () => {
  let server: CliProcess;
  let port: number;

  beforeAll(async () => {
    server = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0']);
    const [, found] = await server.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
    port = Number(found);
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  const join = (name: string, input: string, extra: string[] = []) => runCli(['join', name, `127.0.0.1:${port}`, ...extra], { input });

  it('a /msg the server refuses makes the exit code 7; the other lines are still sent', async () => {
    const result = await join('script1', '/msg nobody hello\nstill sent\n');
    expect(result.code, result.stderr).toBe(EXIT.INPUT_REFUSED);
    expect(result.stderr).toContain('NO_SUCH_USER');
  });

  it('a session without a refused line exits 0', async () => {
    const result = await join('script2', 'hello\n/users\n');
    expect(result.code, result.stderr).toBe(EXIT.OK);
  });

  it('local errors come after the replies to the lines before them, in --json', async () => {
    const input = ['/users', '/nope', '/msg nobody x', '/alsonope', '/groups', '/missing-too'].join('\n') + '\n';
    const result = await join('script3', input, ['--json']);
    expect(result.code, result.stderr).toBe(EXIT.INPUT_REFUSED);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const answers = events
      .filter((event) => ['users', 'error', 'groups-end'].includes(String(event.type)))
      .map((event) => (event.type === 'error' ? `${event.local ? 'local ' : ''}${event.code}` : event.type));
    expect(answers).toEqual(['users', 'local UNKNOWN_COMMAND', 'NO_SUCH_USER', 'local UNKNOWN_COMMAND', 'groups-end', 'local UNKNOWN_COMMAND']);
    // The client's way of waiting for the replies never shows in the output.
    expect(events.some((event) => event.type === 'limits')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'closed', reason: 'quit' });
  });

  it('in plain mode too: the local error on stderr follows the server error before it', async () => {
    const result = await join('script4', '/msg nobody x\n/nope\n');
    expect(result.code, result.stderr).toBe(EXIT.INPUT_REFUSED);
    expect(result.stderr.indexOf('NO_SUCH_USER')).toBeGreaterThanOrEqual(0);
    expect(result.stderr.indexOf('NO_SUCH_USER')).toBeLessThan(result.stderr.indexOf('UNKNOWN_COMMAND'));
  });

  it('says a reserved name is reserved, and exits 4', async () => {
    const result = await join('server', 'hi\n');
    expect(result.code, result.stderr).toBe(EXIT.NAME_REFUSED);
    expect(result.stderr).toContain('"server" is a reserved name');
  });

  it('/help does not list /boardcast, which still broadcasts', async () => {
    const watcher = spawnCli(['join', 'watch5', `127.0.0.1:${port}`, '--stay']);
    try {
      await watcher.waitForStderr(/joined .* as watch5/);
      const result = await join('script5', '/help\n/boardcast spelled the old way\n');
      expect(result.code, result.stderr).toBe(EXIT.OK);
      expect(result.stderr).toContain('/broadcast <message>');
      expect(result.stderr).not.toContain('boardcast');
      await watcher.waitForStdout(/\[Broadcast\] script5: spelled the old way/);
    } finally {
      watcher.child.kill('SIGTERM');
      await watcher.exited;
    }
  });
});
