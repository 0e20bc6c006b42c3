// JSON Schema as the Studio reads it (the spec's schema for the builder, templates' config schemas
// for their forms): the type, and local `$ref`s resolved against the root schema.

/** A JSON Schema, as much of it as the Studio reads. */
export type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  oneOf?: Schema[];
  anyOf?: Schema[];
  $ref?: string;
  $defs?: Record<string, Schema>;
  default?: unknown;
  description?: string;
  title?: string;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  maxLength?: number;
  [more: string]: unknown;
};

/**
 * The schema a local `$ref` ("#/$defs/roles", "#/definitions/x", any "#/…" pointer) names, its own
 * description kept; a schema without one as it is. Refs that lead nowhere become "any value".
 */
export function resolve(schema: Schema, root: Schema): Schema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === 'string' && hops < 16; hops++) {
    const ref: string = current.$ref;
    let target: unknown = root;
    if (ref.startsWith('#')) {
      for (const part of ref.slice(1).split('/').filter(Boolean)) {
        const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
        target = target && typeof target === 'object' ? (target as Record<string, unknown>)[key] : undefined;
      }
    } else target = undefined;
    const { $ref: _, ...rest } = current;
    current = { ...(target && typeof target === 'object' ? (target as Schema) : {}), ...rest };
  }
  return current;
}

/**
 * The schema with every local `$ref` inside it resolved, to `depth` refs deep (a recursive schema
 * ends there as "any value" with its description); `description` next to a `$ref` wins.
 */
export function deref(schema: Schema, root: Schema, depth = 6): Schema {
  if (depth <= 0 && schema.$ref) return { description: schema.description ?? resolve(schema, root).description };
  const out: Schema = schema.$ref ? resolve(schema, root) : { ...schema };
  const below = schema.$ref ? depth - 1 : depth;
  const each = (s: Schema) => deref(s, root, below);
  if (out.properties) out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, each(v)]));
  if (out.items) out.items = each(out.items);
  if (typeof out.additionalProperties === 'object') out.additionalProperties = each(out.additionalProperties);
  if (out.oneOf) out.oneOf = out.oneOf.map(each);
  if (out.anyOf) out.anyOf = out.anyOf.map(each);
  delete out.$defs;
  return out;
}
