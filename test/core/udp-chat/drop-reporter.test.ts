import { describe, expect, it } from 'vitest';
import { DropReporter } from '../../../src/core/udp-chat/drop-reporter.ts';
import type { UdpChatServerEvent } from '../../../src/core/udp-chat/udp-server-events.ts';

const a = { address: '10.0.0.1', port: 1 };
const b = { address: '10.0.0.2', port: 2 };

describe('DropReporter', () => {
  it('reports the first drop of a reason at once and sums up the rest of its window', () => {
    const events: UdpChatServerEvent[] = [];
    const drops = new DropReporter((event) => events.push(event), 1000);
    drops.report('malformed', a, 0);
    drops.report('malformed', a, 10);
    drops.report('malformed', b, 999, '3 bytes');
    drops.report('flood', a, 500);
    expect(events).toEqual([
      { type: 'drop', reason: 'malformed', remote: a, count: 1 },
      { type: 'drop', reason: 'flood', remote: a, count: 1 },
    ]);
    drops.flush(999);
    expect(events).toHaveLength(2);
    drops.flush(1000);
    expect(events.at(-1)).toEqual({ type: 'drop', reason: 'malformed', remote: b, count: 2, detail: '3 bytes' });
    drops.flush(2000); // nothing new: nothing reported, and the reason starts afresh
    expect(events).toHaveLength(3);
    drops.report('malformed', a, 2100);
    expect(events.at(-1)).toEqual({ type: 'drop', reason: 'malformed', remote: a, count: 1 });
  });

  it('a drop after the window ends first reports what the window held', () => {
    const events: UdpChatServerEvent[] = [];
    const drops = new DropReporter((event) => events.push(event), 1000);
    drops.report('too-long', a, 0);
    drops.report('too-long', a, 1);
    drops.report('too-long', b, 5000);
    expect(events.map((e) => e.type === 'drop' && e.count)).toEqual([1, 1, 1]);
  });
});
