import { Alert, Badge, Button, Checkbox, Group, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAction } from '../api/action.ts';
import { listKey, useList } from '../api/lists.ts';
import { api, said } from '../api/client.ts';
import { may, useMe } from '../api/session.ts';
import type { UserView } from './user-draft.ts';

/** What the domain's password policy says of a password as it is typed (debounced). */
export function usePasswordVerdict(
  domain: string | undefined,
  password: string,
  identity: { login: string; email: string; firstName: string; lastName: string },
) {
  const [problems, setProblems] = useState<string[]>([]);
  const { login, email, firstName, lastName } = identity;
  useEffect(() => {
    if (!domain || !password) return setProblems([]);
    const timer = setTimeout(() => {
      void api<{ problems: { code: string; message: string }[] }>('POST', `/api/v1/domains/${domain}/password-policy/check`, {
        password,
        ...Object.fromEntries(Object.entries({ login, email, firstName, lastName }).filter(([, v]) => v)),
      })
        .then((verdict) => setProblems(verdict.problems.map(said)))
        .catch(() => setProblems([]));
    }, 300);
    return () => clearTimeout(timer);
  }, [domain, password, login, email, firstName, lastName]);
  return problems;
}

/** The user's open sessions, each revocable, and two-factor authentication with its reset. */
export function Sessions({ domain, user }: { domain: string; user: UserView }) {
  const { t, i18n } = useTranslation();
  const me = useMe().data;
  const path = `/api/v1/domains/${domain}/users/${user.id}`;
  const sessions = useQuery({
    queryKey: ['sessions', domain, user.id],
    queryFn: () =>
      api<{ items: { id: string; createdAt: string; lastSeenAt?: string; address?: string | null; userAgent?: string | null }[] }>('GET', `${path}/sessions`),
  });
  const { run, said: problem } = useAction(['sessions', domain, user.id], ['user', domain, user.id]);
  const act = (method: string, suffix: string, body?: unknown) =>
    run(() => api(method, `${path}${suffix}`, body, body ? { 'if-match': `"${user.version}"` } : {}));
  return (
    <Stack>
      {problem && <Alert color="red">{problem}</Alert>}
      <Group>
        <Text>{t('security.twoFactor')}:</Text>
        <Badge color={user.security.twoFactor === 'totp' ? 'teal' : 'dark'}>
          {user.security.twoFactor === 'totp' ? t('security.totpOn') : t('security.totpOff')}
        </Badge>
        {user.security.twoFactor === 'totp' && may(me, 'users:update') && (
          <Button size="xs" variant="light" color="red" onClick={() => void act('PATCH', '', { security: { twoFactor: 'none' } })}>
            {t('security.resetTotp')}
          </Button>
        )}
      </Group>
      <Text fw={600}>{t('security.sessions')}</Text>
      <Table aria-label={t('security.sessions')}>
        <Table.Tbody>
          {(sessions.data?.items ?? []).map((session) => (
            <Table.Tr key={session.id}>
              <Table.Td>{new Date(session.createdAt).toLocaleString(i18n.language)}</Table.Td>
              <Table.Td>{session.address ?? ''}</Table.Td>
              <Table.Td>{session.userAgent ?? ''}</Table.Td>
              <Table.Td>
                {may(me, 'users:update') && (
                  <Button size="xs" variant="subtle" color="red" onClick={() => void act('DELETE', `/sessions/${session.id}`)}>
                    {t('security.revoke')}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {(sessions.data?.items.length ?? 0) === 0 && <Text size="sm">{t('security.noSessions')}</Text>}
    </Stack>
  );
}

/** The domain's licenses, ticked where the user holds one; a tick takes or gives back a seat at once. */
export function UserLicenses({ domain, user }: { domain: string; user: UserView }) {
  const { t } = useTranslation();
  const me = useMe().data;
  const licenses = useList<{ name: string; free: number; seats: number; expired: boolean }>(domain, 'licenses');
  const { run, said: problem } = useAction(listKey(domain, 'licenses'), ['user', domain, user.id]);
  const toggle = (name: string, held: boolean) =>
    run(() => api(held ? 'DELETE' : 'POST', `/api/v1/domains/${domain}/users/${user.id}/licenses/${encodeURIComponent(name)}`));
  return (
    <Stack>
      {problem && (
        <Alert color="red" role="alert">
          {problem}
        </Alert>
      )}
      {(licenses.data?.items ?? []).map((license) => {
        const held = user.licenses.includes(license.name);
        return (
          <Checkbox
            key={license.name}
            label={`${license.name} — ${t('security.seatsLeft', { free: license.free, seats: license.seats })}`}
            checked={held}
            disabled={!may(me, 'licenses:assign') || (!held && (license.free < 1 || license.expired))}
            onChange={() => void toggle(license.name, held)}
          />
        );
      })}
    </Stack>
  );
}
