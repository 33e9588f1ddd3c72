import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { loyaltyAccountStream, postingsFor } from '@loyalty/ledger-domain';
import type { EventStore } from '@loyalty/event-store';
import { EVENT_STORE } from '../../ledger-application.tokens';
import { decodeLedgerEvent, type LedgerEntryMetadata } from '../../persistence/ledger-event-codec';
import type { AccountLedgerPage } from './account-ledger.view';
import { GetAccountLedger } from './get-account-ledger.query';

@QueryHandler(GetAccountLedger)
export class GetAccountLedgerHandler implements IQueryHandler<GetAccountLedger, AccountLedgerPage> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(query: GetAccountLedger): Promise<AccountLedgerPage> {
    const stored = await this.store.readStream(loyaltyAccountStream(query.customerId), { fromRevision: BigInt(query.fromRevision), maxCount: query.limit + 1 });
    const page = stored.slice(0, query.limit);
    return {
      customerId: query.customerId,
      entries: page.map((s) => {
        const event = decodeLedgerEvent(s);
        const metadata = s.metadata as unknown as LedgerEntryMetadata;
        const { type, ...fields } = event;
        return {
          revision: s.revision.toString(),
          position: s.position.toString(),
          eventId: s.eventId,
          type,
          storedType: s.type,
          schemaVersion: s.schemaVersion,
          recordedAt: s.recordedAt,
          event: fields,
          postings: postingsFor(event),
          provenance: metadata.provenance as unknown as Record<string, unknown>,
          rules: metadata.rules as unknown as Record<string, unknown>,
          sourceKey: metadata.sourceKey,
          correlationId: metadata.correlationId,
        };
      }),
      nextFromRevision: stored.length > query.limit ? stored[query.limit].revision.toString() : null,
    };
  }
}
