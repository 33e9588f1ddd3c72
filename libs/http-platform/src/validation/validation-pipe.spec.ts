import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { createValidationPipe } from './validation-pipe';
import { RequestValidationProblem } from '../problem/problem-details';

class OptionalQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) limit?: number;
}

class RequiredQuery {
  @IsString() cursor!: string;
}

const asQuery = (metatype: new () => object) => ({ type: 'query' as const, metatype, data: undefined });

describe('the validation pipe', () => {
  it('given a query class whose fields are all optional, when empty queries come, then each gets its own instance of the class', async () => {
    const pipe = createValidationPipe();
    const first = await pipe.transform({}, asQuery(OptionalQuery));
    const second = await pipe.transform({}, asQuery(OptionalQuery));
    expect(first).toBeInstanceOf(OptionalQuery);
    expect(second).toBeInstanceOf(OptionalQuery);
    expect(second).not.toBe(first);
    expect((second as OptionalQuery).limit).toBeUndefined();
  });

  it('given a query class with a required field, when empty queries come, then every one is refused with the field named', async () => {
    const pipe = createValidationPipe();
    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = await pipe.transform({}, asQuery(RequiredQuery)).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(RequestValidationProblem);
      expect((refused as RequestValidationProblem).errors.map((e) => e.field)).toContain('cursor');
    }
  });

  it('given an empty query seen before, when a query with values or unknown fields comes, then it is validated in full', async () => {
    const pipe = createValidationPipe();
    await pipe.transform({}, asQuery(OptionalQuery));
    await expect(pipe.transform({ limit: '5' }, asQuery(OptionalQuery))).resolves.toMatchObject({ limit: 5 });
    await expect(pipe.transform({ limit: '-1' }, asQuery(OptionalQuery))).rejects.toBeInstanceOf(RequestValidationProblem);
    await expect(pipe.transform({ other: 'x' }, asQuery(OptionalQuery))).rejects.toBeInstanceOf(RequestValidationProblem);
  });
});
