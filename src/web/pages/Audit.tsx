import { Alert, Button, Code, Group, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { auditEntry } from '../../server/audit/schema.ts';
import { api, ApiProblem } from '../api/client.ts';
import { useMe } from '../api/session.ts';

type Entry = z.infer<typeof auditEntry>;
type Filters = Record<'from' | 'to' | 'actor' | 'target' | 'action', string>;
const none: Filters = { from: '', to: '', actor: '', target: '', action: '' };

/** A recorded value as a person reads it: nothing as a dash, lists joined, the rest as JSON. */
export function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return value.length ? value.join(', ') : '—';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/** The query of the filters: a day's start from `from`, the next day's start from `to` (the whole day counts), in local time. */
export function auditQuery(filters: Filters): string {
  const query = new URLSearchParams({ limit: '100' });
  const day = (date: string, plus: number) => {
    const [y, m, d] = date.split('-').map(Number);
    return new Date(y as number, (m as number) - 1, (d as number) + plus).toISOString();
  };
  if (filters.from) query.set('from', day(filters.from, 0));
  if (filters.to) query.set('to', day(filters.to, 1));
  for (const name of ['actor', 'target', 'action'] as const) if (filters[name].trim()) query.set(name, filters[name].trim());
  return query.toString();
}

/**
 * The audit log, newest first: filtered by a date range, who made the change (a login), what it
 * changed (a login or a name) and the action; each entry shows every field before and after.
 * Pages of 100 on demand.
 */
export function Audit() {
  const { t, i18n } = useTranslation();
  const domain = useMe().data?.user.domain;
  const [typed, setTyped] = useState<Filters>(none);
  const [filters, setFilters] = useState<Filters>(none);
  useEffect(() => {
    const timer = setTimeout(() => setFilters(typed), 300);
    return () => clearTimeout(timer);
  }, [typed]);
  // A range that ends before it starts finds nothing: said at the field, not asked.
  const backwards = Boolean(filters.from && filters.to && filters.from > filters.to);
  const entries = useInfiniteQuery({
    queryKey: ['audit', domain, filters],
    enabled: Boolean(domain) && !backwards,
    retry: false,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api<{ items: Entry[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/domains/${domain}/audit?${auditQuery(filters)}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    getNextPageParam: (last) => last.nextCursor,
  });
  const problem = entries.error instanceof ApiProblem ? entries.error : null;
  const at = (name: string) => (name === 'to' && backwards ? t('audit.toBeforeFrom') : problem?.at(`querystring/${name}`));
  const items = entries.data?.pages.flatMap((p) => p.items) ?? [];
  const field = (name: keyof Filters) => ({
    value: typed[name],
    error: at(name),
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => setTyped({ ...typed, [name]: e.currentTarget.value }),
  });

  return (
    <Stack>
      <Title order={1} size="h2">
        {t('audit.title')}
      </Title>
      <SimpleGrid cols={{ base: 2, lg: 5 }} component="form" role="search" aria-label={t('audit.filters')} onSubmit={(e) => e.preventDefault()}>
        <TextInput type="date" label={t('audit.from')} {...field('from')} />
        <TextInput type="date" label={t('audit.to')} {...field('to')} />
        <TextInput label={t('audit.who')} description={t('audit.whoHint')} {...field('actor')} />
        <TextInput label={t('audit.what')} description={t('audit.whatHint')} {...field('target')} />
        <TextInput label={t('audit.action')} description={t('audit.actionHint')} placeholder="user.updated" {...field('action')} />
      </SimpleGrid>
      {problem && (
        <Alert color="red" role="alert">
          {[problem.detail, ...problem.errors.map((e) => e.message)].join(' · ')}
        </Alert>
      )}
      <Table striped aria-label={t('audit.title')} verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={170}>{t('audit.when')}</Table.Th>
            <Table.Th w={140}>{t('audit.who')}</Table.Th>
            <Table.Th w={180}>{t('audit.action')}</Table.Th>
            <Table.Th w={200}>{t('audit.what')}</Table.Th>
            <Table.Th>{t('audit.changes')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((entry) => (
            <Table.Tr key={entry.id} data-action={entry.action} style={{ verticalAlign: 'top' }}>
              <Table.Td>{new Date(entry.at).toLocaleString(i18n.language)}</Table.Td>
              <Table.Td>{entry.actor.login}</Table.Td>
              <Table.Td>
                <Code>{entry.action}</Code>
              </Table.Td>
              <Table.Td>
                {entry.target.name}{' '}
                <Text span size="xs" c="dimmed">
                  ({entry.target.type})
                </Text>
              </Table.Td>
              <Table.Td>
                <Table
                  withRowBorders={false}
                  verticalSpacing={2}
                  horizontalSpacing={4}
                  aria-label={t('audit.changesOf', { action: entry.action, name: entry.target.name })}
                >
                  <Table.Tbody>
                    {Object.entries(entry.changes).map(([name, change]) => (
                      <Table.Tr key={name} data-field={name}>
                        <Table.Th scope="row" fw={500} w={160} style={{ verticalAlign: 'top' }}>
                          {name}
                        </Table.Th>
                        <Table.Td style={{ wordBreak: 'break-word' }}>
                          <Text component="del" size="sm" c="red.9" title={t('audit.before')}>
                            {shown(change.from)}
                          </Text>
                          {' → '}
                          <Text component="ins" size="sm" c="teal.9" td="none" title={t('audit.after')}>
                            {shown(change.to)}
                          </Text>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {entries.isSuccess && items.length === 0 && (
        <Text c="dimmed" ta="center">
          {t('audit.empty')}
        </Text>
      )}
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
