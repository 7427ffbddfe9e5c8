import { defineBuildConfig } from 'unbuild';

// One self-contained ESM file: citty, consola and @clack/prompts are devDependencies so that
// rollup inlines them and `dist/cli.mjs` runs with no node_modules at all.
export default defineBuildConfig({
  entries: [{ input: 'src/cli', name: 'cli' }],
  outDir: 'dist',
  declaration: false,
  clean: true,
  failOnWarn: false,
  rollup: {
    emitCJS: false,
    inlineDependencies: true,
    esbuild: { target: 'node20', minify: false },
  },
});
