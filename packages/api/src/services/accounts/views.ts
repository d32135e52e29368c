import type { OrgView } from '../../auth/caller';

/** `User` of SPEC §1 as it goes on the wire: dates as ISO strings, never the password hash. */
export interface UserView {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'member';
  status: 'active' | 'deactivated';
  createdAt: string;
}

export interface UserRowLike {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'member';
  status: 'active' | 'deactivated';
  createdAt: Date;
}

export function toUserView(u: UserRowLike): UserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    status: u.status,
    createdAt: u.createdAt.toISOString(),
  };
}

/** What sign-up, sign-in and `auth.me` answer. */
export interface AccountView {
  user: UserView;
  org: OrgView;
}
