// Lint: typescript-eslint's recommended rules, plus the layering rule for emulator/ (see scripts/check-layers.mjs too).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test-results/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { setInterval: 'readonly', clearInterval: 'readonly', process: 'readonly', console: 'readonly', URL: 'readonly', require: 'readonly', __dirname: 'readonly', module: 'writable', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', fetch: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['emulator/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['vscode', '@vscode/*', 'vscode-*'], message: 'emulator/ must not depend on editor or DAP code.' },
        { group: ['**/debug-adapter/**', '**/extension/**', '**/language-server/**', '**/cli/**'], message: 'emulator/ sits at the bottom: nothing above may be imported.' },
      ] }],
    },
  },
);
