// Lint for the whole tree, run by `npm test` (scripts/test.sh) beside the type check.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'data/**', 'node_modules/**', 'test-results/**', 'coverage/**', 'bench/tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    rules: {
      // Unused names are dead code; a leading underscore marks one dropped on purpose (a destructured rest).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The dependency-cruiser configuration is CommonJS, as that tool reads it.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // A migration is written against the schema as it was then, not the current typed one (Kysely's own advice),
    // and a prepared query is compiled for whichever database it is handed.
    files: ['src/server/db/migrations/**', 'src/server/db/prepared.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests read answers of every shape; typing each body would only restate the assertions.
    files: ['**/*.test.ts', 'test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The layering of ../shared/STYLE.md that imports alone cannot show (dependency-cruiser checks the imports):
    // a route parses, calls a command or a store read and answers; the SQL and the transaction are the store's
    // and the command's.
    files: ['src/server/**/*routes.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[property.name=/^(transaction|selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|executeQuery)$/]',
          message: 'A route runs no SQL and opens no transaction: call a command (commands.ts) or a store read (store.ts).',
        },
      ],
    },
  },
  {
    // rules.ts decides: no database, no network, no clock of its own (the time is passed in).
    files: ['src/server/**/rules.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'rules.ts does no I/O' },
        { name: 'setTimeout', message: 'rules.ts does no I/O' },
        { name: 'setInterval', message: 'rules.ts does no I/O' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[property.name=/^(transaction|selectFrom|insertInto|updateTable|deleteFrom|execute|executeTakeFirst)$/]',
          message: 'rules.ts does no I/O: the store reads, the command writes.',
        },
      ],
    },
  },
  {
    files: ['src/web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
);
