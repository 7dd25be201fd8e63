import { Alert, Button, Group, Stack, Tabs, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { agentDefaults } from '../../server/agents/schema.ts';
import { bruteForceSettings } from '../../server/lockout/schema.ts';
import { passwordPolicy } from '../../server/passwords/schema.ts';
import { sipSettings } from '../../server/sip-accounts/schema.ts';
import { notifyDone } from '../api/action.ts';
import { api, ApiProblem, said } from '../api/client.ts';
import { may, useMe } from '../api/session.ts';
import { ReadOnly } from '../components/ReadOnly.tsx';
import { SchemaForm } from '../components/SchemaForm.tsx';
import { CrmGateSection } from './crm-gate-section.tsx';

/** Each document with who may read it (null: everyone signed in) and who may change it. */
const sections = [
  { key: 'password-policy', schema: passwordPolicy, read: null, permission: 'security-settings:update' },
  { key: 'sip-settings', schema: sipSettings, read: 'users:read', permission: 'telephony:manage' },
  { key: 'agent-defaults', schema: agentDefaults, read: 'users:read', permission: 'telephony:manage' },
  { key: 'brute-force', schema: bruteForceSettings, read: 'security-settings:update', permission: 'security-settings:update' },
] as const;

/** One of the domain's settings documents, read, checked by its own schema as edited, and put back whole. */
function SettingsSection({ domain, section }: { domain: string; section: (typeof sections)[number] }) {
  const { t } = useTranslation();
  const me = useMe().data;
  const client = useQueryClient();
  const path = `/api/v1/domains/${domain}/${section.key}`;
  const stored = useQuery({ queryKey: ['settings', domain, section.key], queryFn: () => api<Record<string, unknown>>('GET', path) });
  const [draft, setDraft] = useState<Record<string, unknown> | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  useEffect(() => setDraft(stored.data ?? null), [stored.data]);
  const checked = useMemo(() => (draft ? (section.schema as z.ZodType).safeParse(draft) : null), [draft, section.schema]);
  const problems = new Map([
    ...(checked && !checked.success ? checked.error.issues.map((i) => [i.path.join('/'), i.message] as const) : []),
    ...(problem?.errors ?? []).map((e) => [e.path, said(e)] as const),
  ]);
  if (!draft) return null;
  const save = async () => {
    setProblem(null);
    try {
      await api('PUT', path, draft);
      await client.invalidateQueries({ queryKey: ['settings', domain, section.key] });
      notifyDone(t('settings.sectionSaved', { section: t(`settings.${section.key}`) }));
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      setProblem(error);
    }
  };
  return (
    <Stack maw={720}>
      {problem && (
        <Alert color="red" role="alert">
          {said(problem)}
        </Alert>
      )}
      {!may(me, section.permission) && <Alert color="blue">{t('settings.readOnly')}</Alert>}
      <ReadOnly when={!may(me, section.permission)}>
        <SchemaForm schema={section.schema} value={draft} onChange={setDraft} problems={problems} />
      </ReadOnly>
      {may(me, section.permission) && (
        <Group>
          <Button disabled={!checked?.success} onClick={() => void save()}>
            {t('card.save')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

/** The domain's settings: password policy, SIP (extension range, realms, STUN/TURN), agents' defaults, brute-force protection, the CRM gate. */
export function Settings() {
  const { t } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const readable = sections.filter((s) => s.read === null || may(me, s.read));
  const crmGate = may(me, 'crm-gate:manage');
  if (!domain) return null;
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('settings.title')}
      </Title>
      <Tabs defaultValue="password-policy" keepMounted={false}>
        <Tabs.List>
          {readable.map((s) => (
            <Tabs.Tab key={s.key} value={s.key}>
              {t(`settings.${s.key}`)}
            </Tabs.Tab>
          ))}
          {crmGate && <Tabs.Tab value="crm-gate">{t('settings.crm-gate')}</Tabs.Tab>}
        </Tabs.List>
        {readable.map((s) => (
          <Tabs.Panel key={s.key} value={s.key} pt="md">
            <SettingsSection domain={domain} section={s} />
          </Tabs.Panel>
        ))}
        {crmGate && (
          <Tabs.Panel value="crm-gate" pt="md">
            <CrmGateSection domain={domain} />
          </Tabs.Panel>
        )}
      </Tabs>
    </Stack>
  );
}
