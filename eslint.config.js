// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    // The command's launcher is plain JavaScript: it must start on an old Node to hand over.
    files: ['bin/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // Store actions return promises that report their own failures as toasts.
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { attributes: false } },
      ],
    },
  },
  {
    // shared/ is imported by the renderer, the preload and main alike.
    files: ['shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'shared/ must not import Node built-ins.' },
            { group: ['electron', 'electron/*'], message: 'shared/ must not import electron.' },
            {
              group: ['../main/*', '../renderer/*', '../preload/*'],
              message: 'shared/ stands alone.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'process', 'Buffer'],
    },
  },
  {
    // Writes go through ctx.write / writeTransaction (BEGIN IMMEDIATE): a deferred transaction
    // that reads, then writes, fails with "database is locked" instead of waiting.
    files: ['main/**/*.ts'],
    ignores: ['main/db/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='transaction']",
          message: 'Write through ctx.write() (BEGIN IMMEDIATE), not db.transaction().',
        },
        {
          selector: "CallExpression[callee.property.name='exec'][arguments.0.value=/^\\s*BEGIN/i]",
          message: 'Write through ctx.write() (BEGIN IMMEDIATE), not a hand-written BEGIN.',
        },
      ],
    },
  },
  // ---- Boundaries: no arrow runs back up, no front door sees SQL ----
  {
    // Front doors translate and call services; the store's connection and SQL stay in main/db.
    files: [
      'main/api/**/*.ts',
      'main/admin/**/*.ts',
      'main/cli/**/*.ts',
      'main/desktop/**/*.ts',
      'main/server/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)db/',
              message: 'Front doors call services (through the Core), never main/db.',
            },
          ],
        },
      ],
    },
  },
  {
    // Services use statements; only main/db opens connections.
    files: ['main/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '/db/connection\\.ts$',
              allowTypeImports: true,
              message: 'Services do not open connections; main/db does.',
            },
            {
              regex: '^\\.\\./(api|admin|cli|desktop|server)/',
              message: 'Services never import a front door.',
            },
          ],
        },
      ],
    },
  },
  {
    // The renderer: components never call the bridge (store actions do); a feature never
    // imports another feature (the app composes them through slots); nothing imports the app.
    files: ['renderer/src/**/*.tsx'],
    ignores: ['renderer/src/main.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '/lib/api\\.ts$',
              message: 'Components call store actions, which call the bridge.',
            },
            {
              regex: '(^|/)app/',
              message: 'Only the entry point imports the app.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/src/features/*/**/*.{ts,tsx}'], // files inside a feature's folder
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!\\.\\.)',
              message:
                'A feature does not import another feature; move shared pieces to components/ or stores/, or pass a slot from the app.',
            },
            {
              regex: '/lib/api\\.ts$',
              message: 'Components call store actions, which call the bridge.',
            },
            { regex: '(^|/)app/', message: 'Only the entry point imports the app.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/src/features/**/store.ts', 'renderer/src/features/**/*-store.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!\\.\\.)',
              message: 'A feature does not import another feature.',
            },
            { regex: '(^|/)app/', message: 'Only the entry point imports the app.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
