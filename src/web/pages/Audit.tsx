import { Button, Group, Stack, Table, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { auditEntry } from '../../server/audit/schema.ts';
import { api } from '../api/client.ts';
import { useMe } from '../api/session.ts';

type Entry = z.infer<typeof auditEntry>;

/** The audit log, newest first, by action; pages of 100 on demand. */
export function Audit() {
  const { t, i18n } = useTranslation();
  const domain = useMe().data?.user.domain;
  const [typed, setTyped] = useState('');
  const [action, setAction] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setAction(typed.trim()), 300);
    return () => clearTimeout(timer);
  }, [typed]);
  const entries = useInfiniteQuery({
    queryKey: ['audit', domain, action],
    enabled: Boolean(domain),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => api<{ items: Entry[]; nextCursor: string | null }>('GET', `/api/v1/domains/${domain}/audit?limit=100${action ? `&action=${encodeURIComponent(action)}` : ''}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = entries.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('audit.title')}
      </Title>
      <TextInput label={t('audit.action')} placeholder="user.updated" value={typed} onChange={(e) => setTyped(e.currentTarget.value)} w={320} />
      <Table striped aria-label={t('audit.title')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('audit.when')}</Table.Th>
            <Table.Th>{t('audit.who')}</Table.Th>
            <Table.Th>{t('audit.action')}</Table.Th>
            <Table.Th>{t('audit.what')}</Table.Th>
            <Table.Th>{t('audit.changes')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((entry) => (
            <Table.Tr key={entry.id}>
              <Table.Td>{new Date(entry.at).toLocaleString(i18n.language)}</Table.Td>
              <Table.Td>{entry.actor.login}</Table.Td>
              <Table.Td>{entry.action}</Table.Td>
              <Table.Td>{entry.target.name}</Table.Td>
              <Table.Td>{Object.keys(entry.changes).join(', ')}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {entries.hasNextPage && (
        <Group>
          <Button variant="default" loading={entries.isFetchingNextPage} onClick={() => void entries.fetchNextPage()}>
            {t('audit.more')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
