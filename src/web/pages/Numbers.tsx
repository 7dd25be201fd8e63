import { Alert, Badge, Button, Checkbox, Group, Select, Stack, Table, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { numberView } from '../../server/numbers/schema.ts';
import { useAction } from '../api/action.ts';
import { listKey, useList } from '../api/lists.ts';
import { api } from '../api/client.ts';
import { may, useMe } from '../api/session.ts';

type NumberView = z.infer<typeof numberView>;

/** The domain's number inventory: phone numbers (voice, SMS) and SMS sender IDs for caller ID pools. */
export function Numbers() {
  const { t } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const numbers = useList<NumberView>(domain, 'numbers');
  const [form, setForm] = useState({ kind: 'number', value: '', voice: true, sms: false });
  const { run: act, problem, said } = useAction(listKey(domain, 'numbers'));
  const body =
    form.kind === 'number' ? { kind: 'number', value: form.value.trim(), voice: form.voice, sms: form.sms } : { kind: 'sender', value: form.value.trim() };
  return (
    <Stack maw={860}>
      <Title order={1} size="h2">
        {t('numbers.title')}
      </Title>
      {problem && (
        <Alert color="red" role="alert">
          {said}
        </Alert>
      )}
      {may(me, 'numbers:manage') && (
        <Group align="flex-end">
          <Select
            label={t('numbers.kind')}
            data={[
              { value: 'number', label: t('numbers.number') },
              { value: 'sender', label: t('numbers.sender') },
            ]}
            value={form.kind}
            onChange={(v) => setForm({ ...form, kind: v ?? 'number' })}
            allowDeselect={false}
            w={160}
          />
          <TextInput
            label={t('numbers.value')}
            placeholder={form.kind === 'number' ? '+48221234567' : 'ACME'}
            value={form.value}
            onChange={(e) => setForm({ ...form, value: e.currentTarget.value })}
            error={problem?.at('value')}
          />
          {form.kind === 'number' && (
            <>
              <Checkbox label={t('numbers.voice')} checked={form.voice} onChange={(e) => setForm({ ...form, voice: e.currentTarget.checked })} />
              <Checkbox label="SMS" checked={form.sms} onChange={(e) => setForm({ ...form, sms: e.currentTarget.checked })} />
            </>
          )}
          <Button
            disabled={!form.value.trim()}
            onClick={() => void act(() => api('POST', `/api/v1/domains/${domain}/numbers`, body)).then(() => setForm({ ...form, value: '' }))}
          >
            {t('catalogs.add')}
          </Button>
        </Group>
      )}
      <Table striped aria-label={t('numbers.title')}>
        <Table.Tbody>
          {(numbers.data?.items ?? []).map((n) => (
            <Table.Tr key={n.value}>
              <Table.Td>{n.value}</Table.Td>
              <Table.Td>
                {n.kind === 'sender' ? (
                  <Badge color="dark" variant="outline">
                    {t('numbers.sender')}
                  </Badge>
                ) : null}{' '}
                {n.voice && <Badge color="blue">{t('numbers.voice')}</Badge>} {n.sms && <Badge color="teal">SMS</Badge>}
              </Table.Td>
              <Table.Td w={100}>
                {may(me, 'numbers:manage') && (
                  <Button
                    size="xs"
                    variant="subtle"
                    color="red"
                    onClick={() => void act(() => api('DELETE', `/api/v1/domains/${domain}/numbers/${encodeURIComponent(n.value)}`))}
                  >
                    {t('actions.delete')}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
