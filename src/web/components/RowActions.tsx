import { ActionIcon, Menu } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, ApiProblem } from '../api/client.ts';
import { may, useMe } from '../api/session.ts';

const statuses = ['available', 'break', 'dnd'] as const;

/** A row's actions: edit, force a status, sign out everywhere, delete — only those the user may do. */
export function RowActions({ user }: { user: { id: string; login: string } }) {
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
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <ActionIcon variant="subtle" color="dark" aria-label={t('actions.for', { login: user.login })}>
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
