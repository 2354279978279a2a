// The test run StrykerJS uses for each mutant (`npm run test:mutation`): the ordinary suite without the
// slow whole-system tests. The model-based walks, the end-to-end processes, the browser and the fuzzing
// cover every path and would re-run for almost every mutant of machines/; the focused tests must kill them.
//
// MUTATION_TESTS narrows the run to some test files (comma-separated globs), for a quick run over one
// folder. Use it rather than Stryker's --testFiles: with a test filter, StrykerJS 9.6 activates static
// mutants (module-level values such as the machine's config) after the module was imported, so they are
// reported as survived although the tests kill them (stryker-js#6144).
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

const only = process.env.MUTATION_TESTS?.split(',').map((g) => g.trim()).filter(Boolean);

const config = mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: ['tests/model/**', 'tests/e2e/**', 'tests/browser/**', 'tests/fuzz/**', '**/node_modules/**', '.stryker-tmp/**'],
    },
  }),
);
// mergeConfig would append to the base's include; narrowing replaces it.
if (only?.length) config.test!.include = only;

export default config;
