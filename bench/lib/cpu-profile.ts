import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  percent: number;
}

/** Where a source file lives, short: a package's name and version, or a path inside the repository. */
function place(url: string, repo: string): string {
  const file = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/\.pnpm\/([^/]+)\//.exec(file);
  if (pkg) return `pkg:${pkg[1]!.replace(/_.*/, '')}`;
  return file.startsWith(repo) ? file.slice(repo.length) : file;
}

/**
 * Self time of a V8 CPU profile (`node --cpu-prof`) by source file and by function, as shares of
 * the profile's whole time (idle included, so shares add up to 100 %), largest first.
 */
export function summarize(
  file: string,
  repo: string,
  top = 25,
): { totalMs: number; byFile: Share[]; byFunction: Share[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    total += dt;
  });
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    const where = url ? place(url, repo) : functionName;
    byFile.set(where, (byFile.get(where) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'}${url ? ` ${where}:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const shares = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, percent: Math.round((1000 * us) / total) / 10 }));
  return { totalMs: Math.round(total / 1000), byFile: shares(byFile), byFunction: shares(byFunction) };
}
