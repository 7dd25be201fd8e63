import type { ReactNode } from 'react';
import './read-only.css';

/** Fields to read only when `when` holds: a disabled fieldset turns every field and button inside off at once. */
export function ReadOnly({ when, children }: { when: boolean; children: ReactNode }) {
  return (
    <fieldset disabled={when} className="read-only">
      {children}
    </fieldset>
  );
}
