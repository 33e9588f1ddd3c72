import { join } from 'node:path';
import { createGenerator } from 'ts-json-schema-generator';
import { repositoryRoot } from './repository-root';
import { openApiName, openApiSchema } from './openapi-schema';

type JsonSchema = Record<string, unknown>;

/**
 * JSON Schemas of the HTTP answers, from their TypeScript types (http-responses.ts), as OpenAPI
 * components: every `number` the ledger answers is an integer (points, minor units, positions,
 * counts) except where a type says otherwise with `@format double` (NPS, to one decimal).
 */
export function generateResponseSchemas(): Record<string, JsonSchema> {
  const root = repositoryRoot();
  const generator = createGenerator({
    path: join(root, 'apps', 'api', 'src', 'contracts', 'http-responses.ts'),
    tsconfig: join(root, 'tsconfig.json'),
    type: 'HttpResponses',
    expose: 'all',
    topRef: true,
    jsDoc: 'extended',
    skipTypeCheck: true,
    additionalProperties: true,
    sortProps: true,
  });
  const definitions = (generator.createSchema('HttpResponses').definitions ?? {}) as Record<string, JsonSchema>;
  // Each answer under its contract name: the property of HttpResponses, inlined when it was an anonymous type.
  const registry = definitions.HttpResponses as { properties: Record<string, JsonSchema> };
  delete definitions.HttpResponses;
  const schemas: Record<string, JsonSchema> = {};
  for (const name of Object.keys(definitions).sort()) schemas[openApiName(name)] = openApiSchema(definitions[name]) as JsonSchema;
  for (const [name, schema] of Object.entries(registry.properties)) {
    const ref = typeof schema.$ref === 'string' ? openApiName(decodeURIComponent(schema.$ref.replace('#/definitions/', ''))) : null;
    if (ref !== name) schemas[name] = openApiSchema(schema) as JsonSchema;
  }
  return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
}
