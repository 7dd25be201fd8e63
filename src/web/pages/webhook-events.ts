import { resources } from '../../server/changes/rules.ts';

/**
 * The actions the change feed delivers, per resource (the audit actions of each resource that
 * change it). A subscription may also name a whole resource (`user.*`) or everything (`*`).
 */
const actions: Record<string, readonly string[]> = {
  user: ['created', 'updated', 'deleted', 'restored', 'purged'],
  role: ['created', 'updated', 'deleted'],
  group: ['created', 'updated', 'deleted', 'member_added', 'member_removed'],
  license: ['created', 'updated', 'deleted', 'assigned', 'removed'],
  number: ['created', 'updated', 'deleted'],
  pause_reason: ['created', 'updated', 'deleted'],
  desk: ['created', 'deleted', 'signed_in', 'signed_out'],
  domain: ['created', 'updated', 'deleted'],
};

export interface EventTypeGroup {
  /** The resource (`user`), or null for the group of everything. */
  resource: string | null;
  items: string[];
}

/**
 * The event types to choose from, grouped by resource: `*`, then each resource of the feed with
 * `<resource>.*` and its actions. Patterns a subscription holds that are not among them (made
 * through the API) are kept, in a group of their own, so editing never drops them unseen.
 */
export function eventTypeChoices(held: readonly string[] = []): EventTypeGroup[] {
  const groups: EventTypeGroup[] = [
    { resource: null, items: ['*'] },
    ...[...resources].map((resource) => ({
      resource,
      items: [`${resource}.*`, ...(actions[resource] ?? []).map((a) => `${resource}.${a}`)],
    })),
  ];
  const known = new Set(groups.flatMap((g) => g.items));
  const other = [...new Set(held)].filter((pattern) => !known.has(pattern));
  return other.length ? [...groups, { resource: 'other', items: other }] : groups;
}
