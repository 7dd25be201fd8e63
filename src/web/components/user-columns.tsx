import { Badge, Tooltip } from '@mantine/core';
import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
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
  { key: 'extension', label: 'users.extension', width: '6rem', render: (u) => u.sip?.extension ?? '' },
  { key: 'name', label: 'users.name', width: 'minmax(10rem, 2fr)', render: (u) => `${u.firstName} ${u.lastName}`.trim() },
  { key: 'login', label: 'users.login', width: 'minmax(8rem, 1.5fr)', render: (u) => <Link to={`/users/${u.id}`}>{u.login}</Link> },
  { key: 'roles', label: 'users.roles', width: 'minmax(8rem, 1.5fr)', render: (u) => u.roles.join(', ') },
  { key: 'agent', label: 'users.agent', width: '5rem', render: (u, _p, t) => (u.agent.enabled ? t('users.yes') : t('users.no')) },
  { key: 'online', label: 'users.online', width: '5rem', render: (_u, p, t) => (p?.online ? <Badge color="teal">{t('users.yes')}</Badge> : <Badge color="dark" variant="outline">{t('users.no')}</Badge>) },
  { key: 'cc', label: 'users.cc', width: '5rem', render: (_u, p, t) => (p?.cc.loggedIn ? t('users.yes') : t('users.no')) },
  {
    key: 'state',
    label: 'users.state',
    width: '9rem',
    render: (_u, p, t) => {
      const contacts = p?.registration.contacts ?? [];
      if (!p?.registration.registered) return <Badge variant="outline" color="dark">{t('users.notRegistered')}</Badge>;
      return (
        <Tooltip label={contacts.map((c) => `${c.userAgent ?? '?'} · ${c.source} (${c.transport})`).join('\n')} multiline>
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
    width: '11rem',
    render: (_u, p, t) => {
      const value = p?.status.value ?? 'offline';
      return (
        <span data-status={value}>
          <Badge color={statusColor[value]}>{t(`users.statuses.${value}`)}</Badge> {p?.status.reason ?? ''} {p && <TimeSince since={p.status.since} />}
        </span>
      );
    },
  },
  { key: 'description', label: 'users.description', width: 'minmax(4rem, 1fr)', render: (u) => u.description ?? '' },
  { key: 'actions', label: 'users.actions', width: '3rem', render: (u) => <RowActions user={u} /> },
];
