import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
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

/**
 * Most reads carry no query string: an empty query object is validated once per class and, when
 * the class accepts it, answered with a fresh instance from then on (class-validator's metadata
 * walk was a tenth of an account read's time).
 */
class LoyaltyValidationPipe extends ValidationPipe {
  private readonly acceptsEmpty = new WeakMap<object, boolean>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype;
    if (metadata.type !== 'query' || !metatype || !isEmptyPlainObject(value)) return super.transform(value, metadata);
    const known = this.acceptsEmpty.get(metatype);
    if (known === true) return new (metatype as new () => object)();
    const transformed = await super.transform(value, metadata).catch((error: unknown) => {
      this.acceptsEmpty.set(metatype, false);
      throw error;
    });
    this.acceptsEmpty.set(metatype, isEmptyInstanceOf(transformed, metatype));
    return transformed;
  }
}

function isEmptyPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (const _key in value) return false;
  return true;
}

/** Only a class whose empty instance is what validation gave (no defaults set by a transform) is short-cut. */
function isEmptyInstanceOf(transformed: unknown, metatype: object): boolean {
  return (
    transformed instanceof (metatype as new () => object) &&
    Object.keys(transformed as object).length === Object.keys(new (metatype as new () => object)()).length
  );
}

/** Whitelisting validation: unknown fields are errors, not silently dropped. */
export function createValidationPipe(): ValidationPipe {
  return new LoyaltyValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new RequestValidationProblem(flattenValidationErrors(errors)),
  });
}
