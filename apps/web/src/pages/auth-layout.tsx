import type { ReactNode } from 'react';

/** The frame of the signed-out pages: the brand and one card. */
export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth">
      <div className="auth__card">
        <p className="brand brand--large">
          <span className="brand__mark" aria-hidden="true">
            ⌾
          </span>
          Keyhole
        </p>
        <h1 className="auth__title">{title}</h1>
        {children}
      </div>
    </main>
  );
}
