import { Alert, Button, Group, Stack, Table, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAction } from '../api/action.ts';
import { listKey, useList } from '../api/lists.ts';
import { api } from '../api/client.ts';
import { may, useMe } from '../api/session.ts';

/** Groups and pause reasons have pages of their own (Groups.tsx, PauseReasons.tsx): they carry more than a name. */
export type CatalogKind = 'skills' | 'tags';

const permissionOf: Record<CatalogKind, { create: string; remove: string }> = {
  skills: { create: 'catalogs:manage', remove: 'catalogs:manage' },
  tags: { create: 'catalogs:manage', remove: 'catalogs:manage' },
};

/** A domain's named things — skills, tags: listed, added, removed. */
export function Catalog({ kind }: { kind: CatalogKind }) {
  const { t } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const items = useList<{ name: string; description?: string | null }>(domain, kind);
  const [name, setName] = useState('');
  const { run: act, said: problem } = useAction(listKey(domain, kind));
  return (
    <Stack maw={720}>
      <Title order={1} size="h2">
        {t(`catalogs.${kind}`)}
      </Title>
      {problem && (
        <Alert color="red" role="alert">
          {problem}
        </Alert>
      )}
      {may(me, permissionOf[kind].create) && (
        <Group align="flex-end">
          <TextInput label={t('catalogs.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Button
            disabled={!name.trim()}
            onClick={() => void act(() => api('POST', `/api/v1/domains/${domain}/${kind}`, { name: name.trim() })).then(() => setName(''))}
          >
            {t('catalogs.add')}
          </Button>
        </Group>
      )}
      <Table striped aria-label={t(`catalogs.${kind}`)}>
        <Table.Tbody>
          {(items.data?.items ?? []).map((item) => (
            <Table.Tr key={item.name}>
              <Table.Td>{item.name}</Table.Td>
              <Table.Td>{item.description ?? ''}</Table.Td>
              <Table.Td w={100}>
                {may(me, permissionOf[kind].remove) && (
                  <Button
                    size="xs"
                    variant="subtle"
                    color="red"
                    onClick={() => void act(() => api('DELETE', `/api/v1/domains/${domain}/${kind}/${encodeURIComponent(item.name)}`))}
                  >
                    {t('actions.delete')}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
