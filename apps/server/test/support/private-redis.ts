import { type ChildProcess, spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { freePort } from './api-process';

/**
 * A `redis-server` of the test's own on a free loopback port (never the machine's shared one on
 * 6379): no persistence, spawned as a child and ended by its pid. Faults: `stall()` (SIGSTOP),
 * `resume()` (SIGCONT), `kill()` (SIGKILL), `start()` again on the same port.
 */
export interface PrivateRedis {
  port: number;
  url: string;
  readonly pid: number | undefined;
  start(): Promise<void>;
  stall(): void;
  resume(): void;
  kill(): Promise<void>;
  /** Kills it (SIGCONT first, in case it is stalled). For afterAll. */
  stop(): Promise<void>;
  /** One command over a raw connection (RESP inline), e.g. `GET key`; resolves to the reply line. */
  command(line: string): Promise<string>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function rawCommand(port: number, line: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis did not answer "${line}" within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('data', (d) => {
      data += d.toString();
      // A simple reply, or a bulk string ($n\r\n...\r\n / $-1\r\n).
      const complete =
        /^[+\-:].*\r\n/.test(data) || /^\$-1\r\n/.test(data) || /^\$\d+\r\n[\s\S]*\r\n$/.test(data);
      if (complete) {
        clearTimeout(timer);
        socket.end();
        resolve(data.trim());
      }
    });
    socket.connect(port, '127.0.0.1', () => socket.write(`${line}\r\n`));
  });
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const redis: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    async start() {
      if (running()) return;
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      const deadline = Date.now() + 10_000;
      for (;;) {
        if (!running()) throw new Error(`redis-server on port ${port} exited at start`);
        try {
          if ((await rawCommand(port, 'PING', 500)) === '+PONG') return;
        } catch {
          // Not listening yet.
        }
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stall() {
      if (running()) process.kill(child!.pid!, 'SIGSTOP');
    },
    resume() {
      if (running()) process.kill(child!.pid!, 'SIGCONT');
    },
    async kill() {
      if (!running()) return;
      const done = exited(child!);
      process.kill(child!.pid!, 'SIGKILL');
      await done;
    },
    async stop() {
      if (!running()) return;
      try {
        process.kill(child!.pid!, 'SIGCONT');
      } catch {
        // Gone already.
      }
      await redis.kill();
    },
    command: (line) => rawCommand(port, line),
  };
  await redis.start();
  return redis;
}
