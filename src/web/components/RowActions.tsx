import { ActionIcon, Button, Group, Menu, Modal, Select, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { statusChoices, type StatusChoice } from '../../server/presence/rules.ts';
import { notifyDone, notifyRefused } from '../api/action.ts';
import { api, ApiProblem } from '../api/client.ts';
import type { Presence } from '../api/events.ts';
import { useList } from '../api/lists.ts';
import { may, useMe } from '../api/session.ts';

/** What a row's actions need of its user. */
export interface RowUser {
  id: string;
  login: string;
  agent: { enabled: boolean };
  deletedAt: string | null;
}

type Dialog = 'break' | 'delete' | null;

/**
 * A row's actions: a plain button until it is pressed, so that rows scrolled past carry no menu
 * machinery; pressed, the menu of what the user may do opens at it. A break asks its reason and a
 * delete its confirmation in a dialog that outlives the menu.
 */
export function RowActions({ user, presence }: { user: RowUser; presence?: Presence }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [dialog, setDialog] = useState<Dialog>(null);
  const label = t('actions.for', { login: user.login });
  return (
    <>
      {open ? (
        <RowMenu user={user} presence={presence} label={label} onClose={() => setOpen(false)} onDialog={setDialog} />
      ) : (
        <ActionIcon variant="subtle" color="dark" aria-label={label} aria-haspopup="menu" onClick={() => setOpen(true)}>
          ⋯
        </ActionIcon>
      )}
      {dialog === 'break' && <BreakDialog user={user} onClose={() => setDialog(null)} />}
      {dialog === 'delete' && <DeleteDialog user={user} onClose={() => setDialog(null)} />}
    </>
  );
}

/** A write about one user: says that it worked, or what the API refused, and refreshes the list when it changed. */
function useUserWrite(user: RowUser) {
  const domain = useMe().data?.user.domain;
  const client = useQueryClient();
  return async (method: string, suffix: string, body: unknown, done: string, refreshList = false): Promise<boolean> => {
    try {
      await api(method, `/api/v1/domains/${domain}/users/${user.id}${suffix}`, body);
      notifyDone(done);
      if (refreshList) await client.invalidateQueries({ queryKey: ['users'] });
      await client.invalidateQueries({ queryKey: ['user', domain, user.id] });
      return true;
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      notifyRefused(error, user.login);
      return false;
    }
  };
}

/** Open or edit, the statuses the presence rules allow now, sign out everywhere, delete or restore — only those the user may do. */
function RowMenu({
  user,
  presence,
  label,
  onClose,
  onDialog,
}: {
  user: RowUser;
  presence?: Presence;
  label: string;
  onClose: () => void;
  onDialog: (dialog: Dialog) => void;
}) {
  const { t } = useTranslation();
  const me = useMe().data;
  const navigate = useNavigate();
  const write = useUserWrite(user);
  const deleted = user.deletedAt !== null;
  const choices =
    deleted || !may(me, 'users:force-status')
      ? []
      : statusChoices({ agent: user.agent.enabled, cc: presence?.cc ?? { loggedIn: false }, status: presence?.status ?? { value: 'offline' } });
  const choose = (choice: StatusChoice) => {
    if (choice === 'break') return onDialog('break');
    if (choice === 'cc-login') return void write('POST', '/cc/login', undefined, t('actions.ccLoggedIn', { login: user.login }));
    if (choice === 'cc-logout') return void write('POST', '/cc/logout', undefined, t('actions.ccLoggedOut', { login: user.login }));
    void write('PUT', '/status', { status: choice }, t('actions.statusSet', { login: user.login, status: t(`users.statuses.${choice}`) }));
  };
  const choiceLabel = (choice: StatusChoice) =>
    ({
      'cc-login': t('workspace.ccLogin'),
      'cc-logout': t('workspace.ccLogout'),
      available: t('users.statuses.available'),
      break: t('actions.takeBreak'),
      dnd: t('users.statuses.dnd'),
    })[choice];
  return (
    <Menu position="bottom-end" withinPortal defaultOpened onClose={onClose}>
      <Menu.Target>
        <ActionIcon variant="subtle" color="dark" aria-label={label}>
          ⋯
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item onClick={() => navigate(`/users/${user.id}`)}>{!deleted && may(me, 'users:update') ? t('actions.edit') : t('actions.open')}</Menu.Item>
        {choices.length > 0 && (
          <>
            <Menu.Label>{t('actions.forceStatus')}</Menu.Label>
            {choices.map((choice) => (
              <Menu.Item key={choice} onClick={() => choose(choice)}>
                {choiceLabel(choice)}
              </Menu.Item>
            ))}
          </>
        )}
        {!deleted && may(me, 'users:update') && (
          <Menu.Item onClick={() => void write('DELETE', '/sessions', undefined, t('actions.signedOut', { login: user.login }))}>
            {t('actions.signOut')}
          </Menu.Item>
        )}
        {!deleted && may(me, 'users:delete') && (
          <Menu.Item color="red" onClick={() => onDialog('delete')}>
            {t('actions.delete')}
          </Menu.Item>
        )}
        {deleted && may(me, 'users:restore') && (
          <Menu.Item onClick={() => void write('POST', '/restore', undefined, t('actions.restored', { login: user.login }), true)}>
            {t('actions.restore')}
          </Menu.Item>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}

/** A break forced on an agent, with a pause reason of the domain's catalog (when it has any). */
function BreakDialog({ user, onClose }: { user: RowUser; onClose: () => void }) {
  const { t } = useTranslation();
  const me = useMe().data;
  const reasons = useList(me?.user.domain, 'pause-reasons', may(me, 'catalogs:read'));
  const names = (reasons.data?.items ?? []).map((r) => r.name);
  const [reason, setReason] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const write = useUserWrite(user);
  const submit = async () => {
    setBusy(true);
    const status = `${t('users.statuses.break')}${reason ? ` · ${reason}` : ''}`;
    if (await write('PUT', '/status', { status: 'break', ...(reason ? { reason } : {}) }, t('actions.statusSet', { login: user.login, status }))) onClose();
    setBusy(false);
  };
  return (
    <Modal opened onClose={onClose} title={t('actions.breakTitle', { login: user.login })} closeButtonProps={{ 'aria-label': t('app.closeDialog') }}>
      <Stack>
        {reasons.isLoading ? null : names.length ? (
          <Select label={t('workspace.reason')} data={names} value={reason} onChange={setReason} required data-autofocus />
        ) : (
          <Text>{t('actions.noReasons')}</Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('actions.cancel')}
          </Button>
          <Button color="yellow" loading={busy} disabled={reasons.isLoading || (names.length > 0 && !reason)} onClick={() => void submit()}>
            {t('actions.breakSubmit')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The delete, confirmed: the user can be restored later, and the notice says where. */
function DeleteDialog({ user, onClose }: { user: RowUser; onClose: () => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const write = useUserWrite(user);
  const submit = async () => {
    setBusy(true);
    if (await write('DELETE', '', undefined, t('actions.deleted', { login: user.login }), true)) onClose();
    setBusy(false);
  };
  return (
    <Modal opened onClose={onClose} title={t('actions.delete')} closeButtonProps={{ 'aria-label': t('app.closeDialog') }}>
      <Stack>
        <Text>{t('actions.deleteConfirm', { login: user.login })}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('actions.cancel')}
          </Button>
          <Button color="red" loading={busy} onClick={() => void submit()}>
            {t('actions.delete')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
