import { describe, expect, it } from 'vitest';
import { addressKey } from '../../../src/core/chat/address-key.ts';

describe('addressKey', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(addressKey('127.0.0.1')).toBe('127.0.0.1');
    expect(addressKey('10.0.0.2')).not.toBe(addressKey('10.0.0.3'));
  });

  it('reads an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('::FFFF:192.0.2.7')).toBe('192.0.2.7');
  });

  it('groups IPv6 addresses by their /64, however they are written', () => {
    const key = addressKey('2001:db8:0:1::1');
    expect(key).toBe('2001:db8:0:1::/64');
    for (const same of ['2001:db8:0:1::2', '2001:0db8:0000:0001:ffff:ffff:ffff:ffff', '2001:DB8:0:1:a:b:c:d', '2001:db8:0:1::1%eth0']) {
      expect(addressKey(same), same).toBe(key);
    }
    for (const other of ['2001:db8:0:2::1', '2001:db8::1', '2001:db9:0:1::1']) {
      expect(addressKey(other), other).not.toBe(key);
    }
  });

  it('handles the short forms: ::1, a leading ::, an embedded IPv4 tail', () => {
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1')).toBe('fe80:0:0:0::/64');
    expect(addressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(addressKey('1:2:3:4:5:6:1.2.3.4')).toBe('1:2:3:4::/64');
  });

  it('keeps something that does not parse as its own key', () => {
    expect(addressKey('1::2::3')).toBe('1::2::3');
    expect(addressKey('not:an:address')).toBe('not:an:address');
  });
});
