import type { LeakNote } from './key-notes';

/**
 * Where a scanner found a key. A link leaves with no referrer (the admin's Keyhole URL is nobody's
 * business) and no ranking credit (`nofollow`: it points at a page publishing a secret).
 */
export function LeakPlace({ where }: { where: NonNullable<LeakNote['where']> }) {
  return where.href ? (
    <a className="leak-place" href={where.href} rel="noopener noreferrer nofollow">
      {where.text}
    </a>
  ) : (
    <span className="leak-place">{where.text}</span>
  );
}
