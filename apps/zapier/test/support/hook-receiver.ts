import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceivedRequest } from './hook-request';

/** One request that reached the receiver, with the path it was sent to and when. */
export interface Received extends ReceivedRequest {
  path: string;
  method: string;
  at: number;
}

/**
 * Zapier's hook URL, played on loopback: every request's raw body (exactly the bytes sent, as text) and
 * headers are kept, and answered 200 as Zapier answers a delivery it accepted.
 */
export class HookReceiver {
  readonly received: Received[] = [];
  private readonly server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      this.received.push({
        path: req.url ?? '/',
        method: req.method ?? '',
        body,
        headers: flatHeaders(req),
        at: Date.now(),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"success"}');
    });
  });
  url = '';

  static async start(): Promise<HookReceiver> {
    const receiver = new HookReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
    return receiver;
  }

  /** The first request to `path` that `match` accepts, polled for up to `timeoutMs`. */
  async waitFor(path: string, match: (r: Received) => boolean, timeoutMs = 15_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((r) => r.path === path && match(r));
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = this.received.map((r) => `${r.method} ${r.path} ${r.body.slice(0, 120)}`).join('\n');
        throw new Error(
          `no request to ${path} matched within ${timeoutMs} ms; received:\n${seen || '(none)'}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Header names in lower case (as node gives them), each value one string. */
function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
