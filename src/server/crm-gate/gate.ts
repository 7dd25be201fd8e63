import { randomUUID } from 'node:crypto';
import type { Db } from '../db/schema.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { webhookSender, type Attempt, type Sender } from '../webhooks/delivery.ts';
import { gateBody, passageOf, refusalOf, unavailable, type CrmCandidate, type Passage } from './rules.ts';
import type { StoredGate } from './schema.ts';
import { readGate } from './store.ts';

/**
 * The CRM gate ("a telephony user must first be a CRM user"): before users are made or given a
 * SIP account, the domain's CRM is asked, signed as webhooks are (Standard Webhooks). A 2xx lets
 * them through, with the ids it gives; a 4xx refuses them with its reason (422 crm.refused);
 * anything else refuses them all (503 crm.unavailable). Callers ask once per batch, never inside
 * a transaction that holds SQLite's writer (an import's is the exception, see import/commands.ts).
 */
export class CrmGate {
  readonly #sender: Sender;

  constructor(
    private readonly cipher: SecretCipher,
    options: { allowPrivate: boolean },
  ) {
    this.#sender = webhookSender({ timeoutMs: 5000, allowPrivate: options.allowPrivate, sockets: 16 });
  }

  /** Null when the domain has no gate on (nothing to store), else what the CRM let through; throws its refusal. */
  async pass(db: Db, domain: DomainRecord, candidates: readonly CrmCandidate[]): Promise<Passage | null> {
    if (candidates.length === 0) return null;
    const gate = await readGate(db, domain.id);
    if (!gate?.enabled) return null;
    const attempt = await this.ask(gate, gateBody(domain.name, gate.system, candidates, new Date()));
    if (attempt.status !== null && attempt.status >= 200 && attempt.status < 300) return passageOf(attempt.answer ?? '', gate.system, candidates);
    if (attempt.status !== null && attempt.status >= 400 && attempt.status < 500) throw refusalOf(attempt.status, attempt.answer ?? '', candidates);
    throw unavailable(attempt.status === null ? `${attempt.error ?? 'no answer'} from ${new URL(gate.url).origin}` : `it answered ${attempt.status}`);
  }

  /** One signed POST of `body` to the gate's URL, within its time limit. */
  ask(gate: StoredGate, body: string): Promise<Attempt> {
    return this.#sender.send({ id: `msg_${randomUUID()}`, url: gate.url, secret: this.cipher.open(gate.secret), body, timeoutMs: gate.timeoutSeconds * 1000 });
  }

  close(): void {
    this.#sender.close();
  }
}
