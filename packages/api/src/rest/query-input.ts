import { z } from 'zod';
import type { RestRoute } from './routes';

type Kind = 'number' | 'boolean';

const kindsByRoute = new WeakMap<RestRoute, Map<string, Kind>>();

/** Which query fields are numbers or booleans, read once from the route's JSON Schema (input side). */
function kindsOf(route: RestRoute): Map<string, Kind> {
  let kinds = kindsByRoute.get(route);
  if (kinds) return kinds;
  kinds = new Map();
  if (route.query) {
    const json = z.toJSONSchema(route.query, { io: 'input', unrepresentable: 'any' }) as {
      properties?: Record<string, { type?: string }>;
    };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      if (property.type === 'integer' || property.type === 'number') kinds.set(name, 'number');
      else if (property.type === 'boolean') kinds.set(name, 'boolean');
    }
  }
  kindsByRoute.set(route, kinds);
  return kinds;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function coerce(kind: Kind | undefined, text: string): unknown {
  if (kind === 'number' && NUMBER.test(text)) return Number(text);
  if (kind === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/**
 * A REST request's raw procedure input: its query values (text turned into a number or boolean
 * where the field is one; anything else stays text for the procedure's own schema to refuse with
 * the field's name) and its path parameters. The procedures' schemas stay strict and untouched, so
 * tRPC still refuses `{"limit":"5"}`. A query field sent twice reaches the schema as a list, which
 * it refuses; a path parameter repeated in the query is refused here.
 */
export function restInput(
  route: RestRoute,
  search: URLSearchParams,
  params: Record<string, string>,
): { ok: true; input: Record<string, unknown> } | { ok: false; field: string; message: string } {
  const kinds = kindsOf(route);
  const input: Record<string, unknown> = Object.create(null);
  for (const [name, text] of search) {
    if (Object.hasOwn(params, name)) {
      return { ok: false, field: name, message: `${name}: give it in the path only, not in the query` };
    }
    const value = coerce(kinds.get(name), text);
    const seen = input[name];
    if (seen === undefined) input[name] = value;
    else input[name] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  for (const [name, value] of Object.entries(params)) input[name] = value;
  return { ok: true, input: { ...input } };
}
