import { Command } from '@nestjs/cqrs';
import type { LedgerCommand } from '@loyalty/ledger-domain';
import type { LedgerWriteResult } from '../ledger-writer/ledger-writer';
import type { Provenance } from '../persistence/provenance';

/** Base of the CQRS command messages: a ledger command and where it came from. */
export abstract class LedgerCommandMessage<C extends LedgerCommand = LedgerCommand> extends Command<LedgerWriteResult> {
  constructor(
    readonly command: C,
    readonly provenance: Provenance,
  ) {
    super();
  }
}
