import type { Db } from '../db/schema.ts';
import { conflict, type FieldProblem } from '../http/problem.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import type { CrmCandidate } from '../crm-gate/rules.ts';
import { withExternalId } from '../external-ids/rules.ts';
import { heldOfSystem } from '../external-ids/store.ts';
import type { Safeguards } from './safeguards.ts';
import type { UserState } from './store.ts';

/** A user about to be made (`user.create`) or given a SIP account (`sip.create`, with its id). */
export interface Entrant {
  state: UserState;
  reason: CrmCandidate['reason'];
  userId?: string;
}

export const candidateOf = ({ state, reason }: Entrant): CrmCandidate => ({
  reason,
  login: state.login,
  email: state.email ?? null,
  firstName: state.firstName,
  lastName: state.lastName,
  extension: state.sip?.extension ?? null,
  externalIds: state.externalIds,
});

/**
 * Asks the domain's CRM gate, once, about these users, outside any transaction: it refuses them
 * all by throwing (422 crm.refused, 503 crm.unavailable), or lets them through and the ids it gave
 * are put in their states under its system. Answers which entrants an id given is held by another
 * user for (as 409 problems, `users/<index>`); the caller refuses those.
 */
export async function passCrmGate(db: Db, guards: Safeguards, domain: DomainRecord, entrants: readonly Entrant[]): Promise<FieldProblem[]> {
  if (!guards.crm || entrants.length === 0) return [];
  const passage = await guards.crm.pass(db, domain, entrants.map(candidateOf));
  if (!passage || passage.ids.size === 0) return [];
  const given = entrants.flatMap((entrant, index) => {
    const id = passage.ids.get(entrant.state.login.toLowerCase());
    return id === undefined ? [] : [{ entrant, index, id }];
  });
  const held = await heldOfSystem(
    db,
    domain.id,
    passage.system,
    given.map((g) => g.id),
    entrants.flatMap((e) => (e.userId ? [e.userId] : [])),
  );
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const { entrant, index, id } of given) {
    if (held.has(id) || seen.has(id)) {
      problems.push({
        path: `users/${index}`,
        code: 'user.external_id_taken',
        message: `The CRM answered ${passage.system}:${id} for ${entrant.state.login}, already the id of another user of this domain`,
      });
      continue;
    }
    seen.add(id);
    entrant.state.externalIds = withExternalId(entrant.state.externalIds, passage.system, id);
  }
  return problems;
}

/** For one user: a taken id is the write's 409. */
export async function passCrmGateAlone(db: Db, guards: Safeguards, domain: DomainRecord, entrant: Entrant): Promise<void> {
  const problems = await passCrmGate(db, guards, domain, [entrant]);
  if (problems.length) throw conflict('user.external_id_taken', problems.map((p) => p.message).join('; '), problems);
}
