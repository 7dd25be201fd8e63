import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Modal,
  MultiSelect,
  Select,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { providerView, ssoPolicy } from '../../server/identity-providers/schema.ts';
import { notifyDone, notifyRefused, useAction } from '../api/action.ts';
import { api, ApiProblem } from '../api/client.ts';
import { may, useMe } from '../api/session.ts';

type Provider = z.infer<typeof providerView>;
type Policy = z.infer<typeof ssoPolicy>;

interface Draft {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  matchClaim: Provider['matchClaim'];
  allowedEmailDomains: string[];
  buttonLabel: string;
  justInTime: { enabled: boolean; roles: string[]; groups: string[] };
}
const draftOf = (p: Provider | null): Draft => ({
  issuer: p?.issuer ?? '',
  clientId: p?.clientId ?? '',
  clientSecret: '',
  scopes: p?.scopes ?? ['openid', 'email', 'profile'],
  matchClaim: p?.matchClaim ?? 'email',
  allowedEmailDomains: p?.allowedEmailDomains ?? [],
  buttonLabel: p?.buttonLabel ?? '',
  justInTime: p?.justInTime ?? { enabled: false, roles: [], groups: [] },
});
/** A client secret left empty when editing stays as it is. */
const bodyOf = (d: Draft, editing: boolean) => {
  const { clientSecret, ...rest } = d;
  return editing && clientSecret === '' ? rest : { ...rest, clientSecret };
};

const providersKey = (domain: string | undefined) => ['identity-providers', domain] as const;
const policyKey = (domain: string | undefined) => ['sso-policy', domain] as const;
const namesOf = (page: { items: { name: string }[] } | undefined) => page?.items.map((r) => r.name) ?? [];

/**
 * The domain's OpenID Connect identity providers: each a button on the sign-in page, with the
 * redirect URI to register at the provider; and who must sign in through one (the whole domain,
 * or holders of some roles). Changing them needs `identity-providers:update`.
 */
export function IdentityProviders() {
  const { t } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const writable = may(me, 'identity-providers:update');
  const client = useQueryClient();
  const base = `/api/v1/domains/${domain}/identity-providers`;
  const providers = useQuery({ queryKey: providersKey(domain), enabled: Boolean(domain), queryFn: () => api<{ items: Provider[] }>('GET', base) });
  const [form, setForm] = useState<{ editing: Provider | null } | null>(null);
  const [deleting, setDeleting] = useState<Provider | null>(null);
  const items = providers.data?.items ?? [];

  const remove = async (provider: Provider) => {
    try {
      await api('DELETE', `${base}/${provider.id}`);
      await client.invalidateQueries({ queryKey: providersKey(domain) });
      notifyDone(t('identityProviders.deleted', { label: provider.buttonLabel }));
      setDeleting(null);
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      notifyRefused(error, provider.buttonLabel);
    }
  };

  return (
    <Stack maw={1200}>
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          {t('identityProviders.title')}
        </Title>
        {writable && <Button onClick={() => setForm({ editing: null })}>{t('identityProviders.new')}</Button>}
      </Group>
      <Text c="dimmed" size="sm">
        {t('identityProviders.intro')}
      </Text>
      {providers.error instanceof ApiProblem && (
        <Alert color="red" role="alert">
          {providers.error.detail}
        </Alert>
      )}
      <Table striped aria-label={t('identityProviders.title')} verticalSpacing="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('identityProviders.buttonLabel')}</Table.Th>
            <Table.Th>{t('identityProviders.issuer')}</Table.Th>
            <Table.Th>{t('identityProviders.matchClaim')}</Table.Th>
            <Table.Th>{t('identityProviders.redirectUri')}</Table.Th>
            <Table.Th w={200}>
              <VisuallyHidden>{t('users.actions')}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((p) => (
            <Table.Tr key={p.id} data-provider={p.buttonLabel}>
              <Table.Td>
                <Text fw={600} size="sm">
                  {p.buttonLabel}
                </Text>
                {p.justInTime.enabled && <Badge variant="light">{t('identityProviders.jitOn')}</Badge>}
              </Table.Td>
              <Table.Td style={{ wordBreak: 'break-all' }}>{p.issuer}</Table.Td>
              <Table.Td>
                <Code>{p.matchClaim}</Code>
              </Table.Td>
              <Table.Td>
                <Group gap={4} wrap="nowrap">
                  <Code style={{ wordBreak: 'break-all' }}>{p.redirectUri}</Code>
                  <CopyButton value={p.redirectUri}>
                    {({ copied, copy }) => (
                      <Button size="compact-xs" variant="subtle" onClick={copy}>
                        {copied ? t('identityProviders.copied') : t('identityProviders.copy')}
                      </Button>
                    )}
                  </CopyButton>
                </Group>
              </Table.Td>
              <Table.Td>
                {writable && (
                  <Group gap="xs" justify="flex-end" wrap="nowrap">
                    <Button
                      size="xs"
                      variant="default"
                      aria-label={t('identityProviders.editNamed', { label: p.buttonLabel })}
                      onClick={() => setForm({ editing: p })}
                    >
                      {t('actions.edit')}
                    </Button>
                    <Button
                      size="xs"
                      variant="outline"
                      color="red.9"
                      aria-label={t('identityProviders.deleteNamed', { label: p.buttonLabel })}
                      onClick={() => setDeleting(p)}
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
      {providers.isSuccess && items.length === 0 && <Text c="dimmed">{t('identityProviders.none')}</Text>}

      <SsoPolicyForm domain={domain} writable={writable} />

      <Modal
        opened={form !== null}
        onClose={() => setForm(null)}
        title={form?.editing ? t('identityProviders.editNamed', { label: form.editing.buttonLabel }) : t('identityProviders.new')}
        size="lg"
      >
        {form && <ProviderForm key={form.editing?.id ?? 'new'} domain={domain} editing={form.editing} onClose={() => setForm(null)} />}
      </Modal>

      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={t('identityProviders.deleteTitle')}>
        {deleting && (
          <Stack>
            <Text>{t('identityProviders.deleteConfirm', { label: deleting.buttonLabel })}</Text>
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
    </Stack>
  );
}

/** A provider's form; the API's refusals are said at their fields, the rest above them. */
function ProviderForm({ domain, editing, onClose }: { domain: string | undefined; editing: Provider | null; onClose: () => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Draft>(draftOf(editing));
  const save = useAction(providersKey(domain));
  const roles = useQuery({
    queryKey: ['roles', domain],
    enabled: Boolean(domain),
    queryFn: () => api<{ items: { name: string }[] }>('GET', `/api/v1/domains/${domain}/roles`),
  });
  const groups = useQuery({
    queryKey: ['groups', domain],
    enabled: Boolean(domain),
    queryFn: () => api<{ items: { name: string }[] }>('GET', `/api/v1/domains/${domain}/groups`),
  });
  const base = `/api/v1/domains/${domain}/identity-providers`;
  const problem = save.problem;
  const at = (path: string) =>
    problem?.errors
      .filter((e) => e.path === path || e.path.startsWith(`${path}/`))
      .map((e) => e.message)
      .join(' · ') || undefined;
  const set = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  const jit = (change: Partial<Draft['justInTime']>) => set({ justInTime: { ...draft.justInTime, ...change } });

  const submit = async () => {
    const body = bodyOf(draft, editing !== null);
    const done = t('identityProviders.saved', { label: draft.buttonLabel });
    const ok = editing ? await save.run(() => api('PATCH', `${base}/${editing.id}`, body), done) : await save.run(() => api('POST', base, body), done);
    if (ok) onClose();
  };

  return (
    <Stack>
      {problem && (
        <Alert color="red" role="alert">
          {save.said}
        </Alert>
      )}
      <TextInput
        label={t('identityProviders.buttonLabel')}
        required
        value={draft.buttonLabel}
        error={at('buttonLabel')}
        onChange={(e) => set({ buttonLabel: e.currentTarget.value })}
      />
      <TextInput
        label={t('identityProviders.issuer')}
        description={t('identityProviders.issuerHint')}
        required
        value={draft.issuer}
        error={at('issuer')}
        onChange={(e) => set({ issuer: e.currentTarget.value })}
      />
      <TextInput
        label={t('identityProviders.clientId')}
        required
        value={draft.clientId}
        error={at('clientId')}
        onChange={(e) => set({ clientId: e.currentTarget.value })}
      />
      <TextInput
        type="password"
        label={t('identityProviders.clientSecret')}
        description={editing ? t('identityProviders.clientSecretKept') : undefined}
        required={!editing}
        autoComplete="new-password"
        value={draft.clientSecret}
        error={at('clientSecret')}
        onChange={(e) => set({ clientSecret: e.currentTarget.value })}
      />
      <TagsInput label={t('identityProviders.scopes')} value={draft.scopes} error={at('scopes')} onChange={(scopes) => set({ scopes })} />
      <Select
        label={t('identityProviders.matchClaim')}
        description={t('identityProviders.matchClaimHint')}
        data={['email', 'preferred_username', 'upn']}
        allowDeselect={false}
        value={draft.matchClaim}
        onChange={(v) => v && set({ matchClaim: v as Draft['matchClaim'] })}
      />
      <TagsInput
        label={t('identityProviders.allowedEmailDomains')}
        description={t('identityProviders.allowedEmailDomainsHint')}
        value={draft.allowedEmailDomains}
        error={at('allowedEmailDomains')}
        onChange={(allowedEmailDomains) => set({ allowedEmailDomains })}
      />
      <Switch
        label={t('identityProviders.jit')}
        description={t('identityProviders.jitHint')}
        checked={draft.justInTime.enabled}
        onChange={(e) => jit({ enabled: e.currentTarget.checked })}
      />
      {draft.justInTime.enabled && (
        <>
          <MultiSelect
            label={t('identityProviders.jitRoles')}
            data={namesOf(roles.data)}
            value={draft.justInTime.roles}
            error={at('justInTime/roles')}
            onChange={(r) => jit({ roles: r })}
          />
          <MultiSelect
            label={t('identityProviders.jitGroups')}
            data={namesOf(groups.data)}
            value={draft.justInTime.groups}
            error={at('justInTime/groups')}
            onChange={(g) => jit({ groups: g })}
          />
        </>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          {t('bulk.cancel')}
        </Button>
        <Button onClick={() => void submit()}>{editing ? t('identityProviders.save') : t('identityProviders.create')}</Button>
      </Group>
    </Stack>
  );
}

/** Whether the whole domain, or holders of some roles, must sign in through an identity provider. */
function SsoPolicyForm({ domain, writable }: { domain: string | undefined; writable: boolean }) {
  const { t } = useTranslation();
  const base = `/api/v1/domains/${domain}/sso-policy`;
  const policy = useQuery({ queryKey: policyKey(domain), enabled: Boolean(domain), queryFn: () => api<Policy>('GET', base) });
  const roles = useQuery({
    queryKey: ['roles', domain],
    enabled: Boolean(domain),
    queryFn: () => api<{ items: { name: string }[] }>('GET', `/api/v1/domains/${domain}/roles`),
  });
  const [draft, setDraft] = useState<Policy | null>(null);
  const save = useAction(policyKey(domain));
  const shown = draft ?? policy.data;
  if (!shown) return null;
  return (
    <Stack gap="xs" mt="lg">
      <Title order={2} size="h3">
        {t('identityProviders.policy')}
      </Title>
      {save.problem && (
        <Alert color="red" role="alert">
          {save.said}
        </Alert>
      )}
      <Checkbox
        label={t('identityProviders.policyDomain')}
        disabled={!writable}
        checked={shown.required}
        onChange={(e) => setDraft({ ...shown, required: e.currentTarget.checked })}
      />
      <MultiSelect
        label={t('identityProviders.policyRoles')}
        disabled={!writable}
        data={namesOf(roles.data)}
        value={shown.requiredRoles}
        onChange={(requiredRoles) => setDraft({ ...shown, requiredRoles })}
      />
      {writable && (
        <Group>
          <Button
            variant="default"
            disabled={draft === null}
            onClick={() => void save.run(() => api('PUT', base, shown), t('identityProviders.policySaved')).then((ok) => ok && setDraft(null))}
          >
            {t('identityProviders.policySave')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
