import { Alert, Button, Checkbox, Group, Stack, Table, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAction } from '../api/action.ts';
import { listKey, useList } from '../api/lists.ts';
import { api } from '../api/client.ts';
import { may, useMe } from '../api/session.ts';

interface Role {
  name: string;
  permissions: string[];
  builtin: boolean;
}
interface Permission {
  name: string;
  scope: string;
  description: string;
}

/**
 * Roles and their permissions as a matrix: a column per role, a row per permission of the
 * catalog. The admin role holds everything and cannot change; a tick is saved at once.
 */
export function Roles() {
  const { t } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const roles = useList<Role>(domain, 'roles');
  const catalog = useQuery({ queryKey: ['permissions'], queryFn: () => api<{ items: Permission[] }>('GET', '/api/v1/permissions') });
  const [name, setName] = useState('');
  const editable = may(me, 'roles:update');
  const { run: act, said: problem } = useAction(listKey(domain, 'roles'));
  const toggle = (role: Role, permission: string) =>
    act(() => api('PATCH', `/api/v1/domains/${domain}/roles/${encodeURIComponent(role.name)}`, { permissions: role.permissions.includes(permission) ? role.permissions.filter((p) => p !== permission) : [...role.permissions, permission] }));
  const list = roles.data?.items ?? [];
  const permissions = (catalog.data?.items ?? []).filter((p) => p.scope !== 'platform');

  return (
    <Stack>
      <Title order={1} size="h2">
        {t('roles.title')}
      </Title>
      {problem && (
        <Alert color="red" role="alert">
          {problem}
        </Alert>
      )}
      {may(me, 'roles:create') && (
        <Group align="flex-end">
          <TextInput label={t('roles.newRole')} value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Button disabled={!name.trim()} onClick={() => void act(() => api('POST', `/api/v1/domains/${domain}/roles`, { name: name.trim(), permissions: [] })).then(() => setName(''))}>
            {t('roles.create')}
          </Button>
        </Group>
      )}
      <div style={{ overflow: 'auto' }}>
        <Table striped withTableBorder aria-label={t('roles.matrix')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('roles.permission')}</Table.Th>
              {list.map((role) => (
                <Table.Th key={role.name}>{role.name}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {permissions.map((permission) => (
              <Table.Tr key={permission.name}>
                <Table.Td title={permission.description}>
                  <code>{permission.name}</code>
                </Table.Td>
                {list.map((role) => (
                  <Table.Td key={role.name}>
                    <Checkbox
                      aria-label={`${role.name}: ${permission.name}`}
                      checked={role.permissions.includes(permission.name)}
                      disabled={!editable || (role.builtin && role.name === 'admin')}
                      onChange={() => void toggle(role, permission.name)}
                    />
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
    </Stack>
  );
}
