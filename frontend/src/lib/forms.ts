import type { FieldValues, Path, UseFormSetError } from 'react-hook-form';
import { fieldErrors } from './errors';

/** Puts the API's `fields` messages on the form's inputs; returns the fields it could not place. */
export function applyFieldErrors<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  known: readonly string[],
): string[] {
  const unplaced: string[] = [];
  for (const [field, message] of Object.entries(fieldErrors(error))) {
    if (known.includes(field)) setError(field as Path<T>, { type: 'server', message });
    else unplaced.push(message);
  }
  return unplaced;
}
