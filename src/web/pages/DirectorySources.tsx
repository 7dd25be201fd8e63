import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Modal,
  NumberInput,
  PasswordInput,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { directorySourceView, syncReport } from '../../server/directory-sources/schema.ts';
import { notifyRefused, useAction } from '../api/action.ts';
import { api, ApiProblem } from '../api/client.ts';
import { may, useMe } from '../api/session.ts';

type Source = z.infer<typeof directorySourceView>;
type Report = z.infer<typeof syncReport>;

interface Draft {
  name: string;
  url: string;
  startTls: boolean;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  userFilter: string;
  preset: 'activeDirectory' | 'openLdap';
  mappings: string;
  defaultRoles: string;
  scheduleMinutes: number | '';
}

/** A group mapping per line: the group's DN, then its Switchboard groups, then its roles, split by `|`, names by commas. */
const mappingsText = (source?: Source) => (source?.groupMappings ?? []).map((m) => [m.groupDn, m.groups.join(', '), m.roles.join(', ')].join(' | ')).join('\n');
const names = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
const mappingsOf = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const [groupDn, groups, roles] = line.split('|');
      return { groupDn: (groupDn ?? '').trim(), groups: names(groups), roles: names(roles) };
    });

const draftOf = (source?: Source): Draft => ({
  name: source?.name ?? '',
  url: source?.url ?? 'ldaps://',
  startTls: source?.startTls ?? false,
  bindDn: source?.bindDn ?? '',
  bindPassword: '',
  baseDn: source?.baseDn ?? '',
  userFilter: source?.userFilter ?? '',
  preset: source?.preset ?? 'activeDirectory',
  mappings: mappingsText(source),
  defaultRoles: (source?.defaultRoles ?? ['agent']).join(', '),
  scheduleMinutes: source?.scheduleMinutes ?? '',
});

const bodyOf = (d: Draft, editing: boolean) => ({
  name: d.name.trim(),
  url: d.url.trim(),
  startTls: d.startTls,
  bindDn: d.bindDn.trim(),
  // Write-only: an empty field on a change keeps the stored password.
  ...(d.bindPassword || !editing ? { bindPassword: d.bindPassword } : {}),
  baseDn: d.baseDn.trim(),
  ...(d.userFilter.trim() ? { userFilter: d.userFilter.trim() } : {}),
  preset: d.preset,
  groupMappings: mappingsOf(d.mappings),
  defaultRoles: names(d.defaultRoles),
  scheduleMinutes: d.scheduleMinutes === '' ? null : d.scheduleMinutes,
});

const sourcesKey = (domain: string | undefined) => ['directory-sources', domain] as const;

/**
 * The domain's LDAP and Active Directory sources: each is added, changed or removed here, tried
 * with a dry run and synced, and the sync's report (created, changed, deactivated, unchanged,
 * problems) read. Only holders of directory-sources:update see the writes.
 */
export function DirectorySources() {
  const { t } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const writer = may(me, 'directory-sources:update');
  const client = useQueryClient();
  const base = `/api/v1/domains/${domain}/directory-sources`;
  const sources = useQuery({ queryKey: sourcesKey(domain), enabled: Boolean(domain), queryFn: () => api<{ items: Source[] }>('GET', base) });
  const [form, setForm] = useState<{ editing: Source | null } | null>(null);
  const [deleting, setDeleting] = useState<Source | null>(null);
  const [report, setReport] = useState<{ source: Source; report: Report } | null>(null);
  const [syncing, setSyncing] = useState<string | null>(null);

  const sync = async (source: Source, dryRun: boolean) => {
    setSyncing(source.id);
    try {
      const answer = await api<Report>('POST', `${base}/${source.id}/sync?dryRun=${dryRun}`);
      setReport({ source, report: answer });
      await client.invalidateQueries({ queryKey: sourcesKey(domain) });
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      notifyRefused(error, source.name);
    } finally {
      setSyncing(null);
    }
  };
  const remove = async (source: Source) => {
    try {
      await api('DELETE', `${base}/${source.id}`);
      setDeleting(null);
      await client.invalidateQueries({ queryKey: sourcesKey(domain) });
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      notifyRefused(error, source.name);
    }
  };
  const items = sources.data?.items ?? [];

  return (
    <Stack maw={1200}>
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          {t('directorySources.title')}
        </Title>
        {writer && <Button onClick={() => setForm({ editing: null })}>{t('directorySources.new')}</Button>}
      </Group>
      <Text c="dimmed" size="sm">
        {t('directorySources.intro')}
      </Text>
      {sources.error instanceof ApiProblem && (
        <Alert color="red" role="alert">
          {sources.error.detail}
        </Alert>
      )}
      <Table striped aria-label={t('directorySources.title')} verticalSpacing="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('directorySources.name')}</Table.Th>
            <Table.Th>{t('directorySources.url')}</Table.Th>
            <Table.Th>{t('directorySources.schedule')}</Table.Th>
            <Table.Th>{t('directorySources.lastSync')}</Table.Th>
            <Table.Th w={360}>
              <VisuallyHidden>{t('users.actions')}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((source) => (
            <Table.Tr key={source.id} data-source={source.name}>
              <Table.Td>
                <Text fw={600} size="sm">
                  {source.name}
                </Text>
                <Badge variant="outline" color="dark">
                  {t(`directorySources.preset.${source.preset}`)}
                </Badge>
              </Table.Td>
              <Table.Td style={{ wordBreak: 'break-all' }}>
                <Code>{source.url}</Code>
                <Text size="xs" c="dimmed">
                  {source.baseDn}
                </Text>
              </Table.Td>
              <Table.Td>
                {source.scheduleMinutes === null ? t('directorySources.manual') : t('directorySources.every', { count: source.scheduleMinutes })}
              </Table.Td>
              <Table.Td>
                {source.lastSync ? (
                  <Text size="sm">
                    {new Date(source.lastSync.at).toLocaleString()} · {t('directorySources.counts', source.lastSync)}
                  </Text>
                ) : (
                  <Text size="sm" c="dimmed">
                    {t('directorySources.never')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {writer && (
                  <Group gap="xs" justify="flex-end" wrap="nowrap">
                    <Button size="xs" variant="default" loading={syncing === source.id} onClick={() => void sync(source, true)}>
                      {t('directorySources.dryRun')}
                    </Button>
                    <Button size="xs" loading={syncing === source.id} onClick={() => void sync(source, false)}>
                      {t('directorySources.sync')}
                    </Button>
                    <Button
                      size="xs"
                      variant="default"
                      aria-label={t('directorySources.editNamed', { name: source.name })}
                      onClick={() => setForm({ editing: source })}
                    >
                      {t('actions.edit')}
                    </Button>
                    <Button
                      size="xs"
                      variant="outline"
                      color="red.9"
                      aria-label={t('directorySources.deleteNamed', { name: source.name })}
                      onClick={() => setDeleting(source)}
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
      {sources.isSuccess && items.length === 0 && <Text c="dimmed">{t('directorySources.none')}</Text>}

      <Modal
        opened={form !== null}
        onClose={() => setForm(null)}
        title={form?.editing ? t('directorySources.editNamed', { name: form.editing.name }) : t('directorySources.new')}
        size="lg"
      >
        {form && <SourceForm key={form.editing?.id ?? 'new'} domain={domain} editing={form.editing} onClose={() => setForm(null)} />}
      </Modal>

      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={t('directorySources.deleteTitle')}>
        {deleting && (
          <Stack>
            <Text>{t('directorySources.deleteConfirm', { name: deleting.name })}</Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDeleting(null)} data-autofocus>
                {t('bulk.cancel')}
              </Button>
              <Button color="red.9" onClick={() => void remove(deleting)}>
                {t('actions.delete')}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>

      <Modal
        opened={report !== null}
        onClose={() => setReport(null)}
        title={report ? t('directorySources.reportOf', { name: report.source.name }) : ''}
        size="lg"
      >
        {report && <SyncReportView report={report.report} />}
      </Modal>
    </Stack>
  );
}

/** What a sync did, or a dry run would do: the counts, the first users of each kind, the entries left out. */
function SyncReportView({ report }: { report: Report }) {
  const { t } = useTranslation();
  return (
    <Stack>
      <Alert color={report.written ? 'teal' : 'blue'} role="status">
        {report.dryRun ? t('directorySources.dryRunDone') : t('directorySources.syncDone')} {t('directorySources.counts', report)}
      </Alert>
      {report.samples.created.length > 0 && <Text size="sm">{t('directorySources.created', { logins: report.samples.created.join(', ') })}</Text>}
      {report.samples.changed.length > 0 && (
        <Text size="sm">{t('directorySources.changed', { changes: report.samples.changed.map((c) => `${c.login} (${c.fields.join(', ')})`).join('; ') })}</Text>
      )}
      {report.samples.deactivated.length > 0 && <Text size="sm">{t('directorySources.deactivated', { logins: report.samples.deactivated.join(', ') })}</Text>}
      {report.problemList.length > 0 && (
        <Table aria-label={t('directorySources.problems')}>
          <Table.Tbody>
            {report.problemList.map((p) => (
              <Table.Tr key={p.dn}>
                <Table.Td style={{ wordBreak: 'break-all' }}>
                  <Code>{p.dn}</Code>
                </Table.Td>
                <Table.Td>{p.message}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

/** A source's form, for a new one or to change one; the API's refusals are said at their fields. */
function SourceForm({ domain, editing, onClose }: { domain: string | undefined; editing: Source | null; onClose: () => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Draft>(draftOf(editing ?? undefined));
  const save = useAction(sourcesKey(domain));
  const base = `/api/v1/domains/${domain}/directory-sources`;
  const problem = save.problem;
  const set = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  const submit = async () => {
    const body = bodyOf(draft, editing !== null);
    const write = editing ? () => api('PATCH', `${base}/${editing.id}`, body) : () => api('POST', base, body);
    if (await save.run(write, t('directorySources.saved', { name: body.name }))) onClose();
  };
  const at = (field: string) =>
    problem?.errors
      .filter((e) => e.path === field || e.path.startsWith(`${field}/`))
      .map((e) => e.message)
      .join('; ') || undefined;
  return (
    <form noValidate onSubmit={(e) => (e.preventDefault(), void submit())}>
      <Stack>
        {problem && (
          <Alert color="red" role="alert">
            {save.said}
          </Alert>
        )}
        <TextInput
          label={t('directorySources.name')}
          required
          data-autofocus
          value={draft.name}
          onChange={(e) => set({ name: e.currentTarget.value })}
          error={at('name')}
        />
        <Select
          label={t('directorySources.presetLabel')}
          data={(['activeDirectory', 'openLdap'] as const).map((value) => ({ value, label: t(`directorySources.preset.${value}`) }))}
          value={draft.preset}
          allowDeselect={false}
          onChange={(value) => set({ preset: (value ?? 'activeDirectory') as Draft['preset'] })}
        />
        <TextInput
          label={t('directorySources.url')}
          description={t('directorySources.urlHint')}
          required
          value={draft.url}
          onChange={(e) => set({ url: e.currentTarget.value })}
          error={at('url')}
        />
        <Switch
          label={t('directorySources.startTls')}
          checked={draft.startTls}
          onChange={(e) => set({ startTls: e.currentTarget.checked })}
          error={at('startTls')}
        />
        <TextInput
          label={t('directorySources.bindDn')}
          required
          value={draft.bindDn}
          onChange={(e) => set({ bindDn: e.currentTarget.value })}
          error={at('bindDn')}
        />
        <PasswordInput
          label={t('directorySources.bindPassword')}
          description={editing ? t('directorySources.bindPasswordKept') : undefined}
          required={!editing}
          autoComplete="new-password"
          value={draft.bindPassword}
          onChange={(e) => set({ bindPassword: e.currentTarget.value })}
          error={at('bindPassword')}
        />
        <TextInput
          label={t('directorySources.baseDn')}
          required
          value={draft.baseDn}
          onChange={(e) => set({ baseDn: e.currentTarget.value })}
          error={at('baseDn')}
        />
        <TextInput
          label={t('directorySources.userFilter')}
          description={t('directorySources.userFilterHint')}
          value={draft.userFilter}
          onChange={(e) => set({ userFilter: e.currentTarget.value })}
          error={at('userFilter')}
        />
        <Textarea
          label={t('directorySources.mappings')}
          description={t('directorySources.mappingsHint')}
          autosize
          minRows={2}
          value={draft.mappings}
          onChange={(e) => set({ mappings: e.currentTarget.value })}
          error={at('groupMappings')}
        />
        <TextInput
          label={t('directorySources.defaultRoles')}
          value={draft.defaultRoles}
          onChange={(e) => set({ defaultRoles: e.currentTarget.value })}
          error={at('defaultRoles')}
        />
        <NumberInput
          label={t('directorySources.scheduleLabel')}
          description={t('directorySources.scheduleHint')}
          min={5}
          value={draft.scheduleMinutes}
          onChange={(value) => set({ scheduleMinutes: typeof value === 'number' ? value : '' })}
          error={at('scheduleMinutes')}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('bulk.cancel')}
          </Button>
          <Button type="submit">{t('card.save')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
