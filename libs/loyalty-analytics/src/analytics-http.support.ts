import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { IsCalendarInstant } from '@loyalty/kafka-contracts';
import { ProblemError, type HttpReply } from '@loyalty/http-platform';
import { CLOCK, type Clock } from '@loyalty/ledger-application';
import { READ_VIEW, type ReadView } from './read-view';
import type { ProgramRules } from '@loyalty/program-rules';
import { PROJECTION_PROGRESS, type ProjectionProgress } from '@loyalty/projection-runner';
import { ProfileReader } from './profiles/profile-reader';
import { RfmBases } from './profiles/rfm-bases';
import { CustomerValueModels } from './customer-value/customer-value-models';
import type { EvaluationContext } from './profiles/customer-evaluation';

/** `asOf` plus read-your-writes: wait (bounded) until the read models reach a written position. */
export class ReadModelQuery {
  @ApiPropertyOptional({ description: 'Evaluate as of this instant (ISO-8601); defaults to now' })
  @IsOptional()
  @IsCalendarInstant()
  asOf?: string;

  @ApiPropertyOptional({ description: 'A ledger position returned by a write: wait until the read models have applied it' })
  @IsOptional()
  @Matches(/^\d{1,40}$/, { message: '$property must be a ledger position (digits)' })
  waitForPosition?: string;

  @ApiPropertyOptional({ description: 'How long to wait for waitForPosition, in ms (max 10000)', default: 2000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000)
  waitMs?: number;
}

/** Waits as asked, then tells the client how fresh the answer is (X-Read-Model-Position, X-Read-Model-Stale). */
export async function awaitReadModels(progress: ProjectionProgress, query: ReadModelQuery, response: HttpReply): Promise<void> {
  if (query.waitForPosition !== undefined) {
    const reached = await progress.waitFor(BigInt(query.waitForPosition), query.waitMs ?? 2000);
    if (!reached) response.header('X-Read-Model-Stale', 'true');
  }
  response.header('X-Read-Model-Position', progress.position().toString());
}

export function periodOf(from: string | undefined, to: string | undefined, now: Date): { from: string; to: string } {
  const toIso = to ? new Date(to).toISOString() : now.toISOString();
  const fromIso = from ? new Date(from).toISOString() : new Date(Date.parse(toIso) - 365 * 86_400_000).toISOString();
  if (fromIso >= toIso) throw new ProblemError(HttpStatus.BAD_REQUEST, 'HTTP.INVALID_PERIOD', 'from must be before to', `from ${fromIso}, to ${toIso}`);
  return { from: fromIso, to: toIso };
}

/** What every read-side query needs: the profiles, the rules in force, the clock, the freshness wait. */
@Injectable()
export class ReadSide {
  constructor(
    readonly profiles: ProfileReader,
    private readonly bases: RfmBases,
    private readonly valueModels: CustomerValueModels,
    @Inject(READ_VIEW) private readonly view: ReadView,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PROJECTION_PROGRESS) private readonly progress: ProjectionProgress,
  ) {}

  /** Waits for the read models as asked, then resolves as-of (default now) and the rules in force then. */
  async atInstant(query: ReadModelQuery, response: HttpReply): Promise<{ asOf: string; rules: ProgramRules }> {
    await awaitReadModels(this.progress, query, response);
    const asOf = query.asOf ? new Date(query.asOf).toISOString() : this.clock.now().toISOString();
    return { asOf, rules: this.view.current().ruleBook.inForceAt(Date.parse(asOf)).rules };
  }

  /** As atInstant, plus what evaluates customers then: the RFM base (quantile style) and the fitted value model. */
  async evaluationAt(query: ReadModelQuery, response: HttpReply): Promise<EvaluationContext> {
    const { asOf, rules } = await this.atInstant(query, response);
    return { asOf, rules, base: await this.bases.baseFor(rules, asOf), model: this.valueModels.current() };
  }

  /** The context of an instant without waiting (the period's end of a grouped report, for instance). */
  async evaluationContext(rules: ProgramRules, asOf: string): Promise<EvaluationContext> {
    return { asOf, rules, base: await this.bases.baseFor(rules, asOf), model: this.valueModels.current() };
  }

  /** Waits for the read models as asked, then resolves the period [from, to) and the rules in force at its end. */
  async overPeriod(query: ReadModelQuery & { from?: string; to?: string }, response: HttpReply): Promise<{ from: string; to: string; rules: ProgramRules }> {
    await awaitReadModels(this.progress, query, response);
    const { from, to } = periodOf(query.from, query.to, this.clock.now());
    return { from, to, rules: this.view.current().ruleBook.inForceAt(Date.parse(to)).rules };
  }
}
