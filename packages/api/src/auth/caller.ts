import type { OrgSettings, Scope } from '@keyhole/core';

export interface OrgView {
  id: string;
  name: string;
  settings: OrgSettings;
}

export interface SessionUser {
  id: string;
  orgId: string;
  email: string;
  name: string;
  role: 'admin' | 'member';
  status: 'active' | 'deactivated';
  createdAt: Date;
}

export interface AuthenticatedKey {
  id: string;
  orgId: string;
  name: string;
  scope: Scope;
  clientKey: string;
  issuedTo: { id: string; name: string; email: string } | null;
  /** The key's own budget, or null for the server default. */
  rateLimitPerMinute: number | null;
}

/** Who is calling, decided once per request: the Authorization header alone when present, else the cookie. */
export type Caller =
  | { type: 'none' }
  | {
      type: 'session';
      sessionId: string;
      user: SessionUser;
      org: OrgView;
      /** When the password was last entered in this session (step-up, SPEC §5), null if never. */
      passwordEnteredAt: Date | null;
    }
  /** `secretHash`: the HMAC of the secret presented, for the re-check in mutations (`lockActor`). */
  | { type: 'key'; key: AuthenticatedKey; org: OrgView; secretHash: Buffer };
