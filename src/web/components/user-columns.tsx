import { Badge, Tooltip } from '@mantine/core';
import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { i18n } from '../i18n/index.ts';
import { Link } from 'react-router';
import type { Presence } from '../api/events.ts';
import type { ListedUser } from '../pages/Users.tsx';
import { RowActions } from './RowActions.tsx';
import { TimeSince } from './TimeSince.tsx';

export interface Column {
  key: string;
  label: string;
  width: string;
  render: (user: ListedUser, presence: Presence | undefined, t: TFunction) => ReactNode;
}

export const statusColor = { available: 'teal', break: 'yellow', dnd: 'red', offline: 'dark' } as const;

/** The Webitel directory's columns: who, and live, whether they are online, in CC, registered and in what status. */
export const columns: Column[] = [
  { key: 'extension', label: 'users.extension', width: '6.5rem', render: (u) => u.sip?.extension ?? '' },
  { key: 'name', label: 'users.name', width: 'minmax(6.5rem, 2fr)', render: (u) => `${u.firstName} ${u.lastName}`.trim() },
  { key: 'login', label: 'users.login', width: 'minmax(6rem, 1.5fr)', render: (u) => <Link to={`/users/${u.id}`}>{u.login}</Link> },
  { key: 'roles', label: 'users.roles', width: 'minmax(5rem, 1fr)', render: (u) => u.roles.join(', ') },
  { key: 'groups', label: 'users.groups', width: 'minmax(5rem, 1fr)', render: (u) => u.groups.join(', ') },
  { key: 'agent', label: 'users.agent', width: '4.5rem', render: (u, _p, t) => (u.agent.enabled ? t('users.yes') : t('users.no')) },
  {
    key: 'online',
    label: 'users.online',
    width: '4.5rem',
    render: (_u, p, t) =>
      p?.online ? (
        <Badge color="teal">{t('users.yes')}</Badge>
      ) : (
        <Badge color="dark" variant="outline">
          {t('users.no')}
        </Badge>
      ),
  },
  { key: 'cc', label: 'users.cc', width: '3rem', render: (_u, p, t) => (p?.cc.loggedIn ? t('users.yes') : t('users.no')) },
  {
    key: 'state',
    label: 'users.state',
    width: '9rem',
    render: (_u, p, t) => {
      const contacts = p?.registration.contacts ?? [];
      if (!p?.registration.registered)
        return (
          <Badge variant="outline" color="dark">
            {t('users.notRegistered')}
          </Badge>
        );
      return (
        <Tooltip label={contacts.map((c) => `${c.userAgent ?? '?'} · ${c.source} (${c.transport})`).join('\n')} multiline style={{ whiteSpace: 'pre-line' }}>
          <Badge color="blue" tabIndex={0}>
            {t('users.registered')}
          </Badge>
        </Tooltip>
      );
    },
  },
  {
    key: 'status',
    label: 'users.status',
    width: '10rem',
    render: (_u, p, t) => {
      // Out of contact-center mode a user is offline, whatever status it last set: as the API's ?status= filter and the dashboard count it.
      const working = p?.cc.loggedIn ? p : undefined;
      const value = working?.status.value ?? 'offline';
      return (
        <span data-status={value}>
          <Badge color={statusColor[value]}>{t(`users.statuses.${value}`)}</Badge> {working?.status.reason ?? ''}{' '}
          {p && <TimeSince since={working ? working.status.since : p.cc.since} />}
        </span>
      );
    },
  },
  { key: 'description', label: 'users.description', width: 'minmax(6rem, 1fr)', render: (u) => u.description ?? '' },
  { key: 'actions', label: 'users.actions', width: '4.5rem', render: (u, p) => <RowActions user={u} presence={p} /> },
];

const day = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleDateString(i18n.language, { dateStyle: 'medium' }) : '');

/** The deleted users: who, when they were deleted and when they go for good; no live state. */
export const deletedColumns: Column[] = [
  ...columns.filter((c) => ['extension', 'name', 'login', 'roles', 'groups'].includes(c.key)),
  { key: 'deletedAt', label: 'users.deletedAt', width: '9rem', render: (u) => day(u.deletedAt) },
  { key: 'purgeAt', label: 'users.purgeAt', width: '10rem', render: (u) => day(u.purgeAt) },
  ...columns.filter((c) => ['description', 'actions'].includes(c.key)),
];
