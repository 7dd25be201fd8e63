import { diff } from '../audit/rules.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import type { WebhookSettings } from '../config.ts';
import type { Db } from '../db/schema.ts';
import { invalid, type FieldProblem } from '../http/problem.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { resolveTarget, TargetRefused } from '../webhooks/targets.ts';
import type { CrmGate } from './gate.ts';
import { crmMessage, gateBody, TEST_EVENT } from './rules.ts';
import type { CrmGateInput, CrmGateView, StoredGate } from './schema.ts';
import { readGate, writeGate } from './store.ts';

export function gateView(gate: StoredGate | null): CrmGateView {
  if (!gate) return { configured: false, enabled: false, url: null, system: null, timeoutSeconds: 5, secretSet: false, updatedAt: null };
  return {
    configured: true,
    enabled: gate.enabled,
    url: gate.url,
    system: gate.system,
    timeoutSeconds: gate.timeoutSeconds,
    secretSet: true,
    updatedAt: gate.updatedAt,
  };
}

/** What the audit log keeps of a gate: its settings, the secret only as set or not (masked by diff). */
const audited = (gate: StoredGate | null) =>
  gate && { enabled: gate.enabled, url: gate.url, system: gate.system, timeoutSeconds: gate.timeoutSeconds, secret: gate.secret };

async function record(db: Db, actor: AuditActor, domain: DomainRecord, before: StoredGate | null, after: StoredGate | null, secretChanged: boolean) {
  await recordAudit(db, {
    domainId: domain.id,
    actor,
    action: 'crm_gate.updated',
    target: { type: 'domain', id: domain.name, name: domain.name },
    changes: diff(audited(before), audited(after), secretChanged && before && after ? ['secret'] : []),
  });
}

/** Sets the gate; a secret not given keeps the one set before, and the first setting needs one. */
export async function configureGate(
  db: Db,
  tools: { cipher: SecretCipher; settings: WebhookSettings },
  actor: AuditActor,
  domain: DomainRecord,
  input: CrmGateInput,
): Promise<CrmGateView> {
  const problems: FieldProblem[] = [];
  try {
    await resolveTarget(new URL(input.url), tools.settings.allowPrivate);
  } catch (error) {
    if (!(error instanceof TargetRefused)) throw error;
    problems.push({
      path: 'url',
      code: 'crm.target_refused',
      message: `${error.message}; the CRM gate goes to public addresses only (SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE)`,
    });
  }
  const view = await db.transaction().execute(async (trx) => {
    const before = await readGate(trx, domain.id);
    if (!input.secret && !before)
      problems.push({ path: 'secret', code: 'crm.secret_required', message: 'Give the signing secret the CRM verifies requests with' });
    if (problems.length) throw invalid(problems);
    const after: StoredGate = {
      enabled: input.enabled,
      url: input.url,
      system: input.system,
      timeoutSeconds: input.timeoutSeconds,
      secret: input.secret ? tools.cipher.seal(input.secret) : (before?.secret as string),
      updatedAt: new Date().toISOString(),
    };
    await writeGate(trx, domain.id, after);
    await record(trx, actor, domain, before, after, input.secret !== undefined);
    return gateView(after);
  });
  return view;
}

export async function removeGate(db: Db, actor: AuditActor, domain: DomainRecord): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await readGate(trx, domain.id);
    if (!before) return;
    await writeGate(trx, domain.id, null);
    await record(trx, actor, domain, before, null, false);
  });
}

/** A signed request with no users, as the gate sends them: does the CRM answer, and let it through? */
export async function testGate(db: Db, crm: CrmGate, domain: DomainRecord) {
  const gate = await readGate(db, domain.id);
  if (!gate) throw invalid([{ path: 'url', code: 'crm.not_configured', message: 'Configure the CRM gate first' }]);
  const attempt = await crm.ask(gate, gateBody(domain.name, gate.system, [], new Date(), TEST_EVENT));
  const passed = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
  const said = crmMessage(attempt.answer ?? '');
  const detail = passed
    ? `The CRM answered ${attempt.status} in ${attempt.latencyMs} ms`
    : attempt.status === null
      ? `No answer: ${attempt.error ?? 'failed'}`
      : `The CRM answered ${attempt.status}${said ? `: ${said}` : ''}`;
  return { passed, status: attempt.status, latencyMs: attempt.latencyMs, detail };
}
