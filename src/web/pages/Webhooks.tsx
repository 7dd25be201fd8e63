import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Drawer,
  Group,
  Modal,
  MultiSelect,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { deliveryView, webhookCreated, webhookView } from '../../server/webhooks/schema.ts';
import { notifyDone, notifyRefused, useAction } from '../api/action.ts';
import { api, ApiProblem } from '../api/client.ts';
import { useMe } from '../api/session.ts';
import { eventTypeChoices } from './webhook-events.ts';

type Webhook = z.infer<typeof webhookView>;
type Delivery = z.infer<typeof deliveryView>;
type Created = z.infer<typeof webhookCreated>;

interface Draft {
  url: string;
  description: string;
  eventTypes: string[];
  active: boolean;
}
const draftOf = (hook?: Webhook): Draft => ({
  url: hook?.url ?? '',
  description: hook?.description ?? '',
  eventTypes: hook?.eventTypes ?? [],
  active: hook?.active ?? true,
});
const bodyOf = (d: Draft) => ({
  url: d.url.trim(),
  description: d.description.trim() || null,
  eventTypes: d.eventTypes,
  active: d.active,
});

/** A secret the server answered once: after a create, or a new one in place of the old. */
interface ShownSecret {
  url: string;
  secret: string;
  made: 'created' | 'rotated';
}

const hooksKey = (domain: string | undefined) => ['webhooks', domain] as const;
const deliveriesKey = (domain: string | undefined, id: string) => ['webhooks', domain, id, 'deliveries'] as const;

/** The fields a subscription's form has; a problem anywhere else is said above them. */
const fields = ['url', 'description', 'eventTypes', 'active'];
const atField = (problem: ApiProblem | null, field: string) => problem?.errors.find((e) => e.path === field || e.path.startsWith(`${field}/`));

/**
 * What the API says at the URL: a target it refused (an address not public, a name that does not
 * resolve) in the console's language, with the host and address it named; anything else as said.
 */
function urlProblem(problem: ApiProblem | null, t: (key: string, values?: Record<string, string>) => string): string | undefined {
  const refused = problem?.errors.find((e) => e.path === 'url' && e.code === 'webhook.target_refused');
  const notPublic = refused && /^(.+) resolves to (.+), which is not a public address/.exec(refused.message);
  if (notPublic) return t('webhooks.notPublic', { host: notPublic[1] as string, address: notPublic[2] as string });
  const unresolved = refused && /^(.+) does not resolve/.exec(refused.message);
  if (unresolved) return t('webhooks.unresolved', { host: unresolved[1] as string });
  return problem?.at('url');
}

/**
 * The domain's webhooks (Standard Webhooks): URLs that get the changes of the directory, signed
 * with a secret shown once. Each is created, changed, turned off or deleted here, sent a test
 * event, and its delivery log read, any delivery sent again with the same webhook-id.
 */
export function Webhooks() {
  const { t, i18n } = useTranslation();
  const domain = useMe().data?.user.domain;
  const client = useQueryClient();
  const base = `/api/v1/domains/${domain}/webhooks`;
  const hooks = useQuery({
    queryKey: hooksKey(domain),
    enabled: Boolean(domain),
    queryFn: () => api<{ items: Webhook[] }>('GET', base),
  });
  const [form, setForm] = useState<{ editing: Webhook | null } | null>(null);
  const [shown, setShown] = useState<ShownSecret | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const [logOf, setLogOf] = useState<Webhook | null>(null);

  /** A write from a row or the log: said when it worked, the API's refusal in a notice when not. */
  const attempt = async (write: () => Promise<unknown>, done: string, about: string): Promise<boolean> => {
    try {
      await write();
      await client.invalidateQueries({ queryKey: hooksKey(domain) });
      notifyDone(done);
      return true;
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      notifyRefused(error, about);
      return false;
    }
  };
  const remove = async (hook: Webhook) => {
    if (await attempt(() => api('DELETE', `${base}/${hook.id}`), t('webhooks.deleted', { url: hook.url }), hook.url)) {
      setDeleting(null);
      if (logOf?.id === hook.id) setLogOf(null);
    }
  };
  const ping = (hook: Webhook) => attempt(() => api('POST', `${base}/${hook.id}/ping`), t('webhooks.pinged', { url: hook.url }), hook.url);
  const items = hooks.data?.items ?? [];

  return (
    <Stack maw={1200}>
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          {t('webhooks.title')}
        </Title>
        <Button onClick={() => setForm({ editing: null })}>{t('webhooks.new')}</Button>
      </Group>
      <Text c="dimmed" size="sm">
        {t('webhooks.intro')}
      </Text>
      {hooks.error instanceof ApiProblem && (
        <Alert color="red" role="alert">
          {hooks.error.detail}
        </Alert>
      )}
      <Table striped aria-label={t('webhooks.title')} verticalSpacing="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('webhooks.url')}</Table.Th>
            <Table.Th>{t('webhooks.events')}</Table.Th>
            <Table.Th w={170}>{t('webhooks.state')}</Table.Th>
            <Table.Th w={210}>{t('webhooks.lastDelivery')}</Table.Th>
            <Table.Th w={330}>
              <VisuallyHidden>{t('users.actions')}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((hook) => (
            <Table.Tr key={hook.id} data-webhook={hook.url}>
              <Table.Td style={{ wordBreak: 'break-all' }}>
                <Text fw={600} size="sm">
                  {hook.url}
                </Text>
                {hook.description && (
                  <Text size="xs" c="dimmed" style={{ wordBreak: 'normal' }}>
                    {hook.description}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {hook.eventTypes.map((type) => (
                    <Code key={type}>{type}</Code>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>
                {hook.active ? (
                  <Badge color="teal">{t('webhooks.active')}</Badge>
                ) : (
                  <Badge color="dark" variant="outline">
                    {t('webhooks.inactive')}
                  </Badge>
                )}
                {hook.disabledReason === 'deliveries_failing' && (
                  <Text size="xs" c="red.9" mt={4}>
                    {t('webhooks.disabledFailing')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <LastDelivery domain={domain} hook={hook} />
              </Table.Td>
              <Table.Td>
                <Group gap="xs" justify="flex-end" wrap="nowrap">
                  <Button size="xs" variant="default" aria-label={t('webhooks.deliveriesOf', { url: hook.url })} onClick={() => setLogOf(hook)}>
                    {t('webhooks.deliveries')}
                  </Button>
                  <Button size="xs" variant="default" aria-label={t('webhooks.pingNamed', { url: hook.url })} onClick={() => void ping(hook)}>
                    {t('webhooks.ping')}
                  </Button>
                  <Button size="xs" variant="default" aria-label={t('webhooks.editNamed', { url: hook.url })} onClick={() => setForm({ editing: hook })}>
                    {t('actions.edit')}
                  </Button>
                  <Button size="xs" variant="outline" color="red.9" aria-label={t('webhooks.deleteNamed', { url: hook.url })} onClick={() => setDeleting(hook)}>
                    {t('actions.delete')}
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {hooks.isSuccess && items.length === 0 && <Text c="dimmed">{t('webhooks.none')}</Text>}

      <Modal
        opened={form !== null}
        onClose={() => setForm(null)}
        title={form?.editing ? t('webhooks.editNamed', { url: form.editing.url }) : t('webhooks.new')}
        size="lg"
      >
        {form && (
          <WebhookForm
            key={form.editing?.id ?? 'new'}
            domain={domain}
            editing={form.editing}
            onClose={() => setForm(null)}
            onSecret={(secret) => {
              setForm(null);
              setShown(secret);
            }}
            rotate={async (hook) => {
              let answer: { secret: string } | undefined;
              const done = await attempt(
                async () => {
                  answer = await api<{ secret: string }>('POST', `${base}/${hook.id}/secret`);
                },
                t('webhooks.rotated', { url: hook.url }),
                hook.url,
              );
              return done && answer ? answer.secret : null;
            }}
          />
        )}
      </Modal>

      <SecretDialog shown={shown} onClose={() => setShown(null)} />

      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={t('webhooks.deleteTitle')}>
        {deleting && (
          <Stack>
            <Text style={{ wordBreak: 'break-all' }}>{t('webhooks.deleteConfirm', { url: deleting.url })}</Text>
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

      <Drawer
        opened={logOf !== null}
        onClose={() => setLogOf(null)}
        position="right"
        size={1000}
        title={logOf ? t('webhooks.deliveriesOf', { url: logOf.url }) : ''}
      >
        {logOf && (
          <DeliveryLog
            domain={domain}
            hook={logOf}
            language={i18n.language}
            redeliver={(delivery, when) =>
              attempt(
                async () => {
                  await api('POST', `${base}/${logOf.id}/deliveries/${delivery.id}/redeliver`);
                  await client.invalidateQueries({
                    queryKey: deliveriesKey(domain, logOf.id),
                  });
                },
                t('webhooks.redelivered', { event: delivery.eventType, when }),
                logOf.url,
              )
            }
          />
        )}
      </Drawer>
    </Stack>
  );
}

/**
 * A subscription's form, for a new one or to change one: the URL, what it is for, the event
 * types, on or off; a changed one may get a new signing secret. The API's refusals are said at
 * their fields.
 */
function WebhookForm({
  domain,
  editing,
  onClose,
  onSecret,
  rotate,
}: {
  domain: string | undefined;
  editing: Webhook | null;
  onClose: () => void;
  onSecret: (shown: ShownSecret) => void;
  rotate: (hook: Webhook) => Promise<string | null>;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Draft>(draftOf(editing ?? undefined));
  const [rotating, setRotating] = useState(false);
  const save = useAction(hooksKey(domain));
  const base = `/api/v1/domains/${domain}/webhooks`;
  const problem = save.problem;
  const unplaced = problem && !problem.errors.some((e) => fields.some((f) => e.path === f || e.path.startsWith(`${f}/`)));
  const eventsProblem = atField(problem, 'eventTypes');
  const choices = eventTypeChoices(draft.eventTypes).map((g) => ({
    group: g.resource === null ? t('webhooks.everything') : g.resource === 'other' ? t('webhooks.otherPatterns') : g.resource,
    items: g.items.map((value) => ({
      value,
      label: value === '*' ? t('webhooks.all') : value,
    })),
  }));

  const submit = async () => {
    const body = bodyOf(draft);
    if (editing) {
      if (await save.run(() => api('PATCH', `${base}/${editing.id}`, body), t('webhooks.saved', { url: body.url }))) onClose();
      return;
    }
    let created: Created | undefined;
    const made = await save.run(
      async () => {
        created = await api<Created>('POST', base, body);
      },
      t('webhooks.created', { url: body.url }),
    );
    if (made && created) onSecret({ url: created.url, secret: created.secret, made: 'created' });
  };
  const rotateNow = async () => {
    if (!editing) return;
    const secret = await rotate(editing);
    setRotating(false);
    if (secret) onSecret({ url: editing.url, secret, made: 'rotated' });
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
          label={t('webhooks.url')}
          description={t('webhooks.urlHint')}
          placeholder="https://crm.example.com/hooks/switchboard"
          inputMode="url"
          autoComplete="url"
          required
          data-autofocus
          value={draft.url}
          onChange={(e) => setDraft({ ...draft, url: e.currentTarget.value })}
          error={urlProblem(problem, t)}
        />
        <TextInput
          label={t('card.description')}
          value={draft.description}
          onChange={(e) => setDraft({ ...draft, description: e.currentTarget.value })}
          error={problem?.at('description')}
        />
        <MultiSelect
          label={t('webhooks.events')}
          description={t('webhooks.eventsHint')}
          required
          searchable
          data={choices}
          value={draft.eventTypes}
          onChange={(eventTypes) => setDraft({ ...draft, eventTypes })}
          error={
            eventsProblem &&
            `${eventsProblem.path !== 'eventTypes' ? `${draft.eventTypes[Number(eventsProblem.path.split('/')[1])] ?? ''}: ` : ''}${problem?.at(eventsProblem.path) ?? ''}`
          }
          comboboxProps={{ withinPortal: true }}
          maxDropdownHeight={280}
        />
        <Switch
          label={t('webhooks.activeLabel')}
          description={t('webhooks.activeHint')}
          checked={draft.active}
          onChange={(e) => setDraft({ ...draft, active: e.currentTarget.checked })}
        />
        {editing && (
          <Stack
            gap={6}
            p="sm"
            style={{
              border: '1px solid var(--mantine-color-gray-4)',
              borderRadius: 'var(--mantine-radius-sm)',
            }}
          >
            <Text fw={600} size="sm">
              {t('webhooks.secret')}
            </Text>
            <Text size="sm">{t('webhooks.rotateHint')}</Text>
            <Group>
              {rotating ? (
                <>
                  <Button color="red.9" variant="outline" onClick={() => void rotateNow()}>
                    {t('webhooks.rotateNow')}
                  </Button>
                  <Button variant="default" onClick={() => setRotating(false)}>
                    {t('bulk.cancel')}
                  </Button>
                </>
              ) : (
                <Button variant="default" onClick={() => setRotating(true)}>
                  {t('webhooks.rotate')}
                </Button>
              )}
            </Group>
          </Stack>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('bulk.cancel')}
          </Button>
          <Button type="submit" disabled={!draft.url.trim() || draft.eventTypes.length === 0}>
            {editing ? t('card.save') : t('webhooks.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The outcome of a subscription's newest delivery, read with the list. */
function LastDelivery({ domain, hook }: { domain: string | undefined; hook: Webhook }) {
  const { t, i18n } = useTranslation();
  const last = useQuery({
    queryKey: [...deliveriesKey(domain, hook.id), 'last'],
    enabled: Boolean(domain),
    refetchInterval: 5000,
    queryFn: () => api<{ items: Delivery[] }>('GET', `/api/v1/domains/${domain}/webhooks/${hook.id}/deliveries?limit=1`),
    select: (page) => page.items[0] ?? null,
  });
  if (!last.isSuccess) return null;
  if (!last.data)
    return (
      <Text size="sm" c="dimmed">
        {t('webhooks.noDeliveries')}
      </Text>
    );
  const attempt = last.data.log.at(-1);
  return (
    <Stack gap={2} data-testid="last-delivery">
      <Group gap={6}>
        <StateBadge state={last.data.state} />
        {attempt && attempt.status !== null && <Text size="sm">{attempt.status}</Text>}
      </Group>
      <Text size="xs" c="dimmed">
        <Code>{last.data.eventType}</Code> {new Date(attempt?.at ?? last.data.createdAt).toLocaleString(i18n.language)}
      </Text>
    </Stack>
  );
}

function StateBadge({ state }: { state: Delivery['state'] }) {
  const { t } = useTranslation();
  const color = { delivered: 'teal', pending: 'yellow', failed: 'red' }[state];
  return <Badge color={color}>{t(`webhooks.states.${state}`)}</Badge>;
}

/**
 * A subscription's delivery log, newest first and read again every two seconds while open: each
 * delivery with its last attempt (time, status code, latency), how many attempts it took, and
 * how it ended; any can be sent again.
 */
function DeliveryLog({
  domain,
  hook,
  language,
  redeliver,
}: {
  domain: string | undefined;
  hook: Webhook;
  language: string;
  redeliver: (delivery: Delivery, when: string) => Promise<boolean>;
}) {
  const { t } = useTranslation();
  const log = useInfiniteQuery({
    queryKey: deliveriesKey(domain, hook.id),
    enabled: Boolean(domain),
    refetchInterval: 2000,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api<{ items: Delivery[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/domains/${domain}/webhooks/${hook.id}/deliveries?limit=50${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    getNextPageParam: (last) => last.nextCursor,
  });
  const deliveries = log.data?.pages.flatMap((p) => p.items) ?? [];
  const time = (iso: string) => new Date(iso).toLocaleString(language);
  return (
    <Stack>
      {!hook.active && (
        <Alert color="yellow" role="status">
          {t('webhooks.inactiveLog')}
        </Alert>
      )}
      <Table striped aria-label={t('webhooks.deliveryLog')} verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={180}>{t('webhooks.time')}</Table.Th>
            <Table.Th>{t('webhooks.eventType')}</Table.Th>
            <Table.Th w={90}>{t('webhooks.statusCode')}</Table.Th>
            <Table.Th w={90}>{t('webhooks.latency')}</Table.Th>
            <Table.Th w={80}>{t('webhooks.attempt')}</Table.Th>
            <Table.Th>{t('webhooks.result')}</Table.Th>
            <Table.Th w={120}>
              <VisuallyHidden>{t('users.actions')}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {deliveries.map((delivery) => {
            const last = delivery.log.at(-1);
            const when = time(last?.at ?? delivery.createdAt);
            return (
              <Table.Tr key={delivery.id} data-delivery={delivery.id} data-event={delivery.eventType} data-state={delivery.state}>
                <Table.Td>{when}</Table.Td>
                <Table.Td>
                  <Code>{delivery.eventType}</Code>
                </Table.Td>
                <Table.Td data-testid="status-code">{last?.status ?? '—'}</Table.Td>
                <Table.Td>
                  {last
                    ? t('webhooks.ms', {
                        ms: last.latencyMs.toLocaleString(language),
                      })
                    : '—'}
                </Table.Td>
                <Table.Td>{delivery.attempts}</Table.Td>
                <Table.Td>
                  <StateBadge state={delivery.state} />
                  {last?.error && (
                    <Text size="xs" c="red.9" mt={2}>
                      {last.error}
                    </Text>
                  )}
                  {delivery.state === 'pending' && delivery.nextAttemptAt && (
                    <Text size="xs" c="dimmed" mt={2}>
                      {t('webhooks.nextAttempt', {
                        when: time(delivery.nextAttemptAt),
                      })}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td ta="right">
                  <Button
                    size="xs"
                    variant="default"
                    aria-label={t('webhooks.redeliverNamed', {
                      event: delivery.eventType,
                      when,
                    })}
                    onClick={() => void redeliver(delivery, when)}
                  >
                    {t('webhooks.redeliver')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {log.isSuccess && deliveries.length === 0 && <Text c="dimmed">{t('webhooks.noDeliveriesYet')}</Text>}
      {log.hasNextPage && (
        <Group>
          <Button variant="default" loading={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
            {t('webhooks.older')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

/**
 * The signing secret, shown this once (as a new SIP secret and a range's secrets are): copied
 * into the receiver, or downloaded. Closed, it is gone: only a new secret can be made.
 */
function SecretDialog({ shown, onClose }: { shown: ShownSecret | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal opened={shown !== null} onClose={onClose} title={t('webhooks.secretTitle')} size="lg" closeOnClickOutside={false}>
      {shown && (
        <Stack>
          <Alert color="green">{shown.made === 'created' ? t('webhooks.createdFor', { url: shown.url }) : t('webhooks.rotatedFor', { url: shown.url })}</Alert>
          <Text size="sm">{t('webhooks.secretOnce')}</Text>
          <Code block data-testid="webhook-secret" aria-label={t('webhooks.secret')} style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
            {shown.secret}
          </Code>
          <Group justify="space-between">
            <Group>
              <CopyButton value={shown.secret}>
                {({ copied, copy }) => (
                  <Button variant="default" color={copied ? 'teal' : undefined} onClick={copy}>
                    {copied ? t('webhooks.copied') : t('webhooks.copy')}
                  </Button>
                )}
              </CopyButton>
              <Button
                component="a"
                variant="default"
                href={`data:text/plain;charset=utf-8,${encodeURIComponent(`${shown.secret}\n`)}`}
                download="webhook-signing-secret.txt"
              >
                {t('webhooks.download')}
              </Button>
            </Group>
            <Button onClick={onClose}>{t('webhooks.kept')}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
