import { HttpStatus } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AuthenticatedRequest, HttpReply } from '@loyalty/http-platform';
import type { LedgerCommand } from '@loyalty/ledger-domain';
import type { CommandEnvelope, LedgerWriteResult } from '../ledger-writer/ledger-writer';
import type { Provenance } from '../persistence/provenance';

class WrittenEvent {
  @ApiProperty({ example: 'PointsEarned' }) type!: string;
  @ApiProperty({ example: '2', description: 'Revision in the account stream' }) revision!: string;
}

export class LedgerWriteResponse {
  @ApiProperty({
    enum: ['accepted', 'duplicate', 'no-op'],
    description:
      'accepted (201): entries written; duplicate (200): the source was already recorded; no-op (200): nothing to record (an expiry with nothing due)',
  })
  status!: 'accepted' | 'duplicate' | 'no-op';
  @ApiProperty() customerId!: string;
  @ApiProperty({ example: 'purchase:ORD-1', description: 'The source this write is deduplicated by' }) sourceKey!: string;
  @ApiPropertyOptional({ type: 'string', example: '1042', nullable: true, description: 'Ledger position to wait for on the read side' }) position!:
    string | null;
  @ApiProperty({ type: [WrittenEvent] }) events!: WrittenEvent[];
}

/** A rejected command, thrown for the HTTP layer: its code says how it looks (the app's error table). */
export class LedgerRejectedError extends Error {
  readonly code: string;
  readonly problemExtensions: Record<string, unknown>;

  constructor({ customerId, sourceKey, rejection }: Extract<LedgerWriteResult, { status: 'rejected' }>) {
    super(rejection.message);
    this.name = 'LedgerRejectedError';
    this.code = rejection.code;
    this.problemExtensions = { customerId, sourceKey, ...(rejection.details ? { details: rejection.details } : {}) };
  }
}

/** accepted 201, duplicate and no-op 200 (nothing written); a rejection is thrown with its code (422, or 409 for a source conflict: see the app's error table). */
export function toWriteResponse(result: LedgerWriteResult, response: HttpReply): LedgerWriteResponse {
  switch (result.status) {
    case 'accepted':
      response.status(HttpStatus.CREATED);
      if (result.position !== null) response.header('X-Ledger-Position', result.position.toString());
      return {
        status: 'accepted',
        customerId: result.customerId,
        sourceKey: result.sourceKey,
        position: result.position?.toString() ?? null,
        events: result.events.map((e) => ({ type: e.type, revision: e.revision.toString() })),
      };
    case 'duplicate':
    case 'no-op':
      response.status(HttpStatus.OK);
      return { status: result.status, customerId: result.customerId, sourceKey: result.sourceKey, position: null, events: [] };
    case 'rejected':
      throw new LedgerRejectedError(result);
  }
}

/** A command taken over HTTP, with its provenance: what the controllers give LedgerWriter.execute, as Kafka gives it executeBatch. */
export function httpCommand(command: LedgerCommand, request: AuthenticatedRequest): CommandEnvelope {
  return { command, provenance: httpProvenance(request) };
}

export function httpProvenance(request: AuthenticatedRequest): Provenance {
  const idempotencyKey = request.headers['idempotency-key'];
  return {
    channel: 'http',
    requestId: String(request.headers['x-request-id'] ?? ''),
    ...(request.principal ? { apiKeyId: request.principal.keyId } : {}),
    ...(typeof idempotencyKey === 'string' ? { idempotencyKey } : {}),
  };
}
