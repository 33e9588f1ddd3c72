// The HTTP API's JSON answers, by the names the OpenAPI document gives them (ApiJsonResponse):
// `npm run contracts:generate` turns these TypeScript types into the document's JSON Schemas
// (ts-json-schema-generator), so that the contract says what the code returns. A type renamed
// or changed here without regenerating fails the contract test.
import type {
  BreakageResponse,
  DigestsResponse,
  EntriesResponse,
  LiabilityResponse,
  RollForwardResponse,
  SealResponse,
  TrialBalanceResponse,
  VerificationReport,
} from '@loyalty/finance-audit';
import type { DeadLetterPage, RedriveResponse } from '@loyalty/kafka-ingestion';
import type {
  CustomerListResponse,
  CustomerValueModelResponse,
  NpsResponse,
  RepurchaseResponse,
  SegmentMembersResponse,
  SegmentsResponse,
  SupportResponse,
  TiersResponse,
} from '@loyalty/loyalty-analytics';
import type {
  AuditTrail,
  ExpiryRunRecord,
  ImpactReport,
  ReplayList,
  ReplayRecord,
  ReRatingRecord,
  RulesDiffResponse,
  RulesVersionList,
  RulesVersionSummary,
} from '@loyalty/program-operations';
import type { ProgramRules } from '@loyalty/program-rules';
import type {
  DeliveryLog,
  EndpointList,
  EndpointSummary,
  NotificationFeedPage,
  RegisteredEndpoint,
  ResendResponse,
  ScanResponse,
  SecretRotation,
} from '@loyalty/notifications';

/** Each answer under its name in the contract. */
export interface HttpResponses {
  BreakageResponse: BreakageResponse;
  DigestsResponse: DigestsResponse;
  EntriesResponse: EntriesResponse;
  LiabilityResponse: LiabilityResponse;
  RollForwardResponse: RollForwardResponse;
  SealResponse: SealResponse;
  TrialBalanceResponse: TrialBalanceResponse;
  VerificationReport: VerificationReport;
  DeadLetterPage: DeadLetterPage;
  RedriveResponse: RedriveResponse;
  NpsResponse: NpsResponse;
  CustomerListResponse: CustomerListResponse;
  CustomerValueModelResponse: CustomerValueModelResponse;
  RepurchaseResponse: RepurchaseResponse;
  SegmentMembersResponse: SegmentMembersResponse;
  SegmentsResponse: SegmentsResponse;
  TiersResponse: TiersResponse;
  SupportResponse: SupportResponse;
  AuditTrail: AuditTrail;
  RegisteredEndpoint: RegisteredEndpoint;
  EndpointList: EndpointList;
  EndpointSummary: EndpointSummary;
  SecretRotation: SecretRotation;
  DeliveryLog: DeliveryLog;
  ResendResponse: ResendResponse;
  NotificationFeedPage: NotificationFeedPage;
  ScanResponse: ScanResponse;
  ExpiryRunRecord: ExpiryRunRecord;
  ImpactReport: ImpactReport;
  ReplayList: ReplayList;
  ReplayRecord: ReplayRecord;
  ReRatingRecord: ReRatingRecord;
  RulesDiffResponse: RulesDiffResponse;
  RulesVersionList: RulesVersionList;
  RulesVersionSummary: RulesVersionSummary;
  ProgramRules: ProgramRules;
}
