// ESLint 9 flat config: typescript-eslint's strict, type-checked rules for TypeScript, ESLint's
// recommended rules for the JavaScript files. Run with `npm run lint`.
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['lib/', 'node_modules/', '.cache/', 'test-results/', 'bench-results/', 'coverage/', 'reports/', '.stryker-tmp/'],
  },
  {
    linterOptions: {
      // A disable comment that silences nothing is an error, so each one that stays means something.
      reportUnusedDisableDirectives: 'error',
    },
  },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Sequential awaits are usually a missed Promise.all; where order matters, say so with a disable comment.
      'no-await-in-loop': 'error',
      // Numbers and booleans in messages read fine; objects still are an error.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `const { state: _dropped, ...rest } = query` names what it leaves out.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `() => server.close()` as a callback is clear; a void value used anywhere else is not.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  {
    files: ['test/**/*.ts', 'stand-in/test/**/*.ts'],
    rules: {
      // vitest's asymmetric matchers (expect.any, expect.stringContaining, …) are typed `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      // In a test, `found!` fails loudly at the next line when the value is missing.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
