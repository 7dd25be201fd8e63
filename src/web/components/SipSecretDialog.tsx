import { Alert, Button, CopyButton, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** A SIP secret the server generated and answered once, with what a phone is set up with. */
export interface ShownSecret {
  login: string;
  extension: string | null;
  username: string;
  secret: string;
}

const handOverKey = (id: string) => ['shown-once', 'sip-secret', id];

/**
 * Carries a generated secret from the create form to the card of the user just made, in this
 * page's memory only (never the URL or the browser history): a reload finds nothing to show.
 */
export const handOverSecret = (client: QueryClient, id: string, shown: ShownSecret) => client.setQueryData(handOverKey(id), shown);

/** The secret handed over to this card, taken once: the hand-over is dropped as it is read. */
export function useHandedOverSecret(id: string | undefined): [ShownSecret | null, () => void] {
  const client = useQueryClient();
  const [shown, setShown] = useState<ShownSecret | null>(() => (id ? (client.getQueryData<ShownSecret>(handOverKey(id)) ?? null) : null));
  useEffect(() => {
    if (id) client.removeQueries({ queryKey: handOverKey(id), exact: true });
  }, [client, id]);
  return [shown, () => setShown(null)];
}

const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
const csvOf = (shown: ShownSecret) =>
  [
    ['login', 'extension', 'sipUsername', 'sipSecret'],
    [shown.login, shown.extension ?? '', shown.username, shown.secret],
  ]
    .map((row) => row.map(csvCell).join(','))
    .join('\n');

/**
 * The SIP secret generated for a new user, shown this once (as range creation shows its secrets):
 * copied into the phone, or downloaded as CSV. After closing, only "New SIP secret" makes another.
 */
export function SipSecretDialog({ shown, onClose }: { shown: ShownSecret | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={shown !== null}
      onClose={onClose}
      title={t('createdSecret.title', { login: shown?.login ?? '' })}
      closeButtonProps={{ 'aria-label': t('card.close') }}
      size="lg"
    >
      {shown && (
        <Stack>
          <Alert color="green">{t('createdSecret.created', { login: shown.login })}</Alert>
          <Text size="sm">{t('createdSecret.once')}</Text>
          <Table aria-label={t('createdSecret.table')} variant="vertical" withTableBorder>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={180}>{t('createdSecret.username')}</Table.Th>
                <Table.Td>{shown.username}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t('users.extension')}</Table.Th>
                <Table.Td>{shown.extension ?? '—'}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t('range.secret')}</Table.Th>
                <Table.Td>
                  <code data-testid="created-secret">{shown.secret}</code>
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          <Group justify="space-between">
            <Group>
              <CopyButton value={shown.secret}>
                {({ copied, copy }) => (
                  <Button variant="default" color={copied ? 'teal' : undefined} onClick={copy}>
                    {copied ? t('createdSecret.copied') : t('createdSecret.copy')}
                  </Button>
                )}
              </CopyButton>
              <Button
                component="a"
                variant="default"
                href={`data:text/csv;charset=utf-8,${encodeURIComponent(csvOf(shown))}`}
                download={`${shown.login}-sip-secret.csv`}
              >
                {t('createdSecret.download')}
              </Button>
            </Group>
            <Button onClick={onClose}>{t('createdSecret.done')}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
