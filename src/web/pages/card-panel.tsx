import { Tabs } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A tab of the user card whose fields are read-only when the card is (a deleted user, a role
 * without users:update): a disabled fieldset turns every field and button inside off at once.
 */
export function CardPanel({ value, readOnly, children }: { value: string; readOnly: boolean; children: ReactNode }) {
  return (
    <Tabs.Panel value={value} pt="md">
      <fieldset disabled={readOnly} style={{ border: 0, margin: 0, padding: 0, minWidth: 0 }}>
        {children}
      </fieldset>
    </Tabs.Panel>
  );
}
