import { Body, Controller, Get, HttpCode } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsCalendarInstant } from '@loyalty/kafka-contracts';
import { ApiJsonResponse, IdempotentPost, RequireRoles } from '@loyalty/http-platform';
import type { CustomerValueModel } from '@loyalty/read-models';
import { CustomerValueModels } from './customer-value-models';

class FitCustomerValueRequest {
  @ApiPropertyOptional({ description: 'End of the calibration period (ISO-8601); defaults to now' }) @IsOptional() @IsCalendarInstant() asOf?: string;
  @ApiPropertyOptional({ description: 'Leave out purchases at or before this instant (ISO-8601); default: the whole history' })
  @IsOptional()
  @IsCalendarInstant()
  calibrationFrom?: string;
}

/** The fitted predictive value model: BG/NBD and Gamma-Gamma parameters, their log-likelihood, the window and the fit date. */
export type CustomerValueModelResponse = CustomerValueModel;

@ApiTags('analytics')
@ApiBearerAuth()
@Controller('v1/analytics/customer-value/model')
export class CustomerValueHttpController {
  constructor(private readonly models: CustomerValueModels) {}

  @Get()
  @RequireRoles('ops', 'finance')
  @ApiOperation({ summary: 'The fitted predictive value model (409 CUSTOMER_VALUE.NOT_FITTED before a fit)' })
  @ApiJsonResponse('CustomerValueModelResponse')
  model(): CustomerValueModelResponse {
    return this.models.required();
  }

  @IdempotentPost('fit')
  @HttpCode(200)
  @RequireRoles('ops')
  @ApiOperation({
    summary: 'Fit BG/NBD (purchases, P(alive)) and Gamma-Gamma (value per purchase) by maximum likelihood on the purchase history, and use them from now on',
  })
  @ApiJsonResponse('CustomerValueModelResponse')
  fit(@Body() body: FitCustomerValueRequest): Promise<CustomerValueModelResponse> {
    return this.models.fit({
      ...(body.asOf ? { asOf: new Date(body.asOf).toISOString() } : {}),
      calibrationFrom: body.calibrationFrom ? new Date(body.calibrationFrom).toISOString() : null,
    });
  }
}
