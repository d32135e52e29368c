import type { ReactNode } from 'react';

/** A person's name with their email under it; `children` (a badge) go after the name. */
export function Person({
  person,
  children,
}: {
  person: { name: string; email: string };
  children?: ReactNode;
}) {
  return (
    <span className="person">
      {person.name}
      {children}
      <span className="person__email">{person.email}</span>
    </span>
  );
}
