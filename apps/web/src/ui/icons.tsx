/** Inline icons (decorative: every button carrying one has a text label or an aria-label). */
import type { ReactNode } from 'react';

/** A 16×16 stroked icon: the path `d` draws it, and `children` add any other shapes. */
function Icon({ d, children }: { d?: string; children?: ReactNode }) {
  return (
    <svg
      viewBox="0 0 16 16"
      width="16"
      height="16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {children}
      {d ? <path d={d} /> : null}
    </svg>
  );
}

export const PencilIcon = () => <Icon d="M11 2.5l2.5 2.5L5.5 13H3v-2.5zM9.5 4l2.5 2.5" />;

export const CopyIcon = () => (
  <Icon d="M10.5 5.5v-2a1 1 0 0 0-1-1h-6a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h2">
    <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" />
  </Icon>
);

export const RegenerateIcon = () => <Icon d="M13 8a5 5 0 1 1-1.5-3.55M13 2.5v3h-3" />;

export const TrashIcon = () => <Icon d="M2.5 4h11M6 4V2.5h4V4M4 4l.7 9.5h6.6L12 4" />;

export const WarningIcon = () => <Icon d="M8 2l6.5 11.5h-13zM8 6.5v3M8 11.5v.01" />;

export const ChartIcon = () => <Icon d="M2.5 13.5h11M4.5 11V8M8 11V4.5M11.5 11V7" />;

export const MenuIcon = () => <Icon d="M2.5 4h11M2.5 8h11M2.5 12h11" />;

export const EyeIcon = ({ crossed = false }: { crossed?: boolean }) => (
  <Icon
    d={`M1.5 8s2.4-4.5 6.5-4.5S14.5 8 14.5 8 12.1 12.5 8 12.5 1.5 8 1.5 8z${crossed ? 'M2.5 13.5l11-11' : ''}`}
  >
    <circle cx="8" cy="8" r="2" />
  </Icon>
);
