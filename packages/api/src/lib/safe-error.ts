/**
 * What the logs may say about an error (SPEC §9 "Logs"): never bound SQL parameters, nor a driver's
 * text, which quotes values ("Key (client_key)=(kh_…) already exists", "invalid input syntax for type
 * uuid: …"), nor drizzle's "Failed query: … params: …" (a new key's hash and ciphertext, once).
 *
 * When any error along the `cause` chain comes from the database, every error of the chain is logged
 * by class, SQLSTATE code, constraint, table, column and routine, with its stack frames but no message
 * (a stack's first line repeats the message). Other errors keep their message and stack.
 */
export interface SafeError {
  type: string;
  message?: string;
  code?: string;
  constraint?: string;
  table?: string;
  column?: string;
  dataType?: string;
  severity?: string;
  routine?: string;
  stack?: string;
  cause?: SafeError;
}

const MAX_DEPTH = 5;
const SQLSTATE = /^[0-9A-Z]{5}$/;
const DATABASE_ERROR_CLASSES = new Set(['DrizzleQueryError', 'PostgresError', 'DatabaseError']);

type Fields = Record<string, unknown>;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function isDatabaseError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const f = e as Fields;
  return (
    DATABASE_ERROR_CLASSES.has(e.constructor?.name ?? '') ||
    (typeof f.code === 'string' && SQLSTATE.test(f.code)) ||
    ('query' in f && 'params' in f)
  );
}

/** The stack's frames ("    at …" lines) without the header that repeats the message. */
function framesOnly(stack: unknown): string | undefined {
  if (typeof stack !== 'string') return undefined;
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line));
  return frames.length > 0 ? frames.join('\n') : undefined;
}

function describe(e: unknown, tainted: boolean, depth: number): SafeError {
  if (typeof e !== 'object' || e === null) {
    return tainted ? { type: typeof e } : { type: typeof e, message: String(e) };
  }
  const f = e as Fields;
  const out: SafeError = {
    type: text(f.name) && f.name !== 'Error' ? String(f.name) : (e.constructor?.name ?? 'Error'),
  };
  if (!tainted) out.message = text(f.message);
  out.code = text(f.code);
  // pg-protocol (PGlite) and postgres.js name these fields differently.
  out.constraint = text(f.constraint) ?? text(f.constraint_name);
  out.table = text(f.table) ?? text(f.table_name);
  out.column = text(f.column) ?? text(f.column_name);
  out.dataType = text(f.dataType) ?? text(f.data_type_name);
  out.severity = text(f.severity);
  out.routine = text(f.routine);
  out.stack = tainted ? framesOnly(f.stack) : text(f.stack);
  if (f.cause !== undefined && depth < MAX_DEPTH) out.cause = describe(f.cause, tainted, depth + 1);
  for (const k of Object.keys(out) as (keyof SafeError)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** pino's `err` serializer: safe for any error, whatever raised it. */
export function safeError(err: unknown): SafeError {
  let tainted = false;
  for (let e: unknown = err, depth = 0; e && depth <= MAX_DEPTH; depth++) {
    if (isDatabaseError(e)) {
      tainted = true;
      break;
    }
    e = (e as Fields).cause;
  }
  return describe(err, tainted, 0);
}
