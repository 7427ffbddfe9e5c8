// What may be the name of a shared file. A name is one path component, never a path: with no
// separator, no `..`, no control character and no Windows device name, joining it to the shared
// folder can only ever name a file directly inside that folder. Hidden names (a leading dot) are
// refused too: the server keeps its partial uploads under hidden names, so a hidden name could
// otherwise reach a file that is not whole yet.

export type FileNameProblem = 'FILE_NAME_INVALID';

/** The longest name most file systems store (ext4, APFS, NTFS count 255 bytes or units). */
export const MAX_FILE_NAME_BYTES = 255;

// C0 and C1 controls, DEL, and the characters that reorder or break lines on a terminal.
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF]/;
const SEPARATOR = /[/\\]/;
// Windows refuses these as file names whatever the extension, and some tools choke on them
// elsewhere: a folder shared from Linux must still be copyable to Windows.
const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;
// Characters Windows cannot store; refused so that every shared name survives a copy there.
const WINDOWS_FORBIDDEN = /[<>:"|?*]/;

const utf8 = new TextEncoder();

/** Why `name` cannot name a shared file, or undefined when it can. */
export function checkFileName(name: string): FileNameProblem | undefined {
  if (name.length === 0 || name === '.' || name === '..') return 'FILE_NAME_INVALID';
  if (name.startsWith('.')) return 'FILE_NAME_INVALID';
  if (SEPARATOR.test(name) || UNSAFE.test(name) || WINDOWS_FORBIDDEN.test(name)) return 'FILE_NAME_INVALID';
  if (DEVICE.test(name.trimEnd())) return 'FILE_NAME_INVALID';
  // Windows drops a trailing dot or space, so two different names would be one file there.
  if (name.endsWith('.') || name.endsWith(' ') || name !== name.trimStart()) return 'FILE_NAME_INVALID';
  if (utf8.encode(name).length > MAX_FILE_NAME_BYTES) return 'FILE_NAME_INVALID';
  return undefined;
}

/** Whether a name found in the shared folder is one to list and serve (not hidden, not ours). */
export function isListedName(name: string): boolean {
  return checkFileName(name) === undefined;
}

// Extensions that are read as one (`archive (1).tar.gz`, not `archive.tar (1).gz`).
const DOUBLE_EXTENSIONS = /\.tar\.(gz|bz2|xz|zst|lz|lzma|z)$/i;

/**
 * The name a file gets when `name` is taken: `report.csv` → `report (1).csv`, `notes` →
 * `notes (1)`, `backup.tar.gz` → `backup (1).tar.gz`. `n` counts from 1.
 */
export function numberedName(name: string, n: number): string {
  const double = DOUBLE_EXTENSIONS.exec(name);
  const dot = double ? double.index : name.lastIndexOf('.');
  const cut = dot > 0 ? dot : name.length;
  const fits = (text: string) => utf8.encode(text).length <= MAX_FILE_NAME_BYTES;
  const number = ` (${n})`;
  let stem = name.slice(0, cut);
  let extension = name.slice(cut);
  // Too long with the number: shorten the stem first, then the extension; never the number.
  // Whole characters go, never half of one.
  while (stem.length > 1 && !fits(stem + number + extension)) stem = [...stem].slice(0, -1).join('');
  while (extension.length > 0 && !fits(stem + number + extension)) extension = [...extension].slice(0, -1).join('');
  // A cut extension may end in a dot or space, which checkFileName refuses (Windows drops them).
  return stem + number + extension.replace(/[. ]+$/, '');
}
