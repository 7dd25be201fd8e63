import { ActionIcon, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export interface ExternalIdEntry {
  system: string;
  id: string;
}

/**
 * A user's ids in other systems (a CRM's, the identity provider's as `scim`), one row each: the
 * system's name and the id there. The whole list is what the card sends, as the API replaces it.
 */
export function ExternalIdsField({
  value,
  onChange,
  problemAt,
}: {
  value: ExternalIdEntry[];
  onChange: (value: ExternalIdEntry[]) => void;
  problemAt: (path: string, label?: string) => string | undefined;
}) {
  const { t } = useTranslation();
  const change = (index: number, entry: Partial<ExternalIdEntry>) => onChange(value.map((e, i) => (i === index ? { ...e, ...entry } : e)));
  return (
    <Stack gap="xs">
      <Text fw={600} size="sm">
        {t('card.externalIds')}
      </Text>
      <Text size="xs" c="dimmed">
        {t('card.externalIdsHelp')}
      </Text>
      {value.map((entry, index) => (
        <Group key={index} align="flex-start" wrap="nowrap">
          <TextInput
            aria-label={t('card.externalSystem')}
            placeholder="creatio"
            value={entry.system}
            onChange={(e) => change(index, { system: e.currentTarget.value.trim().toLowerCase() })}
            error={problemAt(`externalIds/${index}/system`, t('card.externalSystem'))}
            w={160}
          />
          <TextInput
            aria-label={t('card.externalId')}
            value={entry.id}
            onChange={(e) => change(index, { id: e.currentTarget.value })}
            error={problemAt(`externalIds/${index}/id`, t('card.externalId')) ?? problemAt(`externalIds/${index}`)}
            style={{ flex: 1 }}
          />
          <ActionIcon variant="subtle" color="red" aria-label={t('card.removeExternalId')} onClick={() => onChange(value.filter((_, i) => i !== index))} mt={4}>
            ×
          </ActionIcon>
        </Group>
      ))}
      <Group>
        <Button size="xs" variant="light" onClick={() => onChange([...value, { system: '', id: '' }])}>
          {t('card.addExternalId')}
        </Button>
      </Group>
    </Stack>
  );
}
