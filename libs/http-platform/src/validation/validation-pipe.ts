import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { RequestValidationProblem, type FieldError } from '../problem/problem-details';

/** Flattens class-validator's tree into one entry per bad field, named by its full path. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const result: FieldError[] = [];
  for (const error of errors) {
    const isIndex = /^\d+$/.test(error.property);
    const field = parent === '' ? error.property : isIndex ? `${parent}[${error.property}]` : `${parent}.${error.property}`;
    if (error.constraints) result.push({ field, messages: Object.values(error.constraints) });
    if (error.children?.length) result.push(...flattenValidationErrors(error.children, field));
  }
  return result;
}

/** Whitelisting validation: unknown fields are errors, not silently dropped. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new RequestValidationProblem(flattenValidationErrors(errors)),
  });
}
