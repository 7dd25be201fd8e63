import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { meResponse } from '../../server/auth/schema.ts';
import { api } from './client.ts';

export type Me = z.infer<typeof meResponse>;

/** The signed-in user with their permissions; null when nobody is signed in. */
export const meQuery = {
  queryKey: ['me'],
  queryFn: () => api<Me>('GET', '/api/v1/me').catch((error: { status?: number }) => (error.status === 401 ? null : Promise.reject(error))),
  staleTime: 60_000,
};

export const useMe = () => useQuery(meQuery);

export function useSignOut() {
  const client = useQueryClient();
  return async () => {
    // A session an identity provider opened also ends at the provider (RP-initiated logout).
    const ended = await api<{ logoutUrl: string | null }>('POST', '/api/v1/auth/sso/logout').catch(() => null);
    client.setQueryData(['me'], null);
    if (ended?.logoutUrl) window.location.assign(ended.logoutUrl);
  };
}

/** What the signed-in user may do, to offer only that. */
export const may = (me: Me | null | undefined, permission: string) => Boolean(me?.permissions.includes(permission));
