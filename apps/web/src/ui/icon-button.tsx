import type { ButtonHTMLAttributes, ReactNode } from 'react';

type IconButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type' | 'className' | 'aria-label'> & {
  /** The accessible name (the icon itself is decorative). */
  label: string;
  icon: ReactNode;
  /** A destructive action (delete) turns red on hover. */
  danger?: boolean;
};

/** A square button showing only an icon, named by `label`. */
export function IconButton({ label, icon, danger = false, ...button }: IconButtonProps) {
  return (
    <button
      type="button"
      className={danger ? 'icon-button icon-button--danger' : 'icon-button'}
      aria-label={label}
      {...button}
    >
      {icon}
    </button>
  );
}
