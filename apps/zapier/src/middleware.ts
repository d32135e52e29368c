import type { AfterResponseMiddleware, BeforeRequestMiddleware } from 'zapier-platform-core';
import { apiError, errorInBody } from './api-errors.js';
import { normalizeApiKey } from './api-key.js';
import { apiBaseUrl } from './config.js';

/**
 * Requests name API paths (`/trpc/whoami`); this puts the server in front and the key in the
 * `Authorization` header. The key goes only to that server, never to an absolute URL elsewhere.
 * 429 answers come to `handleApiErrors` (not core's early `ThrottledError`, whose message is HTTP
 * jargon) so that the user reads the API's own message.
 */
export const addBaseUrlAndApiKey: BeforeRequestMiddleware = (request, _z, bundle) => {
  const base = apiBaseUrl();
  if (request.url.startsWith('/')) request.url = `${base}${request.url}`;
  Object.assign(request, { throwForThrottlingEarly: false });
  const apiKey = normalizeApiKey(bundle.authData?.apiKey);
  if (apiKey && new URL(request.url).origin === new URL(base).origin) {
    request.headers = { ...request.headers, Authorization: `Bearer ${apiKey}` };
  }
  return request;
};

/**
 * Turns the API's error answer into the error Zapier acts on (see `apiError`). A batch's answer (a list,
 * one entry per call) goes back to its caller whatever its status, which judges each call: one meeting
 * not found must not fail the others (`getTranscripts`).
 */
export const handleApiErrors: AfterResponseMiddleware = (response, z) => {
  if (response.status < 400 || Array.isArray(response.data)) return response;
  throw apiError(z, {
    status: response.status,
    error: errorInBody(response.data),
    retryAfter: response.headers.get('retry-after'),
  });
};
