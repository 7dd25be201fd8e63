import { Tabs } from '@mantine/core';
import type { ReactNode } from 'react';
import { ReadOnly } from '../components/ReadOnly.tsx';

/**
 * A tab of the user card whose fields are read-only when the card is (a deleted user, a role
 * without users:update).
 */
export function CardPanel({ value, readOnly, children }: { value: string; readOnly: boolean; children: ReactNode }) {
  return (
    <Tabs.Panel value={value} pt="md">
      <ReadOnly when={readOnly}>{children}</ReadOnly>
    </Tabs.Panel>
  );
}
