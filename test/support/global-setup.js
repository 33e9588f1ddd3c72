// Brings up what the tests need that is not a library: today nothing beyond a clean temp root.
const fs = require('node:fs');
const path = require('node:path');

module.exports = async () => {
  const tmp = path.join(__dirname, '..', '..', 'dist', 'test-tmp');
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  process.env.LOYALTY_TEST_TMP = tmp;
};
