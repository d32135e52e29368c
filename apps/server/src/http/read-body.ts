import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RefusalWriter, sendTrpcError } from './error-answers';

class BodyTooLargeError extends Error {}

/**
 * The request body, at most `limit` bytes. The promise is created (and marked handled) before anything
 * else is awaited, so a client that disconnects mid-body can never become an unhandled rejection;
 * whoever awaits it later still sees the failure.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const body = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        fail(new BodyTooLargeError(`Request body exceeds ${limit} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('error', fail);
    req.on('close', () => fail(new ClientGoneError()));
  });
  body.catch(() => undefined);
  return body;
}

/** The client went away before its answer: nothing is written, and work still waiting stops. */
class ClientGoneError extends Error {
  constructor() {
    super('client closed the connection');
  }
}

/**
 * The body, or null once the request is answered 413 (over `limit`, in the face's own error shape:
 * tRPC's unless told) or its client is gone (nothing to answer).
 */
export async function readBodyOrRefuse(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  send: RefusalWriter = sendTrpcError,
): Promise<string | null> {
  const bytes = await readBodyBytesOrRefuse(req, res, limit, send);
  return bytes === null ? null : bytes.toString('utf8');
}

/** The same, as the raw bytes (a signature is checked over exactly what was sent). */
export async function readBodyBytesOrRefuse(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  send: RefusalWriter,
): Promise<Buffer | null> {
  try {
    return await readBody(req, limit);
  } catch (err) {
    if (err instanceof BodyTooLargeError && !res.headersSent) {
      res.setHeader('connection', 'close');
      send(res, { status: 413, code: 'PAYLOAD_TOO_LARGE', message: err.message });
    }
    return null;
  }
}
