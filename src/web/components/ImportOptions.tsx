import { Select } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/**
 * How an import writes (every row or none, or the valid ones) and what it does with a login that
 * exists already: the same two choices for a CSV file and for a PBX, in each one's words.
 */
export function ImportOptions(props: {
  mode: string;
  onMode: (mode: string) => void;
  onExisting: string;
  onOnExisting: (onExisting: string) => void;
  modeLabels: { atomic: string; partial: string };
}) {
  const { t } = useTranslation();
  return (
    <>
      <Select
        label={t('import.mode')}
        data={[
          { value: 'atomic', label: props.modeLabels.atomic },
          { value: 'partial', label: props.modeLabels.partial },
        ]}
        value={props.mode}
        onChange={(v) => props.onMode(v ?? 'atomic')}
        allowDeselect={false}
        w={250}
      />
      <Select
        label={t('import.onExisting')}
        data={[
          { value: 'fail', label: t('import.fail') },
          { value: 'skip', label: t('import.skip') },
          { value: 'update', label: t('import.update') },
        ]}
        value={props.onExisting}
        onChange={(v) => props.onOnExisting(v ?? 'fail')}
        allowDeselect={false}
        w={200}
      />
    </>
  );
}
