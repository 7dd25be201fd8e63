import { Alert, Button, Divider, Group, Modal, MultiSelect, Select, SimpleGrid, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifyDone } from '../api/action.ts';
import { api, ApiProblem } from '../api/client.ts';
import { useNames } from '../api/lists.ts';
import { may, useMe } from '../api/session.ts';
import { problemUnder, SkillPicker, TimerFields, timersOf, type SkillLevels, type Timers } from './AgentFields.tsx';

/** Which users a bulk operation acts on: the ones ticked, or all that match the list's filter. */
export type BulkTarget = { ids: string[] } | { filter: Record<string, unknown> };

/**
 * The bar over a selection: edit (groups, roles, active) and delete, each confirmed with the
 * number of users it acts on. A delete whose count no longer matches is refused by the server,
 * which says how many match now; the dialog shows that and asks again. Over deleted users: restore.
 */
export function BulkActions({
  domain,
  deleted = false,
  target,
  count,
  onDone,
}: {
  domain: string;
  deleted?: boolean;
  target: BulkTarget;
  count: number;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const me = useMe().data;
  const client = useQueryClient();
  const [dialog, setDialog] = useState<'edit' | 'delete' | 'restore' | null>(null);
  const [confirmCount, setConfirmCount] = useState(count);
  const [problem, setProblem] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const blank = {
    addGroups: [] as string[],
    removeGroups: [] as string[],
    addRoles: [] as string[],
    removeRoles: [] as string[],
    addTags: [] as string[],
    removeTags: [] as string[],
    addLicenses: [] as string[],
    removeLicenses: [] as string[],
    addSkills: [] as SkillLevels,
    removeSkills: [] as string[],
    timers: {} as Timers,
    active: 'unchanged',
  };
  const [edit, setEdit] = useState(blank);
  const groups = useNames(domain, 'groups');
  const roles = useNames(domain, 'roles');
  const tags = useNames(domain, 'tags', dialog === 'edit');
  const skills = useNames(domain, 'skills', dialog === 'edit');
  const licenses = useNames(domain, 'licenses', dialog === 'edit' && may(me, 'licenses:read'));
  const under = (prefix: string) => problemUnder(refusal, prefix);

  const open = (which: 'edit' | 'delete' | 'restore') => {
    setConfirmCount(count);
    setProblem(null);
    setRefusal(null);
    setDialog(which);
  };
  const finish = async (done: string) => {
    setDialog(null);
    notifyDone(done);
    await client.invalidateQueries({ queryKey: ['users'] });
    onDone();
  };
  const run = async (action: () => Promise<{ count: number }>, done: 'bulk.deleted' | 'bulk.changed' | 'bulk.restored'): Promise<boolean> => {
    setBusy(true);
    try {
      const { count: acted } = await action();
      await finish(t(done, { count: acted }));
      return true;
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      setRefusal(error);
      if (error.code === 'bulk.count_mismatch') setConfirmCount(Number(/\d+/.exec(error.errors[0]?.message ?? '')?.[0] ?? count));
      setProblem(error.code === 'bulk.count_mismatch' ? t('bulk.countChanged') : [error.detail, ...error.errors.map((e) => e.message)].join(' · '));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const remove = () => run(() => api('POST', `/api/v1/domains/${domain}/users/bulk-delete`, { ...target, confirm: confirmCount }), 'bulk.deleted');
  const restore = () => run(() => api('POST', `/api/v1/domains/${domain}/users/bulk-restore`, target), 'bulk.restored');
  /** Only the lists that were given: an empty one changes nothing. */
  const given = (lists: Record<string, unknown[]>) => Object.fromEntries(Object.entries(lists).filter(([, v]) => v.length > 0));
  const change = () => {
    const timers = timersOf(edit.timers);
    return run(
      () =>
        api('POST', `/api/v1/domains/${domain}/users/bulk`, {
          ...target,
          add: given({
            groups: edit.addGroups,
            roles: edit.addRoles,
            tags: edit.addTags,
            licenses: edit.addLicenses,
            skills: edit.addSkills.map((s) => ({ skill: s.skill, level: Number(s.level) })),
          }),
          remove: given({
            groups: edit.removeGroups,
            roles: edit.removeRoles,
            tags: edit.removeTags,
            licenses: edit.removeLicenses,
            skills: edit.removeSkills,
          }),
          set: { ...(edit.active === 'unchanged' ? {} : { active: edit.active === 'active' }), ...(Object.keys(timers).length ? { agent: timers } : {}) },
        }),
      'bulk.changed',
    ).then((done) => done && setEdit(blank));
  };

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
      <Modal
        opened={dialog === 'restore'}
        onClose={() => setDialog(null)}
        title={t('bulk.restoreTitle')}
        closeButtonProps={{ 'aria-label': t('app.closeDialog') }}
      >
        <Stack>
          {problem && (
            <Alert color="red" role="alert">
              {problem}
            </Alert>
          )}
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
      <Modal
        opened={dialog === 'delete'}
        onClose={() => setDialog(null)}
        title={t('bulk.deleteTitle')}
        closeButtonProps={{ 'aria-label': t('app.closeDialog') }}
      >
        <Stack>
          {problem && (
            <Alert color="yellow" role="alert">
              {problem}
            </Alert>
          )}
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
      <Modal
        opened={dialog === 'edit'}
        onClose={() => setDialog(null)}
        title={t('bulk.editTitle', { count })}
        size="lg"
        closeButtonProps={{ 'aria-label': t('app.closeDialog') }}
      >
        <Stack>
          {problem && (
            <Alert color="red" role="alert">
              {problem}
            </Alert>
          )}
          <SimpleGrid cols={2} spacing="sm" verticalSpacing="xs">
            <MultiSelect
              label={t('bulk.addGroups')}
              data={groups}
              value={edit.addGroups}
              onChange={(v) => setEdit({ ...edit, addGroups: v })}
              searchable
              error={under('add/groups')}
            />
            <MultiSelect
              label={t('bulk.removeGroups')}
              data={groups}
              value={edit.removeGroups}
              onChange={(v) => setEdit({ ...edit, removeGroups: v })}
              searchable
              error={under('remove/groups')}
            />
            <MultiSelect
              label={t('bulk.addRoles')}
              data={roles}
              value={edit.addRoles}
              onChange={(v) => setEdit({ ...edit, addRoles: v })}
              searchable
              error={under('add/roles')}
            />
            <MultiSelect
              label={t('bulk.removeRoles')}
              data={roles}
              value={edit.removeRoles}
              onChange={(v) => setEdit({ ...edit, removeRoles: v })}
              searchable
              error={under('remove/roles')}
            />
            <MultiSelect
              label={t('bulk.addTags')}
              data={tags}
              value={edit.addTags}
              onChange={(v) => setEdit({ ...edit, addTags: v })}
              searchable
              error={under('add/tags')}
            />
            <MultiSelect
              label={t('bulk.removeTags')}
              data={tags}
              value={edit.removeTags}
              onChange={(v) => setEdit({ ...edit, removeTags: v })}
              searchable
              error={under('remove/tags')}
            />
            {may(me, 'licenses:assign') && (
              <>
                <MultiSelect
                  label={t('bulk.addLicenses')}
                  data={licenses}
                  value={edit.addLicenses}
                  onChange={(v) => setEdit({ ...edit, addLicenses: v })}
                  error={under('add/licenses')}
                  searchable
                />
                <MultiSelect
                  label={t('bulk.removeLicenses')}
                  data={licenses}
                  value={edit.removeLicenses}
                  onChange={(v) => setEdit({ ...edit, removeLicenses: v })}
                  error={under('remove/licenses')}
                  searchable
                />
              </>
            )}
            <SkillPicker
              label={t('bulk.addSkills')}
              skills={skills}
              value={edit.addSkills}
              onChange={(v) => setEdit({ ...edit, addSkills: v })}
              error={under('add/skills')}
            />
            <MultiSelect
              label={t('bulk.removeSkills')}
              data={skills}
              value={edit.removeSkills}
              onChange={(v) => setEdit({ ...edit, removeSkills: v })}
              searchable
              error={under('remove/skills')}
            />
          </SimpleGrid>
          <Divider />
          <TimerFields value={edit.timers} onChange={(v) => setEdit({ ...edit, timers: v })} problem={refusal} prefix="set/agent" hint={t('bulk.timersHint')} />
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
