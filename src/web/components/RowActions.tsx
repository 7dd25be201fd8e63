import { ActionIcon, Menu } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, ApiProblem } from '../api/client.ts';
import { may, useMe } from '../api/session.ts';

const statuses = ['available', 'break', 'dnd'] as const;

/**
 * A row's actions: a plain button until it is pressed, so that rows scrolled past carry no menu
 * machinery; pressed, the menu of what the user may do opens at it.
 */
export function RowActions({ user }: { user: { id: string; login: string } }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const label = t('actions.for', { login: user.login });
  if (!open) {
    return (
      <ActionIcon variant="subtle" color="dark" aria-label={label} aria-haspopup="menu" onClick={() => setOpen(true)}>
        ⋯
      </ActionIcon>
    );
  }
  return <RowMenu user={user} label={label} onClose={() => setOpen(false)} />;
}

/** Edit, force a status, sign out everywhere, delete — only those the user may do. */
function RowMenu({ user, label, onClose }: { user: { id: string; login: string }; label: string; onClose: () => void }) {
  const { t } = useTranslation();
  const me = useMe().data;
  const navigate = useNavigate();
  const client = useQueryClient();
  const path = `/api/v1/domains/${me?.user.domain}/users/${user.id}`;
  const run = async (method: string, suffix: string, body?: unknown) => {
    try {
      await api(method, `${path}${suffix}`, body);
      await client.invalidateQueries({ queryKey: ['users'] });
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      window.alert(error.detail);
    }
  };
  return (
    <Menu position="bottom-end" withinPortal defaultOpened onClose={onClose}>
      <Menu.Target>
        <ActionIcon variant="subtle" color="dark" aria-label={label}>
          ⋯
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item onClick={() => navigate(`/users/${user.id}`)}>{t('actions.edit')}</Menu.Item>
        {may(me, 'users:force-status') && (
          <>
            <Menu.Label>{t('actions.forceStatus')}</Menu.Label>
            {statuses.map((status) => (
              <Menu.Item key={status} onClick={() => void run('PUT', '/status', { status })}>
                {t(`users.statuses.${status}`)}
              </Menu.Item>
            ))}
          </>
        )}
        {may(me, 'users:update') && <Menu.Item onClick={() => void run('DELETE', '/sessions')}>{t('actions.signOut')}</Menu.Item>}
        {may(me, 'users:delete') && (
          <Menu.Item color="red" onClick={() => window.confirm(t('actions.deleteConfirm', { login: user.login })) && void run('DELETE', '')}>
            {t('actions.delete')}
          </Menu.Item>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}
