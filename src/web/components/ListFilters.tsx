import { Group, Select } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useNames, type ListKind } from '../api/lists.ts';

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

/** The filters the list's address carries (the sort besides). */
export const filterKeys = ['role', 'group', 'tag', 'skill', 'license', 'agent', 'status', 'registered'] as const;

const catalogs = [
  ['role', 'roles'],
  ['group', 'groups'],
  ['tag', 'tags'],
  ['skill', 'skills'],
  ['license', 'licenses'],
] as const;

/** One select per catalog (its names from the API), agents yes/no, the live state (where there is one), and the sort. */
export function ListFilters({
  domain,
  filters,
  live = true,
  onChange,
}: {
  domain: string;
  filters: Filters;
  live?: boolean;
  onChange: (filters: Filters) => void;
}) {
  const { t } = useTranslation();
  const set = (key: keyof Filters, value: string | null) => onChange({ ...filters, [key]: value ?? undefined });
  return (
    <Group gap="xs">
      {catalogs.map(([key, kind]) => (
        <CatalogFilter key={key} domain={domain} kind={kind} label={t(`filters.${key}`)} value={filters[key] ?? null} onChange={(v) => set(key, v)} />
      ))}
      <Select
        size="xs"
        w={124}
        label={t('filters.agent')}
        data={[
          { value: 'true', label: t('filters.agentsOnly') },
          { value: 'false', label: t('filters.notAgents') },
        ]}
        value={filters.agent ?? null}
        onChange={(v) => set('agent', v)}
        clearable
      />
      {live && (
        <>
          <Select
            size="xs"
            w={124}
            label={t('filters.status')}
            data={(['available', 'break', 'dnd', 'offline'] as const).map((v) => ({ value: v, label: t(`users.statuses.${v}`) }))}
            value={filters.status ?? null}
            onChange={(v) => set('status', v)}
            clearable
          />
          <Select
            size="xs"
            w={124}
            label={t('filters.registered')}
            data={[
              { value: 'true', label: t('users.registered') },
              { value: 'false', label: t('users.notRegistered') },
            ]}
            value={filters.registered ?? null}
            onChange={(v) => set('registered', v)}
            clearable
          />
        </>
      )}
      <Select
        size="xs"
        w={124}
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

/** A filter by the names of one of the domain's lists. */
function CatalogFilter({
  domain,
  kind,
  label,
  value,
  onChange,
}: {
  domain: string;
  kind: ListKind;
  label: string;
  value: string | null;
  onChange: (value: string | null) => void;
}) {
  return <Select size="xs" w={124} label={label} data={useNames(domain, kind)} value={value} onChange={onChange} clearable searchable />;
}
