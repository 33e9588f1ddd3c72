// The decoder thread (see MessageDecoder): validating messages with class-validator is the
// consumer's largest cost after deciding, so it runs beside the ledger writer's main thread.
import { serveRequests } from '@loyalty/thread-support';
import { decodeChunk, type PackedChunk } from './message-decoder';

serveRequests((chunk: PackedChunk) => JSON.stringify(decodeChunk(chunk)));
