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
      { patterns: [APP, ...forbidden.map((group) => ({ group: [group], message: why, allowTypeImports: false }))] },
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
  // CommonJS preload scripts (node 20 takes only --require in NODE_OPTIONS for them).
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Exactly the "may import" column of ARCHITECTURE.md, type imports included.
  layer(['src/core/**'], ['**/interface/**', '**/pipeline/**', '**/providers/**', '**/infrastructure/**', '**/wire/**', '**/operations/**'], 'core/ imports nothing'),
  layer(['src/wire/**'], ['**/interface/**', '**/pipeline/**', '**/providers/**', '**/infrastructure/**', '**/operations/**'], 'wire/ may import core/ only: it is pure translation'),
  layer(['src/providers/**'], ['**/interface/**', '**/pipeline/**', '**/infrastructure/**', '**/operations/**'], 'providers/ may import wire/ and core/ only'),
  layer(['src/infrastructure/**'], ['**/interface/**', '**/pipeline/**', '**/operations/**', '**/wire/**'], 'infrastructure/ may import providers/ (their store ports) and core/ only: put a port here, not above'),
  layer(['src/pipeline/**'], ['**/interface/**', '**/operations/**'], 'the pipeline does not know its callers or background work'),
  layer(['src/operations/**'], ['**/interface/**'], 'background work does not know the interfaces'),
  layer(['src/interface/**'], [], 'take what you need from the CliContext / deps'),
);
