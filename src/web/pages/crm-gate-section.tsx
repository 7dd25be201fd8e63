import { Alert, Button, Checkbox, Group, NumberInput, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { crmGateTestResult, crmGateView } from '../../server/crm-gate/schema.ts';
import { notifyDone } from '../api/action.ts';
import { api, ApiProblem, said } from '../api/client.ts';

type GateView = z.infer<typeof crmGateView>;
type TestResult = z.infer<typeof crmGateTestResult>;

/** A signing secret as Standard Webhooks writes it, made in the browser for the administrator to give the CRM too. */
const newSecret = () => `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;

/**
 * The CRM gate: where Switchboard asks before users are made or given a SIP account, how it signs
 * (the secret is write-only: typed to set or replace it), which system the CRM's ids are kept as,
 * how long to wait; with a test of the connection.
 */
export function CrmGateSection({ domain }: { domain: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const path = `/api/v1/domains/${domain}/crm-gate`;
  const stored = useQuery({ queryKey: ['crm-gate', domain], queryFn: () => api<GateView>('GET', path) });
  const [draft, setDraft] = useState({ enabled: true, url: '', secret: '', system: 'creatio', timeoutSeconds: 5 });
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [tested, setTested] = useState<TestResult | null>(null);
  useEffect(() => {
    const gate = stored.data;
    if (gate?.configured) setDraft({ enabled: gate.enabled, url: gate.url ?? '', secret: '', system: gate.system ?? '', timeoutSeconds: gate.timeoutSeconds });
  }, [stored.data]);
  const errorAt = (field: string) => problem?.errors.find((e) => e.path === field);
  const act = async (work: () => Promise<unknown>, done: string) => {
    setProblem(null);
    try {
      await work();
      await client.invalidateQueries({ queryKey: ['crm-gate', domain] });
      notifyDone(t(done));
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      setProblem(error);
    }
  };
  const save = () =>
    act(() => {
      const { secret, ...rest } = draft;
      return api('PUT', path, { ...rest, ...(secret ? { secret } : {}) });
    }, 'crmGate.saved');
  const test = () =>
    act(async () => {
      setTested(await api<TestResult>('POST', `${path}/test`));
    }, 'crmGate.tested');
  const remove = () => act(() => api('DELETE', path), 'crmGate.removed');
  return (
    <Stack maw={720}>
      <Text size="sm">{t('crmGate.about')}</Text>
      {problem && (
        <Alert color="red" role="alert">
          {said(problem)}
        </Alert>
      )}
      <Checkbox label={t('crmGate.enabled')} checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.currentTarget.checked })} />
      <TextInput
        label={t('crmGate.url')}
        placeholder="https://crm.example.com/switchboard/admission"
        value={draft.url}
        onChange={(e) => setDraft({ ...draft, url: e.currentTarget.value })}
        error={errorAt('url') && said(errorAt('url') as never)}
      />
      <Group align="flex-end">
        <PasswordInput
          label={t('crmGate.secret')}
          placeholder={stored.data?.secretSet ? t('card.tokenSet') : 'whsec_…'}
          value={draft.secret}
          onChange={(e) => setDraft({ ...draft, secret: e.currentTarget.value })}
          error={errorAt('secret') && said(errorAt('secret') as never)}
          autoComplete="off"
          style={{ flex: 1 }}
        />
        <Button variant="default" onClick={() => setDraft({ ...draft, secret: newSecret() })}>
          {t('crmGate.generate')}
        </Button>
      </Group>
      {draft.secret && <Text size="xs">{t('crmGate.secretOnce')}</Text>}
      <Group grow>
        <TextInput
          label={t('crmGate.system')}
          description={t('crmGate.systemHelp')}
          value={draft.system}
          onChange={(e) => setDraft({ ...draft, system: e.currentTarget.value.trim().toLowerCase() })}
          error={errorAt('system') && said(errorAt('system') as never)}
        />
        <NumberInput
          label={t('crmGate.timeout')}
          min={1}
          max={30}
          value={draft.timeoutSeconds}
          onChange={(value) => setDraft({ ...draft, timeoutSeconds: Number(value) || 5 })}
        />
      </Group>
      <Group>
        <Button onClick={() => void save()}>{t('card.save')}</Button>
        {stored.data?.configured && (
          <>
            <Button variant="light" onClick={() => void test()}>
              {t('crmGate.test')}
            </Button>
            <Button variant="subtle" color="red" onClick={() => void remove()}>
              {t('crmGate.remove')}
            </Button>
          </>
        )}
      </Group>
      {tested && (
        <Alert color={tested.passed ? 'teal' : 'red'} role="status">
          {tested.detail}
        </Alert>
      )}
    </Stack>
  );
}
