import { Alert, Badge, Button, Group, NumberInput, Progress, Select, Stack, Table, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { capabilities, type licenseView } from '../../server/licenses/schema.ts';
import { useAction } from '../api/action.ts';
import { listKey, useList } from '../api/lists.ts';
import { api } from '../api/client.ts';
import { may, useMe } from '../api/session.ts';

type License = z.infer<typeof licenseView>;

/** The domain's licenses (Creatio's details): seats, used, free, expiry, and a new one. */
export function Licenses() {
  const { t, i18n } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const licenses = useList<License>(domain, 'licenses');
  const [form, setForm] = useState({ name: '', seats: 10 as number | string, capability: null as string | null });
  const { run, problem } = useAction(listKey(domain, 'licenses'));
  const create = async () =>
    (await run(() => api('POST', `/api/v1/domains/${domain}/licenses`, { name: form.name.trim(), seats: Number(form.seats), capability: form.capability }))) &&
    setForm({ name: '', seats: 10, capability: null });
  return (
    <Stack maw={960}>
      <Title order={1} size="h2">
        {t('licenses.title')}
      </Title>
      {problem && (
        <Alert color="red" role="alert">
          {problem.detail}
        </Alert>
      )}
      {may(me, 'licenses:manage') && (
        <Group align="flex-end">
          <TextInput
            label={t('licenses.name')}
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
            error={problem?.at('name')}
          />
          <NumberInput
            label={t('licenses.seats')}
            value={form.seats}
            onChange={(v) => setForm({ ...form, seats: v })}
            min={0}
            w={120}
            error={problem?.at('seats')}
          />
          <Select
            label={t('licenses.capability')}
            data={[...capabilities]}
            value={form.capability}
            onChange={(v) => setForm({ ...form, capability: v })}
            clearable
            w={160}
          />
          <Button disabled={!form.name.trim()} onClick={() => void create()}>
            {t('licenses.add')}
          </Button>
        </Group>
      )}
      <Table striped aria-label={t('licenses.title')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('licenses.name')}</Table.Th>
            <Table.Th>{t('licenses.capability')}</Table.Th>
            <Table.Th>{t('licenses.used')}</Table.Th>
            <Table.Th>{t('licenses.expires')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(licenses.data?.items ?? []).map((license) => (
            <Table.Tr key={license.name}>
              <Table.Td>{license.name}</Table.Td>
              <Table.Td>{license.capability ?? ''}</Table.Td>
              <Table.Td>
                {t('licenses.usedOf', { used: license.used.toLocaleString(i18n.language), seats: license.seats.toLocaleString(i18n.language) })}
                <Progress value={license.seats ? (100 * license.used) / license.seats : 0} aria-label={t('licenses.used')} mt={4} />
              </Table.Td>
              <Table.Td>
                {license.expired ? (
                  <Badge color="red">{t('licenses.expired')}</Badge>
                ) : license.expiresAt ? (
                  new Date(license.expiresAt).toLocaleDateString(i18n.language)
                ) : (
                  '—'
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
