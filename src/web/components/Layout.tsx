import { AppShell, Button, Group, NavLink, Select, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation } from 'react-router';
import { may, useMe, useSignOut } from '../api/session.ts';
import { languages, type Language } from '../i18n/index.ts';

/** The pages in the navigation, each offered only to who may use it. */
const pages = [
  { to: '/dashboard', label: 'app.dashboard', permission: 'users:read' },
  { to: '/users', label: 'app.users', permission: 'users:read' },
  { to: '/workspace', label: 'app.workspace' },
  { to: '/roles', label: 'app.roles', permission: 'roles:read' },
  { to: '/groups', label: 'app.groups', permission: 'groups:read' },
  { to: '/skills', label: 'app.skills', permission: 'catalogs:read' },
  { to: '/tags', label: 'app.tags', permission: 'catalogs:read' },
  { to: '/pause-reasons', label: 'app.pauseReasons', permission: 'catalogs:read' },
  { to: '/hot-desks', label: 'app.hotDesks', permission: 'users:read' },
  { to: '/licenses', label: 'app.licenses', permission: 'licenses:read' },
  { to: '/numbers', label: 'app.numbers', permission: 'numbers:read' },
  { to: '/audit', label: 'app.audit', permission: 'audit:read' },
  { to: '/settings', label: 'app.settings', permission: 'users:read' },
  { to: '/domains', label: 'app.domains', permission: 'domains:create' },
];

/** The frame of every signed-in page: the header with who is signed in, the navigation, the page. */
export function Layout() {
  const { t, i18n } = useTranslation();
  const me = useMe().data;
  const signOut = useSignOut();
  const location = useLocation();
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 200, breakpoint: 'sm' }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Text fw={700}>{t('app.name')}</Text>
          <Group>
            <Select
              aria-label={t('app.language')}
              size="xs"
              w={90}
              data={Object.keys(languages).map((code) => ({ value: code, label: code.toUpperCase() }))}
              value={i18n.language}
              onChange={(value) => value && void i18n.changeLanguage(value as Language)}
              allowDeselect={false}
            />
            <Text size="sm">{me?.user.login}</Text>
            <Button size="xs" variant="default" onClick={() => void signOut()}>
              {t('app.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        {pages.filter((p) => !p.permission || may(me, p.permission)).map((p) => (
          <NavLink key={p.to} component={Link} to={p.to} label={t(p.label)} active={location.pathname === p.to || (p.to === '/users' && location.pathname.startsWith('/users'))} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main style={{ height: '100dvh', display: 'flex', flexDirection: 'column' }}>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
