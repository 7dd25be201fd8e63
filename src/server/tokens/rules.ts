import { forbidden } from '../http/problem.ts';
import type { Permission } from '../permissions/catalog.ts';
import { permissionsBeyondActor } from '../permissions/rules.ts';

/** A token is made by a person signed in (the route admits no token), and never holds more than that person. */
export function scopeRefused(actor: { platformAdmin: boolean; permissions: ReadonlySet<Permission> }, permissions: string[]) {
  const beyond = permissionsBeyondActor(actor, permissions);
  return beyond.length ? forbidden(`A token cannot hold permissions you do not hold: ${beyond.join(', ')}`) : null;
}
