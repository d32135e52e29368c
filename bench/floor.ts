/**
 * The floor: a bare node:http server that runs the same SQL as an `org_limited` `meetings.list` of 25
 * (the id scan, meetings with hosts, attendees: the three statements Keyhole sends) with postgres.js
 * and answers with JSON.stringify. No authentication, no rate limiting, no tRPC. Whatever Keyhole
 * costs on top of this is the price of those.
 *
 * Env: DATABASE_URL, PORT, ORG_ID.
 */
import { createServer } from 'node:http';
import postgres from 'postgres';

const sql = postgres(process.env.DATABASE_URL!, {
  max: 10,
  onnotice: () => {},
  types: { bigint: postgres.BigInt },
});
const orgId = process.env.ORG_ID!;
const LIMIT = 25;

async function listMeetings() {
  const ids = await sql.unsafe(
    `select "id", "start_at" from "meetings" where ("org_id" = $1 and not "is_private")
     order by "start_at" desc, "id" desc limit $2`,
    [orgId, LIMIT + 1],
  );
  const page = ids.slice(0, LIMIT).map((r) => r.id as string);
  if (page.length === 0) return { items: [], nextCursor: null };
  const rows = await sql.unsafe(
    `select "meetings".*, "users"."id" as host_id_, "users"."name" as host_name, "users"."email" as host_email
     from "meetings" inner join "users" on "users"."id" = "meetings"."host_id"
     where ("meetings"."id" in (${page.map((_, i) => `$${i + 2}`).join(', ')}) and ("meetings"."org_id" = $1 and not "meetings"."is_private"))`,
    [orgId, ...page],
  );
  const attendees = await sql.unsafe(
    `select "meeting_id", "email", "name", "user_id" from "meeting_attendees"
     where "meeting_id" in (${page.map((_, i) => `$${i + 1}`).join(', ')}) order by "meeting_id" asc, "position" asc`,
    page,
  );
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  const items = page.map((id) => {
    const m = byId.get(id)!;
    return {
      id,
      subject: m.subject,
      startAt: (m.start_at as Date).toISOString(),
      endAt: (m.end_at as Date).toISOString(),
      state: m.state,
      isPrivate: m.is_private,
      host: { id: m.host_id_, name: m.host_name, email: m.host_email },
      attendees: attendees
        .filter((a) => a.meeting_id === id)
        .map((a) => ({ email: a.email, name: a.name, userId: a.user_id })),
      createdAt: (m.created_at as Date).toISOString(),
    };
  });
  return { items, nextCursor: ids.length > LIMIT ? 'next' : null };
}

const server = createServer((_req, res) => {
  listMeetings().then(
    (data) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result: { data } }));
    },
    (err: unknown) => {
      res.writeHead(500).end(String(err));
    },
  );
});
server.listen(Number(process.env.PORT ?? 4100), '127.0.0.1', () => {
  process.stdout.write(`floor listening on ${process.env.PORT ?? 4100}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void sql.end({ timeout: 1 }).then(() => process.exit(0));
});
