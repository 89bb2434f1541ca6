// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Nothing below the composition root imports it, not even a type: components own their options
 * and `src/app/` maps the config onto them (a config type below app/ hid a seconds/ms mix-up).
 */
const APP = { group: ['**/app/**', '**/main*'], message: 'only src/main.ts imports app/ (types included): define the options next to the component and map the config in src/app/', allowTypeImports: false };

/** Layer rules: dependencies point one way (interface → pipeline → providers/infrastructure → wire → core). */
const layer = (files, forbidden, why) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      { patterns: [APP, ...forbidden.map((group) => ({ group: [group], message: why, allowTypeImports: true }))] },
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
  layer(['src/core/**'], ['**/interface/**', '**/pipeline/**', '**/providers/**', '**/infrastructure/**', '**/wire/**', '**/operations/**'], 'core/ imports nothing'),
  layer(['src/wire/**'], ['**/interface/**', '**/pipeline/**', '**/providers/**', '**/infrastructure/**', '**/operations/**'], 'wire/ is pure translation over core/'),
  layer(['src/providers/**', 'src/infrastructure/**'], ['**/interface/**', '**/pipeline/**', '**/operations/**'], 'providers/ and infrastructure/ sit below the pipeline'),
  layer(['src/pipeline/**'], ['**/interface/**'], 'the pipeline does not know its callers'),
  layer(['src/interface/**', 'src/operations/**'], [], 'take what you need from the CliContext / deps'),
);
