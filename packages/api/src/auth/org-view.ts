import type { LeakedKeyAction } from '@keyhole/core';
import type { OrgView } from './caller';

/** The org columns an `OrgView` is made of (an `orgs` row, or any select that has them). */
export interface OrgRowLike {
  id: string;
  name: string;
  orgFullKeysIncludePrivate: boolean;
  allowKeyReveal: boolean;
  leakedKeyAction: LeakedKeyAction;
}

/** The one mapping from an org row to what a caller, sign-in and `org.updateSettings` see. */
export function toOrgView(o: OrgRowLike): OrgView {
  return {
    id: o.id,
    name: o.name,
    settings: {
      orgFullKeysIncludePrivate: o.orgFullKeysIncludePrivate,
      allowKeyReveal: o.allowKeyReveal,
      leakedKeyAction: o.leakedKeyAction,
    },
  };
}
