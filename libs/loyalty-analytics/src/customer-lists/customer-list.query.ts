import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { exportTable, type HttpReply } from '@loyalty/http-platform';
import type { StreamableFile } from '@nestjs/common';
import { ReadModelQuery, type ReadSide } from '../analytics-http.support';
import type { CustomerEvaluation } from '../profiles/customer-evaluation';
import {
  CUSTOMER_COLUMNS,
  customerRow,
  evaluatePopulation,
  LIST_SORTS,
  selectCustomers,
  pageOf,
  type CustomerPage,
  type ListOrder,
  type ListSort,
} from './customer-list';

/** Every customer list: paged and sorted as JSON; the whole list (sorted) as CSV or NDJSON, streamed. */
export class CustomerListQuery extends ReadModelQuery {
  @ApiPropertyOptional({ default: 1 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional({ default: 50, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) pageSize?: number;
  @ApiPropertyOptional({
    enum: LIST_SORTS,
    description: 'monetary, frequency, closeness and clv (predicted) biggest first; recency most recent first; customer-id ascending. Default per list.',
  })
  @IsOptional()
  @IsIn(LIST_SORTS)
  sort?: ListSort;
  @ApiPropertyOptional({ enum: ['natural', 'reversed'], default: 'natural', description: "reversed flips the sort's natural direction" })
  @IsOptional()
  @IsIn(['natural', 'reversed'])
  order?: ListOrder;
  @ApiPropertyOptional({ enum: ['json', 'csv', 'ndjson'], default: 'json', description: 'csv and ndjson export the whole list (no paging), streamed' })
  @IsOptional()
  @IsIn(['json', 'csv', 'ndjson'])
  format?: 'json' | 'csv' | 'ndjson';
}

export type CustomerListResponse = { asOf: string } & CustomerPage;

/** The JSON page, or the whole list streamed as a file. */
export function answerList(
  query: CustomerListQuery,
  asOf: string,
  sort: ListSort,
  customers: CustomerEvaluation[],
  filename: string,
  response: HttpReply,
): CustomerListResponse | StreamableFile {
  if (query.format === 'csv' || query.format === 'ndjson') {
    response.header('X-Total-Count', String(customers.length));
    const rows = function* () {
      for (const c of customers) yield query.format === 'csv' ? customerRow(c) : { ...c };
    };
    return exportTable(query.format, `${filename}-${asOf.slice(0, 10)}`, rows(), CUSTOMER_COLUMNS);
  }
  return { asOf, ...pageOf(customers, { sort, order: query.order ?? 'natural', page: query.page ?? 1, pageSize: query.pageSize ?? 50 }) };
}

/** Every customer list's answer: the customers a filter keeps, evaluated as of the query's instant, sorted, as a page or an export. */
export async function listCustomers(
  readSide: ReadSide,
  query: CustomerListQuery,
  keep: (e: CustomerEvaluation) => boolean,
  defaultSort: ListSort,
  filename: string,
  response: HttpReply,
): Promise<CustomerListResponse | StreamableFile> {
  const context = await readSide.evaluationAt(query, response);
  const sort = query.sort ?? defaultSort;
  const customers = await selectCustomers(evaluatePopulation(readSide.profiles.all(), context), keep, sort, query.order ?? 'natural');
  return answerList(query, context.asOf, sort, customers, filename, response);
}
