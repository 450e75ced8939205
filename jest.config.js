/**
 * Four projects: the architecture (eslint and madge on the floor plan), then the three tiers of
 * tests: the pure billing core (fast, parallel); the subscription workflow's loop with mocked
 * activities on the time-skipping server (no Postgres); and everything that needs Postgres with the
 * real worker.
 */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};

module.exports = {
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  coverageProvider: 'v8',
  collectCoverageFrom: ['<rootDir>/src/billing/**/*.ts'],
  coverageReporters: ['text-summary', 'text'],
  coverageThreshold: { './src/billing/': { lines: 95 } },
  testTimeout: 180000,
  // Two worker processes, recycled past 1 GB: one in-band process would accumulate every file's
  // coverage and leaked native handles and slow to a crawl.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
  projects: [
    {
      displayName: 'unit',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      collectCoverageFrom: ['<rootDir>/src/billing/**/*.ts'],
    },
    {
      displayName: 'architecture',
      transform,
      testMatch: ['<rootDir>/test/architecture/**/*.test.ts'],
      collectCoverageFrom: ['<rootDir>/src/billing/**/*.ts'],
    },
    {
      displayName: 'workflow-loop',
      transform,
      testMatch: ['<rootDir>/test/workflow-loop/**/*.test.ts'],
      collectCoverageFrom: ['<rootDir>/src/billing/**/*.ts'],
    },
    {
      displayName: 'integration',
      transform,
      testMatch: ['<rootDir>/test/{api,workflows,e2e,activities}/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      collectCoverageFrom: ['<rootDir>/src/billing/**/*.ts'],
    },
  ],
};
