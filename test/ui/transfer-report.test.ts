import { describe, expect, it } from 'vitest';
import { painter } from '../../src/ui/chat-format.ts';
import { TransferReport, transferJson } from '../../src/ui/transfer-report.ts';

describe('TransferReport', () => {
  it('says when a transfer waits for one of its own to end, then goes on with its progress', () => {
    let now = 0;
    const report = new TransferReport(painter(false), () => now);
    expect(report.line({ type: 'transfer-start', kind: 'download', name: 'b.bin' })?.text).toBe('↓ downloading b.bin…');
    expect(report.line({ type: 'transfer-waiting', kind: 'download', name: 'b.bin' })).toEqual({
      text: "↓ b.bin: waiting until one of your transfers ends (the server's limit per user)",
    });
    now = 2_500;
    expect(report.line({ type: 'transfer-progress', kind: 'download', name: 'b.bin', bytes: 500, total: 1000 })?.text).toMatch(/^↓ b\.bin: 500 B of 1\.0 kB \(50%\)/);
    expect(transferJson({ type: 'transfer-waiting', kind: 'upload', name: 'a.txt' })).toEqual({ type: 'transfer-waiting', kind: 'upload', name: 'a.txt' });
  });
});
