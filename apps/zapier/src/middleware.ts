import type { AfterResponseMiddleware, BeforeRequestMiddleware } from 'zapier-platform-core';
import { apiBaseUrl } from './config.js';
import type { TrpcErrorBody } from './keyhole-types.js';

/**
 * Requests name API paths (`/trpc/whoami`); this puts the server in front and the key in the
 * `Authorization` header. The key goes only to that server, never to an absolute URL elsewhere.
 */
export const addBaseUrlAndApiKey: BeforeRequestMiddleware = (request, _z, bundle) => {
  const base = apiBaseUrl();
  if (request.url.startsWith('/')) request.url = `${base}${request.url}`;
  const apiKey = bundle.authData?.apiKey?.trim();
  if (apiKey && new URL(request.url).origin === new URL(base).origin) {
    request.headers = { ...request.headers, Authorization: `Bearer ${apiKey}` };
  }
  return request;
};

function errorBody(data: unknown): TrpcErrorBody['error'] | undefined {
  if (typeof data !== 'object' || data === null || !('error' in data)) return undefined;
  const error = (data as TrpcErrorBody).error;
  return typeof error?.message === 'string' ? error : undefined;
}

/**
 * Turns the API's error body into the error Zapier acts on. A credential the API no longer accepts
 * (401: invalid, revoked or expired; 403 `key_user_deactivated`) is `ExpiredAuthError`: Zapier pauses
 * the Zap and asks the user to reconnect. 429 never gets here: core's `throwForThrottling` runs before
 * this middleware and raises `ThrottledError` with the `Retry-After` delay, so Zapier retries later.
 */
export const handleApiErrors: AfterResponseMiddleware = (response, z) => {
  const { status } = response;
  if (status < 400 || status === 429) return response;
  const error = errorBody(response.data);
  const message = error?.message ?? `Keyhole answered HTTP ${status}.`;
  const code = error?.data?.code ?? `HTTP_${status}`;
  if (status === 401 || (status === 403 && error?.data?.reason === 'key_user_deactivated')) {
    throw new z.errors.ExpiredAuthError(message);
  }
  throw new z.errors.Error(message, code, status);
};
