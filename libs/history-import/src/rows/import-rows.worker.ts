// The import's decoder thread (see ImportRowDecoder): parsing and validating rows is the import's
// largest cost after deciding, so it runs beside the ledger writer's main thread.
import { serveRequests } from '@loyalty/thread-support';
import { decodePackedRows, type PackedRows } from './import-row-decoder';

serveRequests((packed: PackedRows) => JSON.stringify(decodePackedRows(packed)));
