import { SCOPE_INFO, type Scope } from '@keyhole/core';
import { WarningIcon } from '../../ui/icons';

/**
 * A key's scope as a badge. Organization – full access is the highest-privilege scope (the product
 * note's "Important"), so it is flagged in words and with an icon, not by its colour alone.
 */
export function ScopeBadge({ scope }: { scope: Scope }) {
  const info = SCOPE_INFO[scope];
  const flagged = scope === 'org_full';
  return (
    <span className="scope-badge-wrap">
      <span className={`scope-badge scope-badge--${scope}`} title={info.description}>
        {flagged ? <WarningIcon /> : null}
        {info.label}
      </span>
      {flagged ? (
        <span className="scope-badge__flag">Highest privilege: can include private meetings</span>
      ) : null}
    </span>
  );
}
