import nx from '@nx/eslint-plugin';

/** Layering is enforced here: the domain stays free of frameworks and I/O. */
const FRAMEWORK_AND_IO = ['@nestjs/*', 'kafkajs', '@eventstore/db-client', 'better-sqlite3', 'pg', 'class-validator', 'class-transformer', 'express', 'prom-client', 'node:fs', 'fs', 'node:net', 'node:http'];

export default [
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/coverage', 'infra/.cache/**', 'infra/.run/**', '**/*.js', '**/*.mjs'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: FRAMEWORK_AND_IO },
            // What order systems depend on: standalone, no project code behind it.
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:infrastructure', onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure', 'type:contracts'] },
            { sourceTag: 'type:application', onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure', 'type:application', 'type:contracts'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure', 'type:application', 'type:contracts'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure', 'type:application', 'type:app', 'type:contracts'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
