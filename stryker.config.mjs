// Mutation testing: `npm run test:mutation` (every file in `mutate`, the whole vitest.mutation.config.ts run).
// Each mutant runs only the tests that covered it (perTest coverage); a static mutant (module-level code,
// such as the machine's config) runs every test. Two cores are shared: keep concurrency at 1 or 2.
// One folder against its own tests, in minutes:
//   MUTATION_TESTS='tests/machine/dispute.test.ts' npm run test:mutation:quick -- 'machines/**/*.ts'
// (MUTATION_TESTS rather than --testFiles: see vitest.mutation.config.ts.)
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  coverageAnalysis: 'perTest',
  mutate: ['machines/**/*.ts', 'runtime/**/*.ts', 'dispute/hold.ts', 'dispute/history.ts', 'dispute/escalate.ts', 'server/auth.ts'],
  ignorePatterns: ['.data', 'reports', 'test-results', '.scratch', 'bench', 'docs', 'dist'],
  concurrency: 2,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
