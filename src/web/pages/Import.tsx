import {
  Alert,
  Button,
  FileInput,
  Group,
  Pagination,
  PasswordInput,
  ScrollArea,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ImportOptions } from '../components/ImportOptions.tsx';
import { ImportProblems } from '../components/ImportProblems.tsx';
import { JobProgress } from '../components/JobProgress.tsx';
import { importColumns, secretColumns, type ImportColumn } from '../../server/import/columns.ts';
import { useMe } from '../api/session.ts';
import { followJob, type Job } from './import-job.ts';
import { PbxMigration } from './PbxMigration.tsx';
import { failedRowsOf, fileOf, inOriginalRows, problemWords, readSource, type Report, type SourceFile } from './import-retry.ts';

/** Posts a file to the import as a job and follows it until it ends. */
const runImport = (domain: string, body: Blob, query: string, onProgress: (job: Job) => void) =>
  followJob(domain, `/api/v1/domains/${domain}/users/import?${query}`, { headers: { 'content-type': 'text/csv' }, body }, onProgress);

/** Rows of the fix table on one page. */
const PAGE = 20;
/** The delimiter as the administrator sees it in the file. */
const shownDelimiter: Record<string, string> = { comma: '","', semicolon: '";"', tab: 'tab' };
/** A cell in error keeps its text readable, and its problem is a red dark enough to read (WCAG AA). */
const errorStyles = { input: { color: 'var(--mantine-color-text)' }, error: { color: 'var(--mantine-color-red-9)' } };

/**
 * The import wizard: the file, checked first (a dry run: detected encoding and delimiter, columns
 * it does not know, every problem with its row and column), then imported with a progress bar,
 * then the report. Failed rows are fixed here, in a table of their cells read from the file kept
 * in the browser (secret cells as the file had them, masked), and only they are sent again: the
 * server never hands secret cells back, and rows already imported are never repeated.
 */
export function Import() {
  const { t } = useTranslation();
  const [from, setFrom] = useState<'csv' | 'pbx'>('csv');
  return (
    <Stack maw={1200}>
      <Title order={1} size="h2">
        {t(from === 'csv' ? 'import.title' : 'migration.title')}
      </Title>
      <SegmentedControl
        aria-label={t('migration.from')}
        w="fit-content"
        value={from}
        onChange={(v) => setFrom(v === 'pbx' ? 'pbx' : 'csv')}
        data={[
          { value: 'csv', label: t('migration.fromCsv') },
          { value: 'pbx', label: t('migration.fromPbx') },
        ]}
      />
      {from === 'csv' ? <CsvImport /> : <PbxMigration />}
    </Stack>
  );
}

function CsvImport() {
  const { t } = useTranslation();
  const domain = useMe().data?.user.domain;
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState('atomic');
  const [onExisting, setOnExisting] = useState('fail');
  const [job, setJob] = useState<Job | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<'check' | 'run' | null>(null);
  const [columns, setColumns] = useState<Record<string, string>>({});
  /** The file as read in the browser, once a report names rows to fix. */
  const [source, setSource] = useState<SourceFile | null>(null);
  /** Rows still to import (null: the whole file, nothing of it written yet). */
  const [pending, setPending] = useState<number[] | null>(null);
  const [edits, setEdits] = useState<Map<number, string[]>>(new Map());
  const [edited, setEdited] = useState(false);
  const [page, setPage] = useState(1);
  const mapping = Object.keys(columns).length ? `&columns=${encodeURIComponent(JSON.stringify(columns))}` : '';
  const query = (dryRun: boolean, rewritten: SourceFile | null) =>
    `dryRun=${dryRun}&mode=${mode}&onExisting=${onExisting}${rewritten ? `&encoding=utf-8&delimiter=${rewritten.delimiter}` : ''}${mapping}`;

  const reset = (chosen: File | null) => {
    setFile(chosen);
    setColumns({});
    setJob(null);
    setReport(null);
    setSource(null);
    setPending(null);
    setEdits(new Map());
    setEdited(false);
    setProblem(null);
  };

  const go = async (dryRun: boolean) => {
    if (!file || !domain) return;
    setBusy(dryRun ? 'check' : 'run');
    setProblem(null);
    try {
      // The file as chosen while nothing is fixed or written; else the rows still to import, fixed.
      const rewritten = source && (pending !== null || edits.size > 0) ? source : null;
      const rows = rewritten ? (pending ?? [...rewritten.rows.keys()]) : [];
      const { text, sent } = rewritten ? fileOf(rewritten, rows, edits) : { text: '', sent: null };
      const body = rewritten ? new Blob([text], { type: 'text/csv;charset=utf-8' }) : file;
      const finished = await runImport(domain, body, query(dryRun, rewritten), setJob);
      if (finished.error) setProblem(finished.error.detail);
      const result = finished.result && inOriginalRows(finished.result, sent);
      setReport(result);
      setEdited(false);
      setPage(1);
      if (result && failedRowsOf(result).length > 0 && !source) setSource(readSource(await file.arrayBuffer(), result.encoding, result.delimiter));
      if (result?.written) setPending(failedRowsOf(result));
      // The list refetches on its own; the answer is shown at once.
      if (!dryRun) void client.invalidateQueries({ queryKey: ['users'] });
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(null);
    }
  };

  const failed = report ? failedRowsOf(report) : [];
  const fixing = source !== null && failed.length > 0;
  const partly = pending !== null;
  const allImported = pending !== null && pending.length === 0;
  const runOffered = Boolean(file && report && !allImported && (mode === 'partial' || report.problemCount === 0 || edited));
  /** Problems of no column of the file (a row's cell count, a SIP username made from the login): a column of their own. */
  const otherProblems = Boolean(source && report?.problems.some((p) => !source.headers.includes(p.column)));
  const problemsOf = (row: number) => report?.problems.filter((p) => p.row === row) ?? [];
  const secret = new Set(report?.mapping.flatMap((m, index) => (m.columns.some((c) => secretColumns.has(c as ImportColumn)) ? [index] : [])) ?? []);
  const cellsOf = (row: number) => edits.get(row) ?? source?.rows.get(row) ?? [];
  const edit = (row: number, index: number, value: string) => {
    const cells = [...cellsOf(row)];
    cells[index] = value;
    setEdits(new Map(edits).set(row, cells));
    setEdited(true);
  };

  return (
    <Stack>
      <Group align="flex-end">
        <FileInput
          label={t('import.file')}
          accept=".csv,text/csv"
          value={file}
          onChange={reset}
          w={320}
          clearable
          clearButtonProps={{ 'aria-label': t('import.clearFile') }}
          fileInputProps={{ 'aria-label': t('import.file') }}
        />
        <ImportOptions
          mode={mode}
          onMode={setMode}
          onExisting={onExisting}
          onOnExisting={setOnExisting}
          modeLabels={{ atomic: t('import.atomic'), partial: t('import.partial') }}
        />
        <Button variant="default" disabled={!file || allImported} loading={busy === 'check'} onClick={() => void go(true)}>
          {t(partly ? 'import.checkFixed' : 'import.check')}
        </Button>
        <Button disabled={!runOffered || busy !== null} loading={busy === 'run'} onClick={() => void go(false)}>
          {t(partly ? 'import.runFixed' : 'import.run')}
        </Button>
      </Group>
      {problem && (
        <Alert color="red" role="alert">
          {problem}
        </Alert>
      )}
      <JobProgress job={job} />
      {report && (
        <Stack>
          <Alert color={report.problemCount ? 'yellow' : report.written ? 'green' : 'blue'} role="status" data-testid="import-summary">
            {t(report.dryRun ? 'import.checked' : report.written ? 'import.done' : 'import.refused', {
              rows: report.rows,
              created: report.created,
              updated: report.updated,
              skipped: report.skippedCount,
              problems: report.problemCount,
              encoding: report.encoding,
              delimiter: report.delimiter,
            })}
            {allImported && ` ${t('import.allImported')}`}
          </Alert>
          {report.unknownColumns.length > 0 && <Text size="sm">{t('import.unknownColumns', { columns: report.unknownColumns.join(', ') })}</Text>}
          {!partly && (
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
          {fixing && source && (
            <Stack gap="xs">
              <Title order={2} size="h4">
                {t('import.fixTitle', { count: failed.length })}
              </Title>
              <Text size="sm">{t('import.fixHelp', { delimiter: shownDelimiter[source.delimiter] ?? source.delimiter })}</Text>
              <ScrollArea type="auto" offsetScrollbars="x">
                <Table aria-label={t('import.fixTitle', { count: failed.length })} verticalSpacing={4}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('import.row')}</Table.Th>
                      {source.headers.map((header, index) => (
                        <Table.Th key={`${index}-${header}`}>{header}</Table.Th>
                      ))}
                      {otherProblems && <Table.Th>{t('import.rowProblems')}</Table.Th>}
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {failed.slice((page - 1) * PAGE, page * PAGE).map((row) => {
                      const problems = problemsOf(row);
                      const cells = cellsOf(row);
                      return (
                        <Table.Tr key={row} data-row={row}>
                          <Table.Td>{row}</Table.Td>
                          {source.headers.map((header, index) => {
                            const label = t('import.cellLabel', { row, header });
                            const said = problems.filter((p) => p.column === header).map(problemWords);
                            const props = {
                              'aria-label': label,
                              size: 'xs' as const,
                              miw: 140,
                              styles: errorStyles,
                              value: cells[index] ?? '',
                              error: said.length ? said.join('; ') : undefined,
                              onChange: (e: { currentTarget: { value: string } }) => edit(row, index, e.currentTarget.value),
                            };
                            return (
                              <Table.Td key={`${index}-${header}`}>{secret.has(index) ? <PasswordInput {...props} /> : <TextInput {...props} />}</Table.Td>
                            );
                          })}
                          {otherProblems && (
                            <Table.Td miw={220}>
                              <Text size="xs" c="red.9">
                                {problems
                                  .filter((p) => !source.headers.includes(p.column))
                                  .map(problemWords)
                                  .join('; ')}
                              </Text>
                            </Table.Td>
                          )}
                        </Table.Tr>
                      );
                    })}
                  </Table.Tbody>
                </Table>
              </ScrollArea>
              {failed.length > PAGE && (
                <Pagination total={Math.ceil(failed.length / PAGE)} value={page} onChange={setPage} size="sm" aria-label={t('import.fixPages')} />
              )}
            </Stack>
          )}
          {report.problemCount > 0 && job && (
            <>
              <Group gap="xs">
                <Button component="a" variant="default" href={`/api/v1/domains/${domain}/jobs/${job.id}/report.csv`} download w="fit-content">
                  {t('import.errorsCsv')}
                </Button>
                <Text size="sm" c="dimmed">
                  {t('import.errorsCsvNote')}
                </Text>
              </Group>
              <ImportProblems report={report} whereLabel={t('import.row')} where={(p) => p.row} />
            </>
          )}
        </Stack>
      )}
    </Stack>
  );
}
