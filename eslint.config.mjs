import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', '.data/**'] },
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
    // The billing core is pure: no I/O, no clock, no Temporal/HTTP/SQL.
    files: ['src/billing/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@temporalio/*', 'express', 'knex', 'pg', 'fs', 'node:*', '../db/*', '../api/*'] }],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The billing core never reads the clock: take the instant as an argument.' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'The billing core never reads the clock: take the instant as an argument.' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'The billing core is deterministic.' },
      ],
    },
  },
  {
    // Workflows are deterministic: time only through the workflow's own clock, dates via the billing core.
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['../activities', '../activities/*', '../db/*', '../api/*', '../services/*', 'knex', 'pg', 'express', 'fs', 'node:*'], allowTypeImports: true }],
      }],
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Workflows are deterministic.' },
      ],
    },
  },
);
