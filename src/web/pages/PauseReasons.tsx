import { Alert, Button, Card, Group, Modal, NumberInput, SimpleGrid, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAction } from '../api/action.ts';
import { api } from '../api/client.ts';
import { listKey, useList } from '../api/lists.ts';
import { may, useMe } from '../api/session.ts';

interface PauseReason {
  name: string;
  description: string | null;
  maxDuration: number | null;
}
interface Draft {
  name: string;
  description: string;
  minutes: number | string;
}

const draftOf = (r?: PauseReason): Draft => ({ name: r?.name ?? '', description: r?.description ?? '', minutes: r?.maxDuration ? r.maxDuration / 60 : '' });
/** The API keeps seconds; people think of a break in minutes. Empty: no limit. */
const bodyOf = (d: Draft) => ({
  name: d.name.trim(),
  description: d.description.trim() || null,
  maxDuration: d.minutes === '' ? null : Math.round(Number(d.minutes) * 60),
});

/**
 * The domain's pause reasons (lunch, training, …), each with an optional maximum duration: a
 * break that lasts longer is flagged overdue on the users list. Added, changed and removed here.
 */
export function PauseReasons() {
  const { t } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const reasons = useList<PauseReason>(domain, 'pause-reasons');
  const manage = may(me, 'catalogs:manage');
  const [draft, setDraft] = useState<Draft>(draftOf());
  const [editing, setEditing] = useState<{ was: PauseReason; draft: Draft } | null>(null);
  const add = useAction(listKey(domain, 'pause-reasons'));
  const change = useAction(listKey(domain, 'pause-reasons'));
  const base = `/api/v1/domains/${domain}/pause-reasons`;
  const minutesError = (problem: ReturnType<typeof useAction>['problem']) => (problem?.at('maxDuration') ? t('pauseReasons.minutesRange') : undefined);

  const create = async () => {
    const body = bodyOf(draft);
    if (await add.run(() => api('POST', base, body), t('pauseReasons.created', { name: body.name }))) setDraft(draftOf());
  };
  const save = async () => {
    if (!editing) return;
    const body = bodyOf(editing.draft);
    if (await change.run(() => api('PATCH', `${base}/${encodeURIComponent(editing.was.name)}`, body), t('pauseReasons.saved', { name: body.name })))
      setEditing(null);
  };
  const remove = async (reason: PauseReason) => {
    await add.run(() => api('DELETE', `${base}/${encodeURIComponent(reason.name)}`), t('pauseReasons.deleted', { name: reason.name }));
  };
  const limit = (r: PauseReason) => (r.maxDuration ? t('pauseReasons.minutesValue', { count: Math.round(r.maxDuration / 60) }) : t('pauseReasons.noLimit'));

  return (
    <Stack maw={960}>
      <Title order={1} size="h2">
        {t('catalogs.pause-reasons')}
      </Title>
      <Text c="dimmed" size="sm">
        {t('pauseReasons.intro')}
      </Text>
      {add.problem && (
        <Alert color="red" role="alert">
          {add.said}
        </Alert>
      )}
      {manage && (
        <Card withBorder component="form" aria-label={t('pauseReasons.new')} onSubmit={(e) => (e.preventDefault(), void create())}>
          <Title order={2} size="h5" mb="xs">
            {t('pauseReasons.new')}
          </Title>
          <SimpleGrid cols={{ base: 1, md: 3 }}>
            <TextInput
              label={t('catalogs.name')}
              required
              value={draft.name}
              onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
              error={add.problem?.at('name')}
            />
            <TextInput
              label={t('card.description')}
              value={draft.description}
              onChange={(e) => setDraft({ ...draft, description: e.currentTarget.value })}
              error={add.problem?.at('description')}
            />
            <NumberInput
              label={t('pauseReasons.maxMinutes')}
              description={t('pauseReasons.maxHint')}
              min={1}
              max={1440}
              allowDecimal={false}
              clampBehavior="none"
              value={draft.minutes}
              onChange={(minutes) => setDraft({ ...draft, minutes })}
              error={minutesError(add.problem)}
            />
          </SimpleGrid>
          <Group justify="flex-end" mt="sm">
            <Button type="submit" disabled={!draft.name.trim()}>
              {t('catalogs.add')}
            </Button>
          </Group>
        </Card>
      )}
      <Table striped aria-label={t('catalogs.pause-reasons')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('catalogs.name')}</Table.Th>
            <Table.Th>{t('card.description')}</Table.Th>
            <Table.Th>{t('pauseReasons.maxDuration')}</Table.Th>
            <Table.Th w={200}>
              <VisuallyHidden>{t('users.actions')}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(reasons.data?.items ?? []).map((r) => (
            <Table.Tr key={r.name} data-reason={r.name}>
              <Table.Td fw={600}>{r.name}</Table.Td>
              <Table.Td>{r.description ?? ''}</Table.Td>
              <Table.Td>{limit(r)}</Table.Td>
              <Table.Td ta="right">
                {manage && (
                  <Group gap="xs" justify="flex-end" wrap="nowrap">
                    <Button
                      size="xs"
                      variant="default"
                      aria-label={t('pauseReasons.editNamed', { name: r.name })}
                      onClick={() => setEditing({ was: r, draft: draftOf(r) })}
                    >
                      {t('actions.edit')}
                    </Button>
                    <Button
                      size="xs"
                      variant="outline"
                      color="red.9"
                      aria-label={t('pauseReasons.deleteNamed', { name: r.name })}
                      onClick={() => void remove(r)}
                    >
                      {t('actions.delete')}
                    </Button>
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {reasons.isSuccess && reasons.data.items.length === 0 && <Text c="dimmed">{t('pauseReasons.none')}</Text>}
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={t('pauseReasons.editNamed', { name: editing?.was.name ?? '' })}
        closeButtonProps={{ 'aria-label': t('app.closeDialog') }}
      >
        {editing && (
          <Stack component="form" onSubmit={(e) => (e.preventDefault(), void save())}>
            {change.problem && !change.problem.errors.length && <Text c="red.9">{change.said}</Text>}
            <TextInput
              label={t('catalogs.name')}
              required
              value={editing.draft.name}
              onChange={(e) => setEditing({ ...editing, draft: { ...editing.draft, name: e.currentTarget.value } })}
              error={change.problem?.at('name')}
              data-autofocus
            />
            <TextInput
              label={t('card.description')}
              value={editing.draft.description}
              onChange={(e) => setEditing({ ...editing, draft: { ...editing.draft, description: e.currentTarget.value } })}
            />
            <NumberInput
              label={t('pauseReasons.maxMinutes')}
              description={t('pauseReasons.maxHint')}
              min={1}
              max={1440}
              allowDecimal={false}
              clampBehavior="none"
              value={editing.draft.minutes}
              onChange={(minutes) => setEditing({ ...editing, draft: { ...editing.draft, minutes } })}
              error={minutesError(change.problem)}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setEditing(null)}>
                {t('bulk.cancel')}
              </Button>
              <Button type="submit" disabled={!editing.draft.name.trim()}>
                {t('card.save')}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}
