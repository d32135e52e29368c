import { restErrorOutput } from '@keyhole/api/internal/rest/outputs';
import { httpRequest } from '@keyhole/testing/http';
import { uniqueIp } from '@keyhole/testing/ips';
import createClient from 'openapi-fetch';
import { expect } from 'vitest';
import type { paths } from './keyhole-v1.generated';

/** The REST suites' shared helpers; every request comes from an address of its own (X-Forwarded-For). */

export const bearer = (key: string) => `Bearer ${key}`;

/** An openapi-fetch client of the served document's types, as an integrator's would be. */
export const restClient = (baseUrl: string, authorization?: string) =>
  createClient<paths>({
    baseUrl,
    headers: authorization ? { authorization } : {},
    fetch: (request: Request) => {
      request.headers.set('x-forwarded-for', uniqueIp());
      return fetch(request);
    },
  });

/** `raw(path, init, url?)`: one request to the server at `baseUrl()` (or `url`), answered whole. */
export function rawRequests(baseUrl: () => string) {
  return (
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
    url = baseUrl(),
  ) =>
    httpRequest(url, {
      path,
      ...(init.method ? { method: init.method } : {}),
      ip: uniqueIp(),
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.body === undefined ? {} : { body: init.body }),
    });
}

/** The answer is a REST error envelope with this status, code and reason, and a message that says something. */
export function expectRestError(
  r: { status: number; json: unknown },
  status: number,
  code: string,
  reason: string | null,
) {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  const body = restErrorOutput.parse(r.json);
  expect(body.error.code).toBe(code);
  expect(body.error.reason).toBe(reason);
  expect(body.error.message.length).toBeGreaterThan(5);
  return body.error;
}
