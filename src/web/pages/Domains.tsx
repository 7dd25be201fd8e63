import { Alert, Badge, Button, Group, Stack, Table, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { domainResponse } from '../../server/domains/schema.ts';
import { useAction } from '../api/action.ts';
import { api } from '../api/client.ts';
import { may, useMe } from '../api/session.ts';

type Domain = z.infer<typeof domainResponse>;

/** The platform's domains (tenants), for a platform administrator: listed and created. */
export function Domains() {
  const { t } = useTranslation();
  const me = useMe().data;
  const domains = useQuery({ queryKey: ['domains'], queryFn: () => api<{ items: Domain[] }>('GET', '/api/v1/domains?limit=500') });
  const [name, setName] = useState('');
  const { run, problem, said } = useAction(['domains']);
  const create = async () => (await run(() => api('POST', '/api/v1/domains', { name: name.trim() }))) && setName('');
  return (
    <Stack maw={860}>
      <Title order={1} size="h2">
        {t('domains.title')}
      </Title>
      {problem && (
        <Alert color="red" role="alert">
          {said}
        </Alert>
      )}
      {may(me, 'domains:create') && (
        <Group align="flex-end">
          <TextInput label={t('domains.name')} placeholder="acme" value={name} onChange={(e) => setName(e.currentTarget.value)} error={problem?.at('name')} />
          <Button disabled={!name.trim()} onClick={() => void create()}>
            {t('domains.create')}
          </Button>
        </Group>
      )}
      <Table striped aria-label={t('domains.title')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('domains.name')}</Table.Th>
            <Table.Th>{t('domains.realm')}</Table.Th>
            <Table.Th>{t('domains.state')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(domains.data?.items ?? []).map((d) => (
            <Table.Tr key={d.name}>
              <Table.Td>{d.title ? `${d.title} (${d.name})` : d.name}</Table.Td>
              <Table.Td>{d.realm}</Table.Td>
              <Table.Td>{d.active ? <Badge color="teal">{t('domains.active')}</Badge> : <Badge color="dark">{t('domains.inactive')}</Badge>}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
