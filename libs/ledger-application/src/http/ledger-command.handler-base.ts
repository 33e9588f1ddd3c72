import type { LedgerWriteResult, LedgerWriter } from '../ledger-writer/ledger-writer';
import type { LedgerCommandMessage } from './ledger-command.message';

/** Every ledger use case is the same write path: load, decide, append, retry on conflict. */
export abstract class LedgerCommandHandlerBase<M extends LedgerCommandMessage> {
  constructor(protected readonly writer: LedgerWriter) {}

  execute(message: M): Promise<LedgerWriteResult> {
    return this.writer.execute({ command: message.command, provenance: message.provenance });
  }
}
