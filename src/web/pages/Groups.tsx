import { Alert, Badge, Button, Card, Group, Modal, MultiSelect, Select, SimpleGrid, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useAction } from '../api/action.ts';
import { api } from '../api/client.ts';
import { listKey, useList, useNames } from '../api/lists.ts';
import { may, useMe } from '../api/session.ts';

interface GroupView {
  name: string;
  description: string | null;
  roles: string[];
  memberCount: number;
}
interface Member {
  id: string;
  login: string;
  firstName?: string | null;
  lastName?: string | null;
}

const fullName = (u: Member) => [u.firstName, u.lastName].filter(Boolean).join(' ');

/**
 * User groups ("positions", teams): each with the roles it grants its members and its members.
 * A group is created with its name, description and roles; opened, it is renamed, its roles
 * changed, members added (found by login or name) and taken out, or it is deleted.
 */
export function Groups() {
  const { t } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const groups = useList<GroupView>(domain, 'groups');
  const roleNames = useNames(domain, 'roles');
  const [draft, setDraft] = useState({ name: '', description: '', roles: [] as string[] });
  const [openName, setOpenName] = useState<string | null>(null);
  const { run, problem, said } = useAction(listKey(domain, 'groups'), ['users']);
  const open = (groups.data?.items ?? []).find((g) => g.name === openName) ?? null;
  const rolesProblem = problem?.errors.find((e) => e.path.startsWith('roles/'));

  const create = async () => {
    const name = draft.name.trim();
    if (
      await run(
        () => api('POST', `/api/v1/domains/${domain}/groups`, { name, description: draft.description.trim() || null, roles: draft.roles }),
        t('groups.created', { name }),
      )
    ) {
      setDraft({ name: '', description: '', roles: [] });
      setOpenName(name);
    }
  };

  return (
    <Stack maw={1100}>
      <Title order={1} size="h2">
        {t('catalogs.groups')}
      </Title>
      {problem && (
        <Alert color="red" role="alert">
          {said}
        </Alert>
      )}
      {may(me, 'groups:create') && (
        <Card withBorder component="form" aria-label={t('groups.new')} onSubmit={(e) => (e.preventDefault(), void create())}>
          <Title order={2} size="h5" mb="xs">
            {t('groups.new')}
          </Title>
          <SimpleGrid cols={{ base: 1, md: 3 }}>
            <TextInput
              label={t('catalogs.name')}
              required
              value={draft.name}
              onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
              error={problem?.at('name')}
            />
            <TextInput label={t('card.description')} value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.currentTarget.value })} />
            <MultiSelect
              label={t('groups.roles')}
              description={t('groups.rolesHint')}
              data={roleNames}
              value={draft.roles}
              onChange={(roles) => setDraft({ ...draft, roles })}
              searchable
              error={rolesProblem && problem?.at(rolesProblem.path)}
            />
          </SimpleGrid>
          <Group justify="flex-end" mt="sm">
            <Button type="submit" disabled={!draft.name.trim()}>
              {t('catalogs.add')}
            </Button>
          </Group>
        </Card>
      )}
      <Table striped aria-label={t('catalogs.groups')} highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('catalogs.name')}</Table.Th>
            <Table.Th>{t('card.description')}</Table.Th>
            <Table.Th>{t('groups.roles')}</Table.Th>
            <Table.Th>{t('groups.members')}</Table.Th>
            <Table.Th w={110}>
              <VisuallyHidden>{t('users.actions')}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(groups.data?.items ?? []).map((g) => (
            <Table.Tr key={g.name} data-group={g.name} aria-selected={g.name === openName}>
              <Table.Td fw={600}>{g.name}</Table.Td>
              <Table.Td>{g.description ?? ''}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {g.roles.map((r) => (
                    <Badge key={r} variant="outline" color="blue.9">
                      {r}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>{g.memberCount}</Table.Td>
              <Table.Td>
                <Button size="xs" variant="default" onClick={() => setOpenName(g.name)} aria-label={t('groups.openNamed', { name: g.name })}>
                  {t('groups.open')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {groups.isSuccess && groups.data.items.length === 0 && <Text c="dimmed">{t('groups.none')}</Text>}
      {open && domain && (
        <GroupEditor key={open.name} domain={domain} group={open} roleNames={roleNames} onRenamed={setOpenName} onDeleted={() => setOpenName(null)} />
      )}
    </Stack>
  );
}

/** One group opened: its name, description and roles to change, and its members. */
function GroupEditor({
  domain,
  group,
  roleNames,
  onRenamed,
  onDeleted,
}: {
  domain: string;
  group: GroupView;
  roleNames: string[];
  onRenamed: (name: string) => void;
  onDeleted: () => void;
}) {
  const { t } = useTranslation();
  const me = useMe().data;
  const { run, problem, said } = useAction(listKey(domain, 'groups'), ['users']);
  const [form, setForm] = useState({ name: group.name, description: group.description ?? '', roles: group.roles });
  const [confirming, setConfirming] = useState(false);
  const [search, setSearch] = useState('');
  const [typed, setTyped] = useState('');
  const [adding, setAdding] = useState<string | null>(null);
  useEffect(() => {
    const timer = setTimeout(() => setSearch(typed.trim()), 250);
    return () => clearTimeout(timer);
  }, [typed]);
  const path = `/api/v1/domains/${domain}/groups/${encodeURIComponent(group.name)}`;
  const canUpdate = may(me, 'groups:update');
  const members = useQuery({
    queryKey: ['users', domain, 'group-members', group.name],
    enabled: may(me, 'users:read'),
    queryFn: () =>
      api<{ items: Member[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/domains/${domain}/users?group=${encodeURIComponent(group.name)}&limit=200&sort=login`,
      ),
  });
  const candidates = useQuery({
    queryKey: ['users', domain, 'group-candidates', search],
    enabled: canUpdate && may(me, 'users:read') && search.length > 0,
    queryFn: () => api<{ items: Member[] }>('GET', `/api/v1/domains/${domain}/users?q=${encodeURIComponent(search)}&limit=20`),
  });
  const memberIds = new Set((members.data?.items ?? []).map((m) => m.id));
  const choices = (candidates.data?.items ?? [])
    .filter((u) => !memberIds.has(u.id))
    .map((u) => ({ value: u.id, label: fullName(u) ? `${u.login} (${fullName(u)})` : u.login }));

  const save = async () => {
    const name = form.name.trim();
    if (await run(() => api('PATCH', path, { name, description: form.description.trim() || null, roles: form.roles }), t('groups.saved', { name })))
      onRenamed(name);
  };
  const remove = async () => {
    setConfirming(false);
    if (await run(() => api('DELETE', path), t('groups.deleted', { name: group.name }))) onDeleted();
  };
  const addMember = async () => {
    const user = choices.find((c) => c.value === adding);
    if (!adding || !user) return;
    if (await run(() => api('PUT', `${path}/members/${adding}`), t('groups.memberAdded', { login: user.label, name: group.name }))) {
      setAdding(null);
      setTyped('');
    }
  };
  const removeMember = async (member: Member) => {
    await run(() => api('DELETE', `${path}/members/${member.id}`), t('groups.memberRemoved', { login: member.login, name: group.name }));
  };

  return (
    <Card withBorder component="section" aria-label={t('groups.editing', { name: group.name })}>
      <Title order={2} size="h4" mb="sm">
        {t('groups.editing', { name: group.name })}
      </Title>
      {problem && (
        <Alert color="red" role="alert" mb="sm">
          {said}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, md: 3 }}>
        <TextInput
          label={t('groups.groupName')}
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
          disabled={!canUpdate}
          error={problem?.at('name')}
        />
        <TextInput
          label={t('groups.groupDescription')}
          value={form.description}
          onChange={(e) => setForm({ ...form, description: e.currentTarget.value })}
          disabled={!canUpdate}
          error={problem?.at('description')}
        />
        <MultiSelect
          label={t('groups.grants')}
          description={t('groups.rolesHint')}
          data={roleNames}
          value={form.roles}
          onChange={(roles) => setForm({ ...form, roles })}
          disabled={!canUpdate}
          searchable
        />
      </SimpleGrid>
      <Group justify="space-between" mt="sm">
        {may(me, 'groups:delete') ? (
          <Button color="red" variant="light" onClick={() => setConfirming(true)}>
            {t('groups.delete')}
          </Button>
        ) : (
          <span />
        )}
        {canUpdate && (
          <Button onClick={() => void save()} disabled={!form.name.trim()}>
            {t('card.save')}
          </Button>
        )}
      </Group>

      <Title order={3} size="h5" mt="lg" mb="xs">
        {t('groups.membersOf', { count: group.memberCount })}
      </Title>
      {canUpdate && may(me, 'users:read') && (
        <Group align="flex-end" mb="sm">
          <Select
            label={t('groups.addMember')}
            placeholder={t('groups.findUser')}
            searchable
            data={choices}
            value={adding}
            onChange={setAdding}
            searchValue={typed}
            onSearchChange={setTyped}
            nothingFoundMessage={search ? t('groups.nobodyFound') : undefined}
            filter={({ options }) => options}
            w={360}
          />
          <Button variant="default" disabled={!adding} onClick={() => void addMember()}>
            {t('groups.add')}
          </Button>
        </Group>
      )}
      <Table aria-label={t('groups.membersOf', { count: group.memberCount })}>
        <Table.Tbody>
          {(members.data?.items ?? []).map((m) => (
            <Table.Tr key={m.id} data-member={m.login}>
              <Table.Td>
                <Link to={`/users/${m.id}`}>{m.login}</Link>
              </Table.Td>
              <Table.Td>{fullName(m)}</Table.Td>
              <Table.Td w={160} ta="right">
                {canUpdate && (
                  <Button
                    size="xs"
                    variant="outline"
                    color="red.9"
                    onClick={() => void removeMember(m)}
                    aria-label={t('groups.removeNamed', { login: m.login })}
                  >
                    {t('groups.remove')}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {members.isSuccess && members.data.items.length === 0 && <Text c="dimmed">{t('groups.noMembers')}</Text>}
      <Modal opened={confirming} onClose={() => setConfirming(false)} title={t('groups.delete')} closeButtonProps={{ 'aria-label': t('app.closeDialog') }}>
        <Stack>
          <Text>{t('groups.deleteConfirm', { name: group.name, count: group.memberCount })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>
              {t('bulk.cancel')}
            </Button>
            <Button color="red" onClick={() => void remove()}>
              {t('groups.deleteNamed', { name: group.name })}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}
