import type { ExternalId } from './schema.ts';

/** How a list is written in a CSV cell and read back: `creatio:123|salesforce:0035…`. */
export const CELL_SEPARATOR = '|';

export const externalIdText = (entry: ExternalId) => `${entry.system}:${entry.id}`;

export const externalIdsCell = (list: readonly ExternalId[]) => list.map(externalIdText).join(CELL_SEPARATOR);

/** A CSV cell's entries as written (`system:id`), each still to be checked by the schema; an entry without a colon has an empty system. */
export function externalIdsOfCell(cell: string): { system: string; id: string }[] {
  return cell
    .split(CELL_SEPARATOR)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const colon = part.indexOf(':');
      return colon < 0 ? { system: '', id: part } : { system: part.slice(0, colon).trim(), id: part.slice(colon + 1).trim() };
    });
}

/** Stable order, so that a list read back equals the list written and audit entries compare. */
export const sortedExternalIds = (list: readonly ExternalId[]) => [...list].sort((a, b) => (a.system < b.system ? -1 : a.system > b.system ? 1 : 0));

/** The list with `system`'s id set to `id` (replacing the one it had). */
export const withExternalId = (list: readonly ExternalId[], system: string, id: string) =>
  sortedExternalIds([...list.filter((e) => e.system !== system), { system, id }]);
