import { Alert, Button, Checkbox, Fieldset, Group, Modal, MultiSelect, NumberInput, PasswordInput, Select, SimpleGrid, Stack, Switch, Tabs, TextInput, Textarea, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBlocker, useNavigate, useParams } from 'react-router';
import { userCreate, userUpdate } from '../../server/users/schema.ts';
import { api, ApiProblem } from '../api/client.ts';
import { useList, useNames } from '../api/lists.ts';
import { may, useMe } from '../api/session.ts';
import { noticeDone, noticeRefused } from '../components/notice.ts';
import { CardPanel } from './card-panel.tsx';
import { Sessions, UserLicenses, usePasswordVerdict } from './user-card-sections.tsx';
import { agentTimers, at, bodyOf, draftOf, emptyDraft, patchOf, withValue, type Draft, type UserView } from './user-draft.ts';

/**
 * The user card: create or edit, in sections. The form checks the same Zod schema as the API as
 * the user types; what only the server can know (a taken login, a weak password) comes back at
 * the field. Leaving with unsaved changes asks first; a change someone made meanwhile (412) is
 * shown, not overwritten.
 */
export function UserCard() {
  const { t, i18n } = useTranslation();
  const { id } = useParams();
  const creating = !id;
  const me = useMe().data;
  const domain = me?.user.domain;
  const navigate = useNavigate();
  const client = useQueryClient();
  const loaded = useQuery({ queryKey: ['user', domain, id], enabled: Boolean(domain && id), queryFn: () => api<UserView>('GET', `/api/v1/domains/${domain}/users/${id}`) });
  const [original, setOriginal] = useState<Draft>(emptyDraft);
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [touched, setTouched] = useState(false);
  const [serverProblem, setServerProblem] = useState<ApiProblem | null>(null);
  const [conflict, setConflict] = useState<{ theirs: UserView; changed: string[] } | null>(null);
  const [saving, setSaving] = useState(false);
  const [shownSecret, setShownSecret] = useState<string | null>(null);
  useEffect(() => {
    if (!loaded.data) return;
    setOriginal(draftOf(loaded.data));
    setDraft(draftOf(loaded.data));
  }, [loaded.data]);
  const roles = useNames(domain, 'roles');
  const groups = useNames(domain, 'groups');
  const tags = useNames(domain, 'tags');
  const skills = useNames(domain, 'skills');
  const inventory = useList<{ value: string; kind: string; voice: boolean; sms: boolean }>(domain, 'numbers').data?.items ?? [];

  const body = useMemo(() => (creating ? bodyOf(draft, true) : patchOf(original, draft)), [creating, draft, original]);
  const dirty = Object.keys(creating ? patchOf(emptyDraft(), draft) : body).length > 0;
  const clientProblems = useMemo(() => {
    const parsed = (creating ? userCreate : userUpdate).safeParse(body);
    return new Map(parsed.success ? [] : parsed.error.issues.map((issue) => [issue.path.join('/'), issue.message] as const));
  }, [body, creating]);
  const passwordVerdict = usePasswordVerdict(domain, String(draft.password ?? ''), { login: String(draft.login ?? ''), email: String(draft.email ?? ''), firstName: String(draft.firstName ?? ''), lastName: String(draft.lastName ?? '') });
  const problemAt = (path: string) => (touched || !creating ? clientProblems.get(path) : undefined) ?? serverProblem?.at(path) ?? (path === 'password' && passwordVerdict.length ? passwordVerdict.join(' · ') : undefined);

  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && !saving && currentLocation.pathname !== nextLocation.pathname);
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => dirty && event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const set = (path: string, value: unknown) => {
    setTouched(true);
    setServerProblem(null);
    setDraft((d) => withValue(d, path, value));
  };
  const text = (path: string, label: string, extra: Record<string, unknown> = {}) => ({ label: t(label), value: String(at(draft, path) ?? ''), onChange: (e: { currentTarget: { value: string } }) => set(path, e.currentTarget.value), error: problemAt(path), ...extra });
  const number = (path: string, label: string) => ({
    label: t(label),
    value: (at(draft, path) as number | null) ?? '',
    onChange: (value: string | number) => set(path, value === '' ? null : Number(value)),
    error: problemAt(path),
    placeholder: t('card.followsDefault'),
  });

  const save = async () => {
    setTouched(true);
    if (clientProblems.size) return;
    setSaving(true);
    try {
      if (creating) {
        const made = await api<UserView>('POST', `/api/v1/domains/${domain}/users`, body);
        await client.invalidateQueries({ queryKey: ['users'] });
        navigate(`/users/${made.id}`, { replace: true });
      } else {
        const saved = await api<UserView>('PATCH', `/api/v1/domains/${domain}/users/${id}`, body, { 'if-match': `"${loaded.data?.version}"` });
        client.setQueryData(['user', domain, id], saved);
        await client.invalidateQueries({ queryKey: ['users'] });
      }
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      if (error.status === 412) {
        const theirs = await api<UserView>('GET', `/api/v1/domains/${domain}/users/${id}`);
        const mine = draftOf(loaded.data as UserView);
        setConflict({ theirs, changed: Object.keys(patchOf(mine, draftOf(theirs))) });
      } else setServerProblem(error);
    } finally {
      setSaving(false);
    }
  };

  if (!creating && loaded.isLoading) return null;
  if (!creating && loaded.error instanceof ApiProblem && loaded.error.status === 404) return <Alert color="yellow" role="alert">{t('users.notFound')}</Alert>;
  // A deleted user is shown as it was, read-only, with its restore; a role without users:update only looks.
  const deletedAt = loaded.data?.deletedAt ?? null;
  const readOnly = !creating && (deletedAt !== null || !may(me, 'users:update'));
  const restore = async () => {
    try {
      const restored = await api<UserView>('POST', `/api/v1/domains/${domain}/users/${id}/restore`);
      client.setQueryData(['user', domain, id], restored);
      await client.invalidateQueries({ queryKey: ['users'] });
      noticeDone(t('actions.restored', { login: restored.login }));
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      noticeRefused(error);
    }
  };
  const day = (iso: string | undefined) => (iso ? new Date(iso).toLocaleDateString(i18n.language, { dateStyle: 'long' }) : '');
  const sip = draft.sip;
  const queue = (draft.agent.personalPredictiveQueue ?? {}) as Record<string, unknown>;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {creating ? t('card.newUser') : `${loaded.data?.firstName ?? ''} ${loaded.data?.lastName ?? ''}`.trim() || loaded.data?.login}
        </Title>
        <Group>
          <Button variant="default" onClick={() => navigate('/users')}>
            {t('card.close')}
          </Button>
          {deletedAt !== null && may(me, 'users:restore') && <Button onClick={() => void restore()}>{t('actions.restore')}</Button>}
          {!readOnly && (
            <Button onClick={() => void save()} loading={saving} disabled={!dirty}>
              {creating ? t('card.create') : t('card.save')}
            </Button>
          )}
        </Group>
      </Group>
      {deletedAt !== null && (
        <Alert color="red" title={t('users.deletedBadge')} data-testid="deleted-notice">
          {t('users.deletedNotice', { deleted: day(deletedAt), purge: day(loaded.data?.purgeAt) })}
        </Alert>
      )}
      {readOnly && deletedAt === null && <Alert color="blue">{t('users.readOnly')}</Alert>}
      {serverProblem && (
        <Alert color="red" role="alert">
          {serverProblem.detail}
        </Alert>
      )}
      {touched && clientProblems.size > 0 && (
        <Alert color="red" role="alert">
          {t('card.fix', { count: clientProblems.size })}
        </Alert>
      )}
      <Tabs defaultValue="account" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="account">{t('card.account')}</Tabs.Tab>
          <Tabs.Tab value="telephony">{t('card.telephony')}</Tabs.Tab>
          <Tabs.Tab value="agent">{t('card.agent')}</Tabs.Tab>
          <Tabs.Tab value="security">{t('card.security')}</Tabs.Tab>
          {!creating && <Tabs.Tab value="licenses">{t('card.licenses')}</Tabs.Tab>}
          <Tabs.Tab value="integrations">{t('card.integrations')}</Tabs.Tab>
          {!creating && may(me, 'audit:read') && <Tabs.Tab value="history">{t('card.history')}</Tabs.Tab>}
        </Tabs.List>
        <CardPanel value="account" readOnly={readOnly}>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <TextInput {...text('login', 'card.login')} required />
            <TextInput {...text('email', 'card.email')} type="email" />
            <TextInput {...text('firstName', 'card.firstName')} />
            <TextInput {...text('lastName', 'card.lastName')} />
            <PasswordInput {...text('password', 'card.password')} description={t('card.passwordHint')} autoComplete="new-password" />
            <Switch label={t('card.active')} checked={Boolean(draft.active)} onChange={(e) => set('active', e.currentTarget.checked)} />
            <MultiSelect label={t('card.roles')} data={roles} value={draft.roles as string[]} onChange={(v) => set('roles', v)} error={problemAt('roles')} searchable required />
            <MultiSelect label={t('card.groups')} data={groups} value={draft.groups as string[]} onChange={(v) => set('groups', v)} error={problemAt('groups')} searchable />
            <MultiSelect label={t('card.tags')} data={tags} value={draft.tags as string[]} onChange={(v) => set('tags', v)} error={problemAt('tags')} searchable />
            <TextInput {...text('position', 'card.position')} />
            <TextInput {...text('workPhone', 'card.workPhone')} />
            <TextInput {...text('timezone', 'card.timezone')} placeholder="Europe/Warsaw" />
            <Select label={t('card.language')} data={[{ value: 'en', label: 'English' }, { value: 'pl', label: 'Polski' }]} value={(draft.language as string) || null} onChange={(v) => set('language', v ?? '')} clearable />
            <Checkbox label={t('card.domainAdmin')} checked={Boolean(draft.domainAdmin)} onChange={(e) => set('domainAdmin', e.currentTarget.checked)} />
          </SimpleGrid>
          <Textarea mt="md" {...text('description', 'card.description')} />
        </CardPanel>
        <CardPanel value="telephony" readOnly={readOnly}>
          <Switch
            label={t('card.sipAccount')}
            checked={sip !== null}
            onChange={(e) => set('sip', e.currentTarget.checked ? { extension: '', assignment: 'static', connection: 'webrtc', customUri: '', authAcl: [], stun: null, voicemail: { enabled: false }, callerId: { name: '', number: '' } } : null)}
          />
          {sip && (
            <SimpleGrid cols={{ base: 1, md: 2 }} mt="md">
              <Group align="flex-end" wrap="nowrap">
                <TextInput {...text('sip/extension', 'card.extension')} description={t('card.extensionHint')} style={{ flex: 1 }} />
                <Button variant="default" onClick={() => void api<{ extensions: string[] }>('GET', `/api/v1/domains/${domain}/extensions/free?count=1`).then((free) => free.extensions[0] && set('sip/extension', free.extensions[0]))}>
                  {t('card.nextFree')}
                </Button>
              </Group>
              {!creating && loaded.data?.sip && (
                <Group>
                  <Button variant="default" onClick={() => void api<{ secret: string }>('POST', `/api/v1/domains/${domain}/users/${id}/sip/secret`).then((made) => setShownSecret(made.secret))}>
                    {t('card.newSecret')}
                  </Button>
                  {shownSecret && (
                    <Alert color="yellow" title={t('card.secretOnce')}>
                      <code data-testid="new-secret">{shownSecret}</code>
                    </Alert>
                  )}
                </Group>
              )}
              <Select label={t('card.assignment')} data={['static', 'dynamic']} value={sip.assignment as string} onChange={(v) => set('sip/assignment', v)} allowDeselect={false} />
              <Select label={t('card.connection')} data={['webrtc', 'pbx', 'custom']} value={sip.connection as string} onChange={(v) => set('sip/connection', v)} allowDeselect={false} />
              {sip.connection === 'custom' && <TextInput {...text('sip/customUri', 'card.customUri')} placeholder="sip:agent@pbx.example.com" />}
              <Textarea label={t('card.authAcl')} value={(sip.authAcl as string[]).join('\n')} onChange={(e) => set('sip/authAcl', e.currentTarget.value.split('\n').filter(Boolean))} error={problemAt('sip/authAcl')} description={t('card.authAclHint')} />
              <Select label="STUN" data={[{ value: 'default', label: t('card.followsDefault') }, { value: 'on', label: t('users.yes') }, { value: 'off', label: t('users.no') }]} value={sip.stun === null ? 'default' : sip.stun ? 'on' : 'off'} onChange={(v) => set('sip/stun', v === 'default' ? null : v === 'on')} allowDeselect={false} />
              <Switch label={t('card.voicemail')} checked={Boolean((sip.voicemail as { enabled: boolean }).enabled)} onChange={(e) => set('sip/voicemail/enabled', e.currentTarget.checked)} />
              <PasswordInput {...text('sip/voicemail/pin', 'card.voicemailPin')} inputMode="numeric" autoComplete="off" />
              <TextInput {...text('sip/callerId/name', 'card.callerIdName')} />
              <TextInput {...text('sip/callerId/number', 'card.callerIdNumber')} placeholder="+48221234567" />
              <MultiSelect label={t('card.callNumbers')} data={inventory.filter((n) => n.voice).map((n) => n.value)} value={((sip.callerId as { callNumbers?: string[] }).callNumbers ?? [])} onChange={(v) => set('sip/callerId/callNumbers', v)} error={problemAt('sip/callerId/callNumbers')} searchable />
              <MultiSelect label={t('card.smsSenders')} data={inventory.filter((n) => n.sms || n.kind === 'sender').map((n) => n.value)} value={((sip.callerId as { smsSenders?: string[] }).smsSenders ?? [])} onChange={(v) => set('sip/callerId/smsSenders', v)} error={problemAt('sip/callerId/smsSenders')} searchable />
            </SimpleGrid>
          )}
        </CardPanel>
        <CardPanel value="agent" readOnly={readOnly}>
          <Switch label={t('card.isAgent')} checked={Boolean(draft.agent.enabled)} onChange={(e) => set('agent/enabled', e.currentTarget.checked)} error={problemAt('agent/enabled')} />
          <SimpleGrid cols={{ base: 1, md: 3 }} mt="md">
            {agentTimers.map((key) => (
              <NumberInput key={key} {...number(`agent/${key}`, `card.timers.${key}`)} min={0} />
            ))}
            <Select label={t('card.autoDial')} data={['off', 'preview', 'progressive', 'predictive']} value={(draft.agent.autoDial as string | null) ?? null} onChange={(v) => set('agent/autoDial', v)} placeholder={t('card.followsDefault')} clearable />
            <MultiSelect
              label={t('card.skills')}
              data={skills}
              value={(draft.agent.skills as { skill: string }[]).map((s) => s.skill)}
              onChange={(v) => set('agent/skills', v.map((skill) => (draft.agent.skills as { skill: string; level: number }[]).find((s) => s.skill === skill) ?? { skill, level: 50 }))}
              searchable
            />
            {(draft.agent.skills as { skill: string; level: number }[]).map((s, index) => (
              <NumberInput
                key={s.skill}
                label={t('card.skillLevel', { skill: s.skill })}
                min={0}
                max={100}
                value={s.level}
                onChange={(v) => set('agent/skills', (draft.agent.skills as { skill: string; level: number }[]).map((x, i) => (i === index ? { ...x, level: Number(v) || 0 } : x)))}
                error={problemAt(`agent/skills/${index}/level`)}
              />
            ))}
            <Checkbox label={t('card.assignLeads')} checked={Boolean(draft.agent.assignLeads)} onChange={(e) => set('agent/assignLeads', e.currentTarget.checked)} />
            <Checkbox label={t('card.allTags')} checked={Boolean(draft.agent.allTags)} onChange={(e) => set('agent/allTags', e.currentTarget.checked)} />
            <Checkbox label={t('card.allSkills')} checked={Boolean(draft.agent.allSkills)} onChange={(e) => set('agent/allSkills', e.currentTarget.checked)} />
          </SimpleGrid>
          <Fieldset legend={t('card.predictive')} mt="md">
            <SimpleGrid cols={{ base: 1, md: 4 }}>
              <Select
                label={t('card.predictiveEnabled')}
                data={[{ value: 'default', label: t('card.followsDefault') }, { value: 'on', label: t('users.yes') }, { value: 'off', label: t('users.no') }]}
                value={queue.enabled === null || queue.enabled === undefined ? 'default' : queue.enabled ? 'on' : 'off'}
                onChange={(v) => set('agent/personalPredictiveQueue/enabled', v === 'default' ? null : v === 'on')}
                allowDeselect={false}
              />
              <NumberInput {...number('agent/personalPredictiveQueue/dialRatio', 'card.dialRatio')} step={0.1} decimalScale={1} />
              <NumberInput {...number('agent/personalPredictiveQueue/maxAbandonRate', 'card.maxAbandonRate')} />
              <NumberInput {...number('agent/personalPredictiveQueue/maxAttempts', 'card.maxAttempts')} />
            </SimpleGrid>
          </Fieldset>
        </CardPanel>
        <CardPanel value="security" readOnly={readOnly}>
          <SimpleGrid cols={{ base: 1, md: 3 }}>
            <NumberInput {...number('security/sessionTimeout', 'card.sessionTimeout')} placeholder={t('card.noLimit')} />
            <NumberInput {...number('security/maxSessions', 'card.maxSessions')} placeholder={t('card.noLimit')} />
            <Textarea
              label={t('card.ipAllowList')}
              description={t('card.authAclHint')}
              value={((draft.security as { ipAllowList: string[] }).ipAllowList ?? []).join('\n')}
              onChange={(e) => set('security/ipAllowList', e.currentTarget.value.split('\n').filter(Boolean))}
              error={problemAt('security/ipAllowList')}
            />
          </SimpleGrid>
          {!creating && domain && loaded.data && (
            <Stack mt="md">
              <Sessions domain={domain} user={loaded.data} />
            </Stack>
          )}
        </CardPanel>
        {!creating && domain && loaded.data && (
          <CardPanel value="licenses" readOnly={deletedAt !== null}>
            <UserLicenses domain={domain} user={loaded.data} />
          </CardPanel>
        )}
        <CardPanel value="integrations" readOnly={readOnly}>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <TextInput {...text('integrations/oauthEmail', 'card.oauthEmail')} />
            <TextInput {...text('integrations/crmId', 'card.crmId')} />
            <PasswordInput {...text('integrations/calDavToken', 'card.calDavToken')} placeholder={loaded.data?.integrations.calDavTokenSet ? t('card.tokenSet') : ''} autoComplete="off" />
          </SimpleGrid>
        </CardPanel>
        {!creating && (
          <Tabs.Panel value="history" pt="md">
            <History domain={domain} id={id as string} />
          </Tabs.Panel>
        )}
      </Tabs>
      <Modal opened={blocker.state === 'blocked'} onClose={() => blocker.reset?.()} title={t('card.unsavedTitle')}>
        <Stack>
          {t('card.unsaved')}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => blocker.reset?.()}>
              {t('card.stay')}
            </Button>
            <Button color="red" onClick={() => blocker.proceed?.()}>
              {t('card.discard')}
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Modal opened={conflict !== null} onClose={() => setConflict(null)} title={t('card.conflictTitle')}>
        <Stack>
          <div role="alert">{t('card.conflict', { fields: conflict?.changed.join(', ') || '—' })}</div>
          <Group justify="flex-end">
            <Button
              onClick={() => {
                if (!conflict) return;
                client.setQueryData(['user', domain, id], conflict.theirs);
                setConflict(null);
              }}
            >
              {t('card.reload')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

interface AuditEntry {
  id: string;
  at: string;
  action: string;
  actor: { login: string };
  changes: Record<string, { from: unknown; to: unknown }>;
}

/** This user's audit trail, newest first. */
function History({ domain, id }: { domain: string | undefined; id: string }) {
  const { i18n } = useTranslation();
  const entries = useQuery({ queryKey: ['audit', domain, id], enabled: Boolean(domain), queryFn: () => api<{ items: AuditEntry[] }>('GET', `/api/v1/domains/${domain}/audit?target=${id}&limit=100`) });
  return (
    <Stack gap="xs">
      {(entries.data?.items ?? []).map((entry) => (
        <div key={entry.id}>
          <strong>{new Date(entry.at).toLocaleString(i18n.language)}</strong> {entry.actor.login}: {entry.action} — {Object.keys(entry.changes).join(', ')}
        </div>
      ))}
    </Stack>
  );
}
