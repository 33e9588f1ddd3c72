import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { IsIdentifier, IsInstant } from '../../http/request-validators';

export class RecordSurveyAnswerRequest {
  @IsIdentifier('The survey response id: recorded once per id', 'RESP-9001') responseId!: string;
  @IsIdentifier('The survey; its answer bonus is paid once per survey', 'nps-2026-q4') surveyId!: string;
  @IsIdentifier('The customer (loyalty account) id', 'CUST-42') customerId!: string;
  @IsInstant('When the answer was given') occurredAt!: string;
  @ApiProperty({ minimum: 0, maximum: 10, example: 9, description: 'How likely to recommend us, 0-10' }) @IsInt() @Min(0) @Max(10) score!: number;
  @ApiPropertyOptional({ maxLength: 4000 }) @IsOptional() @IsString() @Length(0, 4000) comment?: string;
  @ApiPropertyOptional({ example: 'post-purchase' }) @IsOptional() @IsString() @Length(1, 64) touchpoint?: string;
}
