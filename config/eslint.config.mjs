// ESLint flat config: typescript-eslint strictTypeChecked plus the layout boundaries of CONVENTIONS.md §A.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import mocha from 'eslint-plugin-mocha';
import globals from 'globals';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const restrict = (patterns) => ['error', { patterns }];
const group = (pattern, message) => ({ group: pattern, message });

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'test-output/**', 'public/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: path.join(root, 'tsconfig.json'), tsconfigRootDir: root },
      globals: { ...globals.node },
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read settings through infra/config.ts (loadConfig).',
        },
      ],
    },
  },
  // Layout boundaries (CONVENTIONS.md §A).
  {
    files: ['src/**/*.ts'],
    ignores: ['src/lti/**'],
    rules: {
      'no-restricted-imports': restrict([
        group(['ltijs', 'ltijs/*'], 'Only src/lti imports ltijs.'),
      ]),
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        group(
          ['../*', '!../shared', '!../shared/*', '../../*'],
          'The engine imports only src/shared.',
        ),
        group(
          ['express', 'mongoose', 'mongodb', 'ltijs', 'node:*', 'fs', 'path', 'pino*'],
          'The engine is pure: no I/O or frameworks.',
        ),
      ]),
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        group(
          ['express', 'mongoose', 'mongodb', 'ltijs', 'pino*'],
          'shared/ is the framework-free kernel.',
        ),
      ]),
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: [
      'src/main.ts',
      'src/composition.ts',
      'src/dev/**',
      'src/engine/**',
      'src/shared/**',
      'src/lti/**',
    ],
    rules: {
      'no-restricted-imports': restrict([
        group(['**/dev/*', '**/dev/**'], 'Only main.ts and composition.ts may import dev/.'),
        group(['ltijs', 'ltijs/*'], 'Only src/lti imports ltijs.'),
      ]),
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: [
      'src/**/*.mongo.ts',
      'src/infra/db.ts',
      'src/dev/**',
      'src/lti/**',
      'src/main.ts',
      'src/composition.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportDeclaration[source.value=/^(mongoose|mongodb)$/]',
          message: 'Only *.mongo.ts adapters and infra/db.ts import mongoose.',
        },
      ],
    },
  },
  {
    files: ['src/infra/config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    plugins: { mocha },
    languageOptions: { globals: { ...globals.mocha } },
    rules: {
      'mocha/no-exclusive-tests': 'error',
      'mocha/no-global-tests': 'error',
      'mocha/handle-done-callback': 'error',
      'mocha/no-mocha-arrows': 'off',
      'no-restricted-properties': 'off',
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // supertest bodies are untyped JSON; tests assert their shape directly.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    // CLIs and benchmarks talk to the terminal.
    files: ['scripts/**/*.ts', 'bench/**/*.ts', 'src/dev/**/cli.ts'],
    rules: { 'no-console': 'off', 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.cjs', '**/*.mjs', 'public/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Tool configs run before loadConfig exists (mocharc reads CI to forbid .only).
    files: ['config/*.cjs', 'config/*.mjs'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
