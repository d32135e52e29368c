import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';

export interface ListboxOption<T extends string> {
  value: T;
  label: string;
  description: ReactNode;
}

interface ListboxSelectProps<T extends string> {
  labelId: string;
  value: T;
  options: readonly ListboxOption<T>[];
  onChange: (value: T) => void;
  describedBy?: string;
}

/**
 * A dropdown whose options have two lines (a label and a description), which a native <select> cannot
 * show without cutting the text off. It follows the WAI-ARIA "select-only combobox" pattern: a button
 * with role combobox, a listbox of options, aria-activedescendant for the highlighted one; keys: Up,
 * Down, Home, End, Enter or Space to choose, Escape to close without choosing, Tab to choose and move on.
 */
export function ListboxSelect<T extends string>({
  labelId,
  value,
  options,
  onChange,
  describedBy,
}: ListboxSelectProps<T>) {
  const id = useId();
  const listId = `${id}-listbox`;
  const optionId = (index: number) => `${id}-option-${index}`;
  const selectedIndex = Math.max(
    0,
    options.findIndex((o) => o.value === value),
  );
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(selectedIndex);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const selected = options[selectedIndex];

  useEffect(() => {
    if (!open) return;
    listRef.current?.querySelector(`[id="${optionId(active)}"]`)?.scrollIntoView({ block: 'nearest' });
  });

  const openAt = (index: number) => {
    setActive(index);
    setOpen(true);
  };
  const choose = (index: number) => {
    const option = options[index];
    if (option) onChange(option.value);
    setOpen(false);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    const last = options.length - 1;
    if (!open) {
      const opening: Record<string, number> = {
        ArrowDown: selectedIndex,
        ArrowUp: selectedIndex,
        Enter: selectedIndex,
        ' ': selectedIndex,
        Home: 0,
        End: last,
      };
      const at = opening[event.key];
      if (at !== undefined) {
        event.preventDefault();
        openAt(at);
      }
      return;
    }
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        setActive((i) => Math.min(last, i + 1));
        break;
      case 'ArrowUp':
        event.preventDefault();
        setActive((i) => Math.max(0, i - 1));
        break;
      case 'Home':
        event.preventDefault();
        setActive(0);
        break;
      case 'End':
        event.preventDefault();
        setActive(last);
        break;
      case 'Enter':
      case ' ':
        event.preventDefault();
        choose(active);
        break;
      case 'Escape':
        // Close the list only: the dialog around it must stay open.
        event.preventDefault();
        event.stopPropagation();
        setOpen(false);
        break;
      case 'Tab':
        choose(active);
        break;
    }
  };

  return (
    <div className="listbox-select">
      <button
        ref={buttonRef}
        type="button"
        role="combobox"
        className="input listbox-select__button"
        aria-labelledby={labelId}
        aria-describedby={describedBy}
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open ? optionId(active) : undefined}
        onClick={() => (open ? setOpen(false) : openAt(selectedIndex))}
        onKeyDown={onKeyDown}
        onBlur={() => setOpen(false)}
      >
        <span className="listbox-select__value">
          <span className="listbox-select__label">{selected?.label}</span>
          <span className="listbox-select__description">{selected?.description}</span>
        </span>
        <svg
          viewBox="0 0 16 16"
          width="16"
          height="16"
          aria-hidden="true"
          className="listbox-select__chevron"
        >
          <path d="M4 6l4 4 4-4" fill="none" stroke="currentColor" strokeWidth="1.6" />
        </svg>
      </button>
      <div
        ref={listRef}
        id={listId}
        role="listbox"
        aria-labelledby={labelId}
        className="listbox-select__list"
        hidden={!open}
        tabIndex={-1}
      >
        {options.map((option, index) => (
          // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard is handled on the combobox (aria-activedescendant); options never take focus
          <div
            key={option.value}
            id={optionId(index)}
            role="option"
            tabIndex={-1}
            aria-selected={option.value === value}
            className={`listbox-select__option ${index === active ? 'listbox-select__option--active' : ''}`}
            // Keep focus on the button, so the blur above does not close the list before the click.
            onMouseDown={(e) => e.preventDefault()}
            // Only a real movement of the mouse highlights: the browser also reports the list opening
            // under a resting pointer, which must not undo what the keyboard chose.
            onMouseMove={(e) => {
              if (e.movementX !== 0 || e.movementY !== 0) setActive(index);
            }}
            onClick={() => {
              choose(index);
              buttonRef.current?.focus();
            }}
          >
            <span className="listbox-select__label">{option.label}</span>
            <span className="listbox-select__description">{option.description}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
