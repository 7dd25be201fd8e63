import { diff } from '../audit/rules.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import type { Db } from '../db/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import type { SipSettings } from './schema.ts';
import { sipSettingsOf } from './store.ts';

export async function replaceSipSettings(db: Db, actor: AuditActor, domain: DomainRecord, settings: SipSettings): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('domains').set({ sip_settings: JSON.stringify(settings), updated_at: new Date().toISOString() }).where('id', '=', domain.id).execute();
    await recordAudit(trx, { domainId: domain.id, actor, action: 'sip_settings.updated', target: { type: 'domain', id: domain.name, name: domain.name }, changes: diff(sipSettingsOf(domain), settings) });
  });
}
