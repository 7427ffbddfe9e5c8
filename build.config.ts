import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { defineBuildConfig } from 'unbuild';

// dist/cli.mjs plus the chunks it loads lazily (dist/chunks, dist/shared): citty, consola and
// @clack/prompts are devDependencies so that rollup inlines them and dist runs with no
// node_modules at all. package.json "files" ships exactly these.
export default defineBuildConfig({
  entries: [{ input: 'src/cli', name: 'cli' }],
  outDir: 'dist',
  declaration: false,
  // Clean everything but dist/bin: the compiled executables are built separately
  // (`npm run compile`) and a rebuild of the JavaScript must not delete them.
  clean: false,
  hooks: {
    'build:before'(ctx) {
      const outDir = path.resolve(ctx.options.rootDir, 'dist');
      let entries: string[] = [];
      try {
        entries = readdirSync(outDir);
      } catch {
        return;
      }
      for (const entry of entries) {
        if (entry !== 'bin') rmSync(path.join(outDir, entry), { recursive: true, force: true });
      }
    },
  },
  failOnWarn: false,
  rollup: {
    emitCJS: false,
    inlineDependencies: true,
    // Resolve packages as Node does: without the `node` condition, consola's export map hands
    // out its browser build, which logs through console.log to stdout instead of stderr.
    resolve: { preferBuiltins: true, exportConditions: ['node', 'production'] },
    esbuild: { target: 'node20', minify: false },
  },
});
