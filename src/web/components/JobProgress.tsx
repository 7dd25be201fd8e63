import { Progress, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Job } from '../pages/import-job.ts';

/** A running import's progress, the same for a CSV file and for a PBX. */
export function JobProgress({ job }: { job: Job | null }) {
  const { t } = useTranslation();
  if (!job || job.state !== 'running') return null;
  return (
    <Stack gap={4}>
      <Progress value={job.progress.fraction * 100} aria-label={t('import.progress')} />
      <Text size="sm">{t('import.progressText', { rows: job.progress.rows, perSecond: job.progress.rowsPerSecond, problems: job.progress.problems })}</Text>
    </Stack>
  );
}
