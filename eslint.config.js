import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The CLI driver's pure files: data in, data out (docs/decisions/0002-pure-translators-thin-io-shell.md). */
const PURE_CLI_FILES = [
  'src/cli/answer-control-request.ts',
  'src/cli/answer-mcp-message.ts',
  'src/cli/build-cli-invocation.ts',
  'src/cli/cli-lines.ts',
  'src/cli/client-tool-names.ts',
  'src/cli/context-filter-plugin.ts',
  'src/cli/convert-cli-lines-to-anthropic-events.ts',
  'src/cli/convert-structured-output.ts',
  'src/cli/end-at-undeclared-tool-call.ts',
  'src/cli/find-fidelity-drift.ts',
  'src/cli/held-tool-calls.ts',
  'src/cli/idle-memory-budget.ts',
  'src/cli/turn-end-rules.ts',
  'src/cli/map-cli-error.ts',
  'src/cli/observe-turn-lines.ts',
  'src/cli/tested-cli-versions.ts',
  'src/cli/track-quota.ts',
  'src/cli/turn-report.ts',
];

/** Usage accounting's pure files. */
const PURE_USAGE_FILES = ['src/usage/format-usage-table.ts'];

/** Imports a layer may not make (docs/architecture.md, "Layers"); matched on the import path. */
const NO_IO = [{ group: ['node:*'], message: 'Pure code: no I/O. Inject what you need.' }];
const NO_HTTP = [{ group: ['fastify', 'fastify/*', '@fastify/*'], message: 'Only src/server knows the HTTP framework.' }];
const layer = (name, message) => ({ regex: `(^|/)${name}(/|\\.ts$)`, message });
const NO_SERVER = [layer('server', 'Only main.ts and src/server import src/server.')];
const NO_CLI = [layer('cli', 'core and protocols do not know the CLI: src/cli builds on them, never the other way round.')];
const NO_PROTOCOLS = [layer('protocols', 'The CLI driver and core are protocol-neutral.')];
const NO_ENTRY = [layer('main', 'Nothing imports the entry point.'), layer('doctor', 'Nothing imports the doctor command.')];

const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns: patterns.flat() }] });

const PURE_RULES = {
  'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval'],
  'no-restricted-properties': [
    'error',
    { object: 'Date', property: 'now', message: 'Inject a clock.' },
    { object: 'Math', property: 'random', message: 'Inject an id generator.' },
  ],
};

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
  // Layers: core <- protocols, core <- cli (neither knows the other), both <- server <- main. Each block names what its
  // layer may not import.
  { files: ['src/core/**/*.ts'], ignores: ['**/*.test.ts'], rules: { ...restrict(NO_IO, NO_HTTP, NO_SERVER, NO_CLI, NO_PROTOCOLS, NO_ENTRY), ...PURE_RULES } },
  { files: ['src/protocols/**/*.ts'], ignores: ['**/*.test.ts'], rules: { ...restrict(NO_IO, NO_HTTP, NO_SERVER, NO_CLI, NO_ENTRY), ...PURE_RULES } },
  { files: PURE_CLI_FILES, rules: { ...restrict(NO_IO, NO_HTTP, NO_SERVER, NO_PROTOCOLS, NO_ENTRY), ...PURE_RULES } },
  { files: ['src/cli/**/*.ts'], ignores: ['**/*.test.ts', ...PURE_CLI_FILES], rules: restrict(NO_HTTP, NO_SERVER, NO_PROTOCOLS, NO_ENTRY) },
  { files: ['src/server/**/*.ts'], ignores: ['**/*.test.ts'], rules: restrict(NO_ENTRY) },
  // Usage accounting: storage and its command, below the server; it knows nothing of HTTP, the CLI or the protocols.
  { files: ['src/usage/**/*.ts'], ignores: ['**/*.test.ts', ...PURE_USAGE_FILES], rules: restrict(NO_HTTP, NO_SERVER, NO_CLI, NO_PROTOCOLS, NO_ENTRY) },
  // Subscription accounts: their files and the `accounts` command; they may probe the CLI, nothing above.
  { files: ['src/accounts/**/*.ts'], ignores: ['**/*.test.ts'], rules: restrict(NO_HTTP, NO_SERVER, NO_PROTOCOLS, NO_ENTRY) },
  { files: PURE_USAGE_FILES, rules: { ...restrict(NO_IO, NO_HTTP, NO_SERVER, NO_CLI, NO_PROTOCOLS, NO_ENTRY), ...PURE_RULES } },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
