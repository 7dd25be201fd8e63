import { Alert, Button, FileInput, Group, Progress, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { importResult } from '../../server/bulk/import.ts';
import type { jobView } from '../../server/bulk/jobs.ts';
import { importColumns } from '../../server/bulk/import-columns.ts';
import { ApiProblem } from '../api/client.ts';
import { useMe } from '../api/session.ts';

type Report = z.infer<typeof importResult>;
type Job = z.infer<typeof jobView>;

/** Posts the file to the import as a job (Prefer: respond-async) and follows it until it ends. */
async function runImport(domain: string, file: File, query: string, onProgress: (job: Job) => void): Promise<Job> {
  const response = await fetch(`/api/v1/domains/${domain}/users/import?${query}`, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'text/csv', prefer: 'respond-async' }, body: file });
  const answer = (await response.json()) as Job & { code?: string; detail?: string };
  if (!response.ok) throw new ApiProblem(response.status, answer.code ?? 'unknown', answer.detail ?? response.statusText);
  let job = answer;
  while (job.state === 'running') {
    onProgress(job);
    await new Promise((resolve) => setTimeout(resolve, 300));
    job = (await (await fetch(`/api/v1/domains/${domain}/jobs/${job.id}`, { credentials: 'same-origin' })).json()) as Job;
  }
  onProgress(job);
  return job;
}

/**
 * The import wizard: the file, checked first (a dry run: detected encoding and delimiter, columns
 * it does not know, every problem with its row and column), then imported with a progress bar,
 * then the report with the file and its `error` column to fix and send again.
 */
export function Import() {
  const { t } = useTranslation();
  const domain = useMe().data?.user.domain;
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState('atomic');
  const [onExisting, setOnExisting] = useState('fail');
  const [check, setCheck] = useState<Job | null>(null);
  const [running, setRunning] = useState<Job | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [columns, setColumns] = useState<Record<string, string>>({});
  const query = (dryRun: boolean) => `dryRun=${dryRun}&mode=${mode}&onExisting=${onExisting}${Object.keys(columns).length ? `&columns=${encodeURIComponent(JSON.stringify(columns))}` : ''}`;

  const go = async (dryRun: boolean) => {
    if (!file || !domain) return;
    setBusy(true);
    setProblem(null);
    try {
      const job = await runImport(domain, file, query(dryRun), dryRun ? setCheck : setRunning);
      if (job.error) setProblem(job.error.detail);
      if (!dryRun) await client.invalidateQueries({ queryKey: ['users'] });
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };
  const report: Report | null | undefined = (running ?? check)?.result;
  const shown = running ?? check;

  return (
    <Stack maw={1000}>
      <Title order={1} size="h2">
        {t('import.title')}
      </Title>
      <Group align="flex-end">
        <FileInput
          label={t('import.file')}
          accept=".csv,text/csv"
          value={file}
          onChange={(f) => {
            setFile(f);
            setColumns({});
            setCheck(null);
            setRunning(null);
          }}
          w={320}
          clearable
          fileInputProps={{ 'aria-label': t('import.file') }}
        />
        <Select label={t('import.mode')} data={[{ value: 'atomic', label: t('import.atomic') }, { value: 'partial', label: t('import.partial') }]} value={mode} onChange={(v) => setMode(v ?? 'atomic')} allowDeselect={false} />
        <Select label={t('import.onExisting')} data={[{ value: 'fail', label: t('import.fail') }, { value: 'skip', label: t('import.skip') }, { value: 'update', label: t('import.update') }]} value={onExisting} onChange={(v) => setOnExisting(v ?? 'fail')} allowDeselect={false} />
        <Button variant="default" disabled={!file} loading={busy && !running} onClick={() => void go(true)}>
          {t('import.check')}
        </Button>
        <Button disabled={!file || !check?.result || (mode === 'atomic' && check.result.problemCount > 0)} loading={busy && Boolean(running)} onClick={() => void go(false)}>
          {t('import.run')}
        </Button>
      </Group>
      {problem && (
        <Alert color="red" role="alert">
          {problem}
        </Alert>
      )}
      {shown && shown.state === 'running' && (
        <Stack gap={4}>
          <Progress value={shown.progress.fraction * 100} aria-label={t('import.progress')} />
          <Text size="sm">{t('import.progressText', { rows: shown.progress.rows, perSecond: shown.progress.rowsPerSecond, problems: shown.progress.problems })}</Text>
        </Stack>
      )}
      {report && (
        <Stack>
          <Text data-testid="import-summary">
            {t(report.dryRun ? 'import.checked' : report.written ? 'import.done' : 'import.refused', { rows: report.rows, created: report.created, updated: report.updated, skipped: report.skippedCount, problems: report.problemCount, encoding: report.encoding, delimiter: report.delimiter })}
          </Text>
          {report.unknownColumns.length > 0 && <Text size="sm">{t('import.unknownColumns', { columns: report.unknownColumns.join(', ') })}</Text>}
          {!running && (
            <Table aria-label={t('import.mapping')} w="fit-content">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('import.header')}</Table.Th>
                  <Table.Th>{t('import.readAs')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {report.mapping.map(({ header, columns: read }) => (
                  <Table.Tr key={header}>
                    <Table.Td>{header}</Table.Td>
                    <Table.Td>
                      <Select
                        aria-label={t('import.readAsFor', { header })}
                        size="xs"
                        data={[{ value: '', label: t('import.notImported') }, ...importColumns.map((c) => ({ value: c, label: c }))]}
                        value={columns[header] ?? (read.length === 1 ? (read[0] as string) : read.length ? read.join('+') : '')}
                        onChange={(v) => setColumns({ ...columns, [header]: v ?? '' })}
                        searchable
                        allowDeselect={false}
                      />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {report.problemCount > 0 && shown && (
            <>
              <Button component="a" variant="default" href={`/api/v1/domains/${domain}/jobs/${shown.id}/report.csv`} download w="fit-content">
                {t('import.errorsCsv')}
              </Button>
              <Table striped aria-label={t('import.problems')}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('import.row')}</Table.Th>
                    <Table.Th>{t('import.column')}</Table.Th>
                    <Table.Th>{t('import.value')}</Table.Th>
                    <Table.Th>{t('import.problem')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {report.problems.slice(0, 500).map((p, i) => (
                    <Table.Tr key={`${p.row}-${p.column}-${i}`}>
                      <Table.Td>{p.row}</Table.Td>
                      <Table.Td>{p.column}</Table.Td>
                      <Table.Td>{p.value}</Table.Td>
                      <Table.Td>{p.message}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </>
          )}
        </Stack>
      )}
    </Stack>
  );
}
