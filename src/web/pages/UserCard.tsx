import {
  Alert,
  Box,
  Button,
  Checkbox,
  Fieldset,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Tabs,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBlocker, useNavigate, useParams } from 'react-router';
import { userCreate, userUpdate } from '../../server/users/schema.ts';
import { notifyDone, notifyRefused } from '../api/action.ts';
import { api, ApiProblem, said } from '../api/client.ts';
import { useList, useNames } from '../api/lists.ts';
import { may, useMe } from '../api/session.ts';
import { handOverSecret, SipSecretDialog, useHandedOverSecret } from '../components/SipSecretDialog.tsx';
import { CardPanel } from './card-panel.tsx';
import { ExternalIdsField, type ExternalIdEntry } from '../components/ExternalIdsField.tsx';
import { Sessions, UserLicenses, usePasswordVerdict } from './user-card-sections.tsx';
import { inWords } from '../i18n/validation.ts';
import { agentTimers, at, bodyOf, draftOf, emptyDraft, patchOf, withValue, type Draft, type UserView } from './user-draft.ts';

const tabs = ['account', 'telephony', 'agent', 'security', 'licenses', 'integrations', 'history'] as const;
type Tab = (typeof tabs)[number];
/** The tab that holds the field at a path (`sip/extension` → telephony). */
const tabOf = (path: string): Tab => {
  const head = path.split('/')[0];
  if (head === 'sip') return 'telephony';
  if (head === 'agent') return 'agent';
  if (head === 'security') return 'security';
  if (head === 'integrations' || head === 'externalIds') return 'integrations';
  return 'account';
};
/** Languages offered for speaking to clients; any other BCP 47 tag can be typed. */
const clientLanguageChoices = ['pl', 'en', 'en-GB', 'de', 'uk', 'ru', 'cs', 'sk', 'lt', 'es', 'fr', 'it', 'pt', 'nl', 'tr', 'ar'];
const numeric = /^[0-9]{1,15}$/;

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
  const loaded = useQuery({
    queryKey: ['user', domain, id],
    enabled: Boolean(domain && id),
    queryFn: () => api<UserView>('GET', `/api/v1/domains/${domain}/users/${id}`),
  });
  const [original, setOriginal] = useState<Draft>(emptyDraft);
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [touched, setTouched] = useState(false);
  const [serverProblem, setServerProblem] = useState<ApiProblem | null>(null);
  const [conflict, setConflict] = useState<{ theirs: UserView; changed: string[] } | null>(null);
  const [saving, setSaving] = useState(false);
  const [shownSecret, setShownSecret] = useState<string | null>(null);
  const [createdSecret, dismissCreatedSecret] = useHandedOverSecret(id);
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
    // A required field left empty reads "Login is required": what was typed, not what was sent, decides.
    return new Map(
      parsed.success
        ? []
        : parsed.error.issues.map((issue) => [issue.path.join('/'), { message: issue.message, value: at(draft, issue.path.join('/')) }] as const),
    );
  }, [body, creating, draft]);
  const passwordVerdict = usePasswordVerdict(domain, String(draft.password ?? ''), {
    login: String(draft.login ?? ''),
    email: String(draft.email ?? ''),
    firstName: String(draft.firstName ?? ''),
    lastName: String(draft.lastName ?? ''),
  });
  /** Every problem to show, by path: the form's own (once the user tried), the server's, the password policy's. */
  const problems = useMemo(() => {
    const all = new Map<string, { message: string; value?: unknown }>();
    for (const e of serverProblem?.errors ?? []) all.set(e.path, { message: said(e), value: true });
    if (touched || !creating) for (const [path, problem] of clientProblems) all.set(path, problem);
    if (passwordVerdict.length) all.set('password', { message: passwordVerdict.join(' · '), value: true });
    return all;
  }, [serverProblem, clientProblems, touched, creating, passwordVerdict]);
  const problemAt = (path: string, label?: string) => {
    const problem = problems.get(path);
    return problem && inWords(problem.message, problem.value, label);
  };
  /** A list's problems: of the list itself and of each item (`security/ipAllowList/0`), in one line. */
  const listProblemAt = (path: string) =>
    [...problems.keys()]
      .filter((p) => p === path || p.startsWith(`${path}/`))
      .map((p) => problemAt(p))
      .join(' · ') || undefined;
  const marked = new Set([...problems.keys()].map(tabOf));
  const [tab, setTab] = useState<Tab>('account');
  const tabLabel = (value: Tab, key: string) => {
    const name = t(key);
    const flagged = marked.has(value);
    return (
      <Tabs.Tab
        value={value}
        color={flagged ? 'red' : undefined}
        aria-label={flagged ? t('card.tabHasProblems', { tab: name }) : undefined}
        data-problems={flagged || undefined}
        rightSection={flagged ? <Box component="span" aria-hidden w={8} h={8} bg="red.8" style={{ borderRadius: 4 }} /> : undefined}
      >
        {name}
      </Tabs.Tab>
    );
  };

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
  // A synced user's fields its directory source owns change there only: shown, not editable.
  const source = loaded.data?.directorySource ?? null;
  const owned = (path: string) => Boolean(source?.ownedFields.includes(path.replace('/', '.')));
  const text = (path: string, label: string, extra: Record<string, unknown> = {}) => ({
    label: t(label),
    value: String(at(draft, path) ?? ''),
    onChange: (e: { currentTarget: { value: string } }) => set(path, e.currentTarget.value),
    error: problemAt(path, t(label)),
    ...extra,
    ...(owned(path) ? { disabled: true, description: t('card.ownedBy', { source: source?.name }) } : {}),
  });
  const number = (path: string, label: string) => ({
    label: t(label),
    value: (at(draft, path) as number | null) ?? '',
    onChange: (value: string | number) => set(path, value === '' ? null : Number(value)),
    error: problemAt(path, t(label)),
    placeholder: t('card.followsDefault'),
  });

  const save = async () => {
    setTouched(true);
    if (clientProblems.size) {
      // The first tab holding a problem comes forward, so the field that needs fixing is in sight.
      const first = tabs.find((x) => [...clientProblems.keys()].some((path) => tabOf(path) === x));
      if (first) setTab(first);
      return;
    }
    setSaving(true);
    try {
      if (creating) {
        const made = await api<UserView>('POST', `/api/v1/domains/${domain}/users`, body);
        // A secret the server generated is in this answer only: the new user's card shows it once.
        if (made.sip?.secret)
          handOverSecret(client, made.id, { login: made.login, extension: made.sip.extension, username: made.sip.username, secret: made.sip.secret });
        await client.invalidateQueries({ queryKey: ['users'] });
        notifyDone(t('card.created', { login: made.login }));
        navigate(`/users/${made.id}`, { replace: true });
      } else {
        const saved = await api<UserView>('PATCH', `/api/v1/domains/${domain}/users/${id}`, body, { 'if-match': `"${loaded.data?.version}"` });
        client.setQueryData(['user', domain, id], saved);
        await client.invalidateQueries({ queryKey: ['users'] });
        notifyDone(t('card.saved', { login: saved.login }));
      }
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      if (error.status === 412) {
        const theirs = await api<UserView>('GET', `/api/v1/domains/${domain}/users/${id}`);
        const mine = draftOf(loaded.data as UserView);
        setConflict({ theirs, changed: Object.keys(patchOf(mine, draftOf(theirs))) });
      } else {
        setServerProblem(error);
        const first = tabs.find((x) => error.errors.some((e) => tabOf(e.path) === x));
        if (first) setTab(first);
      }
    } finally {
      setSaving(false);
    }
  };

  if (!creating && loaded.isLoading) return null;
  if (!creating && loaded.error instanceof ApiProblem && loaded.error.status === 404)
    return (
      <Alert color="yellow" role="alert">
        {t('users.notFound')}
      </Alert>
    );
  // A deleted user is shown as it was, read-only, with its restore; a role without users:update only looks.
  const deletedAt = loaded.data?.deletedAt ?? null;
  const readOnly = !creating && (deletedAt !== null || !may(me, 'users:update'));
  const restore = async () => {
    try {
      const restored = await api<UserView>('POST', `/api/v1/domains/${domain}/users/${id}/restore`);
      client.setQueryData(['user', domain, id], restored);
      await client.invalidateQueries({ queryKey: ['users'] });
      notifyDone(t('actions.restored', { login: restored.login }));
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      notifyRefused(error);
    }
  };
  const day = (iso: string | undefined) => (iso ? new Date(iso).toLocaleDateString(i18n.language, { dateStyle: 'long' }) : '');
  const sip = draft.sip;
  const queue = (draft.agent.personalPredictiveQueue ?? {}) as Record<string, unknown>;
  return (
    <Stack>
      <SipSecretDialog shown={createdSecret} onClose={dismissCreatedSecret} />
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
            <Button onClick={() => void save()} loading={saving} disabled={!dirty && !creating}>
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
      {source && (
        <Alert color="blue" data-testid="synced-notice">
          {t('card.syncedFrom', { source: source.name })}
        </Alert>
      )}
      {(serverProblem || (touched && problems.size > 0)) && (
        <Alert color="red" role="alert" data-testid="card-problems">
          {serverProblem && problems.size === 0 ? said(serverProblem) : t('card.fieldsToFix', { count: problems.size })}
        </Alert>
      )}
      <Tabs value={tab} onChange={(value) => setTab((value as Tab | null) ?? 'account')} keepMounted={false}>
        <Tabs.List>
          {tabLabel('account', 'card.account')}
          {tabLabel('telephony', 'card.telephony')}
          {tabLabel('agent', 'card.agent')}
          {tabLabel('security', 'card.security')}
          {!creating && tabLabel('licenses', 'card.licenses')}
          {tabLabel('integrations', 'card.integrations')}
          {!creating && may(me, 'audit:read') && tabLabel('history', 'card.history')}
        </Tabs.List>
        <CardPanel value="account" readOnly={readOnly}>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <TextInput {...text('login', 'card.login')} required />
            <TextInput {...text('email', 'card.email')} type="email" />
            <TextInput {...text('firstName', 'card.firstName')} />
            <TextInput {...text('lastName', 'card.lastName')} />
            <PasswordInput {...text('password', 'card.password')} description={t('card.passwordHint')} autoComplete="new-password" />
            <Switch
              label={t('card.active')}
              checked={Boolean(draft.active)}
              disabled={owned('active')}
              description={owned('active') ? t('card.ownedBy', { source: source?.name }) : undefined}
              onChange={(e) => set('active', e.currentTarget.checked)}
            />
            <MultiSelect
              label={t('card.roles')}
              data={roles}
              value={draft.roles as string[]}
              onChange={(v) => set('roles', v)}
              error={problemAt('roles')}
              searchable
              required
            />
            <MultiSelect
              label={t('card.groups')}
              data={groups}
              value={draft.groups as string[]}
              onChange={(v) => set('groups', v)}
              error={problemAt('groups')}
              searchable
            />
            <MultiSelect
              label={t('card.tags')}
              data={tags}
              value={draft.tags as string[]}
              onChange={(v) => set('tags', v)}
              error={problemAt('tags')}
              searchable
            />
            <TextInput {...text('position', 'card.position')} />
            <TextInput {...text('workPhone', 'card.workPhone')} />
            <TextInput {...text('timezone', 'card.timezone')} placeholder="Europe/Warsaw" />
            <Select
              label={t('card.language')}
              data={[
                { value: 'en', label: 'English' },
                { value: 'pl', label: 'Polski' },
              ]}
              value={(draft.language as string) || null}
              onChange={(v) => set('language', v ?? '')}
              clearable
            />
            <Checkbox label={t('card.domainAdmin')} checked={Boolean(draft.domainAdmin)} onChange={(e) => set('domainAdmin', e.currentTarget.checked)} />
          </SimpleGrid>
          <Textarea mt="md" {...text('description', 'card.description')} />
        </CardPanel>
        <CardPanel value="telephony" readOnly={readOnly}>
          <Switch
            label={t('card.sipAccount')}
            checked={sip !== null}
            onChange={(e) =>
              set(
                'sip',
                e.currentTarget.checked
                  ? {
                      extension: '',
                      username: '',
                      secret: '',
                      assignment: 'static',
                      connection: 'webrtc',
                      customUri: '',
                      authAcl: [],
                      stun: null,
                      voicemail: { enabled: false },
                      callerId: { name: '', number: '' },
                      virtualExtension: '',
                    }
                  : null,
              )
            }
          />
          {sip && (
            <SimpleGrid cols={{ base: 1, md: 2 }} mt="md">
              <Select
                label={t('card.assignment')}
                data={(['static', 'dynamic'] as const).map((value) => ({ value, label: t(`card.assignments.${value}`) }))}
                value={sip.assignment as string}
                // A hot-desking account has no extension of its own: it takes a desk's at sign-in.
                onChange={(v) => setDraft((d) => withValue(withValue(d, 'sip/assignment', v), 'sip/extension', v === 'dynamic' ? '' : at(d, 'sip/extension')))}
                error={problemAt('sip/assignment')}
                allowDeselect={false}
              />
              {sip.assignment === 'dynamic' ? (
                <Text size="sm" c="dimmed" data-testid="dynamic-hint" style={{ alignSelf: 'end' }}>
                  {t('card.dynamicHint')}
                </Text>
              ) : (
                <Stack gap={4}>
                  <Group align="flex-end" wrap="nowrap">
                    <TextInput {...text('sip/extension', 'card.extension')} description={t('card.extensionHint')} style={{ flex: 1 }} />
                    <Button
                      variant="default"
                      onClick={() =>
                        void api<{ extensions: string[] }>('GET', `/api/v1/domains/${domain}/extensions/free?count=1`).then(
                          (free) => free.extensions[0] && set('sip/extension', free.extensions[0]),
                        )
                      }
                    >
                      {t('card.nextFree')}
                    </Button>
                  </Group>
                  {numeric.test(String(draft.login)) && sip.extension !== draft.login && (
                    <Button variant="subtle" size="compact-sm" style={{ alignSelf: 'flex-start' }} onClick={() => set('sip/extension', draft.login)}>
                      {t('card.extensionIsLogin', { login: draft.login })}
                    </Button>
                  )}
                </Stack>
              )}
              <TextInput {...text('sip/username', 'card.sipUsername')} description={t('card.sipUsernameHint')} autoComplete="off" />
              <PasswordInput
                {...text('sip/secret', 'card.sipSecret')}
                description={t('card.sipSecretHint')}
                placeholder={loaded.data?.sip ? t('card.sipSecretKeep') : undefined}
                autoComplete="new-password"
              />
              <TextInput {...text('sip/virtualExtension', 'card.virtualExtension')} description={t('card.virtualExtensionHint')} inputMode="numeric" />
              {!creating && loaded.data?.sip && (
                <Group>
                  <Button
                    variant="default"
                    onClick={() =>
                      void api<{ secret: string }>('POST', `/api/v1/domains/${domain}/users/${id}/sip/secret`).then((made) => setShownSecret(made.secret))
                    }
                  >
                    {t('card.newSecret')}
                  </Button>
                  {shownSecret && (
                    <Alert color="yellow" title={t('card.secretOnce')}>
                      <code data-testid="new-secret">{shownSecret}</code>
                    </Alert>
                  )}
                </Group>
              )}
              <Select
                label={t('card.connection')}
                data={['webrtc', 'pbx', 'custom']}
                value={sip.connection as string}
                onChange={(v) => set('sip/connection', v)}
                allowDeselect={false}
              />
              {sip.connection === 'custom' && <TextInput {...text('sip/customUri', 'card.customUri')} placeholder="sip:agent@pbx.example.com" />}
              <Textarea
                label={t('card.authAcl')}
                value={(sip.authAcl as string[]).join('\n')}
                onChange={(e) => set('sip/authAcl', e.currentTarget.value.split('\n').filter(Boolean))}
                error={listProblemAt('sip/authAcl')}
                description={t('card.authAclHint')}
              />
              <Select
                label="STUN"
                data={[
                  { value: 'default', label: t('card.followsDefault') },
                  { value: 'on', label: t('users.yes') },
                  { value: 'off', label: t('users.no') },
                ]}
                value={sip.stun === null ? 'default' : sip.stun ? 'on' : 'off'}
                onChange={(v) => set('sip/stun', v === 'default' ? null : v === 'on')}
                allowDeselect={false}
              />
              <Switch
                label={t('card.voicemail')}
                checked={Boolean((sip.voicemail as { enabled: boolean }).enabled)}
                onChange={(e) => set('sip/voicemail/enabled', e.currentTarget.checked)}
              />
              <PasswordInput {...text('sip/voicemail/pin', 'card.voicemailPin')} inputMode="numeric" autoComplete="off" />
              <TextInput {...text('sip/callerId/name', 'card.callerIdName')} />
              <TextInput {...text('sip/callerId/number', 'card.callerIdNumber')} placeholder="+48221234567" />
              <MultiSelect
                label={t('card.callNumbers')}
                data={inventory.filter((n) => n.voice).map((n) => n.value)}
                value={(sip.callerId as { callNumbers?: string[] }).callNumbers ?? []}
                onChange={(v) => set('sip/callerId/callNumbers', v)}
                error={listProblemAt('sip/callerId/callNumbers')}
                searchable
              />
              <MultiSelect
                label={t('card.smsSenders')}
                data={inventory.filter((n) => n.sms || n.kind === 'sender').map((n) => n.value)}
                value={(sip.callerId as { smsSenders?: string[] }).smsSenders ?? []}
                onChange={(v) => set('sip/callerId/smsSenders', v)}
                error={listProblemAt('sip/callerId/smsSenders')}
                searchable
              />
            </SimpleGrid>
          )}
        </CardPanel>
        <CardPanel value="agent" readOnly={readOnly}>
          <Switch
            label={t('card.isAgent')}
            checked={Boolean(draft.agent.enabled)}
            onChange={(e) => set('agent/enabled', e.currentTarget.checked)}
            error={problemAt('agent/enabled')}
          />
          <SimpleGrid cols={{ base: 1, md: 3 }} mt="md">
            {agentTimers.map((key) => (
              <NumberInput key={key} {...number(`agent/${key}`, `card.timers.${key}`)} min={0} />
            ))}
            <Select
              label={t('card.autoDial')}
              data={['off', 'preview', 'progressive', 'predictive']}
              value={(draft.agent.autoDial as string | null) ?? null}
              onChange={(v) => set('agent/autoDial', v)}
              placeholder={t('card.followsDefault')}
              clearable
            />
            <MultiSelect
              label={t('card.skills')}
              data={skills}
              value={(draft.agent.skills as { skill: string }[]).map((s) => s.skill)}
              onChange={(v) =>
                set(
                  'agent/skills',
                  v.map((skill) => (draft.agent.skills as { skill: string; level: number }[]).find((s) => s.skill === skill) ?? { skill, level: 50 }),
                )
              }
              searchable
            />
            {(draft.agent.skills as { skill: string; level: number }[]).map((s, index) => (
              <NumberInput
                key={s.skill}
                label={t('card.skillLevel', { skill: s.skill })}
                min={0}
                max={100}
                value={s.level}
                onChange={(v) =>
                  set(
                    'agent/skills',
                    (draft.agent.skills as { skill: string; level: number }[]).map((x, i) => (i === index ? { ...x, level: Number(v) || 0 } : x)),
                  )
                }
                error={problemAt(`agent/skills/${index}/level`)}
              />
            ))}
            <Checkbox
              label={t('card.assignLeads')}
              checked={Boolean(draft.agent.assignLeads)}
              onChange={(e) => set('agent/assignLeads', e.currentTarget.checked)}
            />
            <Checkbox label={t('card.allTags')} checked={Boolean(draft.agent.allTags)} onChange={(e) => set('agent/allTags', e.currentTarget.checked)} />
            <Checkbox label={t('card.allSkills')} checked={Boolean(draft.agent.allSkills)} onChange={(e) => set('agent/allSkills', e.currentTarget.checked)} />
            <TagsInput
              label={t('card.clientLanguages')}
              description={t('card.clientLanguagesHint')}
              data={clientLanguageChoices}
              value={(draft.agent.clientLanguages as string[] | null) ?? []}
              onChange={(v) => set('agent/clientLanguages', v.length ? v : null)}
              placeholder={(draft.agent.clientLanguages as string[] | null)?.length ? undefined : t('card.followsDefault')}
              error={listProblemAt('agent/clientLanguages')}
              clearable
            />
          </SimpleGrid>
          <Fieldset legend={t('card.predictive')} mt="md">
            <SimpleGrid cols={{ base: 1, md: 4 }}>
              <Select
                label={t('card.predictiveEnabled')}
                data={[
                  { value: 'default', label: t('card.followsDefault') },
                  { value: 'on', label: t('users.yes') },
                  { value: 'off', label: t('users.no') },
                ]}
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
            <Select
              label={t('card.twoFactorType')}
              description={t('card.twoFactorHint')}
              data={[
                { value: 'none', label: t('card.twoFactorNone') },
                { value: 'totp', label: t('card.twoFactorTotp'), disabled: loaded.data?.security.twoFactor !== 'totp' },
              ]}
              value={String(at(draft, 'security/twoFactor'))}
              onChange={(v) => v && set('security/twoFactor', v)}
              error={problemAt('security/twoFactor')}
              allowDeselect={false}
            />
            <Checkbox
              label={t('card.requireTwoFactor')}
              description={t('card.requireTwoFactorHint')}
              checked={Boolean(at(draft, 'security/requireTwoFactor'))}
              onChange={(e) => set('security/requireTwoFactor', e.currentTarget.checked)}
              style={{ alignSelf: 'center' }}
            />
            <Box />
            <NumberInput {...number('security/sessionTimeout', 'card.sessionTimeout')} placeholder={t('card.noLimit')} min={60} />
            <NumberInput {...number('security/sessionMaxAge', 'card.sessionMaxAge')} placeholder={t('card.sessionMaxAgeHint')} min={300} />
            <Box />
            <NumberInput {...number('security/maxSessions', 'card.maxSessions')} placeholder={t('card.noLimit')} min={1} />
            <Select
              label={t('card.sessionLimit')}
              data={(['end-oldest', 'deny-new'] as const).map((value) => ({ value, label: t(`card.sessionLimits.${value}`) }))}
              value={String(at(draft, 'security/sessionLimit'))}
              onChange={(v) => v && set('security/sessionLimit', v)}
              allowDeselect={false}
            />
            <Textarea
              label={t('card.ipAllowList')}
              description={t('card.authAclHint')}
              value={((draft.security as { ipAllowList: string[] }).ipAllowList ?? []).join('\n')}
              onChange={(e) => set('security/ipAllowList', e.currentTarget.value.split('\n').filter(Boolean))}
              error={listProblemAt('security/ipAllowList')}
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
            <PasswordInput
              {...text('integrations/calDavToken', 'card.calDavToken')}
              placeholder={loaded.data?.integrations.calDavTokenSet ? t('card.tokenSet') : ''}
              autoComplete="off"
            />
          </SimpleGrid>
          <Stack mt="md" maw={720}>
            <ExternalIdsField value={(draft.externalIds as ExternalIdEntry[]) ?? []} onChange={(list) => set('externalIds', list)} problemAt={problemAt} />
          </Stack>
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
  const entries = useQuery({
    queryKey: ['audit', domain, id],
    enabled: Boolean(domain),
    queryFn: () => api<{ items: AuditEntry[] }>('GET', `/api/v1/domains/${domain}/audit?target=${id}&limit=100`),
  });
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
