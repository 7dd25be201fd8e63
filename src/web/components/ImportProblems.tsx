import { Table } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { problemWords, type Report } from '../pages/import-retry.ts';

/** The first 500 problems of an import's report, one a row; `where` names the row or entry each came from. */
export function ImportProblems({
  report,
  whereLabel,
  where,
}: {
  report: Report;
  whereLabel: string;
  where: (problem: Report['problems'][number]) => string | number;
}) {
  const { t } = useTranslation();
  return (
    <Table striped aria-label={t('import.problems')}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{whereLabel}</Table.Th>
          <Table.Th>{t('import.column')}</Table.Th>
          <Table.Th>{t('import.value')}</Table.Th>
          <Table.Th>{t('import.problem')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {report.problems.slice(0, 500).map((p, i) => (
          <Table.Tr key={`${p.row}-${p.column}-${i}`}>
            <Table.Td>{where(p)}</Table.Td>
            <Table.Td>{p.column}</Table.Td>
            <Table.Td>{p.value}</Table.Td>
            <Table.Td>{problemWords(p)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
