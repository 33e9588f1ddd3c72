import nx from '@nx/eslint-plugin';

/** Layering is enforced here: the domain stays free of frameworks and I/O. */
const FRAMEWORK_AND_IO = [
  '@nestjs/*',
  'kafkajs',
  '@eventstore/db-client',
  'better-sqlite3',
  'pg',
  'class-validator',
  'class-transformer',
  'express',
  'fastify',
  'prom-client',
  'node:fs',
  'fs',
  'node:net',
  'node:http',
];

/**
 * Who may import whom, by project tag. Test support (a Kafka test kit) is for tests only: the test
 * projects and the spec files of any project (`inSpecFiles`), never production code.
 */
function depConstraints({ inSpecFiles }) {
  const testSupport = inSpecFiles ? ['type:test-support'] : [];
  return [
    { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: FRAMEWORK_AND_IO },
    // What order systems depend on: standalone, no project code behind it.
    { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
    { sourceTag: 'type:infrastructure', onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure', 'type:contracts', ...testSupport] },
    { sourceTag: 'type:application', onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure', 'type:application', 'type:contracts', ...testSupport] },
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure', 'type:application', 'type:contracts', ...testSupport] },
    {
      sourceTag: 'type:test',
      onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure', 'type:application', 'type:app', 'type:contracts', 'type:test-support'],
    },
    // The console calls the public HTTP API through its typed client, nothing else.
    { sourceTag: 'type:console', onlyDependOnLibsWithTags: ['type:contracts'] },
    { sourceTag: 'type:test-support', onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure', 'type:application', 'type:contracts'] },
  ];
}

const moduleBoundaries = (options) => ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: depConstraints(options) }];

export default [
  // Generated: libs/api-client/src/openapi.d.ts (openapi-typescript, from docs/http/openapi.json).
  {
    ignores: [
      '**/dist',
      '**/node_modules',
      '**/.nx',
      '**/coverage',
      'infra/.cache/**',
      'infra/.run/**',
      '**/*.js',
      '**/*.mjs',
      'libs/api-client/src/openapi.d.ts',
    ],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries({ inSpecFiles: false }),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // Every write route honours Idempotency-Key: POST routes are declared with IdempotentPost.
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@nestjs/common',
              importNames: ['Post'],
              message: 'declare a POST route with IdempotentPost (@loyalty/http-platform): it honours Idempotency-Key',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/http-platform/src/idempotency/idempotency-key.interceptor.ts', 'test/bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries({ inSpecFiles: true }) },
  },
];
