import { join } from 'node:path';
import { createGenerator } from 'ts-json-schema-generator';
import { repositoryRoot } from './repository-root';

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

/** OpenAPI component names allow letters, digits, . _ - only (generic names come out as `Foo<Bar>`). */
function openApiName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Draft-07 as OpenAPI 3.0 reads it: refs to components, integers, nullable instead of type arrays. */
export function openApiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(openApiSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/definitions/')) out.$ref = `#/components/schemas/${openApiName(decodeURIComponent(value.slice('#/definitions/'.length)))}`;
    else out[key] = openApiSchema(value);
  }
  if (out.type === 'number' && out.format !== 'double') out.type = 'integer';
  if (Array.isArray(out.type)) {
    const types = (out.type as string[]).filter((t) => t !== 'null').map((t) => (t === 'number' && out.format !== 'double' ? 'integer' : t));
    if (types.length === 1) out.type = types[0];
    else {
      delete out.type;
      out.anyOf = types.map((type) => ({ type }));
    }
    if ((schema as { type: string[] }).type.includes('null')) out.nullable = true;
  }
  if (Array.isArray(out.anyOf) && (out.anyOf as { type?: string }[]).some((s) => s.type === 'null')) {
    const rest = (out.anyOf as { type?: string }[]).filter((s) => s.type !== 'null');
    delete out.anyOf;
    if (rest.length === 1) Object.assign(out, rest[0]);
    else out.anyOf = rest;
    out.nullable = true;
  }
  if ('const' in out) {
    out.enum = [out.const];
    delete out.const;
  }
  // OpenAPI 3.0 ignores what stands beside a $ref: say it beside an allOf of one.
  if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
    const { $ref, ...siblings } = out;
    return { allOf: [{ $ref }], ...siblings };
  }
  return out;
}
