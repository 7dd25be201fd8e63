import { Alert, Badge, Button, Card, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAction } from '../api/action.ts';
import { api, ApiProblem, said } from '../api/client.ts';
import { useLiveEvents, type Presence } from '../api/events.ts';
import { may, useMe } from '../api/session.ts';
import { startSoftphone, type Softphone } from '../components/softphone.ts';
import { TimeSince } from '../components/TimeSince.tsx';
import { statusColor } from '../components/user-columns.tsx';

/**
 * What an agent sees: their own status (contact-center login, available, a break with its
 * reason, do not disturb) and a WebRTC softphone that registers with the directory's registrar.
 */
export function Workspace() {
  const { t } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const id = me?.user.id;
  const userPath = `/api/v1/domains/${domain}/users/${id}`;
  const own = useQuery({ queryKey: ['presence', domain, id], enabled: Boolean(id), queryFn: () => api<Presence>('GET', `${userPath}/presence`) });
  const live = useLiveEvents(
    domain,
    useCallback(() => undefined, []),
  );
  const presence = (id && live.get(id)) || own.data;
  const reasons = useQuery({
    queryKey: ['pause-reasons', domain],
    enabled: Boolean(domain) && may(me, 'catalogs:read'),
    queryFn: () => api<{ items: { name: string }[] }>('GET', `/api/v1/domains/${domain}/pause-reasons`),
  });
  const [reason, setReason] = useState<string | null>(null);
  const { run, said: problem } = useAction(['presence', domain, id]);
  const act = (method: string, path: string, body?: unknown) => run(() => api(method, `${userPath}/${path}`, body));
  const inCc = presence?.cc.loggedIn ?? false;
  const status = presence?.status.value ?? 'offline';

  return (
    <Stack maw={720}>
      <Title order={1} size="h2">
        {t('workspace.title')}
      </Title>
      {problem && (
        <Alert color="red" role="alert">
          {problem}
        </Alert>
      )}
      <Card withBorder>
        <Stack>
          <Group>
            <Text>{t('workspace.status')}:</Text>
            <Badge size="lg" color={statusColor[status]} data-testid="own-status" data-status={status}>
              {t(`users.statuses.${status}`)}
              {presence?.status.reason ? ` · ${presence.status.reason}` : ''}
            </Badge>
            {presence && <TimeSince since={presence.status.since} />}
          </Group>
          {!me?.user.agent.enabled && <Text data-testid="not-agent">{t('workspace.notAgent')}</Text>}
          {me?.user.agent.enabled && (
            <Group>
              {inCc ? (
                <Button variant="default" onClick={() => void act('POST', 'cc/logout')}>
                  {t('workspace.ccLogout')}
                </Button>
              ) : (
                <Button onClick={() => void act('POST', 'cc/login')}>{t('workspace.ccLogin')}</Button>
              )}
              <Button color="teal" disabled={!inCc || status === 'available'} onClick={() => void act('PUT', 'status', { status: 'available' })}>
                {t('users.statuses.available')}
              </Button>
              <Select
                aria-label={t('workspace.reason')}
                placeholder={t('workspace.reason')}
                data={(reasons.data?.items ?? []).map((r) => r.name)}
                value={reason}
                onChange={setReason}
                clearable
                w={180}
              />
              <Button color="yellow" disabled={!inCc} onClick={() => void act('PUT', 'status', { status: 'break', ...(reason ? { reason } : {}) })}>
                {t('workspace.takeBreak')}
              </Button>
              <Button color="red" variant="light" disabled={!inCc} onClick={() => void act('PUT', 'status', { status: 'dnd' })}>
                {t('users.statuses.dnd')}
              </Button>
            </Group>
          )}
        </Stack>
      </Card>
      {me?.user.agent.enabled && <Phone />}
    </Stack>
  );
}

/**
 * The softphone card: started by the agent, registered over the registrar's WebSocket by the
 * console session, beside the agent's desk phones (whose secret it never touches).
 */
function Phone() {
  const { t } = useTranslation();
  const [phone, setPhone] = useState<Softphone | null>(null);
  const [state, setState] = useState<'off' | 'starting' | 'registered' | 'failed'>('off');
  const [detail, setDetail] = useState('');
  useEffect(() => () => phone?.stop(), [phone]);
  const start = async () => {
    setState('starting');
    try {
      setPhone(
        await startSoftphone((next, failure) => {
          setState(next);
          setDetail(failure ? t(`workspace.phoneFailures.${failure}`) : '');
        }),
      );
    } catch (error) {
      setState('failed');
      setDetail(error instanceof ApiProblem ? said({ code: error.code, message: error.detail }) : t('workspace.phoneFailures.unreachable'));
    }
  };
  return (
    <Card withBorder>
      <Group justify="space-between">
        <Group>
          <Text>{t('workspace.phone')}:</Text>
          <Badge data-testid="phone-state" color={state === 'registered' ? 'teal' : state === 'failed' ? 'red' : 'gray'}>
            {t(`workspace.phoneStates.${state}`)}
          </Badge>
          {detail && <Text size="sm">{detail}</Text>}
        </Group>
        {state === 'off' || state === 'failed' ? (
          <Button onClick={() => void start()}>{t('workspace.startPhone')}</Button>
        ) : (
          <Button
            variant="default"
            onClick={() => {
              phone?.stop();
              setPhone(null);
              setState('off');
            }}
          >
            {t('workspace.stopPhone')}
          </Button>
        )}
      </Group>
    </Card>
  );
}
