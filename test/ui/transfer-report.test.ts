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

  it('shows what the server said — a stored name, an error code and message — made safe for the terminal', () => {
    const report = new TransferReport(painter(false), () => 0);
    const hostile = '\u001b]0;pwned\u0007\u001b[2J\u202eevil';
    const lines = [
      report.line({ type: 'transfer-failed', kind: 'download', name: `x${hostile}`, code: `NO_SUCH${hostile}`, message: hostile }),
      report.line({
        type: 'upload-done',
        name: 'a.txt',
        result: { storedAs: `a${hostile}.txt`, size: 3, sha256: 'a'.repeat(64) },
      } as Parameters<TransferReport['line']>[0]),
    ].map((line) => line?.text ?? '');
    for (const text of lines) {
      expect(text).toContain('pwned');
      expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
    }
  });
});
