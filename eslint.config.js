import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'scratch/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Pure translators: no I/O, no clock, no process (docs/decisions/0002-pure-translators-thin-io-shell.md).
    files: [
      'src/protocols/**/*.ts',
      'src/core/**/*.ts',
      'src/cli/cli-lines.ts',
      'src/cli/convert-cli-lines-to-anthropic-events.ts',
      'src/cli/map-cli-error.ts',
      'src/cli/build-cli-invocation.ts',
      'src/cli/build-transcript.ts',
      'src/cli/observe-turn-lines.ts',
      'src/cli/tested-cli-versions.ts',
      'src/cli/context-filter-plugin.ts',
      'src/cli/find-fidelity-drift.ts',
    ],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'fastify', 'fastify/*'] }],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Inject a clock.' },
        { object: 'Math', property: 'random', message: 'Inject an id generator.' },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
