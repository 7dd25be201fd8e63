import { diff } from '../audit/rules.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import { uniqueViolationAs } from '../db/errors.ts';
import type { Db } from '../db/schema.ts';
import { conflict } from '../http/problem.ts';
import { createBuiltinRoles } from '../roles/store.ts';
import { findDomain, type DomainRecord } from '../tenancy/domain-record.ts';
import type { DomainCreate, DomainUpdate } from './schema.ts';
import { deleteDomain, insertDomain, toDomainView, updateDomain } from './store.ts';

/** Who changes domains: their audit entries go to the log of the administrator's own domain. */
type PlatformActor = AuditActor & { domainId: string };

const nameTaken = (name: string) =>
  conflict('domain.exists', `A domain named ${JSON.stringify(name)} already exists`, [{ path: 'name', code: 'domain.exists', message: 'Already taken' }]);

/** A new domain with its built-in roles. */
export async function createDomain(db: Db, actor: PlatformActor, input: DomainCreate): Promise<DomainRecord> {
  if (await findDomain(db, input.name)) throw nameTaken(input.name);
  return db
    .transaction()
    .execute(async (trx) => {
      const created = await insertDomain(trx, input);
      await createBuiltinRoles(trx, created.id, created.created_at);
      await recordAudit(trx, {
        domainId: actor.domainId,
        actor,
        action: 'domain.created',
        target: { type: 'domain', id: created.name, name: created.name },
        changes: diff(null, input),
      });
      return created;
    })
    .catch(uniqueViolationAs(() => nameTaken(input.name)));
}

export async function changeDomain(db: Db, actor: PlatformActor, domain: DomainRecord, change: DomainUpdate): Promise<DomainRecord> {
  return db.transaction().execute(async (trx) => {
    const saved = await updateDomain(trx, domain, change);
    await recordAudit(trx, {
      domainId: actor.domainId,
      actor,
      action: 'domain.updated',
      target: { type: 'domain', id: domain.name, name: domain.name },
      changes: diff(toDomainView(domain), toDomainView(saved)),
    });
    return saved;
  });
}

export async function removeDomain(db: Db, actor: PlatformActor, domain: DomainRecord): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await deleteDomain(trx, domain);
    await recordAudit(trx, {
      domainId: actor.domainId,
      actor,
      action: 'domain.deleted',
      target: { type: 'domain', id: domain.name, name: domain.name },
      changes: diff(toDomainView(domain), null),
    });
  });
}
