// `npm run contracts:generate`: writes docs/kafka/asyncapi.json from the DTOs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncApiDocument } from './message-schemas';

export const ASYNCAPI_PATH = join(__dirname, '..', '..', '..', '..', 'docs', 'kafka', 'asyncapi.json');

export function renderAsyncApi(): string {
  return `${JSON.stringify(asyncApiDocument(), null, 2)}\n`;
}

if (require.main === module) {
  const target = process.argv[2] ?? ASYNCAPI_PATH;
  writeFileSync(target, renderAsyncApi());
  console.log(`wrote ${target}`);
}
