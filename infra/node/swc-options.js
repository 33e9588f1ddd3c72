// How SWC transpiles the TypeScript sources where nothing is compiled (jest, and worker threads
// started from the sources): one set of options for both. tsc type-checks in `npm run build`.
'use strict';
module.exports = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
};
