// Mutation testing (`npm run test:mutation`; one folder: `npm run test:mutation -- --mutate 'runtime/**/*.ts'`).
// Each mutant runs only the tests that covered it (perTest coverage), in the vitest run of
// vitest.mutation.config.ts. Two cores are shared: keep concurrency at 1 or 2.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  coverageAnalysis: 'perTest',
  mutate: ['machines/**/*.ts', 'runtime/**/*.ts', 'dispute/hold.ts', 'dispute/escalate.ts', 'server/auth.ts'],
  ignorePatterns: ['.data', 'reports', 'test-results', '.scratch', 'bench', 'docs'],
  concurrency: 2,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
