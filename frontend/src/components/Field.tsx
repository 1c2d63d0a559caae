import { useId, type ReactNode } from 'react';
import type { UseFormRegisterReturn } from 'react-hook-form';

/** A labelled input whose API or form error is shown beside it and announced to screen readers. */
export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy =
    [props.error ? errorId : null, props.hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={props.error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, describedBy, invalid: Boolean(props.error) })}
      {props.hint && (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p className="field-error" id={errorId} role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

/** The common case: one input that must be filled, registered with react-hook-form. */
export function InputField(props: {
  label: string;
  error?: string | undefined;
  type?: string;
  autoComplete?: string;
  registration: UseFormRegisterReturn;
}) {
  return (
    <Field label={props.label} error={props.error}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          type={props.type ?? 'text'}
          autoComplete={props.autoComplete}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          {...props.registration}
        />
      )}
    </Field>
  );
}
