import '@mantine/charts/styles.css';
import { AreaChart, BarsList, DonutChart } from '@mantine/charts';
import { Box, Card, ColorSwatch, Group, Progress, RingProgress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { presenceReport } from '../../server/presence/report-routes.ts';
import type { presenceSummary } from '../../server/presence/schema.ts';
import { api } from '../api/client.ts';
import { useLiveEvents } from '../api/events.ts';
import { useList } from '../api/lists.ts';
import { may, useMe } from '../api/session.ts';

type Summary = z.infer<typeof presenceSummary>;
const statusColors = { available: 'teal.8', break: 'yellow.6', dnd: 'red.8', offline: 'gray.6' } as const;
const statuses = ['available', 'break', 'dnd', 'offline'] as const;

/** A dashboard card: its title as a heading, and what it shows or, with nothing to show, why not in words. */
function Figure({ title, empty, children }: { title: string; empty?: string | false; children: ReactNode }) {
  return (
    <Card withBorder component="section" aria-label={title}>
      <Title order={2} size="h5" mb="xs">
        {title}
      </Title>
      {empty ? (
        <Text c="dimmed" size="sm" py="lg" ta="center">
          {empty}
        </Text>
      ) : (
        children
      )}
    </Card>
  );
}

/** Seconds in words a person reads at a glance: seconds, minutes, or hours and minutes. */
export function formatDuration(seconds: number, t: (key: string, options?: Record<string, unknown>) => string): string {
  if (seconds < 60) return t('dashboard.seconds', { count: Math.round(seconds) });
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return t('dashboard.minutes', { count: minutes });
  return t('dashboard.hoursMinutes', { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
}

/**
 * The domain at a glance, live: agents by status now (the server counts them, so it holds for any
 * number of users; agents out of contact-center mode are offline), phones registered against all
 * users, users online hour by hour and time on break per agent over the last 24 hours, and license
 * seats used and free. A figure with nothing to show says so.
 */
export function Dashboard() {
  const { t, i18n } = useTranslation();
  const me = useMe().data;
  const domain = me?.user.domain;
  const summary = useQuery({
    queryKey: ['presence-summary', domain],
    enabled: Boolean(domain),
    queryFn: () => api<Summary>('GET', `/api/v1/domains/${domain}/presence/summary`),
    refetchInterval: 30_000,
  });
  const licenses = useList<{ name: string; seats: number; used: number; free: number }>(domain, 'licenses', may(me, 'licenses:read'));
  const report = useQuery({
    queryKey: ['presence-report', domain],
    enabled: Boolean(domain),
    queryFn: () => api<z.infer<typeof presenceReport>>('GET', `/api/v1/domains/${domain}/reports/presence`),
    refetchInterval: 60_000,
  });
  // Every live change (and every change to the directory) asks the server for the counts again, at most twice a second.
  const { refetch } = summary;
  const live = useLiveEvents(
    domain,
    useCallback(() => void refetch(), [refetch]),
  );
  useEffect(() => {
    const timer = setTimeout(() => void refetch(), 500);
    return () => clearTimeout(timer);
  }, [live, refetch]);

  const figures = summary.data;
  // Somebody came online or left: the hour-by-hour history has changed too.
  const { refetch: refetchReport } = report;
  const onlineNow = figures?.users.online;
  useEffect(() => {
    if (onlineNow !== undefined) void refetchReport();
  }, [onlineNow, refetchReport]);
  const byStatus = statuses.map((status) => ({
    status,
    name: t(`users.statuses.${status}`),
    value: figures?.agents[status] ?? 0,
    color: statusColors[status],
  }));
  const registered = figures?.users.registered ?? 0;
  const users = figures?.users.total ?? 0;
  const onBreak = [...(report.data?.statusSeconds ?? [])].filter((r) => r.break > 0).sort((a, b) => b.break - a.break);
  const hours = (report.data?.onlineByHour ?? []).map((h) => ({
    hour: new Date(h.hour).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit' }),
    users: h.users,
  }));
  const peak = Math.max(0, ...hours.map((h) => h.users));

  return (
    <Stack>
      <Title order={1} size="h2">
        {t('dashboard.title')}
      </Title>
      <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }}>
        <Figure title={t('dashboard.agentsByStatus')} empty={figures && figures.agents.total === 0 && t('dashboard.noAgents')}>
          <Group wrap="nowrap" align="center">
            <DonutChart
              size={150}
              thickness={24}
              data={byStatus.filter((s) => s.value > 0).map(({ name, value, color }) => ({ name, value, color }))}
              withTooltip={false}
              strokeWidth={byStatus.filter((s) => s.value > 0).length > 1 ? 1 : 0}
              chartLabel={figures?.agents.total ?? ''}
              role="img"
              aria-label={byStatus.map((s) => `${s.name}: ${s.value}`).join(', ')}
            />
            <Stack
              gap={6}
              component="ul"
              data-testid="status-counts"
              aria-label={t('dashboard.agentsByStatus')}
              style={{ listStyle: 'none', padding: 0, margin: 0 }}
            >
              {byStatus.map((s) => (
                <Group key={s.status} component="li" gap="xs" wrap="nowrap" data-status={s.status}>
                  <ColorSwatch color={`var(--mantine-color-${s.color.replace('.', '-')})`} size={12} withShadow={false} aria-hidden />
                  <Text size="sm">
                    {s.name}: <b>{s.value}</b>
                  </Text>
                </Group>
              ))}
            </Stack>
          </Group>
          <Text size="sm" c="dimmed" mt="xs">
            {t('dashboard.agentsTotal', { count: figures?.agents.total ?? 0, inCc: figures?.agents.inCc ?? 0 })}
          </Text>
          {figures && figures.breaks.length > 0 && (
            <Text size="sm" mt={4} data-testid="break-reasons">
              {t('dashboard.breakReasons')}: {figures.breaks.map((b) => `${b.reason ?? t('dashboard.noReason')} ${b.count}`).join(' · ')}
            </Text>
          )}
        </Figure>

        <Figure title={t('dashboard.registration')}>
          <Group wrap="nowrap">
            <RingProgress
              size={150}
              thickness={16}
              roundCaps={registered > 0}
              sections={users ? [{ value: (registered / users) * 100, color: 'blue.8' }] : []}
              label={
                <Text ta="center" fw={700} size="lg">
                  {users ? `${Math.round((registered / users) * 100)}%` : '–'}
                </Text>
              }
              role="img"
              aria-label={t('dashboard.registeredOf', { registered, users })}
            />
            <Stack gap={4}>
              <Text size="sm" data-testid="registered-of">
                {t('dashboard.registeredOf', { registered, users })}
              </Text>
              <Text size="sm" c="dimmed">
                {t('dashboard.onlineNow', { count: figures?.users.online ?? 0 })}
              </Text>
              {figures && registered === 0 && (
                <Text size="sm" c="dimmed">
                  {t('dashboard.noPhones')}
                </Text>
              )}
            </Stack>
          </Group>
        </Figure>

        <Figure title={t('dashboard.onlineToday')} empty={report.data && peak === 0 && t('dashboard.nobodyOnline')}>
          <AreaChart
            h={200}
            data={hours}
            dataKey="hour"
            series={[{ name: 'users', label: t('dashboard.online'), color: 'blue.8' }]}
            yAxisProps={{ allowDecimals: false, domain: [0, Math.max(1, peak)] }}
            yAxisLabel={t('dashboard.usersAxis')}
            curveType="step"
            withDots={false}
            role="img"
            aria-label={t('dashboard.onlinePeak', { count: peak })}
          />
        </Figure>

        <Figure title={t('dashboard.breakPerAgent')} empty={report.data && onBreak.length === 0 && t('dashboard.noBreaks')}>
          <Box data-testid="break-per-agent" mah={260} style={{ overflowY: 'auto' }}>
            <BarsList
              data={onBreak.slice(0, 15).map((r) => ({ name: r.login, value: r.break, color: 'yellow.3', textColor: 'dark.9' }))}
              valueFormatter={(value) => formatDuration(value, t)}
              barsLabel={t('dashboard.agent')}
              valueLabel={t('dashboard.onBreak')}
            />
          </Box>
        </Figure>

        {licenses.data && (
          <Figure title={t('dashboard.licenses')} empty={licenses.data.items.length === 0 && t('dashboard.noLicenses')}>
            <Stack
              gap="sm"
              component="ul"
              aria-label={t('dashboard.licenses')}
              data-testid="license-seats"
              style={{ listStyle: 'none', padding: 0, margin: 0 }}
            >
              {licenses.data.items.map((l) => (
                <li key={l.name} data-license={l.name}>
                  <Group justify="space-between" gap="xs">
                    <Text size="sm" fw={600}>
                      {l.name}
                    </Text>
                    <Text size="sm">{t('dashboard.seats', { used: l.used, free: l.free, seats: l.seats })}</Text>
                  </Group>
                  <Progress
                    value={l.seats ? (l.used / l.seats) * 100 : 0}
                    color={l.free === 0 ? 'red.8' : 'blue.8'}
                    aria-label={t('dashboard.seats', { used: l.used, free: l.free, seats: l.seats })}
                  />
                </li>
              ))}
            </Stack>
          </Figure>
        )}
      </SimpleGrid>
    </Stack>
  );
}
