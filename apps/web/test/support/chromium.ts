/**
 * The Chromium the browser checks drive: CHROMIUM_PATH, else Debian's. The flags keep it from calling
 * home (updates, sync, field trials, QUIC probes); the host-resolver rule answers every name but the
 * loopback with "not found", so nothing a page or the browser asks for can leave this machine.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];
