// `pnpm start`: builds what is missing (the web app) and the server, then runs the API process in the foreground.
// No server outlives it (SPEC §9 "Shutdown"): pnpm signals only its direct child, which is this
// process (the root script `exec`s node, so no shell sits between); SIGTERM and SIGINT are passed on,
// and the server also shuts down by itself when this process goes (its IPC channel closes), even on
// SIGKILL. If pnpm itself dies, this process notices its parent changed and stops the server.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const webIndex = `${root}apps/web/dist/index.html`;

if (!existsSync(webIndex)) {
  console.log('Building the web app (first start only)…');
  const build = spawnSync('pnpm', ['--filter', '@keyhole/web', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// The server runs as plain JavaScript (apps/server/scripts/build-server.mjs says why), rebuilt each
// start so it is always the checkout's own code.
const { buildServer } = await import('../apps/server/scripts/build-server.mjs');
const bundle = await buildServer({ quiet: true });

const args = process.argv.slice(2);
const child = spawn(process.execPath, [bundle, ...(args.length ? args : ['serve'])], {
  cwd: `${root}apps/server`,
  stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
const parent = process.ppid;
const orphaned = setInterval(() => {
  if (process.ppid !== parent) child.kill('SIGTERM');
}, 500);
orphaned.unref();
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
