// Lint rules for dfs (`npm run lint`): typescript-eslint's type-aware recommended set over
// src/, test/ and bench/, so the checks the compiler cannot make (a promise left floating,
// an `any` leaking out of a call, an await on something that is not a promise) fail CI.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tap/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // tap awaits every subtest itself (each t.test(...) runs after the one before ends), so
      // the promise a t.test() returns is safe to leave; every other promise is not
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafePromises: [{ from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' }] },
      ],
      // Not used: an async function with no await is how this code makes a function that
      // must return a promise (an interface's method, a handler) reject instead of throwing.
      '@typescript-eslint/require-await': 'off',
      // `_name` marks a parameter a signature needs and the body does not use
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // the scripts and this file are plain JavaScript outside the TypeScript project
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', module: 'writable', require: 'readonly' },
    },
  },
);
