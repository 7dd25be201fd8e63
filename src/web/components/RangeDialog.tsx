import { Alert, Button, Checkbox, Group, Modal, MultiSelect, Select, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiProblem } from '../api/client.ts';
import { useNames } from '../api/lists.ts';
import { problemUnder, SkillPicker, TimerFields, timersOf, type SkillLevels, type Timers } from './AgentFields.tsx';

interface RangeResult {
  created: { login: string; extension: string; sipUsername: string; sipSecret: string; password?: string }[];
  skipped: { number: string; reason: string }[];
}

const csvOf = (result: RangeResult) =>
  [
    ['login', 'extension', 'sipUsername', 'sipSecret', 'password'],
    ...result.created.map((u) => [u.login, u.extension, u.sipUsername, u.sipSecret, u.password ?? '']),
  ]
    .map((row) => row.join(','))
    .join('\n');

/**
 * Webitel's "Multi": one user per number of a range from a template. The secrets are shown once,
 * here, with a CSV to download; taken numbers are listed, and skipped only when asked.
 */
export function RangeDialog({ domain }: { domain: string | undefined }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [opened, setOpened] = useState(false);
  const [form, setForm] = useState({
    from: '',
    to: '',
    namePattern: 'Agent {n}',
    roles: ['agent'],
    groups: [] as string[],
    tags: [] as string[],
    licenses: [] as string[],
    skills: [] as SkillLevels,
    timers: {} as Timers,
    connection: 'webrtc',
    agent: true,
    skipTaken: false,
    webPasswords: false,
  });
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [result, setResult] = useState<RangeResult | null>(null);
  const [busy, setBusy] = useState(false);
  const roles = useNames(domain, 'roles', opened);
  const groups = useNames(domain, 'groups', opened);
  const tags = useNames(domain, 'tags', opened);
  const skills = useNames(domain, 'skills', opened);
  const licenses = useNames(domain, 'licenses', opened);
  const at = (path: string) => problem?.at(path);
  const under = (prefix: string) => problemUnder(problem, prefix);

  const create = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const made = await api<RangeResult>('POST', `/api/v1/domains/${domain}/users/range`, {
        from: form.from,
        to: form.to,
        namePattern: form.namePattern,
        onConflict: form.skipTaken ? 'skip' : 'fail',
        webPasswords: form.webPasswords,
        template: {
          roles: form.roles,
          groups: form.groups,
          tags: form.tags,
          licenses: form.licenses,
          sip: { connection: form.connection },
          agent: form.agent
            ? { enabled: true, skills: form.skills.map((s) => ({ skill: s.skill, level: Number(s.level) })), ...timersOf(form.timers) }
            : { enabled: false },
        },
      });
      setResult(made);
      await client.invalidateQueries({ queryKey: ['users'] });
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      setProblem(error);
    } finally {
      setBusy(false);
    }
  };
  const close = () => {
    setOpened(false);
    setResult(null);
    setProblem(null);
  };

  return (
    <>
      <Button variant="default" onClick={() => setOpened(true)}>
        {t('range.open')}
      </Button>
      <Modal opened={opened} onClose={close} title={t('range.title')} size="xl" closeButtonProps={{ 'aria-label': t('app.closeDialog') }}>
        {result ? (
          <Stack>
            <Alert color="green">{t('range.created', { count: result.created.length, skipped: result.skipped.length })}</Alert>
            <Text size="sm">{t('range.secretsOnce')}</Text>
            <Button component="a" href={`data:text/csv;charset=utf-8,${encodeURIComponent(csvOf(result))}`} download="range-secrets.csv" variant="default">
              {t('range.download')}
            </Button>
            <Table striped aria-label={t('range.secrets')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('users.login')}</Table.Th>
                  <Table.Th>{t('users.extension')}</Table.Th>
                  <Table.Th>{t('range.secret')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {result.created.slice(0, 50).map((u) => (
                  <Table.Tr key={u.login}>
                    <Table.Td>{u.login}</Table.Td>
                    <Table.Td>{u.extension}</Table.Td>
                    <Table.Td>
                      <code>{u.sipSecret}</code>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Group justify="flex-end">
              <Button onClick={close}>{t('card.close')}</Button>
            </Group>
          </Stack>
        ) : (
          <Stack>
            {problem && (
              <Alert color="red" role="alert">
                {[problem.detail, ...problem.errors.slice(0, 5).map((e) => e.message)].join(' · ')}
              </Alert>
            )}
            <SimpleGrid cols={2}>
              <TextInput
                label={t('range.from')}
                value={form.from}
                onChange={(e) => setForm({ ...form, from: e.currentTarget.value })}
                error={at('from')}
                inputMode="numeric"
                required
              />
              <TextInput
                label={t('range.to')}
                value={form.to}
                onChange={(e) => setForm({ ...form, to: e.currentTarget.value })}
                error={at('to')}
                inputMode="numeric"
                required
              />
              <TextInput
                label={t('range.namePattern')}
                value={form.namePattern}
                onChange={(e) => setForm({ ...form, namePattern: e.currentTarget.value })}
                description={t('range.namePatternHint')}
              />
              <Select
                label={t('card.connection')}
                data={['webrtc', 'pbx', 'custom']}
                value={form.connection}
                onChange={(v) => setForm({ ...form, connection: v ?? 'webrtc' })}
                allowDeselect={false}
              />
              <MultiSelect
                label={t('card.roles')}
                data={roles}
                value={form.roles}
                onChange={(v) => setForm({ ...form, roles: v })}
                error={under('template/roles')}
                searchable
              />
              <MultiSelect
                label={t('card.groups')}
                data={groups}
                value={form.groups}
                onChange={(v) => setForm({ ...form, groups: v })}
                error={under('template/groups')}
                searchable
              />
              <MultiSelect
                label={t('card.tags')}
                data={tags}
                value={form.tags}
                onChange={(v) => setForm({ ...form, tags: v })}
                error={under('template/tags')}
                searchable
              />
              <MultiSelect
                label={t('card.licenses')}
                description={t('range.licensesHint')}
                data={licenses}
                value={form.licenses}
                onChange={(v) => setForm({ ...form, licenses: v })}
                error={under('template/licenses')}
                searchable
              />
            </SimpleGrid>
            <Checkbox label={t('card.isAgent')} checked={form.agent} onChange={(e) => setForm({ ...form, agent: e.currentTarget.checked })} />
            {form.agent && (
              <>
                <SkillPicker
                  label={t('card.skills')}
                  skills={skills}
                  value={form.skills}
                  onChange={(v) => setForm({ ...form, skills: v })}
                  error={under('template/agent/skills')}
                />
                <TimerFields
                  value={form.timers}
                  onChange={(v) => setForm({ ...form, timers: v })}
                  problem={problem}
                  prefix="template/agent"
                  hint={t('range.timersHint')}
                />
              </>
            )}
            <Checkbox label={t('range.skipTaken')} checked={form.skipTaken} onChange={(e) => setForm({ ...form, skipTaken: e.currentTarget.checked })} />
            <Checkbox
              label={t('range.webPasswords')}
              checked={form.webPasswords}
              onChange={(e) => setForm({ ...form, webPasswords: e.currentTarget.checked })}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                {t('bulk.cancel')}
              </Button>
              <Button loading={busy} onClick={() => void create()}>
                {t('range.create')}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}
