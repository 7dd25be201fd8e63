import { Alert, Button, FileInput, Group, PasswordInput, Select, Stack, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ImportOptions } from '../components/ImportOptions.tsx';
import { ImportProblems } from '../components/ImportProblems.tsx';
import { JobProgress } from '../components/JobProgress.tsx';
import { ApiProblem } from '../api/client.ts';
import { useMe } from '../api/session.ts';
import { followJob, type Job } from './import-job.ts';
import type { Report } from './import-retry.ts';

/** The systems users move in from: read over their database, or from their configuration files. */
const systems = [
  { value: 'kamailio', label: 'Kamailio', reads: 'database' },
  { value: 'opensips', label: 'OpenSIPS', reads: 'database' },
  { value: 'fusionpbx', label: 'FusionPBX', reads: 'database' },
  { value: 'freeswitch', label: 'FreeSWITCH', reads: 'file' },
  { value: 'asterisk', label: 'Asterisk', reads: 'file' },
  { value: 'webitel', label: 'Webitel', reads: 'file' },
] as const;

/**
 * Moving users in from a running PBX: its database URL (or its files), checked first (a dry run
 * reporting each entry's problems by where it came from), then run, with the import's progress
 * and report. The URL is sent once and kept by nobody.
 */
export function PbxMigration() {
  const { t } = useTranslation();
  const domain = useMe().data?.user.domain;
  const client = useQueryClient();
  const [system, setSystem] = useState<string>('kamailio');
  const [url, setUrl] = useState('');
  const [table, setTable] = useState('subscriber');
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState('atomic');
  const [onExisting, setOnExisting] = useState('fail');
  const [job, setJob] = useState<Job | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState<'check' | 'run' | null>(null);
  const reads = systems.find((s) => s.value === system)?.reads ?? 'database';
  const ready = reads === 'database' ? url.trim() !== '' : file !== null;

  const go = async (dryRun: boolean) => {
    if (!domain || !ready) return;
    setBusy(dryRun ? 'check' : 'run');
    setProblems([]);
    const query = `dryRun=${dryRun}&mode=${mode}&onExisting=${onExisting}`;
    const base = `/api/v1/domains/${domain}/imports/migrations`;
    try {
      const finished =
        reads === 'database'
          ? await followJob(
              domain,
              `${base}?${query}`,
              {
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ source: system, url: url.trim(), ...(table.trim() ? { table: table.trim() } : {}) }),
              },
              setJob,
            )
          : await followJob(
              domain,
              `${base}/files?${query}&source=${system}`,
              { headers: { 'content-type': 'application/octet-stream' }, body: file as File },
              setJob,
            );
      if (finished.error) setProblems([finished.error.detail, ...(finished.error.errors ?? []).map((e) => e.message)]);
      setReport(finished.result);
      // The list refetches on its own; the answer is shown at once.
      if (!dryRun) void client.invalidateQueries({ queryKey: ['users'] });
    } catch (error) {
      setReport(null);
      setProblems(
        error instanceof ApiProblem ? [error.detail, ...error.errors.map((e) => e.message)] : [error instanceof Error ? error.message : String(error)],
      );
    } finally {
      setBusy(null);
    }
  };

  return (
    <Stack>
      <Group align="flex-end">
        <Select
          label={t('migration.system')}
          data={systems.map(({ value, label }) => ({ value, label }))}
          value={system}
          onChange={(v) => {
            setSystem(v ?? 'kamailio');
            setReport(null);
          }}
          allowDeselect={false}
          w={180}
        />
        {reads === 'database' ? (
          <>
            <PasswordInput
              label={t('migration.url')}
              description={t('migration.urlHint')}
              value={url}
              onChange={(e) => setUrl(e.currentTarget.value)}
              autoComplete="off"
              w={420}
            />
            <TextInput label={t('migration.table')} value={table} onChange={(e) => setTable(e.currentTarget.value)} w={160} />
          </>
        ) : (
          <FileInput label={t('migration.file')} value={file} onChange={setFile} w={320} clearable fileInputProps={{ 'aria-label': t('migration.file') }} />
        )}
      </Group>
      <Group align="flex-end">
        <ImportOptions
          mode={mode}
          onMode={setMode}
          onExisting={onExisting}
          onOnExisting={setOnExisting}
          modeLabels={{ atomic: t('migration.atomic'), partial: t('migration.partial') }}
        />
        <Button variant="default" disabled={!ready} loading={busy === 'check'} onClick={() => void go(true)}>
          {t('import.check')}
        </Button>
        <Button disabled={!ready || !report || busy !== null} loading={busy === 'run'} onClick={() => void go(false)}>
          {t('migration.run')}
        </Button>
      </Group>
      {problems.length > 0 && (
        <Alert color="red" role="alert">
          {problems.join(' — ')}
        </Alert>
      )}
      <JobProgress job={job} />
      {report && (
        <Stack>
          <Alert color={report.problemCount ? 'yellow' : report.written ? 'green' : 'blue'} role="status" data-testid="migration-summary">
            {t(report.dryRun ? 'migration.checked' : report.written ? 'migration.done' : 'migration.refused', {
              rows: report.rows,
              created: report.created,
              updated: report.updated,
              skipped: report.skippedCount,
              problems: report.problemCount,
            })}
          </Alert>
          {report.problemCount > 0 && <ImportProblems report={report} whereLabel={t('migration.entry')} where={(p) => p.origin ?? p.row} />}
        </Stack>
      )}
    </Stack>
  );
}
