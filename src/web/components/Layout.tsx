import { AppShell, Button, Group, NavLink, Select, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation } from 'react-router';
import { api } from '../api/client.ts';
import { may, useMe, useSignOut, type Me } from '../api/session.ts';
import { chooseLanguage, languages } from '../i18n/index.ts';

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
  { to: '/webhooks', label: 'app.webhooks', permission: 'webhooks:manage' },
  { to: '/provisioning', label: 'app.provisioning', permission: 'scim:provision' },
  { to: '/directory-sources', label: 'app.directorySources', permission: 'directory-sources:read' },
  { to: '/identity-providers', label: 'app.identityProviders', permission: 'identity-providers:read' },
  { to: '/audit', label: 'app.audit', permission: 'audit:read' },
  { to: '/settings', label: 'app.settings', permission: 'users:read' },
  { to: '/domains', label: 'app.domains', permission: 'domains:create' },
];

/** The name of the page at a path, for the window's title. */
const pageTitle = (pathname: string): string => {
  if (pathname === '/users/new') return 'app.newUser';
  if (pathname === '/users/import') return 'app.importUsers';
  if (pathname.startsWith('/users/')) return 'app.user';
  return pages.find((p) => p.to === pathname)?.label ?? 'app.name';
};

/** The window's title names the page, in the console's language. */
export function usePageTitle(key: string) {
  const { t, i18n } = useTranslation();
  useEffect(() => {
    document.title = key === 'app.name' ? t('app.name') : `${t(key)} · ${t('app.name')}`;
  }, [key, t, i18n.language]);
}

/**
 * The frame of every signed-in page: a link to skip to the page, the header with who is signed
 * in and the language (kept as their setting), the navigation, the page.
 */
export function Layout() {
  const { t, i18n } = useTranslation();
  const me = useMe().data;
  const signOut = useSignOut();
  const location = useLocation();
  const client = useQueryClient();
  usePageTitle(pageTitle(location.pathname));
  const choose = async (language: string) => {
    await chooseLanguage(language);
    // The user's own setting, so the next sign-in (on any browser) opens in it.
    if (!may(me, 'profile:update')) return;
    const saved = await api<Me['user']>('PATCH', '/api/v1/me', { language }).catch(() => null);
    if (saved && me) client.setQueryData(['me'], { ...me, user: { ...me.user, language: saved.language } });
  };
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 200, breakpoint: 'sm' }} padding="md">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
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
              onChange={(value) => value && void choose(value)}
              allowDeselect={false}
            />
            <Text size="sm">{me?.user.login}</Text>
            <Button size="xs" variant="default" onClick={() => void signOut()}>
              {t('app.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t('app.navigation')}>
        {pages
          .filter((p) => !p.permission || may(me, p.permission))
          .map((p) => (
            <NavLink
              key={p.to}
              component={Link}
              to={p.to}
              label={t(p.label)}
              active={location.pathname === p.to || (p.to === '/users' && location.pathname.startsWith('/users'))}
            />
          ))}
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1} style={{ height: '100dvh', display: 'flex', flexDirection: 'column', outline: 'none' }}>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
