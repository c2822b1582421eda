// Lint is part of `npm test`: typescript-eslint's recommended rules plus the few that guard the host program.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // The pack check's TypeScript app is typechecked and linted by tsc against the packed types in its own install.
    ignores: ['dist/**', 'node_modules/**', 'openjoules-out/**', 'collector-config/.build/**', '.cache/**', 'scripts/pack-check/apps/ts/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  {
    // What an agent app loads (`import 'openjoules'`, `openjoules/register`) never loads the analysis behind the CLI:
    // the install an app needs stays small and its start-up fast (issue #13).
    files: ['src/index.ts', 'src/register*.ts', 'src/register*.cts', 'src/semconv.ts', 'src/{trace,energy,export,setup,instrument,metrics,events,remote,measure}/**/*.ts', 'src/otlp/encode.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/analysis/**', '**/analytics.js', '**/summary/**', '**/rollup/**', '**/stats/**', '**/report/**', '**/export-data/**', '**/serving/**', '**/cli/**', '**/otlp/read-spans.js', '**/otlp/decode.js'],
              message: 'runtime code must not import the analysis layer (it is what `openjoules/analysis` and the CLI load)',
            },
            { group: ['sql.js', 'apache-arrow', 'hyparquet-writer', 'citty'], message: 'analysis-only dependency' },
          ],
        },
      ],
    },
  },
  {
    // One IO type for every command: src/cli reaches the process only through io.ts (processIo).
    files: ['src/cli/**/*.ts'],
    ignores: ['src/cli/io.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'stdout', message: 'Write to the CommandIo a command is given (src/cli/io.ts).' },
        { object: 'process', property: 'stderr', message: 'Write to the CommandIo a command is given (src/cli/io.ts).' },
        { object: 'process', property: 'stdin', message: 'Read the CommandIo a command is given (src/cli/io.ts).' },
        { object: 'process', property: 'exitCode', message: 'Return an exit status from the EXIT table (src/cli/exit-codes.ts).' },
        { object: 'process', property: 'exit', message: 'Return an exit status from the EXIT table (src/cli/exit-codes.ts).' },
      ],
    },
  },
  {
    // CommonJS fixtures exist to prove `node -r openjoules/register` works with require().
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
