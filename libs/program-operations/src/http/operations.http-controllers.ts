import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Optional, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonResponse, ProblemError, RequireRoles, type AuthenticatedRequest, IdempotentPost, type HttpReply } from '@loyalty/http-platform';
import type { ProgramRules } from '@loyalty/program-rules';
import { toCsv } from '@loyalty/http-platform';
import {
  OPERATIONS_STORE,
  type AuditTrailEntry,
  type ExpiryRunRecord,
  type OperationsStore,
  type ReplayRecord,
  type ReRatingRecord,
} from '../operations-store/operations-store.port';
import { RulesCatalog, type RulesVersionSummary } from '../rules-lifecycle/rules-catalog';
import type { RulesChange } from '../rules-lifecycle/rules-diff';
import { ReplayService } from '../replays/replay-service';
import { impactRows, type ImpactReport } from '../replays/impact-report';
import { ReRatingService } from '../re-rating/re-rating.service';
import { EXPIRY_JOB, type ExpiryJob } from '../expiry/expiry-job';
import { actorOf } from './operations-http.support';
import {
  AuditTrailQuery,
  DiffQuery,
  ImpactQuery,
  PostReRatingRequest,
  PreviewReRatingRequest,
  ReplayIdParam,
  ReRatingIdParam,
  ScheduleRequest,
  StartReplayRequest,
  VersionParam,
} from './operations.dto';

/** Every rules version of the program. */
export type RulesVersionList = RulesVersionSummary[];
/** What changed from one version to another, leaf by leaf, and in words. */
export interface RulesDiffResponse {
  version: number;
  against: number;
  changes: RulesChange[];
  lines: string[];
}
export type ReplayList = ReplayRecord[];
export type AuditTrail = AuditTrailEntry[];

@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/rules')
export class RulesHttpController {
  constructor(private readonly catalog: RulesCatalog) {}

  @Get()
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Every rules version: base (file/defaults), proposed, scheduled' })
  @ApiJsonResponse('RulesVersionList')
  list(): Promise<RulesVersionList> {
    return this.catalog.list();
  }

  @IdempotentPost()
  @RequireRoles('ops')
  @ApiOperation({
    summary: 'Submit a new rules version (validated; every bad field named). It is proposed: replays can use it, the ledger cannot until scheduled',
  })
  @ApiBody({ description: 'A rules document (see rules/ and the README)', schema: { type: 'object' } })
  @ApiJsonResponse('RulesVersionSummary', 201, 'Submitted (proposed)')
  submit(@Body() body: unknown, @Req() request: AuthenticatedRequest): Promise<RulesVersionSummary> {
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw new ProblemError(HttpStatus.BAD_REQUEST, 'HTTP.INVALID_BODY', 'the body must be one rules document (a JSON object)');
    return this.catalog.submit(body, actorOf(request));
  }

  @Get(':version')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'One rules document' })
  @ApiJsonResponse('ProgramRules')
  get(@Param() { version }: VersionParam): Promise<ProgramRules> {
    return this.catalog.rules(version);
  }

  @Get(':version/diff')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'What changed from `against` to this version, leaf by leaf' })
  @ApiJsonResponse('RulesDiffResponse')
  diff(@Param() { version }: VersionParam, @Query() { against }: DiffQuery): Promise<RulesDiffResponse> {
    return this.catalog.diff(version, against);
  }

  @IdempotentPost(':version/schedule')
  @HttpCode(200)
  @RequireRoles('ops')
  @ApiOperation({
    summary:
      'Schedule a proposed version: the ledger applies it from effectiveFrom (at least a minute ahead; in the past only where the ledger has no entry at or after it, for a history to load)',
  })
  @ApiJsonResponse('RulesVersionSummary')
  schedule(@Param() { version }: VersionParam, @Body() body: ScheduleRequest, @Req() request: AuthenticatedRequest): Promise<RulesVersionSummary> {
    return this.catalog.schedule(version, body.effectiveFrom, actorOf(request));
  }
}

@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/replays')
export class ReplaysHttpController {
  constructor(private readonly replays: ReplayService) {}

  @IdempotentPost()
  @HttpCode(202)
  @RequireRoles('ops')
  @ApiOperation({
    summary:
      'Start a shadow rebuild under a candidate rules version (live reads and ingestion go on); refused with 409 REPLAY.TOO_MANY_RUNNING while the configured maximum are catching up',
  })
  @ApiJsonResponse('ReplayRecord', 202, 'Started')
  start(@Body() body: StartReplayRequest, @Req() request: AuthenticatedRequest): Promise<ReplayRecord> {
    return this.replays.start({
      candidateVersion: body.candidateVersion,
      projections: body.projections,
      throttleEventsPerSecond: body.throttleEventsPerSecond,
      actor: actorOf(request),
    });
  }

  @Get()
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Every replay, with its status and progress' })
  @ApiJsonResponse('ReplayList')
  list(): Promise<ReplayList> {
    return this.replays.list();
  }

  @Get(':id')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Progress (events done, rate, ETA) and, once caught up, the impact report' })
  @ApiJsonResponse('ReplayRecord')
  get(@Param() { id }: ReplayIdParam): Promise<ReplayRecord> {
    return this.replays.get(id);
  }

  @Get(':id/impact')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'The impact report (tier, segment and classification matrices, liability delta, sample), JSON or CSV' })
  @ApiJsonResponse('ImpactReport', 200, 'The impact report (text/csv with format=csv)', { csv: true })
  async impact(@Param() { id }: ReplayIdParam, @Query() q: ImpactQuery, @Res({ passthrough: true }) res: HttpReply): Promise<ImpactReport | string> {
    const record = await this.replays.get(id);
    if (!record.impact) throw new ProblemError(HttpStatus.CONFLICT, 'REPLAY.NOT_READY', 'the replay has not caught up yet', `replay ${id} is ${record.status}`);
    const impact = q.asOf ? await this.replays.impactAsOf(id, new Date(q.asOf).toISOString()) : record.impact;
    if (q.format !== 'csv') return impact;
    res.header('Content-Type', 'text/csv; charset=utf-8');
    res.header('Content-Disposition', `attachment; filename="impact-${id}.csv"`);
    return toCsv(impactRows(impact));
  }

  @IdempotentPost(':id/promote')
  @HttpCode(200)
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Switch reads to the replay’s tables and rules (atomic; recorded in the audit trail)' })
  @ApiJsonResponse('ReplayRecord')
  promote(@Param() { id }: ReplayIdParam, @Req() request: AuthenticatedRequest): Promise<ReplayRecord> {
    return this.replays.promote(id, actorOf(request));
  }

  @IdempotentPost(':id/cancel')
  @HttpCode(200)
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Stop the replay and drop its tables (the record stays, cancelled; a promoted replay must be rolled back first)' })
  @ApiJsonResponse('ReplayRecord')
  cancel(@Param() { id }: ReplayIdParam, @Req() request: AuthenticatedRequest): Promise<ReplayRecord> {
    return this.replays.cancel(id, actorOf(request));
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireRoles('ops')
  @ApiOperation({ summary: 'The same as POST /v1/replays/{id}/cancel' })
  @ApiJsonResponse('ReplayRecord')
  remove(@Param() { id }: ReplayIdParam, @Req() request: AuthenticatedRequest): Promise<ReplayRecord> {
    return this.replays.cancel(id, actorOf(request));
  }

  @IdempotentPost(':id/rollback')
  @HttpCode(200)
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Switch reads back to what they were before this replay was promoted' })
  @ApiJsonResponse('ReplayRecord')
  rollback(@Param() { id }: ReplayIdParam, @Req() request: AuthenticatedRequest): Promise<ReplayRecord> {
    return this.replays.rollback(id, actorOf(request));
  }
}

@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/re-ratings')
export class ReRatingsHttpController {
  constructor(private readonly reRatings: ReRatingService) {}

  @IdempotentPost()
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Preview a re-rating: per-customer point deltas had the candidate version been in force from `from`' })
  @ApiJsonResponse('ReRatingRecord', 201, 'Previewed')
  preview(@Body() body: PreviewReRatingRequest, @Req() request: AuthenticatedRequest): Promise<ReRatingRecord> {
    return this.reRatings.preview(body.candidateVersion, body.from, actorOf(request));
  }

  @Get(':id')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'A re-rating: its per-customer deltas, and whether and by whom it was posted' })
  @ApiJsonResponse('ReRatingRecord')
  get(@Param() { id }: ReRatingIdParam): Promise<ReRatingRecord> {
    return this.reRatings.get(id);
  }

  @IdempotentPost(':id/post')
  @HttpCode(200)
  @RequireRoles('finance')
  @ApiOperation({ summary: 'Approve and post the previewed deltas as one batch of RE-RATING adjustments (finance approves)' })
  @ApiJsonResponse('ReRatingRecord')
  post(@Param() { id }: ReRatingIdParam, @Body() body: PostReRatingRequest, @Req() request: AuthenticatedRequest): Promise<ReRatingRecord> {
    return this.reRatings.post(id, actorOf(request), body.reason);
  }
}

@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/operations/audit-trail')
export class OperationsAuditTrailHttpController {
  constructor(@Inject(OPERATIONS_STORE) private readonly operations: OperationsStore) {}

  @Get()
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Who did what, when: submissions, schedules, replays, promotions, rollbacks, re-ratings' })
  @ApiJsonResponse('AuditTrail')
  trail(@Query() q: AuditTrailQuery): Promise<AuditTrail> {
    return this.operations.auditTrail({ afterSeq: q.afterSeq, limit: q.limit ?? 100 });
  }
}

@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/expiry-runs')
export class ExpiryRunsHttpController {
  constructor(
    @Inject(OPERATIONS_STORE) private readonly operations: OperationsStore,
    @Optional() @Inject(EXPIRY_JOB) private readonly job?: ExpiryJob,
  ) {}

  @IdempotentPost()
  @HttpCode(202)
  @RequireRoles('ops')
  @ApiOperation({
    summary:
      'Run the expiry job now (it also runs every LOYALTY_EXPIRY_INTERVAL_SECONDS): resumes an unfinished run or starts one at now; follow it with GET /v1/expiry-runs/latest',
  })
  @ApiJsonResponse('ExpiryRunRecord', 202, 'Started (or joined: the run under way)')
  async start(): Promise<ExpiryRunRecord> {
    if (!this.job)
      throw new ProblemError(
        HttpStatus.CONFLICT,
        'EXPIRY.NOT_IN_THIS_PROCESS',
        'the expiry job runs beside the projector',
        'this instance runs no expiry job: call the instance with LOYALTY_ROLE=all or projector',
      );
    const started = await this.job.start();
    if (!started)
      throw new ProblemError(
        HttpStatus.CONFLICT,
        'EXPIRY.RUN_ELSEWHERE',
        'another instance started an expiry run first',
        'follow it with GET /v1/expiry-runs/latest',
      );
    return started.run;
  }

  @Get('latest')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'The latest expiry run: its cut-off (every lot due before it has its expiry entry once completed), status and counts' })
  @ApiJsonResponse('ExpiryRunRecord')
  async latest(): Promise<ExpiryRunRecord> {
    const run = await this.operations.latestExpiryRun();
    if (!run) throw new ProblemError(HttpStatus.NOT_FOUND, 'EXPIRY.NO_RUN_YET', 'no expiry run has started yet');
    return run;
  }
}
