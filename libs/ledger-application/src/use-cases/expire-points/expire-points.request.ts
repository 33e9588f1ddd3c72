import { IsIdentifier, IsInstant } from '../../http/request-validators';

export class ExpirePointsRequest {
  @IsIdentifier('The expiry run id', 'EXP-2026-11-22') expiryRunId!: string;
  @IsInstant('Expire lots due at or before this instant; defaults to now', { optional: true }) asOf?: string;
}
