import { Group, Select } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';

/** The list's filters, as the API's list query names them. */
export interface Filters {
  role?: string;
  group?: string;
  tag?: string;
  skill?: string;
  license?: string;
  agent?: string;
  /** Live filters: the server narrows by the state now; bulk "all that match" does not take them. */
  status?: string;
  registered?: string;
  sort: string;
}

const catalogs = [
  ['role', 'roles'],
  ['group', 'groups'],
  ['tag', 'tags'],
  ['skill', 'skills'],
  ['license', 'licenses'],
] as const;

/** One select per catalog (its names from the API), agents yes/no, and the sort. */
export function ListFilters({ domain, filters, onChange }: { domain: string; filters: Filters; onChange: (filters: Filters) => void }) {
  const { t } = useTranslation();
  const names = useQuery({
    queryKey: ['filter-catalogs', domain],
    queryFn: async () => Object.fromEntries(await Promise.all(catalogs.map(async ([, kind]) => [kind, await api<{ items: { name: string }[] }>('GET', `/api/v1/domains/${domain}/${kind}?limit=500`).then((p) => p.items.map((i) => i.name)).catch(() => [])] as const))),
  });
  const set = (key: keyof Filters, value: string | null) => onChange({ ...filters, [key]: value ?? undefined });
  return (
    <Group gap="xs">
      {catalogs.map(([key, kind]) => (
        <Select key={key} size="xs" w={140} label={t(`filters.${key}`)} data={names.data?.[kind] ?? []} value={filters[key] ?? null} onChange={(v) => set(key, v)} clearable searchable />
      ))}
      <Select
        size="xs"
        w={140}
        label={t('filters.agent')}
        data={[
          { value: 'true', label: t('filters.agentsOnly') },
          { value: 'false', label: t('filters.notAgents') },
        ]}
        value={filters.agent ?? null}
        onChange={(v) => set('agent', v)}
        clearable
      />
      <Select size="xs" w={140} label={t('filters.status')} data={(['available', 'break', 'dnd', 'offline'] as const).map((v) => ({ value: v, label: t(`users.statuses.${v}`) }))} value={filters.status ?? null} onChange={(v) => set('status', v)} clearable />
      <Select
        size="xs"
        w={150}
        label={t('filters.registered')}
        data={[
          { value: 'true', label: t('users.registered') },
          { value: 'false', label: t('users.notRegistered') },
        ]}
        value={filters.registered ?? null}
        onChange={(v) => set('registered', v)}
        clearable
      />
      <Select
        size="xs"
        w={140}
        label={t('filters.sort')}
        data={[
          { value: 'login', label: t('filters.sorts.login') },
          { value: 'lastName', label: t('filters.sorts.lastName') },
          { value: '-createdAt', label: t('filters.sorts.createdAt') },
        ]}
        value={filters.sort}
        onChange={(v) => set('sort', v ?? 'login')}
        allowDeselect={false}
      />
    </Group>
  );
}
