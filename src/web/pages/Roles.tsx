import { Alert, Button, Checkbox, Code, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
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

/** A permission in words: the console's own (in its language) where it has them, else the API's. */
export const permissionKey = (name: string) => `permissionText.${name.replaceAll(':', '__').replaceAll('-', '_')}`;

/**
 * Roles and their permissions as a matrix: a column per role, a row per permission of the
 * catalog, each described in words. The header stays in view while the rows scroll. The admin
 * role holds everything and cannot change; a tick is saved at once, and says so.
 */
export function Roles() {
  const { t, i18n } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const roles = useList<Role>(domain, 'roles');
  const catalog = useQuery({ queryKey: ['permissions'], queryFn: () => api<{ items: Permission[] }>('GET', '/api/v1/permissions') });
  const [name, setName] = useState('');
  const editable = may(me, 'roles:update');
  const { run: act, problem, said } = useAction(listKey(domain, 'roles'));
  const toggle = async (role: Role, permission: string) => {
    const granting = !role.permissions.includes(permission);
    const next = granting ? [...role.permissions, permission] : role.permissions.filter((p) => p !== permission);
    await act(
      () => api('PATCH', `/api/v1/domains/${domain}/roles/${encodeURIComponent(role.name)}`, { permissions: next }),
      t(granting ? 'roles.granted' : 'roles.revoked', { role: role.name, permission }),
    );
  };
  const create = async () => {
    const created = name.trim();
    if (await act(() => api('POST', `/api/v1/domains/${domain}/roles`, { name: created, permissions: [] }), t('roles.created', { role: created }))) setName('');
  };
  const list = roles.data?.items ?? [];
  const permissions = (catalog.data?.items ?? []).filter((p) => p.scope !== 'platform');
  const describe = (p: Permission) => (i18n.exists(permissionKey(p.name)) ? t(permissionKey(p.name)) : p.description);

  return (
    <Stack style={{ minHeight: 0, flex: 1 }}>
      <Title order={1} size="h2">
        {t('roles.title')}
      </Title>
      {problem && (
        <Alert color="red" role="alert">
          {said}
        </Alert>
      )}
      {may(me, 'roles:create') && (
        <Group align="flex-start">
          <TextInput label={t('roles.newRole')} value={name} onChange={(e) => setName(e.currentTarget.value)} error={problem?.at('name')} />
          <Button mt={25} disabled={!name.trim()} onClick={() => void create()}>
            {t('roles.create')}
          </Button>
        </Group>
      )}
      {/* The table scrolls in its own box, so that its header can stay in view. */}
      <div style={{ overflow: 'auto', flex: 1, minHeight: 240 }} data-testid="roles-scroll">
        <Table striped withTableBorder withColumnBorders stickyHeader aria-label={t('roles.matrix')} style={{ minWidth: 600 + list.length * 110 }}>
          <Table.Thead style={{ zIndex: 2 }}>
            <Table.Tr>
              <Table.Th miw={320}>{t('roles.permission')}</Table.Th>
              {list.map((role) => (
                <Table.Th key={role.name} ta="center" w={110}>
                  {role.name}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {permissions.map((permission) => (
              <Table.Tr key={permission.name} data-permission={permission.name}>
                <Table.Th scope="row" fw={400}>
                  <Code>{permission.name}</Code>
                  <Text size="sm" c="dimmed">
                    {describe(permission)}
                  </Text>
                </Table.Th>
                {list.map((role) => (
                  <Table.Td key={role.name} ta="center">
                    <Checkbox
                      style={{ display: 'inline-block' }}
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
