import '@mantine/core/styles.css';
import { Center, createTheme, Loader, MantineProvider, type CSSVariablesResolver } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, StrictMode, Suspense, useEffect, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, RouterProvider, useLocation, useNavigate } from 'react-router';
import { whenSignedOut } from './api/client.ts';
import { may, useMe } from './api/session.ts';
import { Layout } from './components/Layout.tsx';
import { i18n, pickLanguage } from './i18n/index.ts';
import { ChangePassword } from './pages/ChangePassword.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { Users } from './pages/Users.tsx';

/** Colours dark enough for WCAG AA text contrast (axe checks it), black text on light fills. */
const theme = createTheme({ primaryShade: { light: 9, dark: 8 }, autoContrast: true, luminanceThreshold: 0.3 });
const contrast: CSSVariablesResolver = () => ({ variables: {}, light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' }, dark: {} });

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
    if (me.data?.user.language) void i18n.changeLanguage(pickLanguage(me.data.user.language));
  }, [me.data?.user.language]);
  if (me.isLoading) return <Center h="100dvh"><Loader aria-label="Loading" /></Center>;
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
const UserCard = lazy(() => import('./pages/UserCard.tsx').then((m) => ({ default: m.UserCard })));

/** Where an address of nothing leads: the directory for who may read it, else one's workspace. */
function Home() {
  const me = useMe();
  if (me.isLoading) return null;
  return <Navigate to={may(me.data, 'users:read') ? '/users' : '/workspace'} replace />;
}

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
      { path: '/users', element: <Users /> },
      { path: '/workspace', element: <Suspense><Workspace /></Suspense> },
      { path: '/dashboard', element: <Suspense><Dashboard /></Suspense> },
      { path: '/roles', element: <Suspense><Roles /></Suspense> },
      { path: '/licenses', element: <Suspense><Licenses /></Suspense> },
      { path: '/audit', element: <Suspense><Audit /></Suspense> },
      { path: '/settings', element: <Suspense><Settings /></Suspense> },
      { path: '/numbers', element: <Suspense><Numbers /></Suspense> },
      { path: '/domains', element: <Suspense><Domains /></Suspense> },
      ...(['skills', 'tags'] as const).map((kind) => ({ path: `/${kind}`, element: <Suspense><Catalog key={kind} kind={kind} /></Suspense> })),
      { path: '/groups', element: <Suspense><Groups /></Suspense> },
      { path: '/pause-reasons', element: <Suspense><PauseReasons /></Suspense> },
      { path: '/hot-desks', element: <Suspense><HotDesks /></Suspense> },
      { path: '/users/new', element: <Suspense><UserCard key="new" /></Suspense> },
      { path: '/users/import', element: <Suspense><Import /></Suspense> },
      { path: '/users/:id', element: <Suspense><UserCard /></Suspense> },
    ],
  },
  { path: '*', element: <Home /> },
]);

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={contrast}>
      <QueryClientProvider client={queries}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
