import { Alert, Button, Card, Group, SimpleGrid, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import type { hotDeskView } from '../../server/sip-accounts/schema.ts';
import { useAction } from '../api/action.ts';
import { api } from '../api/client.ts';
import { may, useMe } from '../api/session.ts';
import { TimeSince } from '../components/TimeSince.tsx';

type Desk = z.infer<typeof hotDeskView>;

/**
 * Hot desks, for SIP accounts with dynamic assignment: the extensions users sign in to, who sits
 * at each and since when. An administrator adds and removes desks and signs a user out of one.
 */
export function HotDesks() {
  const { t, i18n } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const key = ['hot-desks', domain];
  const desks = useQuery({
    queryKey: key,
    enabled: Boolean(domain),
    queryFn: () => api<{ items: Desk[] }>('GET', `/api/v1/domains/${domain}/hot-desks`),
    refetchInterval: 15_000,
  });
  const [draft, setDraft] = useState({ extension: '', description: '' });
  const { run, problem, said } = useAction(key, ['users']);
  const manage = may(me, 'telephony:manage');
  const list = desks.data?.items ?? [];
  const taken = list.filter((d) => d.occupiedBy).length;

  const add = async () => {
    const extension = draft.extension.trim();
    if (
      await run(
        () => api('POST', `/api/v1/domains/${domain}/hot-desks`, { extension, description: draft.description.trim() || null }),
        t('hotDesks.added', { extension }),
      )
    )
      setDraft({ extension: '', description: '' });
  };
  const signOut = async (desk: Desk) => {
    if (!desk.occupiedBy) return;
    const who = desk.occupiedBy;
    await run(
      () => api('POST', `/api/v1/domains/${domain}/users/${who.id}/sip/sign-out`),
      t('hotDesks.signedOut', { login: who.login, extension: desk.extension }),
    );
  };
  const remove = async (desk: Desk) => {
    await run(() => api('DELETE', `/api/v1/domains/${domain}/hot-desks/${desk.extension}`), t('hotDesks.removed', { extension: desk.extension }));
  };

  return (
    <Stack maw={1000}>
      <Title order={1} size="h2">
        {t('hotDesks.title')}
      </Title>
      <Text c="dimmed" size="sm">
        {t('hotDesks.intro')}
      </Text>
      {problem && (
        <Alert color="red" role="alert">
          {said}
        </Alert>
      )}
      {manage && (
        <Card withBorder component="form" aria-label={t('hotDesks.new')} onSubmit={(e) => (e.preventDefault(), void add())}>
          <Title order={2} size="h5" mb="xs">
            {t('hotDesks.new')}
          </Title>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <TextInput
              label={t('card.extension')}
              description={t('hotDesks.extensionHint')}
              required
              inputMode="numeric"
              value={draft.extension}
              onChange={(e) => setDraft({ ...draft, extension: e.currentTarget.value })}
              error={problem?.at('extension')}
            />
            <TextInput
              label={t('card.description')}
              description={t('hotDesks.descriptionHint')}
              value={draft.description}
              onChange={(e) => setDraft({ ...draft, description: e.currentTarget.value })}
              error={problem?.at('description')}
            />
          </SimpleGrid>
          <Group justify="flex-end" mt="sm">
            <Button type="submit" disabled={!draft.extension.trim()}>
              {t('catalogs.add')}
            </Button>
          </Group>
        </Card>
      )}
      {desks.isSuccess && <Text size="sm">{t('hotDesks.occupancy', { taken, count: list.length })}</Text>}
      <Table striped aria-label={t('hotDesks.title')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('card.extension')}</Table.Th>
            <Table.Th>{t('card.description')}</Table.Th>
            <Table.Th>{t('hotDesks.sitting')}</Table.Th>
            <Table.Th>{t('hotDesks.since')}</Table.Th>
            <Table.Th w={240}>
              <VisuallyHidden>{t('users.actions')}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {list.map((desk) => (
            <Table.Tr key={desk.extension} data-desk={desk.extension}>
              <Table.Td fw={600}>{desk.extension}</Table.Td>
              <Table.Td>{desk.description ?? ''}</Table.Td>
              <Table.Td>
                {desk.occupiedBy ? (
                  <Link to={`/users/${desk.occupiedBy.id}`}>{desk.occupiedBy.login}</Link>
                ) : (
                  <Text c="dimmed" span>
                    {t('hotDesks.free')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {desk.occupiedBy && (
                  <>
                    {new Date(desk.occupiedBy.since).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit' })} (
                    <TimeSince since={desk.occupiedBy.since} />)
                  </>
                )}
              </Table.Td>
              <Table.Td ta="right">
                <Group gap="xs" justify="flex-end" wrap="nowrap">
                  {desk.occupiedBy && may(me, 'users:update') && (
                    <Button
                      size="xs"
                      variant="default"
                      aria-label={t('hotDesks.signOutNamed', { login: desk.occupiedBy.login, extension: desk.extension })}
                      onClick={() => void signOut(desk)}
                    >
                      {t('hotDesks.signOut')}
                    </Button>
                  )}
                  {manage && !desk.occupiedBy && (
                    <Button
                      size="xs"
                      variant="outline"
                      color="red.9"
                      aria-label={t('hotDesks.removeNamed', { extension: desk.extension })}
                      onClick={() => void remove(desk)}
                    >
                      {t('actions.delete')}
                    </Button>
                  )}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {desks.isSuccess && list.length === 0 && <Text c="dimmed">{t('hotDesks.none')}</Text>}
    </Stack>
  );
}
