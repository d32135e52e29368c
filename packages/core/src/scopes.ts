export const SCOPES = ['user_limited', 'user_full', 'org_limited', 'org_full', 'legacy'] as const;
export type Scope = (typeof SCOPES)[number];

// Legacy keys predate scopes and are only ever imported, never created through the API.
export const CREATABLE_SCOPES = ['user_limited', 'user_full', 'org_limited', 'org_full'] as const;
export type CreatableScope = (typeof CREATABLE_SCOPES)[number];

export const USER_SCOPES = ['user_limited', 'user_full'] as const;
export type UserScope = (typeof USER_SCOPES)[number];

export interface ScopeInfo {
  scope: Scope;
  label: string;
  tiedToUser: boolean;
  includesPrivate: 'never' | 'own' | 'by_setting' | 'always';
  bestFor: string;
  description: string;
}

// Wording follows the product note (seed/scoped-api-keys.txt) so that the UI reads like the docs
// admins already know; the en dash in the labels is deliberate.
export const SCOPE_INFO: Record<Scope, ScopeInfo> = {
  user_limited: {
    scope: 'user_limited',
    label: 'User – limited access',
    tiedToUser: true,
    includesPrivate: 'never',
    bestFor: 'Tools that should never receive private recordings.',
    description: 'That user’s non-private meetings only. Private meetings are always excluded.',
  },
  user_full: {
    scope: 'user_full',
    label: 'User – full access',
    tiedToUser: true,
    includesPrivate: 'own',
    bestFor: 'Integrations that need to act as a specific person.',
    description: 'Everything that user can see, including their private meetings.',
  },
  org_limited: {
    scope: 'org_limited',
    label: 'Organization – limited access',
    tiedToUser: false,
    includesPrivate: 'never',
    bestFor: 'Reporting or analytics tools that should only use shared data.',
    description: 'All non-private meetings across the org. Private meetings are excluded.',
  },
  org_full: {
    scope: 'org_full',
    label: 'Organization – full access',
    tiedToUser: false,
    includesPrivate: 'by_setting',
    bestFor: 'Central integrations that need the widest org view your policy permits.',
    description: 'All meetings the org’s settings allow, including private ones.',
  },
  legacy: {
    scope: 'legacy',
    label: 'Legacy',
    tiedToUser: false,
    includesPrivate: 'always',
    bestFor: 'Existing integrations from before scopes; replace with a scoped key when ready.',
    description:
      'Every meeting in the organization, private ones included. Read-only: it can be copied or revoked, not changed.',
  },
};

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

export function isCreatableScope(value: unknown): value is CreatableScope {
  return typeof value === 'string' && (CREATABLE_SCOPES as readonly string[]).includes(value);
}

export function isUserScope(s: Scope): s is UserScope {
  return s === 'user_limited' || s === 'user_full';
}
