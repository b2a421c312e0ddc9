// Small shared components. Every control has a visible <label>, errors go to role="alert",
// and progress or outcomes to role="status", so screen readers announce them.
import type { ComponentChildren, JSX } from 'preact';
import { useId } from 'preact/hooks';
import { errorText } from './errors.js';

export { errorText } from './errors.js';
export { formatDate, formatDateTime, formatDistance, formatDuration, formatNumber, formatPace } from './format.js';

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'id' | 'onInput' | 'value'>;

/** A text input with its visible label; `hint` is read after the label (aria-describedby). */
export function Field(
  props: InputProps & { label: string; value: string; onValue: (v: string) => void; hint?: string },
): JSX.Element {
  const { label, value, onValue, hint, ...rest } = props;
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <input
        id={id}
        value={value}
        onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
        {...(hint ? { 'aria-describedby': `${id}-hint` } : {})}
        {...rest}
      />
    </div>
  );
}

/** A select with its visible label. */
export function Select(props: {
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onValue: (v: string) => void;
  disabled?: boolean;
}): JSX.Element {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        value={props.value}
        disabled={props.disabled}
        onChange={(e) => props.onValue((e.currentTarget as HTMLSelectElement).value)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A button; `busy` disables it and says so, so a double click cannot send twice. */
export function Button(
  props: Omit<JSX.ButtonHTMLAttributes<HTMLButtonElement>, 'type'> & {
    type?: 'button' | 'submit';
    variant?: 'primary' | 'secondary' | 'danger';
    busy?: boolean;
  },
): JSX.Element {
  const { type = 'button', variant = 'primary', busy, disabled, class: cls, children, ...rest } = props;
  return (
    <button
      type={type}
      class={`btn btn-${variant}${cls ? ` ${cls}` : ''}`}
      disabled={Boolean(disabled) || Boolean(busy)}
      aria-busy={busy ? 'true' : undefined}
      {...rest}
    >
      {children}
    </button>
  );
}

/** An error message, announced at once. Renders nothing without an error. */
export function Alert(props: { error?: unknown; children?: ComponentChildren }): JSX.Element | null {
  if (props.children == null && props.error == null) return null;
  return (
    <div class="alert" role="alert">
      {props.children ?? errorText(props.error)}
    </div>
  );
}

/** An outcome or progress message, announced politely. */
export function Status(props: { children: ComponentChildren; tone?: 'ok' | 'warn' | 'error' | 'info' }): JSX.Element {
  return (
    <div class={`status status-${props.tone ?? 'info'}`} role="status">
      {props.children}
    </div>
  );
}

/**
 * A table with a caption (its accessible name); `captionProps` reach the <caption> element;
 * headers named in `numeric` are right-aligned like their cells (give those cells class "num").
 */
export function Table(props: {
  caption: string;
  headers: readonly string[];
  numeric?: readonly string[];
  children: ComponentChildren;
  captionProps?: Record<string, string>;
  class?: string;
}): JSX.Element {
  const id = useId();
  return (
    // Focusable and named, so keyboard users can scroll a table wider than the screen (WCAG 2.1.1).
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus to be scrolled by keyboard (axe scrollable-region-focusable)
    <section class="table-wrap" tabIndex={0} aria-labelledby={id}>
      <table class={props.class}>
        <caption id={id} {...(props.captionProps ?? {})}>
          {props.caption}
        </caption>
        <thead>
          <tr>
            {props.headers.map((h) => (
              <th key={h} scope="col" class={props.numeric?.includes(h) ? 'num' : undefined}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </section>
  );
}

/** Shown while a page's data loads. */
export function Loading(props: { label?: string }): JSX.Element {
  return (
    <p class="loading" aria-live="polite">
      {props.label ?? 'Loading…'}
    </p>
  );
}
