import type { FieldProblem } from '../http/problem.ts';
import { userUpdate, type UserUpdate, type UserView } from '../users/schema.ts';
import type { BulkEdit } from './schema.ts';

const key = (name: string) => name.toLowerCase();

/** A list with names removed and added, case-insensitively, keeping the order it had. */
export function merged(current: string[], add: string[] = [], remove: string[] = []): string[] {
  const removed = new Set(remove.map(key));
  const result = current.filter((name) => !removed.has(key(name)));
  for (const name of add) if (!result.some((n) => key(n) === key(name))) result.push(name);
  return result;
}

/** The change a bulk edit makes to one user, checked like a PATCH; problems carry the user's id in their path. */
export function changeFor(user: UserView, edit: Pick<BulkEdit, 'add' | 'remove' | 'set'>): { change: UserUpdate; problems: FieldProblem[] } {
  const { add, remove, set } = edit;
  const skills = user.agent.skills.filter(
    (s) => !(remove.skills ?? []).some((r) => key(r) === key(s.skill)) && !(add.skills ?? []).some((a) => key(a.skill) === key(s.skill)),
  );
  const draft = {
    ...(add.roles || remove.roles ? { roles: merged(user.roles, add.roles, remove.roles) } : {}),
    ...(add.groups || remove.groups ? { groups: merged(user.groups, add.groups, remove.groups) } : {}),
    ...(add.tags || remove.tags ? { tags: merged(user.tags, add.tags, remove.tags) } : {}),
    ...(set.active === undefined ? {} : { active: set.active }),
    ...(set.timezone === undefined ? {} : { timezone: set.timezone }),
    ...(set.language === undefined ? {} : { language: set.language }),
    ...(set.position === undefined ? {} : { position: set.position }),
    ...(set.description === undefined ? {} : { description: set.description }),
    ...(set.agent || add.skills || remove.skills
      ? { agent: { ...set.agent, ...(add.skills || remove.skills ? { skills: [...skills, ...(add.skills ?? [])] } : {}) } }
      : {}),
    ...(set.sip && user.sip ? { sip: set.sip } : {}),
  };
  const parsed = userUpdate.safeParse(draft);
  if (parsed.success) return { change: parsed.data, problems: [] };
  return {
    change: {},
    problems: parsed.error.issues.map((issue) => ({
      path: ['users', user.id, ...issue.path.map(String)].join('/'),
      code: 'bulk.invalid',
      message: `${user.login}: ${issue.message}`,
    })),
  };
}
