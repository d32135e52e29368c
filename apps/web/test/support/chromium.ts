/**
 * The flags every browser check launches Chromium with (which Chromium: support/browser.ts). They keep
 * it from calling home (updates, sync, field trials, QUIC probes); the host-resolver rule answers every
 * name but the loopback with "not found", so nothing a page or the browser asks for can leave this machine.
 */

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
