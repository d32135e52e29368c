import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase } from '@keyhole/api/internal/db/create-database';
import { loadConfig } from '@keyhole/api/internal/env';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';

/**
 * On PostgreSQL (DATABASE_URL set) one template database is migrated once per run; every test file
 * then gets its own copy with CREATE DATABASE … TEMPLATE, so files run in parallel without sharing rows.
 * On PGlite one database is migrated once and dumped; every file starts its own in-memory copy from
 * the dump, which is faster than starting empty and migrating.
 */
export default async function setup(project: TestProject) {
  const { databaseUrl } = loadConfig();
  if (!databaseUrl) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keyhole-pglite-'));
    const file = path.join(dir, 'migrated.tar');
    const db = await createDatabase({ kind: 'pglite' });
    const dump = await db.dumpDataDir();
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    await db.close();
    project.provide('pgliteDump', file);
    return () => rmSync(dir, { recursive: true, force: true });
  }
  const template = `keyhole_tpl_${process.pid}_${Date.now().toString(36)}`;
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${template}`);
  const url = withDatabase(databaseUrl, template);
  const db = await createDatabase({ kind: 'postgres', url, max: 2 });
  await db.close();
  project.provide('pgTemplate', template);
  project.provide('pgPrefix', `keyhole_t_${process.pid}_`);
  return async () => {
    const leftovers = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like ${`keyhole_t_${process.pid}_%`} or datname = ${template}`;
    for (const { datname } of leftovers) {
      await admin.unsafe(`drop database if exists ${datname} with (force)`);
    }
    await admin.end();
  };
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgTemplate: string;
    pgPrefix: string;
    pgliteDump: string;
  }
}
