// `netchat serve` with its log going to a file or a pipe (a journal, `2> serve.log`): each line
// starts with the time, so that the log can be read later.
import { describe, expect, it } from 'vitest';
import { CLI_RUNTIME, spawnCli } from '../helpers/cli.ts';

describe(`netchat serve's log in a pipe [${CLI_RUNTIME}]`, () => {
  it('starts every line with the UTC time', async () => {
    const server = spawnCli(['serve', '--host', '127.0.0.1', '--port', '0']);
    await server.waitForStderr(/listening on 127\.0\.0\.1:\d+/);
    server.child.kill('SIGTERM');
    await server.exited;
    const lines = server.stderr().trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (info|warn|error|debug) /);
    expect(lines.some((line) => /Z info +listening on 127\.0\.0\.1:\d+$/.test(line))).toBe(true);
  });
});
