import { Alert, Button, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiProblem } from '../api/client.ts';
import { meQuery, useMe } from '../api/session.ts';
import { usePasswordVerdict } from './user-card-sections.tsx';

/** Shown instead of everything else while the account must set a new password (an administrator asked for it). */
export function ChangePassword() {
  const { t } = useTranslation();
  const me = useMe().data;
  const client = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [submitting, setSubmitting] = useState(false);
  // Not judged while being set: the change ends this session, and a check after it would find none.
  const verdict = usePasswordVerdict(me?.user.domain, submitting ? '' : next, {
    login: me?.user.login ?? '',
    email: me?.user.email ?? '',
    firstName: me?.user.firstName ?? '',
    lastName: me?.user.lastName ?? '',
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitting(true);
    try {
      await api('PATCH', '/api/v1/me', { currentPassword: current, password: next });
      // A new password ends every session, this one too: sign in again with it.
      await api('POST', '/api/v1/auth/login', { domain: me?.user.domain, login: me?.user.login, password: next });
      await client.fetchQuery({ ...meQuery, staleTime: 0 });
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      setProblem(error);
    } finally {
      setSubmitting(false);
    }
  };
  return (
    <Paper component="main" maw={420} mx="auto" mt={80} p="xl" withBorder>
      <form onSubmit={submit}>
        <Stack>
          <Title order={1} size="h2">
            {t('password.title')}
          </Title>
          <Text size="sm">{t('password.why')}</Text>
          {problem && (
            <Alert color="red" role="alert">
              {problem.detail}
            </Alert>
          )}
          <PasswordInput
            label={t('password.current')}
            value={current}
            onChange={(e) => setCurrent(e.currentTarget.value)}
            error={problem?.at('currentPassword')}
            autoComplete="current-password"
            required
          />
          <PasswordInput
            label={t('password.new')}
            value={next}
            onChange={(e) => setNext(e.currentTarget.value)}
            error={problem?.at('password') ?? (verdict.length ? verdict.join(' · ') : undefined)}
            autoComplete="new-password"
            required
          />
          <Button type="submit" disabled={!current || !next || verdict.length > 0}>
            {t('password.submit')}
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}
