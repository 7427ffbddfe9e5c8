// The layer rules of docs/ARCHITECTURE.md, checked on the source tree: the map names every
// file, only the runtime layer reaches sockets, files and crypto, and neither core nor protocol
// knows of the CLI or the process. A file that breaks a rule fails here by name.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [path.relative(SRC, full).split(path.sep).join('/')] : [];
  });
}

const files = sourceFiles(SRC);
const text = (file: string) => readFileSync(path.join(SRC, file), 'utf8');
/** Module specifiers of static and dynamic imports and re-exports. */
function imports(file: string): string[] {
  const found: string[] = [];
  for (const match of text(file).matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'([^']+)'/g)) found.push(match[1]!);
  return found;
}
/** The code without comments, for rules about what code uses. */
function code(file: string): string {
  return text(file)
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
    .replace(/\s\/\/ .*$/gm, '');
}

const SYSTEM_MODULES = /^(node:)?(net|dgram|fs|fs\/promises|tls|crypto|http|https|http2|worker_threads|child_process)$/;
const CLI_MODULES = /^(citty|consola|@clack\/prompts)(\/|$)/;

describe('the source tree keeps its layers', () => {
  it('finds the tree', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files).toContain('cli.ts');
  });

  it('docs/ARCHITECTURE.md names every source file', () => {
    const map = readFileSync(path.join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
    const unnamed = files.filter((file) => !map.includes(path.basename(file)));
    expect(unnamed).toEqual([]);
  });

  it('only src/runtime/ imports sockets, files, TLS, HTTP and crypto', () => {
    const offenders = files
      .filter((file) => !file.startsWith('runtime/'))
      .flatMap((file) => imports(file).filter((spec) => SYSTEM_MODULES.test(spec)).map((spec) => `${file}: ${spec}`));
    expect(offenders).toEqual([]);
  });

  it('core and protocol know nothing of the CLI, the process or Buffer', () => {
    const inner = files.filter((file) => file.startsWith('core/') || file.startsWith('protocol/'));
    const offenders = inner.flatMap((file) => {
      const found = imports(file).filter((spec) => CLI_MODULES.test(spec) || spec.startsWith('node:')).map((spec) => `${file}: ${spec}`);
      const body = code(file);
      if (/\bprocess\.\w/.test(body)) found.push(`${file}: process`);
      if (/(?<![\w.])Buffer\.\w/.test(body)) found.push(`${file}: Buffer`);
      return found;
    });
    expect(offenders).toEqual([]);
  });

  it('protocol code imports nothing outside src/protocol/', () => {
    const offenders = files
      .filter((file) => file.startsWith('protocol/'))
      .flatMap((file) =>
        imports(file)
          .filter((spec) => !spec.startsWith('.') || !path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).startsWith('protocol/'))
          .map((spec) => `${file}: ${spec}`),
      );
    expect(offenders).toEqual([]);
  });
});
