// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layer rules: dependencies point one way (interface → pipeline → providers/infrastructure → wire → core). */
const layer = (files, forbidden, why) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      { patterns: forbidden.map((group) => ({ group: [group], message: why, allowTypeImports: true })) },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.fortitude/', 'reference_library/', 'bench/out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  layer(['src/core/**'], ['**/app/**', '**/interface/**', '**/pipeline/**', '**/providers/**', '**/infrastructure/**', '**/wire/**', '**/operations/**'], 'core/ imports nothing'),
  layer(['src/wire/**'], ['**/app/**', '**/interface/**', '**/pipeline/**', '**/providers/**', '**/infrastructure/**', '**/operations/**'], 'wire/ is pure translation over core/'),
  layer(['src/providers/**', 'src/infrastructure/**'], ['**/app/**', '**/interface/**', '**/pipeline/**', '**/operations/**'], 'providers/ and infrastructure/ sit below the pipeline'),
  layer(['src/pipeline/**'], ['**/app/**', '**/interface/**'], 'the pipeline does not know its callers'),
  layer(['src/interface/**', 'src/operations/**'], ['**/app/**', '**/main*'], 'only main.ts imports app/ (types excepted); take what you need from the CliContext / deps'),
);
