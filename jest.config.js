// One jest run over every project; SWC transpiles (tsc type-checks in `npm run build`).
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/test/bench/'],
  transform: { '^.+\\.ts$': swc },
  // content-disposition (of @fastify/static) is ES modules only: see test/support/content-disposition.cjs.
  moduleNameMapper: { '^@loyalty/(.*)$': '<rootDir>/libs/$1/src/index.ts', '^content-disposition$': '<rootDir>/test/support/content-disposition.cjs' },
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60000,
  maxWorkers: 2,
};
