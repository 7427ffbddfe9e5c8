// The server's log written to a file or a journal: every line starts with the time.
import { createConsola } from 'consola';
import { describe, expect, it } from 'vitest';
import { timestampedReporter } from '../../src/commands/_shared.ts';

describe('timestampedReporter', () => {
  it('starts each line with the UTC time, then the level, then the message', () => {
    const lines: string[] = [];
    const logger = createConsola({ level: 4, reporters: [timestampedReporter((text) => lines.push(text))] });
    const before = Date.now();
    logger.info('listening on 127.0.0.1:12000');
    logger.warn('slow', 3);
    const after = Date.now();
    expect(lines).toHaveLength(2);
    const [first, second] = lines as [string, string];
    expect(first).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info  listening on 127\.0\.0\.1:12000\n$/);
    expect(second).toMatch(/Z warn  slow 3\n$/);
    const time = Date.parse(first.split(' ')[0]!);
    expect(time).toBeGreaterThanOrEqual(before - 1);
    expect(time).toBeLessThanOrEqual(after + 1);
  });
});
