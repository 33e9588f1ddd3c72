import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ApiJsonResponse, IdempotentPost, RequireRoles } from '@loyalty/http-platform';
import { NOTIFICATION_TYPES } from '@loyalty/read-models';
import { IsCalendarInstant } from '@loyalty/kafka-contracts';
import { CLOCK, type Clock } from '@loyalty/ledger-application';
import { NOTIFICATION_SCAN, type ScanReport, type ScanRunner } from '../notifier/notification-scan';
import type { DeliveryRecord, OutboxEntry, WebhookEndpoint } from '../outbox/notification-outbox.port';
import { NotificationFeed } from '../notifier/notification-feed';
import { WebhookEndpoints, type PublicEndpoint } from '../webhooks/webhook-endpoints';
import { MAX_BATCH_SIZE, MAX_IN_FLIGHT } from '../webhooks/webhook-dispatcher';

const IN_FLIGHT_DESCRIPTION =
  'Deliveries under way at once. 1: the endpoint receives every notification in ledger order, one after the other. Above 1: each customer’s notifications still arrive in ledger order, different customers’ in parallel.';

const BATCH_DESCRIPTION =
  'Notifications per request, at most. 1: each request’s body is one notification envelope. Above 1: each request’s body is a `notification.batch` ({ type, messageId, producer, notifications: [envelopes] }) of up to this many in ledger order, signed as one message; it carries what is waiting, so a quiet stream still goes out at once, in batches of one. For receivers that take high volumes.';

class RegisterEndpointRequest {
  @ApiProperty({ example: 'https://crm.example.com/hooks/loyalty' }) @IsString() @MaxLength(2000) url!: string;
  @ApiPropertyOptional({ enum: NOTIFICATION_TYPES, isArray: true, description: 'The types it receives; absent or empty: every type' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(NOTIFICATION_TYPES.length)
  @IsIn(NOTIFICATION_TYPES, { each: true })
  types?: string[];
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional({ default: 1, minimum: 1, maximum: MAX_IN_FLIGHT, description: IN_FLIGHT_DESCRIPTION })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_IN_FLIGHT)
  maxInFlight?: number;
  @ApiPropertyOptional({ default: 1, minimum: 1, maximum: MAX_BATCH_SIZE, description: BATCH_DESCRIPTION })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_BATCH_SIZE)
  maxBatchSize?: number;
}

class UpdateEndpointRequest {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) url?: string;
  @ApiPropertyOptional({ enum: NOTIFICATION_TYPES, isArray: true }) @IsOptional() @IsArray() @IsIn(NOTIFICATION_TYPES, { each: true }) types?: string[];
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_IN_FLIGHT, description: IN_FLIGHT_DESCRIPTION })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_IN_FLIGHT)
  maxInFlight?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_BATCH_SIZE, description: BATCH_DESCRIPTION })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_BATCH_SIZE)
  maxBatchSize?: number;
}

class EndpointParam {
  @ApiProperty() @Matches(/^wh_[0-9a-f-]{36}$/, { message: '$property must be a webhook endpoint id' }) id!: string;
}

class DeliveriesQuery {
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) afterSeq?: number;
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @ApiPropertyOptional({ enum: ['delivered', 'retrying', 'failed'] })
  @IsOptional()
  @IsIn(['delivered', 'retrying', 'failed'])
  status?: DeliveryRecord['status'];
}

class ResendRequest {
  @ApiProperty({ description: 'First outbox seq to send again' }) @IsInt() @Min(1) fromSeq!: number;
  @ApiPropertyOptional({ description: 'Last outbox seq (default: fromSeq)' }) @IsOptional() @IsInt() @Min(1) toSeq?: number;
}

class ScanRequest {
  @ApiPropertyOptional({ description: 'Scan up to this instant (ISO-8601); defaults to now' }) @IsOptional() @IsCalendarInstant() asOf?: string;
}

class FeedQuery {
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) afterSeq?: number;
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

/** A registered endpoint with its signing secret: answered once, at registration. */
export type RegisteredEndpoint = WebhookEndpoint;
export type EndpointList = PublicEndpoint[];
export type EndpointSummary = PublicEndpoint;
export interface SecretRotation {
  id: string;
  secret: string;
}
export type DeliveryLog = DeliveryRecord[];
export interface ResendResponse {
  queued: number;
}
export type ScanResponse = ScanReport;
export interface NotificationFeedPage {
  entries: OutboxEntry[];
  headSeq: number;
}

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('v1')
export class NotificationsHttpController {
  constructor(
    private readonly endpoints: WebhookEndpoints,
    private readonly feed: NotificationFeed,
    @Inject(NOTIFICATION_SCAN) private readonly scan: ScanRunner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @IdempotentPost('notifications/scans')
  @HttpCode(200)
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Run the time-driven scan now (points available or expiring, tier drops and warnings, segments): it also runs on a schedule' })
  @ApiJsonResponse('ScanResponse')
  runScan(@Body() body: ScanRequest): Promise<ScanResponse> {
    return this.scan.run(body.asOf ? new Date(body.asOf).toISOString() : this.clock.now().toISOString());
  }

  @IdempotentPost('webhooks/endpoints')
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Register a webhook endpoint: its signing secret (Standard Webhooks) is in this answer only' })
  @ApiJsonResponse('RegisteredEndpoint', 201)
  register(@Body() body: RegisterEndpointRequest): Promise<RegisteredEndpoint> {
    return this.endpoints.register(body);
  }

  @Get('webhooks/endpoints')
  @RequireRoles('ops')
  @ApiOperation({ summary: 'The webhook endpoints (without secrets), each with its cursor in the outbox' })
  @ApiJsonResponse('EndpointList')
  list(): Promise<EndpointList> {
    return this.endpoints.list();
  }

  @Get('webhooks/endpoints/:id')
  @RequireRoles('ops')
  @ApiOperation({ summary: 'One webhook endpoint (without its secret)' })
  @ApiJsonResponse('EndpointSummary')
  get(@Param() { id }: EndpointParam): Promise<EndpointSummary> {
    return this.endpoints.get(id);
  }

  @Patch('webhooks/endpoints/:id')
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Change an endpoint’s URL, types or enabled flag' })
  @ApiJsonResponse('EndpointSummary')
  update(@Param() { id }: EndpointParam, @Body() body: UpdateEndpointRequest): Promise<EndpointSummary> {
    return this.endpoints.update(id, body);
  }

  @IdempotentPost('webhooks/endpoints/:id/rotate-secret')
  @HttpCode(200)
  @RequireRoles('ops')
  @ApiOperation({ summary: 'A new signing secret, shown once; later deliveries are signed with it' })
  @ApiJsonResponse('SecretRotation')
  rotate(@Param() { id }: EndpointParam): Promise<SecretRotation> {
    return this.endpoints.rotateSecret(id);
  }

  @Get('webhooks/endpoints/:id/deliveries')
  @RequireRoles('ops')
  @ApiOperation({ summary: 'The delivery log of an endpoint: attempts, status, last answer, latency' })
  @ApiJsonResponse('DeliveryLog')
  deliveries(@Param() { id }: EndpointParam, @Query() q: DeliveriesQuery): Promise<DeliveryLog> {
    return this.endpoints.deliveries(id, { afterSeq: q.afterSeq ?? 0, limit: q.limit ?? 100, ...(q.status ? { status: q.status } : {}) });
  }

  @IdempotentPost('webhooks/endpoints/:id/resend')
  @HttpCode(202)
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Send one notification, or a range of outbox seqs, again (in the background, with retries)' })
  @ApiJsonResponse('ResendResponse', 202)
  resend(@Param() { id }: EndpointParam, @Body() body: ResendRequest): Promise<ResendResponse> {
    return this.endpoints.resend(id, body.fromSeq, body.toSeq ?? body.fromSeq);
  }

  @Get('notifications')
  @RequireRoles('ops')
  @ApiOperation({ summary: 'The notification outbox in order (what every sink sends)' })
  @ApiJsonResponse('NotificationFeedPage')
  notifications(@Query() q: FeedQuery): Promise<NotificationFeedPage> {
    return this.feed.page(q.afterSeq ?? 0, q.limit ?? 100);
  }
}
