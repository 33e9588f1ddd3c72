// content-disposition 3 is ES modules only, which jest cannot require on Node 20 (node itself can).
// @fastify/static uses it only to name file downloads (reply.download), which the app never does.
'use strict';
module.exports = {
  create() {
    throw new Error('content-disposition is not available under jest (reply.download is not used by the app)');
  },
};
