import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Optional, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ProblemError, RequireRoles, type AuthenticatedRequest } from '@loyalty/http-platform';
import { toCsv } from '@loyalty/finance-audit';
import { OPERATIONS_STORE, type OperationsStore } from '../operations-store/operations-store.port';
import { RulesCatalog } from '../rules-lifecycle/rules-catalog';
import { ReplayService } from '../replays/replay-service';
import { impactRows } from '../replays/impact-report';
import { ReRatingService } from '../re-rating/re-rating.service';
import { EXPIRY_JOB, type ExpiryJob } from '../expiry/expiry-job';
import { actorOf, asProblem } from './operations-http.support';
import { AuditTrailQuery, DiffQuery, ImpactQuery, PostReRatingRequest, PreviewReRatingRequest, ReplayIdParam, ReRatingIdParam, ScheduleRequest, StartReplayRequest, VersionParam } from './operations.dto';

@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/rules')
export class RulesHttpController {
  constructor(private readonly catalog: RulesCatalog) {}

  @Get()
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Every rules version: base (file/defaults), proposed, scheduled' })
  list(): Promise<unknown> {
    return this.catalog.list();
  }

  @Post()
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Submit a new rules version (validated; every bad field named). It is proposed: replays can use it, the ledger cannot until scheduled' })
  @ApiBody({ description: 'A rules document (see rules/ and the README)', schema: { type: 'object' } })
  submit(@Body() body: unknown, @Req() request: AuthenticatedRequest): Promise<unknown> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ProblemError(HttpStatus.BAD_REQUEST, 'HTTP.INVALID_BODY', 'the body must be one rules document (a JSON object)');
    return asProblem(() => this.catalog.submit(body, actorOf(request)));
  }

  @Get(':version')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'One rules document' })
  get(@Param() { version }: VersionParam): Promise<unknown> {
    return asProblem(() => this.catalog.rules(version));
  }

  @Get(':version/diff')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'What changed from `against` to this version, leaf by leaf' })
  diff(@Param() { version }: VersionParam, @Query() { against }: DiffQuery): Promise<unknown> {
    return asProblem(() => this.catalog.diff(version, against));
  }

  @Post(':version/schedule')
  @HttpCode(200)
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Schedule a proposed version: the ledger applies it from effectiveFrom (never in the past)' })
  schedule(@Param() { version }: VersionParam, @Body() body: ScheduleRequest, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return asProblem(() => this.catalog.schedule(version, body.effectiveFrom, actorOf(request)));
  }
}

@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/replays')
export class ReplaysHttpController {
  constructor(private readonly replays: ReplayService) {}

  @Post()
  @HttpCode(202)
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Start a shadow rebuild under a candidate rules version (live reads and ingestion go on)' })
  start(@Body() body: StartReplayRequest, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return asProblem(() => this.replays.start({ candidateVersion: body.candidateVersion, projections: body.projections, throttleEventsPerSecond: body.throttleEventsPerSecond, actor: actorOf(request) }));
  }

  @Get()
  @RequireRoles('ops', 'finance')
  list(): Promise<unknown> {
    return this.replays.list();
  }

  @Get(':id')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'Progress (events done, rate, ETA) and, once caught up, the impact report' })
  get(@Param() { id }: ReplayIdParam): Promise<unknown> {
    return asProblem(() => this.replays.get(id));
  }

  @Get(':id/impact')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'The impact report (tier, segment and classification matrices, liability delta, sample), JSON or CSV' })
  async impact(@Param() { id }: ReplayIdParam, @Query() q: ImpactQuery, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const record = await asProblem(() => this.replays.get(id));
    if (!record.impact) throw new ProblemError(HttpStatus.CONFLICT, 'REPLAY.NOT_READY', 'the replay has not caught up yet', `replay ${id} is ${record.status}`);
    if (q.format !== 'csv') return record.impact;
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="impact-${id}.csv"`);
    return toCsv(impactRows(record.impact));
  }

  @Post(':id/promote')
  @HttpCode(200)
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Switch reads to the replay’s tables and rules (atomic; recorded in the audit trail)' })
  promote(@Param() { id }: ReplayIdParam, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return asProblem(() => this.replays.promote(id, actorOf(request)));
  }

  @Post(':id/rollback')
  @HttpCode(200)
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Switch reads back to what they were before this replay was promoted' })
  rollback(@Param() { id }: ReplayIdParam, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return asProblem(() => this.replays.rollback(id, actorOf(request)));
  }
}

@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/re-ratings')
export class ReRatingsHttpController {
  constructor(private readonly reRatings: ReRatingService) {}

  @Post()
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Preview a re-rating: per-customer point deltas had the candidate version been in force from `from`' })
  preview(@Body() body: PreviewReRatingRequest, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return asProblem(() => this.reRatings.preview(body.candidateVersion, body.from, actorOf(request)));
  }

  @Get(':id')
  @RequireRoles('ops', 'finance')
  get(@Param() { id }: ReRatingIdParam): Promise<unknown> {
    return asProblem(() => this.reRatings.get(id));
  }

  @Post(':id/post')
  @HttpCode(200)
  @RequireRoles('finance')
  @ApiOperation({ summary: 'Approve and post the previewed deltas as one batch of RE-RATING adjustments (finance approves)' })
  post(@Param() { id }: ReRatingIdParam, @Body() body: PostReRatingRequest, @Req() request: AuthenticatedRequest): Promise<unknown> {
    return asProblem(() => this.reRatings.post(id, actorOf(request), body.reason));
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
  trail(@Query() q: AuditTrailQuery): Promise<unknown> {
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

  @Post()
  @HttpCode(202)
  @RequireRoles('ops')
  @ApiOperation({
    summary: 'Run the expiry job now (it also runs every LOYALTY_EXPIRY_INTERVAL_SECONDS): resumes an unfinished run or starts one at now; follow it with GET /v1/expiry-runs/latest',
  })
  async start(): Promise<unknown> {
    if (!this.job) throw new ProblemError(HttpStatus.CONFLICT, 'EXPIRY.NOT_IN_THIS_PROCESS', 'the expiry job runs beside the projector', 'this instance runs no expiry job: call the instance with LOYALTY_ROLE=all or projector');
    const started = await this.job.start();
    if (!started) throw new ProblemError(HttpStatus.CONFLICT, 'EXPIRY.RUN_ELSEWHERE', 'another instance started an expiry run first', 'follow it with GET /v1/expiry-runs/latest');
    return started.run;
  }

  @Get('latest')
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'The latest expiry run: its cut-off (every lot due before it has its expiry entry once completed), status and counts' })
  async latest(): Promise<unknown> {
    const run = await this.operations.latestExpiryRun();
    if (!run) throw new ProblemError(HttpStatus.NOT_FOUND, 'EXPIRY.NO_RUN_YET', 'no expiry run has started yet');
    return run;
  }
}
