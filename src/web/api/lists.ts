import { useQuery } from '@tanstack/react-query';
import { api } from './client.ts';

/** What a domain keeps by name: catalogs, roles, licenses, numbers — each read as one page of up to 500. */
export type ListKind = 'roles' | 'groups' | 'tags' | 'skills' | 'pause-reasons' | 'licenses' | 'numbers';

/** The cache key of a domain's list: one key, one shape ({ items }), whoever reads it. */
export const listKey = (domain: string | undefined, kind: ListKind) => ['list', domain, kind] as const;

/** A domain's list as the API answers it. */
export function useList<T extends object = { name: string }>(domain: string | undefined, kind: ListKind, enabled = true) {
  return useQuery({
    queryKey: listKey(domain, kind),
    enabled: Boolean(domain) && enabled,
    queryFn: () => api<{ items: T[] }>('GET', `/api/v1/domains/${domain}/${kind}?limit=500`),
  });
}

/** Just the names of a domain's list, for choices. */
export function useNames(domain: string | undefined, kind: ListKind, enabled = true): string[] {
  return (
    useQuery({
      queryKey: listKey(domain, kind),
      enabled: Boolean(domain) && enabled,
      queryFn: () => api<{ items: { name: string }[] }>('GET', `/api/v1/domains/${domain}/${kind}?limit=500`),
      select: (page) => page.items.map((item) => item.name),
    }).data ?? []
  );
}
