const path = require('node:path');
const { spawnSync } = require('node:child_process');

module.exports = async () => {
  if (globalThis.__LOYALTY_STARTED_POSTGRES__) {
    spawnSync(path.join(__dirname, '..', '..', 'infra', 'postgres', 'postgres.sh'), ['stop'], { stdio: 'inherit' });
  }
  if (globalThis.__LOYALTY_STARTED_KAFKA__) {
    spawnSync(path.join(__dirname, '..', '..', 'infra', 'kafka', 'kafka.sh'), ['stop'], { stdio: 'inherit' });
  }
};
