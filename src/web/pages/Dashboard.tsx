import '@mantine/charts/styles.css';
import { AreaChart, BarChart, DonutChart } from '@mantine/charts';
import { Card, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { presenceReport } from '../../server/presence/report-routes.ts';
import { api } from '../api/client.ts';
import { useLiveEvents, type Presence } from '../api/events.ts';
import { useList } from '../api/lists.ts';
import { may, useMe } from '../api/session.ts';

const statusColors = { available: 'teal.8', break: 'yellow.6', dnd: 'red.8', offline: 'gray.6' } as const;

/**
 * The domain at a glance, live: agents by status now (only those in contact-center mode count
 * as working), phones registered against all users, users online hour by hour and time on break
 * per agent over the last 24 hours, and license seats used.
 */
export function Dashboard() {
  const { t, i18n } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const snapshot = useQuery({ queryKey: ['presence-all', domain], enabled: Boolean(domain), queryFn: () => api<{ items: Presence[] }>('GET', `/api/v1/domains/${domain}/presence?limit=500`) });
  const total = useQuery({ queryKey: ['users-count', domain], enabled: Boolean(domain), queryFn: () => api<{ count: number; more: boolean }>('GET', `/api/v1/domains/${domain}/users/count`) });
  const agents = useQuery({ queryKey: ['agents-count', domain], enabled: Boolean(domain), queryFn: () => api<{ count: number; more: boolean }>('GET', `/api/v1/domains/${domain}/users/count?agent=true`) });
  const licenses = useList<{ name: string; used: number; free: number }>(domain, 'licenses', may(me, 'licenses:read'));
  const report = useQuery({ queryKey: ['presence-report', domain], enabled: Boolean(domain), queryFn: () => api<z.infer<typeof presenceReport>>('GET', `/api/v1/domains/${domain}/reports/presence`), refetchInterval: 60_000 });
  const live = useLiveEvents(domain, useCallback(() => undefined, []));
  const presence = useMemo(() => {
    const merged = new Map((snapshot.data?.items ?? []).map((p) => [p.userId, p]));
    for (const [id, p] of live) merged.set(id, p);
    return [...merged.values()];
  }, [snapshot.data, live]);
  // Only agents log in to the contact center: those in it by their status, the other agents offline.
  const working = presence.filter((p) => p.cc.loggedIn);
  const byStatus = (['available', 'break', 'dnd', 'offline'] as const).map((status) => ({
    name: t(`users.statuses.${status}`),
    value: status === 'offline' ? Math.max(0, (agents.data?.count ?? 0) - working.length) : working.filter((p) => p.status.value === status).length,
    color: statusColors[status],
  }));
  const registered = presence.filter((p) => p.registration.registered).length;
  const users = total.data ? total.data.count : 0;

  return (
    <Stack>
      <Title order={1} size="h2">
        {t('dashboard.title')}
      </Title>
      <SimpleGrid cols={{ base: 1, lg: 3 }}>
        <Card withBorder>
          <Text fw={600}>{t('dashboard.agentsByStatus')}</Text>
          <DonutChart data={byStatus} withLabels withTooltip={false} chartLabel={byStatus.reduce((n, s) => n + s.value, 0)} role="img" aria-label={t('dashboard.agentsByStatus')} />
          <Text size="sm" data-testid="status-counts">
            {byStatus.map((s) => `${s.name}: ${s.value}`).join(' · ')}
          </Text>
        </Card>
        <Card withBorder>
          <Text fw={600}>{t('dashboard.registration')}</Text>
          <DonutChart
            data={[
              { name: t('users.registered'), value: registered, color: 'blue.8' },
              { name: t('users.notRegistered'), value: Math.max(0, users - registered), color: 'gray.5' },
            ]}
            withLabels
            withTooltip={false}
            role="img"
            aria-label={t('dashboard.registration')}
          />
          <Text size="sm">{t('dashboard.registeredOf', { registered, users: total.data?.more ? `${users}+` : users })}</Text>
        </Card>
        {report.data && (
          <Card withBorder>
            <Text fw={600}>{t('dashboard.onlineToday')}</Text>
            <AreaChart h={220} data={report.data.onlineByHour.map((h) => ({ hour: new Date(h.hour).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit' }), users: h.users }))} dataKey="hour" series={[{ name: 'users', label: t('dashboard.online'), color: 'blue.8' }]} />
          </Card>
        )}
        {report.data && (
          <Card withBorder>
            <Text fw={600}>{t('dashboard.breakPerAgent')}</Text>
            <BarChart
              h={220}
              data={[...report.data.statusSeconds].sort((a, b) => b.break - a.break).slice(0, 15).map((r) => ({ login: r.login, minutes: Math.round(r.break / 60) }))}
              dataKey="login"
              series={[{ name: 'minutes', label: t('dashboard.breakMinutes'), color: 'yellow.6' }]}
            />
          </Card>
        )}
        {licenses.data && (
          <Card withBorder>
            <Text fw={600}>{t('dashboard.licenses')}</Text>
            <BarChart
              h={220}
              data={licenses.data.items.map((l) => ({ name: l.name, used: l.used, free: l.free }))}
              dataKey="name"
              type="stacked"
              series={[
                { name: 'used', label: t('dashboard.used'), color: 'blue.8' },
                { name: 'free', label: t('dashboard.free'), color: 'gray.4' },
              ]}
            />
          </Card>
        )}
      </SimpleGrid>
    </Stack>
  );
}
