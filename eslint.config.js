// Lint is part of `npm test`: typescript-eslint's recommended rules plus the few that guard the host program.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'openjoules-out/**', 'collector-config/.build/**', '.cache/**'] },
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
    // What an agent app loads never pulls in what the CLI loads: runtime code does not import the analysis layer.
    files: ['src/trace/**', 'src/energy/**', 'src/export/**', 'src/setup/**', 'src/instrument/**', 'src/metrics/**', 'src/events/**', 'src/otlp/encode.ts', 'src/register*'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/analysis', '**/analysis/**'], message: 'Runtime code never imports src/analysis (the analysis layer the CLI loads).' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  {
    // CommonJS fixtures exist to prove `node -r openjoules/register` works with require().
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
