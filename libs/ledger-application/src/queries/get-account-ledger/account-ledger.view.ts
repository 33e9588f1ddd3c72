import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class PostingView {
  @ApiProperty() debit!: string;
  @ApiProperty() credit!: string;
  @ApiProperty() points!: number;
  @ApiProperty() memo!: string;
}

export class LedgerEntryView {
  @ApiProperty() revision!: string;
  @ApiProperty() position!: string;
  @ApiProperty() eventId!: string;
  @ApiProperty({ example: 'PointsEarned' }) type!: string;
  @ApiProperty({ example: 'loyalty.points-earned' }) storedType!: string;
  @ApiProperty() schemaVersion!: number;
  @ApiProperty() recordedAt!: string;
  @ApiProperty({ description: 'The event, upcast to the current schema' }) event!: Record<string, unknown>;
  @ApiProperty({ type: [PostingView], description: 'Its double-entry postings, in points' }) postings!: PostingView[];
  @ApiProperty({ description: 'Where it came from (HTTP request, Kafka offset, batch)' }) provenance!: Record<string, unknown>;
  @ApiProperty({ description: 'The rules that computed it: id, version, content hash' }) rules!: Record<string, unknown>;
  @ApiProperty() sourceKey!: string;
  @ApiProperty() correlationId!: string;
}

export class AccountLedgerPage {
  @ApiProperty() customerId!: string;
  @ApiProperty({ type: [LedgerEntryView] }) entries!: LedgerEntryView[];
  @ApiPropertyOptional({ nullable: true, description: 'Pass as fromRevision for the next page' }) nextFromRevision!: string | null;
}
