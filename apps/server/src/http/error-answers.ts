import type { ServerResponse } from 'node:http';
import type { RestErrorBody } from '@keyhole/api/host';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/unstable-core-do-not-import';

/** A refusal made at the edge, before any procedure runs; each face writes it in its own error shape. */
export interface EdgeRefusal {
  status: number;
  code: string;
  message: string;
  reason?: string;
}

export type RefusalWriter = (res: ServerResponse, refusal: EdgeRefusal) => void;

/** tRPC's error envelope (`/trpc`, and the refusals of paths that are neither REST nor the web app). */
export const sendTrpcError: RefusalWriter = (res, { status, code, message, reason }) => {
  const rpc = TRPC_ERROR_CODES_BY_KEY[code as keyof typeof TRPC_ERROR_CODES_BY_KEY] ?? -32600;
  const body = JSON.stringify({
    error: { message, code: rpc, data: { code, httpStatus: status, ...(reason ? { reason } : {}) } },
  });
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
};

/** The REST envelope (SPEC §10): `{ "error": { "code", "reason", "message" } }`. */
export const sendRestError: RefusalWriter = (res, { status, code, message, reason }) => {
  const body: RestErrorBody = {
    error: { code: code as RestErrorBody['error']['code'], reason: reason ?? null, message },
  };
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};
