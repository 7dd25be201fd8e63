/** The permission the SCIM service admits a token by. */
export const PROVISION = 'scim:provision';
/** The role SCIM gives a user it creates without roles (src/server/scim/commands.ts): its permissions are needed from the first user on. */
const SCIM_DEFAULT_ROLE = 'agent';

export interface RoleGrants {
  name: string;
  permissions: string[];
}

/** Each role as a choice: chosen at first when SCIM gives it by default; out of reach when it holds what the administrator does not. */
export const roleChoices = (roles: RoleGrants[], held: string[]) =>
  roles.map((role) => ({
    name: role.name,
    byDefault: role.name === SCIM_DEFAULT_ROLE,
    beyond: role.permissions.some((p) => !held.includes(p)),
  }));

/** A provisioning token's scope: scim:provision and the permissions of the roles it may grant, each once, sorted. */
export const grantedWith = (roles: RoleGrants[], chosen: string[]): string[] => {
  const granted = roles.filter((role) => chosen.includes(role.name)).flatMap((role) => role.permissions);
  return [PROVISION, ...[...new Set(granted)].filter((p) => p !== PROVISION).sort()];
};
