import { describe, expect, it } from 'vitest';
import { formatHostPort } from '../../../src/core/shared/host-port.ts';

describe('formatHostPort', () => {
  it.each([
    ['127.0.0.1', 12000, '127.0.0.1:12000'],
    ['chat.example', 1, 'chat.example:1'],
    ['::1', 12345, '[::1]:12345'],
    ['fe80::1%eth0', 80, '[fe80::1%eth0]:80'],
  ])('%s port %d is %s', (host, port, expected) => {
    expect(formatHostPort(host, port)).toBe(expected);
  });
});
