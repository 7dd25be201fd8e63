import { Alert, Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { may, useMe } from '../api/session.ts';

/** A page for who holds `permission`; anyone else is told, in words, that their role does not let them see it. */
export function Allowed({ permission, children }: { permission: string; children: ReactNode }) {
  const me = useMe().data;
  return may(me, permission) ? children : <NotAllowed permission={permission} />;
}

export function NotAllowed({ permission }: { permission: string }) {
  const { t } = useTranslation();
  return (
    <Stack maw={720}>
      <Title order={1} size="h2">
        {t('access.title')}
      </Title>
      <Alert color="yellow" role="alert">
        {t('access.detail', { permission })}
      </Alert>
    </Stack>
  );
}
