/**
 * The architecture rules of ../shared/STYLE.md, checked by `npm test` (test/static-checks.test.ts).
 * A feature folder under src/server reads schema.ts, rules.ts, store.ts, commands.ts, routes.ts;
 * shared plumbing sits in folders that know no feature.
 */
const infrastructure = '^src/server/(http|db|secrets|identifiers|tenancy|networks|permissions|threads|tracing|leases|jobs)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle-between-folders',
      severity: 'error',
      comment: 'Folders import each other one way: a cycle makes a feature impossible to read, test or move alone.',
      scope: 'folder',
      from: { path: '^src/server/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-cycle-between-modules',
      severity: 'error',
      comment: 'Modules import each other one way (a type may name its container: types leave nothing at run time).',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'infrastructure-knows-no-feature',
      severity: 'error',
      comment: 'Shared plumbing is below every feature: it may not import one.',
      from: { path: infrastructure },
      to: { path: '^src/server/[^/]+/', pathNot: infrastructure },
    },
    {
      name: 'routes-only-parse-and-call',
      severity: 'error',
      comment: 'A route parses, calls a command or a store read, and answers: no query builder of its own.',
      from: { path: '^src/server/[^/]+/[a-z-]*routes[.]ts$' },
      to: { path: ['^node_modules/kysely/', '^src/server/db/(connect|schema|prepared)\\.ts$'] },
    },
    {
      name: 'no-feature-calls-another-features-routes',
      severity: 'error',
      comment: 'Features call each other command to command or command to store, never through routes.',
      from: { path: '^src/server/([^/]+)/', pathNot: '^src/server/app\\.ts$' },
      to: { path: '^src/server/[^/]+/[a-z-]*routes[.]ts$', pathNot: '^src/server/$1/' },
    },
    {
      name: 'rules-are-pure',
      severity: 'error',
      comment: 'rules.ts decides; it reads no database, file, network or clock of its own.',
      from: { path: '^src/server/.+/rules\\.ts$' },
      to: {
        path: ['^node_modules/(kysely|pg|better-sqlite3|ioredis|undici)/', '^src/server/db/', '/store\\.ts$', '/commands\\.ts$', '/routes\\.ts$'],
      },
    },
    {
      name: 'rules-use-no-io-builtins',
      severity: 'error',
      comment: 'rules.ts decides; no file system, network or processes.',
      from: { path: '^src/server/.+/rules\\.ts$' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?(crypto|util|url|buffer|assert)$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['\\.test\\.ts$', '^src/web/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
