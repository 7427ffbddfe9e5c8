import { describe, expect, it } from 'vitest';
import { resolveStateDir } from '../../src/commands/_state-dir.ts';

describe('resolveStateDir', () => {
  it('takes the flag first', () => {
    expect(resolveStateDir(' /srv/chat ', { XDG_STATE_HOME: '/x' }, '/home/a')).toBe('/srv/chat');
  });
  it('uses an absolute XDG_STATE_HOME, and ignores a relative one as the XDG spec asks', () => {
    expect(resolveStateDir(undefined, { XDG_STATE_HOME: '/x/state' }, '/home/a')).toBe('/x/state/netchat');
    expect(resolveStateDir(undefined, { XDG_STATE_HOME: 'rel' }, '/home/a')).toBe('/home/a/.local/state/netchat');
  });
  it('falls back to ~/.local/state/netchat', () => {
    expect(resolveStateDir('', {}, '/home/a')).toBe('/home/a/.local/state/netchat');
  });
});
