// Apart from the generator (response-schemas.ts), so that the app does not load TypeScript to serve its contract.

/** OpenAPI component names allow letters, digits, . _ - only (generic names come out as `Foo<Bar>`). */
export function openApiName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Draft-07 as OpenAPI 3.0 reads it: refs to components, integers, nullable instead of type arrays. */
export function openApiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(openApiSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/definitions/'))
      out.$ref = `#/components/schemas/${openApiName(decodeURIComponent(value.slice('#/definitions/'.length)))}`;
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
