import { Alert, Button, Divider, Group, Paper, PasswordInput, Select, Stack, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { api, ApiProblem, said } from '../api/client.ts';
import { meQuery } from '../api/session.ts';
import { usePageTitle } from '../components/Layout.tsx';
import { chooseLanguage } from '../i18n/index.ts';

/** Reasons an SSO sign-in ended back here (`?sso=`), each with its own explanation. */
const ssoReasons = new Set([
  'second_factor',
  'unknown_user',
  'email_unverified',
  'email_domain_not_allowed',
  'claim_missing',
  'token_rejected',
  'account_disabled',
  'ip_not_allowed',
  'locked',
  'too_many_sessions',
  'provider_unknown',
  'provider_unreachable',
  'no_pending_sign_in',
  'expired',
  'jit_failed',
]);

/** The domain's identity providers as buttons; nothing while the domain is being typed or has none. */
function useSsoButtons(domain: string) {
  const [settled] = useDebouncedValue(domain.trim().toLowerCase(), 300);
  return useQuery({
    queryKey: ['sso-buttons', settled],
    queryFn: () => api<{ items: { label: string; startUrl: string }[] }>('GET', `/api/v1/auth/sso/${encodeURIComponent(settled)}/providers`),
    enabled: settled !== '',
    staleTime: 60_000,
  });
}

/**
 * Domain, login or e-mail and password, or one of the domain's identity providers; then, for an
 * account with two-factor authentication, the code. After sign-in the console goes back to the
 * page it was sent away from.
 */
export function SignIn() {
  const { t, i18n } = useTranslation();
  usePageTitle('signIn.submit');
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const client = useQueryClient();
  const sso = params.get('sso');
  const ssoStep = sso === 'second_factor';
  const [form, setForm] = useState({
    domain: params.get('domain') ?? localStorage.getItem('switchboard.domain') ?? 'default',
    login: '',
    password: '',
    totp: '',
  });
  const [needsCode, setNeedsCode] = useState(ssoStep);
  const buttons = useSsoButtons(form.domain);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const field = (name: keyof typeof form) => ({
    value: form[name],
    onChange: (e: { currentTarget: { value: string } }) => setForm({ ...form, [name]: e.currentTarget.value }),
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      if (ssoStep) await api('POST', '/api/v1/auth/sso/second-factor', { totp: form.totp });
      else
        await api('POST', '/api/v1/auth/login', { domain: form.domain, login: form.login, password: form.password, ...(needsCode ? { totp: form.totp } : {}) });
      localStorage.setItem('switchboard.domain', form.domain);
      // Fetched before leaving, so the page asked for sees the session at once.
      await client.fetchQuery({ ...meQuery, staleTime: 0 });
      navigate(params.get('next') ?? '/', { replace: true });
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      if (error.code === 'auth.two_factor_required') setNeedsCode(true);
      else setProblem(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper component="main" maw={420} mx="auto" mt={80} p="xl" withBorder>
      <form onSubmit={submit} noValidate>
        <Stack>
          <Group justify="space-between" align="flex-start" wrap="nowrap">
            <Title order={1} size="h2">
              {t('signIn.title')}
            </Title>
            <Select
              aria-label={t('app.language')}
              size="xs"
              w={110}
              data={[
                { value: 'en', label: 'English' },
                { value: 'pl', label: 'Polski' },
              ]}
              value={i18n.language}
              onChange={(value) => value && void chooseLanguage(value)}
              allowDeselect={false}
            />
          </Group>
          {params.get('expired') && <Alert color="yellow">{t('signIn.expired')}</Alert>}
          {sso && !problem && (
            <Alert color={ssoStep ? 'blue' : 'red'} role={ssoStep ? undefined : 'alert'}>
              {t(`signIn.sso.${ssoReasons.has(sso) ? sso : 'other'}`)}
            </Alert>
          )}
          {problem && (
            <Alert color="red" role="alert">
              {said(problem)}
            </Alert>
          )}
          {!ssoStep && (
            <>
              <TextInput label={t('signIn.domain')} required autoComplete="organization" {...field('domain')} />
              <TextInput label={t('signIn.login')} required autoComplete="username" {...field('login')} />
              <PasswordInput label={t('signIn.password')} required autoComplete="current-password" {...field('password')} />
            </>
          )}
          {needsCode && (
            <TextInput
              label={t('signIn.code')}
              description={t('signIn.codeHint')}
              required
              autoComplete="one-time-code"
              inputMode="numeric"
              autoFocus
              {...field('totp')}
            />
          )}
          <Button type="submit" loading={busy}>
            {t('signIn.submit')}
          </Button>
          {!ssoStep && Boolean(buttons.data?.items.length) && (
            <>
              <Divider label={t('signIn.or')} />
              {buttons.data?.items.map((b) => (
                <Button
                  key={b.startUrl}
                  component="a"
                  href={b.startUrl}
                  variant="default"
                  onClick={() => localStorage.setItem('switchboard.domain', form.domain)}
                >
                  {b.label}
                </Button>
              ))}
            </>
          )}
        </Stack>
      </form>
    </Paper>
  );
}
