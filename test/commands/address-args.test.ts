import { describe, expect, it } from 'vitest';
import { connectAddress, listenAddress, splitHostPort } from '../../src/commands/_address-args.ts';

describe('splitHostPort', () => {
  it.each([
    ['chat.example', { host: 'chat.example' }],
    ['chat.example:12000', { host: 'chat.example', port: 12000 }],
    ['127.0.0.1:1', { host: '127.0.0.1', port: 1 }],
    ['[::1]:65535', { host: '::1', port: 65535 }],
    ['[::1]', { host: '::1' }],
    ['::1', { host: '::1' }],
    ['fe80::1:2', { host: 'fe80::1:2' }],
  ])('%s', (text, expected) => {
    expect(splitHostPort(text, 'HOST', false)).toEqual(expected);
  });

  it.each([['host:'], ['host:http'], [':12000'], ['[::1'], ['[::1]:x'], ['host:0'], ['host:65536'], ['[::1]:65536'], ['']])('refuses %j', (text) => {
    expect(() => splitHostPort(text, 'HOST', false)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('allows port 0 where the system may choose', () => {
    expect(splitHostPort('127.0.0.1:0', '--host', true)).toEqual({ host: '127.0.0.1', port: 0 });
  });
});

describe('listenAddress and connectAddress', () => {
  const defaults = { host: '0.0.0.0', port: 12000 };

  it('takes the port from --host or --port, the same one twice, never two', () => {
    expect(listenAddress({}, defaults)).toEqual(defaults);
    expect(listenAddress({ host: '[::]:5' }, defaults)).toEqual({ host: '::', port: 5 });
    expect(listenAddress({ host: '127.0.0.1:5', port: '5' }, defaults)).toEqual({ host: '127.0.0.1', port: 5 });
    expect(() => listenAddress({ host: '127.0.0.1:5', port: '6' }, defaults)).toThrow(/two ports/);
  });

  it('leaves what is not given undefined, for the caller to ask or default', () => {
    expect(connectAddress({})).toEqual({});
    expect(connectAddress({ host: 'h:7' })).toEqual({ host: 'h', port: 7 });
    expect(connectAddress({ host: 'h', port: '8' })).toEqual({ host: 'h', port: 8 });
    expect(() => connectAddress({ host: 'h:7', port: '8' })).toThrow(/two ports: HOST h:7 and PORT 8/);
    expect(() => connectAddress({ host: 'h', port: '0' })).toThrow(/PORT/);
  });
});
