// The state folder: what a server or client keeps between runs (the TLS certificate and key,
// known hosts, bans). Commands resolve it here, once, so every feature finds the same folder.
import type { ArgsDef } from 'citty';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const stateDirArg = {
  'state-dir': {
    type: 'string',
    description: 'Folder for state kept between runs (default $XDG_STATE_HOME/netchat, else ~/.local/state/netchat)',
    valueHint: 'path',
  },
} as const satisfies ArgsDef;

/** The flag, else $XDG_STATE_HOME/netchat (when absolute, as the XDG spec asks), else ~/.local/state/netchat. */
export function resolveStateDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (flag?.trim()) return flag.trim();
  const xdg = env.XDG_STATE_HOME?.trim();
  if (xdg && xdg.startsWith('/')) return join(xdg, 'netchat');
  return join(home, '.local', 'state', 'netchat');
}
