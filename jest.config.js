// One jest run over every project; SWC transpiles (see infra/node/swc-options.js).
const swc = ['@swc/jest', require('./infra/node/swc-options')];
const { unitScope, suitesNeedingMore } = require('./test/support/test-scope');

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.test.ts'],
  // `npm run test:unit`: only the suites that need no Kafka, PostgreSQL or build (see test/support/test-scope.js).
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/test/bench/', ...(unitScope ? suitesNeedingMore(__dirname) : [])],
  transform: { '^.+\\.ts$': swc },
  // content-disposition (of @fastify/static) is ES modules only: see test/support/content-disposition.cjs.
  moduleNameMapper: { '^@loyalty/(.*)$': '<rootDir>/libs/$1/src/index.ts', '^content-disposition$': '<rootDir>/test/support/content-disposition.cjs' },
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60000,
  maxWorkers: 2,
};
