import tseslint from 'typescript-eslint';
import floors from './eslint/floors.mjs';

const wallClock = [
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Read "now" from runtime/clock.ts (the injected Clock), or take the instant as an argument.' },
  { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Read "now" from runtime/clock.ts (the injected Clock), or take the instant as an argument.' },
];

/** Query building outside src/db: a table call (`db('invoices')`), raw SQL, or knex's helpers. */
const sqlOutsideDb = [
  { selector: "CallExpression[callee.type='Identifier'][callee.name=/^(db|trx|tx|conn|connection|knex)$/][arguments.0.type=/Literal$/]", message: 'SQL lives in src/db: call a store function instead.' },
  { selector: "MemberExpression[property.name=/^(raw|whereRaw|orWhereRaw|joinRaw|havingRaw|orderByRaw|fn|forUpdate|skipLocked|onConflict|queryBuilder)$/]", message: 'SQL lives in src/db: call a store function instead.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', '.data/**', 'console/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-globals': 'off',
    },
  },
  {
    files: ['**/*.js', 'jest.config.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', process: 'readonly' } },
  },
  {
    // The Billow Console (console/): browser code, a client of the public API. The session is an
    // HttpOnly cookie: nothing of it (nor an API key) may be kept in browser storage.
    files: ['console/**/*.{ts,tsx,mts}'],
    rules: {
      'no-restricted-globals': ['error',
        { name: 'localStorage', message: 'The console keeps no credential or data in browser storage.' },
        { name: 'sessionStorage', message: 'The console keeps no credential or data in browser storage.' },
      ],
      'no-restricted-properties': ['error',
        { object: 'window', property: 'localStorage', message: 'The console keeps nothing in browser storage.' },
        { object: 'window', property: 'sessionStorage', message: 'The console keeps nothing in browser storage.' },
        { object: 'document', property: 'cookie', message: 'The session cookie is HttpOnly: the page never reads or writes cookies.' },
      ],
    },
  },
  {
    // Floors and fences (DESIGN.md §3): imports only go down, at any depth.
    files: ['src/**/*.ts'],
    plugins: { billow: floors },
    rules: {
      'billow/floors': 'error',
      'no-restricted-syntax': ['error', ...wallClock, ...sqlOutsideDb],
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [
          { name: 'knex', message: 'Only src/db talks to the database (use its Db and Tx types).' },
          { name: 'pg', message: 'Only src/db talks to the database.' },
        ],
      }],
    },
  },
  {
    // src/db is where SQL lives; the clock still comes from outside.
    files: ['src/db/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...wallClock],
      '@typescript-eslint/no-restricted-imports': 'off',
    },
  },
  {
    // The one wall clock.
    files: ['src/runtime/clock.ts'],
    rules: { 'no-restricted-syntax': ['error', ...sqlOutsideDb] },
  },
  {
    // Start-up wiring may connect to a bare Postgres server to create databases.
    files: ['src/bootstrap/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
  {
    // The billing core is pure: no I/O, no clock, no Temporal/HTTP/SQL.
    files: ['src/billing/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@temporalio/*', 'express', 'knex', 'pg', 'fs', 'node:*'] }],
      'no-restricted-syntax': ['error',
        ...wallClock,
        ...sqlOutsideDb,
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'The billing core is deterministic.' },
      ],
    },
  },
  {
    // Workflows are deterministic: time is the workflow's own (Date.now() is replay-safe there),
    // dates come through the billing core, and only the workflow API of Temporal is imported.
    files: ['src/workflows/**/*.ts'],
    ignores: ['src/workflows/client.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        ...sqlOutsideDb,
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Workflows are deterministic.' },
      ],
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'knex', 'pg', 'express', 'fs', 'node:*'], message: 'Workflow code runs in the deterministic sandbox.' }],
      }],
    },
  },
);
