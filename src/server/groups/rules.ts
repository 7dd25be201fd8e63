import { invalid } from '../http/problem.ts';

/** Role names a group was given that the domain does not have, each pointed at. */
export function unknownRoles(missing: { name: string; index: number }[]) {
  return missing.length
    ? invalid(
        missing.map(({ name, index }) => ({ path: `roles/${index}`, code: 'role.unknown', message: `No role named ${JSON.stringify(name)} in this domain` })),
      )
    : null;
}

/** The roles a change puts on a group that it did not grant before: only these must be within the actor's reach. */
export const rolesAdded = (roleIds: string[], alreadyGranted: string[]) => roleIds.filter((id) => !alreadyGranted.includes(id));
