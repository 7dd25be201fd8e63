import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  List,
  Loader,
  Modal,
  MultiSelect,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { tokenCreated, tokenView } from '../../server/tokens/schema.ts';
import { notifyDone, notifyRefused, useAction } from '../api/action.ts';
import { api, ApiProblem } from '../api/client.ts';
import { useList } from '../api/lists.ts';
import { may, useMe, type Me } from '../api/session.ts';
import { grantedWith, PROVISION, roleChoices, type RoleGrants } from './provisioning-scope.ts';

type Token = z.infer<typeof tokenView>;
type Created = z.infer<typeof tokenCreated>;

const tokensKey = ['me', 'tokens'] as const;
const DAY = 86_400;
/** How long a token may last, as the API bounds it (an hour to two years); 90 days unless chosen. */
const lifetimes = [30, 90, 365, 730] as const;

/**
 * Provisioning from an identity provider (SCIM 2.0): the domain's base URL to paste into it, and
 * the signed-in administrator's tokens holding scim:provision — made here (shown once), listed
 * with their use, revoked after a confirmation.
 */
export function Provisioning() {
  const { t, i18n } = useTranslation();
  const me = useMe().data;
  const client = useQueryClient();
  const baseUrl = `${window.location.origin}/scim/v2/${me?.user.domain ?? ''}`;
  const tokens = useQuery({
    queryKey: tokensKey,
    queryFn: () => api<{ items: Token[] }>('GET', '/api/v1/me/tokens'),
    select: (page) => page.items.filter((token) => token.permissions.includes(PROVISION)),
  });
  const [making, setMaking] = useState(false);
  const [shown, setShown] = useState<Created | null>(null);
  const [revoking, setRevoking] = useState<Token | null>(null);
  const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString(i18n.language) : t('provisioning.never'));

  const revoke = async (token: Token) => {
    try {
      await api('DELETE', `/api/v1/me/tokens/${encodeURIComponent(token.id)}`);
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      notifyRefused(error, token.name);
      return;
    }
    await client.invalidateQueries({ queryKey: tokensKey });
    notifyDone(t('provisioning.revoked', { name: token.name }));
    setRevoking(null);
  };
  const items = tokens.data ?? [];

  return (
    <Stack maw={1100}>
      <Title order={1} size="h2">
        {t('provisioning.title')}
      </Title>
      <Text c="dimmed" size="sm">
        {t('provisioning.intro')}
      </Text>
      <BaseUrl url={baseUrl} />
      <WhereToPaste />

      <Group justify="space-between" align="flex-end" mt="md">
        <Title order={2} size="h3">
          {t('provisioning.tokens')}
        </Title>
        <Button onClick={() => setMaking(true)}>{t('provisioning.new')}</Button>
      </Group>
      {tokens.error instanceof ApiProblem && (
        <Alert color="red" role="alert">
          {tokens.error.detail}
        </Alert>
      )}
      <Table striped aria-label={t('provisioning.tokens')} verticalSpacing="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('provisioning.name')}</Table.Th>
            <Table.Th>{t('provisioning.created')}</Table.Th>
            <Table.Th>{t('provisioning.expires')}</Table.Th>
            <Table.Th>{t('provisioning.lastUsed')}</Table.Th>
            <Table.Th w={120}>
              <VisuallyHidden>{t('users.actions')}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((token) => (
            <Table.Tr key={token.id} data-token={token.name}>
              <Table.Td>
                <Text fw={600} size="sm">
                  {token.name}
                </Text>
                <Group gap={4} mt={4}>
                  {token.permissions.map((p) => (
                    <Code key={p}>{p}</Code>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>{time(token.createdAt)}</Table.Td>
              <Table.Td>{time(token.expiresAt)}</Table.Td>
              <Table.Td>{time(token.lastUsedAt)}</Table.Td>
              <Table.Td ta="right">
                <Button
                  size="xs"
                  variant="outline"
                  color="red.9"
                  aria-label={t('provisioning.revokeNamed', { name: token.name })}
                  onClick={() => setRevoking(token)}
                >
                  {t('provisioning.revoke')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {tokens.isSuccess && items.length === 0 && <Text c="dimmed">{t('provisioning.none')}</Text>}

      <Modal opened={making} onClose={() => setMaking(false)} title={t('provisioning.new')} size="lg">
        {making && me && (
          <TokenForm
            me={me}
            onClose={() => setMaking(false)}
            onCreated={(created) => {
              setMaking(false);
              setShown(created);
            }}
          />
        )}
      </Modal>

      <TokenDialog shown={shown} onClose={() => setShown(null)} />

      <Modal opened={revoking !== null} onClose={() => setRevoking(null)} title={t('provisioning.revokeTitle')}>
        {revoking && (
          <Stack>
            <Text>{t('provisioning.revokeConfirm', { name: revoking.name })}</Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setRevoking(null)} data-autofocus>
                {t('bulk.cancel')}
              </Button>
              <Button color="red.9" onClick={() => void revoke(revoking)}>
                {t('provisioning.revoke')}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

function BaseUrl({ url }: { url: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap={6}>
      <Text fw={600} id="scim-base-url">
        {t('provisioning.baseUrl')}
      </Text>
      <Group gap="sm" wrap="nowrap">
        <Code data-testid="scim-base-url" aria-labelledby="scim-base-url" style={{ wordBreak: 'break-all', fontSize: 'var(--mantine-font-size-sm)' }}>
          {url}
        </Code>
        <CopyButton value={url}>
          {({ copied, copy }) => (
            <Button size="xs" variant="default" onClick={copy}>
              {copied ? t('provisioning.copied') : t('provisioning.copyUrl')}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}

/** The field names each identity provider's own screens use, so nobody has to guess. */
function WhereToPaste() {
  const { t } = useTranslation();
  const vendors = [
    { name: 'Microsoft Entra ID', steps: ['entraUrl', 'entraToken', 'entraTest'] },
    { name: 'Okta', steps: ['oktaUrl', 'oktaId', 'oktaAuth', 'oktaToken'] },
  ];
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      {vendors.map((vendor) => (
        <Stack key={vendor.name} gap={6} p="sm" style={{ border: '1px solid var(--mantine-color-gray-4)', borderRadius: 'var(--mantine-radius-sm)' }}>
          <Title order={2} size="h4">
            {vendor.name}
          </Title>
          <List size="sm" spacing={4}>
            {vendor.steps.map((step) => (
              <List.Item key={step}>{t(`provisioning.${step}`)}</List.Item>
            ))}
          </List>
        </Stack>
      ))}
    </SimpleGrid>
  );
}

/**
 * A new provisioning token: its name, how long it lasts, and the roles the identity provider may
 * give users. The scope is scim:provision and those roles' permissions (a SCIM write acts with
 * the token's scope: a role is granted, and an account holding it deactivated, only by a token
 * holding its permissions); it is shown before it is made.
 */
function TokenForm({ me, onClose, onCreated }: { me: Me; onClose: () => void; onCreated: (created: Created) => void }) {
  const { t } = useTranslation();
  const roles = useList<RoleGrants>(me.user.domain, 'roles', may(me, 'roles:read'));
  const choices = roleChoices(roles.data?.items ?? [], me.permissions);
  const [name, setName] = useState('');
  const [days, setDays] = useState<string>('90');
  const [granting, setGranting] = useState<string[] | null>(null);
  const chosen = granting ?? choices.filter((c) => c.byDefault && !c.beyond).map((c) => c.name);
  const permissions = grantedWith(roles.data?.items ?? [], chosen);
  const save = useAction(tokensKey);
  const problem = save.problem;
  const unplaced = problem && !problem.errors.some((e) => e.path === 'name' || e.path === 'expiresIn');

  const submit = async () => {
    let created: Created | undefined;
    const made = await save.run(
      async () => {
        created = await api<Created>('POST', '/api/v1/me/tokens', { name: name.trim(), permissions, expiresIn: Number(days) * DAY });
      },
      t('provisioning.createdNotice', { name: name.trim() }),
    );
    if (made && created) onCreated(created);
  };

  return (
    <form noValidate onSubmit={(e) => (e.preventDefault(), void submit())}>
      <Stack>
        {unplaced && (
          <Alert color="red" role="alert">
            {save.said}
          </Alert>
        )}
        <TextInput
          label={t('provisioning.name')}
          description={t('provisioning.nameHint')}
          required
          data-autofocus
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={problem?.at('name')}
        />
        <Select
          label={t('provisioning.lifetime')}
          data={lifetimes.map((d) => ({ value: String(d), label: t('provisioning.days', { count: d }) }))}
          value={days}
          onChange={(value) => value && setDays(value)}
          allowDeselect={false}
          error={problem?.at('expiresIn')}
          comboboxProps={{ withinPortal: true }}
        />
        <MultiSelect
          label={t('provisioning.roles')}
          description={t('provisioning.rolesHint')}
          searchable
          data={choices.map((c) => ({ value: c.name, label: c.beyond ? t('provisioning.roleBeyond', { role: c.name }) : c.name, disabled: c.beyond }))}
          value={chosen}
          onChange={setGranting}
          comboboxProps={{ withinPortal: true }}
        />
        <Stack gap={4}>
          <Text size="sm" fw={600} id="token-scope">
            {t('provisioning.scope')}
          </Text>
          {/* Until the roles are read, the scope is not yet known: shown, or made, it would be narrower than the token's. */}
          {roles.isLoading ? (
            <Loader size="xs" aria-label={t('users.loading')} />
          ) : (
            <Group gap={4} aria-labelledby="token-scope" role="list">
              {permissions.map((p) => (
                <Code key={p} role="listitem">
                  {p}
                </Code>
              ))}
            </Group>
          )}
          <Text size="xs" c="dimmed">
            {t('provisioning.scopeHint')}
          </Text>
        </Stack>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('bulk.cancel')}
          </Button>
          <Button type="submit" disabled={roles.isLoading}>
            {t('provisioning.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The token, this once: closed, it is gone (the server keeps only its hash). */
function TokenDialog({ shown, onClose }: { shown: Created | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal opened={shown !== null} onClose={onClose} title={t('provisioning.tokenTitle')} size="lg" closeOnClickOutside={false}>
      {shown && (
        <Stack>
          <Alert color="green">{t('provisioning.createdFor', { name: shown.name })}</Alert>
          <Alert color="yellow" role="alert">
            {t('provisioning.once')}
          </Alert>
          <Code block data-testid="provisioning-token" aria-label={t('provisioning.tokenTitle')} style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
            {shown.token}
          </Code>
          <Group justify="space-between">
            <CopyButton value={shown.token}>
              {({ copied, copy }) => (
                <Button variant="default" onClick={copy}>
                  {copied ? t('provisioning.copied') : t('provisioning.copyToken')}
                </Button>
              )}
            </CopyButton>
            <Button onClick={onClose}>{t('provisioning.kept')}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
