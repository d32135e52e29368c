import type { ReactNode } from 'react';

interface SettingToggleProps {
  /** The switch's label. */
  title: string;
  /** The id of the explanation, which describes the switch. */
  textId: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  /** The explanation's paragraphs. */
  children: ReactNode;
}

/** One setting as a card: a labelled switch, and the text explaining it. */
export function SettingToggle({ title, textId, checked, onChange, children }: SettingToggleProps) {
  return (
    <section className="card setting">
      <label className="setting__toggle">
        <input
          type="checkbox"
          className="switch"
          checked={checked}
          aria-describedby={textId}
          onChange={(e) => onChange(e.target.checked)}
        />
        <span className="setting__title">{title}</span>
      </label>
      <div className="setting__text" id={textId}>
        {children}
      </div>
    </section>
  );
}
