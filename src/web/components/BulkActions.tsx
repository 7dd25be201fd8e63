import { Alert, Button, Group, Modal, MultiSelect, Select, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiProblem } from '../api/client.ts';
import { useNames } from '../api/lists.ts';
import { may, useMe } from '../api/session.ts';
import { noticeDone } from './notice.ts';

/** Which users a bulk operation acts on: the ones ticked, or all that match the list's filter. */
export type BulkTarget = { ids: string[] } | { filter: Record<string, unknown> };

/**
 * The bar over a selection: edit (groups, roles, active) and delete, each confirmed with the
 * number of users it acts on. A delete whose count no longer matches is refused by the server,
 * which says how many match now; the dialog shows that and asks again. Over deleted users: restore.
 */
export function BulkActions({ domain, deleted = false, target, count, onDone }: { domain: string; deleted?: boolean; target: BulkTarget; count: number; onDone: () => void }) {
  const { t } = useTranslation();
  const me = useMe().data;
  const client = useQueryClient();
  const [dialog, setDialog] = useState<'edit' | 'delete' | 'restore' | null>(null);
  const [confirmCount, setConfirmCount] = useState(count);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [edit, setEdit] = useState({ addGroups: [] as string[], removeGroups: [] as string[], addRoles: [] as string[], removeRoles: [] as string[], active: 'unchanged' });
  const groups = useNames(domain, 'groups');
  const roles = useNames(domain, 'roles');

  const open = (which: 'edit' | 'delete' | 'restore') => {
    setConfirmCount(count);
    setProblem(null);
    setDialog(which);
  };
  const finish = async (done: string) => {
    setDialog(null);
    noticeDone(done);
    await client.invalidateQueries({ queryKey: ['users'] });
    onDone();
  };
  const run = async (action: () => Promise<{ count: number }>, done: 'bulk.deleted' | 'bulk.changed' | 'bulk.restored') => {
    setBusy(true);
    try {
      const { count: acted } = await action();
      await finish(t(done, { count: acted }));
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      if (error.code === 'bulk.count_mismatch') setConfirmCount(Number(/\d+/.exec(error.errors[0]?.message ?? '')?.[0] ?? count));
      setProblem(error.code === 'bulk.count_mismatch' ? t('bulk.countChanged') : [error.detail, ...error.errors.map((e) => e.message)].join(' · '));
    } finally {
      setBusy(false);
    }
  };
  const remove = () => run(() => api('POST', `/api/v1/domains/${domain}/users/bulk-delete`, { ...target, confirm: confirmCount }), 'bulk.deleted');
  const restore = () => run(() => api('POST', `/api/v1/domains/${domain}/users/bulk-restore`, target), 'bulk.restored');
  const change = () =>
    run(
      () =>
        api('POST', `/api/v1/domains/${domain}/users/bulk`, {
          ...target,
          add: { ...(edit.addGroups.length ? { groups: edit.addGroups } : {}), ...(edit.addRoles.length ? { roles: edit.addRoles } : {}) },
          remove: { ...(edit.removeGroups.length ? { groups: edit.removeGroups } : {}), ...(edit.removeRoles.length ? { roles: edit.removeRoles } : {}) },
          set: edit.active === 'unchanged' ? {} : { active: edit.active === 'active' },
        }),
      'bulk.changed',
    );

  return (
    <Group role="toolbar" aria-label={t('bulk.toolbar')}>
      <Text size="sm">{t('bulk.selected', { count })}</Text>
      {deleted && may(me, 'users:restore') && (
        <Button size="xs" variant="default" onClick={() => open('restore')}>
          {t('bulk.restore')}
        </Button>
      )}
      {!deleted && may(me, 'users:update') && (
        <Button size="xs" variant="default" onClick={() => open('edit')}>
          {t('bulk.edit')}
        </Button>
      )}
      {!deleted && may(me, 'users:delete') && (
        <Button size="xs" color="red" variant="light" onClick={() => open('delete')}>
          {t('bulk.delete')}
        </Button>
      )}
      <Modal opened={dialog === 'restore'} onClose={() => setDialog(null)} title={t('bulk.restoreTitle')} closeButtonProps={{ 'aria-label': t('card.close') }}>
        <Stack>
          {problem && <Alert color="red" role="alert">{problem}</Alert>}
          <Text>{t('bulk.restoreConfirm', { count })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDialog(null)}>
              {t('bulk.cancel')}
            </Button>
            <Button loading={busy} onClick={() => void restore()}>
              {t('bulk.restoreN', { count })}
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Modal opened={dialog === 'delete'} onClose={() => setDialog(null)} title={t('bulk.deleteTitle')} closeButtonProps={{ 'aria-label': t('card.close') }}>
        <Stack>
          {problem && <Alert color="yellow" role="alert">{problem}</Alert>}
          <Text>{t('bulk.deleteConfirm', { count: confirmCount })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDialog(null)}>
              {t('bulk.cancel')}
            </Button>
            <Button color="red" loading={busy} onClick={() => void remove()}>
              {t('bulk.deleteN', { count: confirmCount })}
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Modal opened={dialog === 'edit'} onClose={() => setDialog(null)} title={t('bulk.editTitle', { count })} size="lg" closeButtonProps={{ 'aria-label': t('card.close') }}>
        <Stack>
          {problem && <Alert color="red" role="alert">{problem}</Alert>}
          <MultiSelect label={t('bulk.addGroups')} data={groups} value={edit.addGroups} onChange={(v) => setEdit({ ...edit, addGroups: v })} searchable />
          <MultiSelect label={t('bulk.removeGroups')} data={groups} value={edit.removeGroups} onChange={(v) => setEdit({ ...edit, removeGroups: v })} searchable />
          <MultiSelect label={t('bulk.addRoles')} data={roles} value={edit.addRoles} onChange={(v) => setEdit({ ...edit, addRoles: v })} searchable />
          <MultiSelect label={t('bulk.removeRoles')} data={roles} value={edit.removeRoles} onChange={(v) => setEdit({ ...edit, removeRoles: v })} searchable />
          <Select
            label={t('bulk.active')}
            data={[
              { value: 'unchanged', label: t('bulk.unchanged') },
              { value: 'active', label: t('bulk.makeActive') },
              { value: 'inactive', label: t('bulk.makeInactive') },
            ]}
            value={edit.active}
            onChange={(v) => setEdit({ ...edit, active: v ?? 'unchanged' })}
            allowDeselect={false}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDialog(null)}>
              {t('bulk.cancel')}
            </Button>
            <Button loading={busy} onClick={() => void change()}>
              {t('bulk.apply', { count })}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Group>
  );
}
