import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './console.css';
import { Badge, Center, createTheme, Drawer, Loader, MantineProvider, Modal, Notification, type CSSVariablesResolver } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, StrictMode, Suspense, useEffect, useMemo, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { useTranslation } from 'react-i18next';
import { createBrowserRouter, Navigate, RouterProvider, useLocation, useNavigate, useParams } from 'react-router';
import { whenSignedOut } from './api/client.ts';
import { may, useMe } from './api/session.ts';
import { Allowed, NotAllowed } from './components/Allowed.tsx';
import { Layout } from './components/Layout.tsx';
import { chooseLanguage } from './i18n/index.ts';
import { ChangePassword } from './pages/ChangePassword.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { Users } from './pages/Users.tsx';

/**
 * Colours dark enough for WCAG AA text contrast (axe checks it), black text on light fills; every
 * dialog's close button named in the console's language; badges in the words' own case, so the
 * longer Polish ones ("Niezarejestrowany") fit their column instead of being cut; no sliding or
 * fading for those who asked their system for less motion.
 */
const themeIn = (close: string) =>
  createTheme({
    primaryShade: { light: 9, dark: 8 },
    respectReducedMotion: true,
    autoContrast: true,
    luminanceThreshold: 0.3,
    components: {
      Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': close } } }),
      Drawer: Drawer.extend({ defaultProps: { closeButtonProps: { 'aria-label': close } } }),
      Badge: Badge.extend({ defaultProps: { tt: 'none' }, styles: { root: { maxWidth: 'none' } } }),
      // A notice with a title (a refusal) writes its message in gray-6 by default, too pale on white.
      Notification: Notification.extend({ styles: { description: { color: 'var(--mantine-color-dimmed)' } } }),
    },
  });
const contrast: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)', '--mantine-color-error': 'var(--mantine-color-red-9)' },
  dark: {},
});

const queries = new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } });

/** Pages for the signed-in: without a session, sign-in first, then back to this page. */
function Signed({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  useEffect(() => {
    whenSignedOut(() => {
      queries.setQueryData(['me'], null);
      navigate(`/sign-in?expired=1&next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
    });
  }, [navigate]);
  useEffect(() => {
    if (me.data?.user.language) void chooseLanguage(me.data.user.language);
  }, [me.data?.user.language]);
  if (me.isLoading)
    return (
      <Center h="100dvh">
        <Loader aria-label="Loading" />
      </Center>
    );
  if (!me.data) return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (me.data.user.passwordChangeRequired) return <ChangePassword />;
  return children;
}

const Dashboard = lazy(() => import('./pages/Dashboard.tsx').then((m) => ({ default: m.Dashboard })));
const Roles = lazy(() => import('./pages/Roles.tsx').then((m) => ({ default: m.Roles })));
const Licenses = lazy(() => import('./pages/Licenses.tsx').then((m) => ({ default: m.Licenses })));
const Audit = lazy(() => import('./pages/Audit.tsx').then((m) => ({ default: m.Audit })));
const Settings = lazy(() => import('./pages/Settings.tsx').then((m) => ({ default: m.Settings })));
const Numbers = lazy(() => import('./pages/Numbers.tsx').then((m) => ({ default: m.Numbers })));
const Domains = lazy(() => import('./pages/Domains.tsx').then((m) => ({ default: m.Domains })));
const Catalog = lazy(() => import('./pages/Catalog.tsx').then((m) => ({ default: m.Catalog })));
const Groups = lazy(() => import('./pages/Groups.tsx').then((m) => ({ default: m.Groups })));
const PauseReasons = lazy(() => import('./pages/PauseReasons.tsx').then((m) => ({ default: m.PauseReasons })));
const HotDesks = lazy(() => import('./pages/HotDesks.tsx').then((m) => ({ default: m.HotDesks })));
const Workspace = lazy(() => import('./pages/Workspace.tsx').then((m) => ({ default: m.Workspace })));
const Import = lazy(() => import('./pages/Import.tsx').then((m) => ({ default: m.Import })));
const Webhooks = lazy(() => import('./pages/Webhooks.tsx').then((m) => ({ default: m.Webhooks })));
const Provisioning = lazy(() => import('./pages/Provisioning.tsx').then((m) => ({ default: m.Provisioning })));
const DirectorySources = lazy(() => import('./pages/DirectorySources.tsx').then((m) => ({ default: m.DirectorySources })));
const IdentityProviders = lazy(() => import('./pages/IdentityProviders.tsx').then((m) => ({ default: m.IdentityProviders })));
const UserCard = lazy(() => import('./pages/UserCard.tsx').then((m) => ({ default: m.UserCard })));

/** Where an address of nothing leads: the directory for who may read it, else one's workspace. */
function Home() {
  const me = useMe();
  if (me.isLoading) return null;
  return <Navigate to={may(me.data, 'users:read') ? '/users' : '/workspace'} replace />;
}

/** A user's card: for who may read users, and for everyone their own. */
function UserPage() {
  const me = useMe().data;
  const { id } = useParams();
  if (!may(me, 'users:read') && id !== me?.user.id) return <NotAllowed permission="users:read" />;
  return (
    <Suspense>
      <UserCard />
    </Suspense>
  );
}

/** A page behind a permission: who lacks it is told so, in words, instead of a blank page. */
const gated = (permission: string, page: ReactNode) => (
  <Allowed permission={permission}>
    <Suspense>{page}</Suspense>
  </Allowed>
);

/** Every page has an address a person can bookmark. */
const router = createBrowserRouter([
  { path: '/sign-in', element: <SignIn /> },
  {
    element: (
      <Signed>
        <Layout />
      </Signed>
    ),
    children: [
      { path: '/users', element: gated('users:read', <Users />) },
      {
        path: '/workspace',
        element: (
          <Suspense>
            <Workspace />
          </Suspense>
        ),
      },
      { path: '/dashboard', element: gated('users:read', <Dashboard />) },
      { path: '/roles', element: gated('roles:read', <Roles />) },
      { path: '/licenses', element: gated('licenses:read', <Licenses />) },
      { path: '/audit', element: gated('audit:read', <Audit />) },
      { path: '/settings', element: gated('users:read', <Settings />) },
      { path: '/numbers', element: gated('numbers:read', <Numbers />) },
      { path: '/domains', element: gated('domains:read', <Domains />) },
      ...(['skills', 'tags'] as const).map((kind) => ({ path: `/${kind}`, element: gated('catalogs:read', <Catalog key={kind} kind={kind} />) })),
      { path: '/groups', element: gated('groups:read', <Groups />) },
      { path: '/pause-reasons', element: gated('catalogs:read', <PauseReasons />) },
      { path: '/hot-desks', element: gated('users:read', <HotDesks />) },
      { path: '/webhooks', element: gated('webhooks:manage', <Webhooks />) },
      { path: '/provisioning', element: gated('scim:provision', <Provisioning />) },
      { path: '/directory-sources', element: gated('directory-sources:read', <DirectorySources />) },
      { path: '/identity-providers', element: gated('identity-providers:read', <IdentityProviders />) },
      { path: '/users/new', element: gated('users:create', <UserCard key="new" />) },
      { path: '/users/import', element: gated('users:create', <Import />) },
      { path: '/users/:id', element: <UserPage /> },
    ],
  },
  { path: '*', element: <Home /> },
]);

function Console() {
  const { t } = useTranslation();
  const close = t('app.closeDialog');
  const theme = useMemo(() => themeIn(close), [close]);
  return (
    <MantineProvider theme={theme} cssVariablesResolver={contrast}>
      {/* Below the page, in its middle: a notice never covers the control just used (a form's Add or
          Save, the header, a row's menu at the right), which keeps focus in sight and the next click free. */}
      <Notifications position="bottom-center" />
      <QueryClientProvider client={queries}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <Console />
  </StrictMode>,
);
