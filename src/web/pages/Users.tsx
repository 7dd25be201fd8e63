import { Button, Checkbox, Group, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import type { z } from 'zod';
import type { userResponse } from '../../server/users/schema.ts';
import { api } from '../api/client.ts';
import { useLiveEvents, type Presence } from '../api/events.ts';
import { may, useMe } from '../api/session.ts';
import { BulkActions, type BulkTarget } from '../components/BulkActions.tsx';
import { filterKeys, ListFilters, type Filters } from '../components/ListFilters.tsx';
import { RangeDialog } from '../components/RangeDialog.tsx';
import { columns, deletedColumns, type Column } from '../components/user-columns.tsx';

export type ListedUser = z.infer<typeof userResponse> & { presence?: Presence };
interface Page {
  items: ListedUser[];
  nextCursor: string | null;
}

const PAGE = 200;
const ROW_HEIGHT = 44;
/** The columns' widths, with the selection's first when there is something to do with a selection. */
const templateOf = (shown: Column[], selectable: boolean) => [...(selectable ? ['2.5rem'] : []), ...shown.map((c) => c.width)].join(' ');
const cellStyle = { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', paddingRight: 8 } as const;
/** The header and the rows keep the same room for the scroll bar, so that their columns line up. */
const gutter = { scrollbarGutter: 'stable', overflowY: 'hidden' } as const;

/**
 * The list's search, filters, sort and view (live or deleted users) as the page's address says
 * them: a reload keeps them, a link shares them, Back undoes a change. Typing replaces the entry.
 */
function useListAddress() {
  const [params, setParams] = useSearchParams();
  const filters: Filters = { sort: params.get('sort') ?? 'login' };
  for (const key of filterKeys) {
    const value = params.get(key);
    if (value) filters[key] = value;
  }
  const change = (changes: Record<string, string | undefined>, replace = false) =>
    setParams(
      (before) => {
        const next = new URLSearchParams(before);
        for (const [key, value] of Object.entries(changes)) {
          if (value && !(key === 'sort' && value === 'login')) next.set(key, value);
          else next.delete(key);
        }
        return next;
      },
      { replace },
    );
  return { q: params.get('q') ?? '', deleted: params.get('deleted') === 'true', filters, change };
}

/**
 * The directory, live: pages of 200 fetched as the list scrolls near their end, only the rows in
 * view rendered, presence from the event stream laid over what the pages said. The deleted users
 * are a view of their own, restorable one by one or in bulk.
 */
export function Users() {
  const { t, i18n } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const address = useListAddress();
  const { q, deleted, filters } = address;
  const [search, setSearch] = useState(q);
  const written = useRef(q);
  const change = useRef(address.change);
  change.current = address.change;
  useEffect(() => {
    // The address changed by Back or a link, not by typing: the box shows it.
    if (q !== written.current) setSearch(q);
    written.current = q;
  }, [q]);
  useEffect(() => {
    const timer = setTimeout(() => {
      if (search.trim() === written.current) return;
      written.current = search.trim();
      change.current({ q: search.trim() || undefined }, true);
    }, 250);
    return () => clearTimeout(timer);
  }, [search]);
  // The deleted users have no live state: the live filters do not apply to them.
  const criteria: Record<string, string | undefined> = {
    ...(q ? { q } : {}),
    ...filters,
    ...(deleted ? { deleted: 'true', status: undefined, registered: undefined } : {}),
  };
  const queryOf = (without: string[]) =>
    new URLSearchParams(Object.entries(criteria).filter(([k, v]) => v && !without.includes(k)) as [string, string][]).toString();
  const query = queryOf([]);
  const live = Boolean(criteria.status || criteria.registered);
  const filterOnly = queryOf(['sort', 'status', 'registered']);
  const total = useQuery({
    queryKey: ['users', domain, 'count', queryOf(['sort'])],
    enabled: Boolean(domain),
    queryFn: () => api<{ count: number; more: boolean }>('GET', `/api/v1/domains/${domain}/users/count?${queryOf(['sort'])}`),
  });
  const shown = deleted ? deletedColumns : columns;
  const selectable = deleted ? may(me, 'users:restore') : may(me, 'users:update') || may(me, 'users:delete');
  const template = templateOf(shown, selectable);
  const client = useQueryClient();
  const list = useInfiniteQuery({
    queryKey: ['users', domain, query],
    enabled: Boolean(domain),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api<Page>('GET', `/api/v1/domains/${domain}/users?limit=${PAGE}&${query}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    getNextPageParam: (last) => last.nextCursor,
    // Pages are only ever added: comparing every loaded user with its new copy on each arrival
    // (TanStack's structural sharing) cost frames while scrolling.
    structuralSharing: false,
  });
  const refresh = useCallback(() => void client.invalidateQueries({ queryKey: ['users'] }), [client]);
  const presence = useLiveEvents(domain, refresh);
  const users = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);

  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({ count: users.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const visible = rows.getVirtualItems();
  const lastVisible = visible[visible.length - 1]?.index ?? 0;
  useEffect(() => {
    if (lastVisible >= users.length - PAGE / 2 && list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
  }, [lastVisible, users.length, list]);

  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [allMatching, setAllMatching] = useState<{ count: number; more: boolean } | null>(null);
  useEffect(() => {
    setSelected(new Set());
    setAllMatching(null);
  }, [query]);
  const allLoaded = users.length > 0 && users.every((u) => selected.has(u.id));
  const toggle = useCallback((id: string) => {
    setAllMatching(null);
    setSelected((before) => {
      const next = new Set(before);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);
  const selectAllMatching = async () =>
    setAllMatching(await api<{ count: number; more: boolean }>('GET', `/api/v1/domains/${domain}/users/count?${filterOnly}`));
  const { sort: _sort, status: _status, registered: _registered, deleted: _deleted, agent, ...named } = criteria;
  const target: BulkTarget = allMatching ? { filter: { ...named, ...(agent ? { agent: agent === 'true' } : {}) } } : { ids: [...selected] };
  const selectedCount = allMatching ? allMatching.count : selected.size;

  return (
    <Stack h="100%" gap="sm">
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('users.title')}
        </Title>
        <Group>
          <Text size="sm" c="dimmed" aria-live="polite" data-testid="users-total">
            {list.isLoading || !total.data
              ? t('users.loading')
              : t(total.data.more ? 'users.countMore' : 'users.count', { count: total.data.count, n: total.data.count.toLocaleString(i18n.language) })}
          </Text>
          <Button component="a" variant="default" href={`/api/v1/domains/${domain}/users/export?${filterOnly}`} download>
            {t('users.export')}
          </Button>
          {may(me, 'users:create') && (
            <>
              <Button variant="default" component={Link} to="/users/import">
                {t('users.import')}
              </Button>
              <RangeDialog domain={domain} />
              <Button component={Link} to="/users/new">
                {t('users.newUser')}
              </Button>
            </>
          )}
        </Group>
      </Group>
      <Group align="flex-end" justify="space-between">
        <Group align="flex-end">
          <TextInput label={t('users.search')} placeholder={t('users.searchHint')} value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={420} />
          <SegmentedControl
            aria-label={t('users.view')}
            data={[
              { value: 'live', label: t('users.liveView') },
              { value: 'deleted', label: t('users.deletedView') },
            ]}
            value={deleted ? 'deleted' : 'live'}
            onChange={(view) => address.change({ deleted: view === 'deleted' ? 'true' : undefined, status: undefined, registered: undefined })}
          />
        </Group>
        {domain && selectedCount > 0 && (
          <BulkActions
            domain={domain}
            deleted={deleted}
            target={target}
            count={selectedCount}
            onDone={() => {
              setSelected(new Set());
              setAllMatching(null);
            }}
          />
        )}
      </Group>
      {domain && (
        <ListFilters
          domain={domain}
          filters={filters}
          live={!deleted}
          onChange={(next) => address.change(Object.fromEntries([...filterKeys, 'sort'].map((key) => [key, next[key as keyof Filters]])))}
        />
      )}
      {allLoaded && !allMatching && !live && list.hasNextPage !== undefined && (
        <Text size="sm">
          {t('bulk.allLoaded', { count: selected.size })}{' '}
          <Button variant="subtle" size="compact-sm" onClick={() => void selectAllMatching()}>
            {t('bulk.selectAllMatching')}
          </Button>
        </Text>
      )}
      {allMatching && <Text size="sm">{allMatching.more ? t('bulk.tooMany') : t('bulk.allMatching', { count: allMatching.count })}</Text>}
      <div
        role="table"
        aria-label={deleted ? t('users.deletedView') : t('users.title')}
        aria-rowcount={users.length + 1}
        style={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0, fontSize: 'var(--mantine-font-size-sm)' }}
      >
        <div
          role="row"
          style={{
            display: 'grid',
            gridTemplateColumns: template,
            fontWeight: 600,
            borderBottom: '1px solid var(--mantine-color-gray-4)',
            padding: '8px 0',
            ...gutter,
          }}
        >
          {selectable && (
            <div role="columnheader">
              <Checkbox
                aria-label={t('bulk.selectLoaded')}
                checked={allLoaded}
                indeterminate={selected.size > 0 && !allLoaded}
                onChange={() => {
                  setAllMatching(null);
                  setSelected(allLoaded ? new Set() : new Set(users.map((u) => u.id)));
                }}
              />
            </div>
          )}
          {shown.map((c: Column) => (
            <div role="columnheader" key={c.key} style={cellStyle} title={t(c.label)}>
              {t(c.label)}
            </div>
          ))}
        </div>
        <div ref={scroller} style={{ flex: 1, overflow: 'auto', minHeight: 300, scrollbarGutter: 'stable' }} data-testid="users-scroller">
          {users.length === 0 && !list.isLoading && <Text p="md">{t('users.empty')}</Text>}
          <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
            {visible.map((row) => {
              const user = users[row.index] as ListedUser;
              return (
                <UserRow
                  key={user.id}
                  user={user}
                  index={row.index}
                  start={row.start}
                  presence={presence.get(user.id) ?? user.presence}
                  selected={Boolean(allMatching) || selected.has(user.id)}
                  onToggle={toggle}
                  shown={shown}
                  template={template}
                  selectable={selectable}
                />
              );
            })}
          </div>
        </div>
      </div>
    </Stack>
  );
}

interface RowProps {
  user: ListedUser;
  index: number;
  start: number;
  presence: Presence | undefined;
  selected: boolean;
  onToggle: (id: string) => void;
  shown: Column[];
  template: string;
  selectable: boolean;
}

/** One row, drawn again only when its user, presence or selection changes — not on every scrolled frame. */
const UserRow = memo(function UserRow({ user, index, start, presence, selected, onToggle, shown, template, selectable }: RowProps) {
  const { t } = useTranslation();
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      data-login={user.login}
      style={{
        position: 'absolute',
        top: 0,
        left: 0,
        right: 0,
        height: ROW_HEIGHT,
        transform: `translateY(${start}px)`,
        display: 'grid',
        gridTemplateColumns: template,
        alignItems: 'center',
        borderBottom: '1px solid var(--mantine-color-gray-2)',
      }}
    >
      {selectable && (
        <div role="cell">
          {/* A native box: a row mounts as it scrolls into view, and must be cheap to mount. */}
          <input
            type="checkbox"
            style={{ width: 18, height: 18, accentColor: 'var(--mantine-primary-color-filled)' }}
            aria-label={t('bulk.selectOne', { login: user.login })}
            checked={selected}
            onChange={() => onToggle(user.id)}
          />
        </div>
      )}
      {shown.map((c) => (
        <div role="cell" key={c.key} style={cellStyle}>
          {c.render(user, presence, t)}
        </div>
      ))}
    </div>
  );
});
