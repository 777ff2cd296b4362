// ESLint flat config (kept under test/ so the repository's top level stays small).
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    { ignores: ['out/**', 'dist/**', 'test/.tools/**', 'node_modules/**', '**/*.d.ts'] },
    eslint.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ['**/*.ts'],
        rules: {
            '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
            '@typescript-eslint/no-require-imports': 'off',
            '@typescript-eslint/no-non-null-assertion': 'off',
            'no-constant-condition': ['error', { checkLoops: false }],
            eqeqeq: ['error', 'smart'],
        },
    },
    {
        files: ['**/*.mjs', '**/*.js'],
        languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', __dirname: 'readonly' } },
    },
);
