// typescript-eslint's recommended rules over the TypeScript sources and tests; formatting is prettier's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // `catch {}` says "a best-effort step that may fail" (a cleanup, an optional file).
  { rules: { 'no-empty': ['error', { allowEmptyCatch: true }] } },
  {
    files: ['**/*.ts'],
    rules: {
      // Unused names are tsc's job (noUnusedLocals, noUnusedParameters); `_x` marks a deliberate one.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // require() inside a function is how the hot path loads a module only when a command needs it.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Terminal output is matched after stripping ANSI escapes, which starts with \x1b.
    files: ['test/e2e/**/*.ts', 'scripts/**/*.mjs'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['**/*.ts'],
    rules: {},
  },
  {
    files: ['**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
      },
    },
  },
);
