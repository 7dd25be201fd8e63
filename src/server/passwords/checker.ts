import argon2 from 'argon2';
import type { Db } from '../db/schema.ts';
import { invalid } from '../http/problem.ts';
import type { Config } from '../config.ts';
import { BreachedPasswords } from './breached.ts';
import { personalWords, policyProblems, tooWeak } from './rules.ts';
import type { Identity, PasswordPolicy, PasswordProblem } from './schema.ts';
import { readPolicy, recentPasswordHashes } from './store.ts';

export const passwordCheckerFor = (db: Db, config: Config) => new PasswordChecker(db, new BreachedPasswords(config.breachScreening));

/** Judges a password against its domain's policy: every failed rule at once. */
export class PasswordChecker {
  constructor(
    private readonly db: Db,
    private readonly breached: BreachedPasswords,
  ) {}

  async check(domainId: string, password: string, identity: Identity, userId?: string) {
    return this.judge(await readPolicy(this.db, domainId), password, identity, userId);
  }

  async judge(policy: PasswordPolicy, password: string, identity: Identity, userId?: string) {
    const problems: PasswordProblem[] = policyProblems(password, policy, identity);
    // The dictionaries take a fifth of a second to load: only when a password is first judged.
    const { strengthOf } = await import('./strength.ts');
    const strength = strengthOf(password, personalWords(identity));
    const weak = tooWeak(strength, policy.minStrength);
    if (weak) problems.push(weak);
    if (userId && (await this.#reused(userId, password, policy.historyCount))) {
      problems.push({ code: 'password.reused', message: `Must differ from the last ${policy.historyCount} passwords` });
    }
    if (policy.rejectBreached) {
      const verdict = await this.breached.check(password);
      if (verdict === 'breached') problems.push({ code: 'password.breached', message: 'Appears in known data breaches; choose another' });
      if (verdict === 'unavailable' && this.breached.failsClosed) {
        problems.push({ code: 'password.screening_unavailable', message: 'Could not be checked against known breaches right now; try again shortly' });
      }
    }
    return { strength, problems };
  }

  /** Throws a 400 listing every problem under `path`, if there is any. */
  async assertAcceptable(domainId: string, password: string, identity: Identity, userId?: string, path = 'password'): Promise<void> {
    const { problems } = await this.check(domainId, password, identity, userId);
    if (problems.length)
      throw invalid(
        problems.map((p) => ({ path, ...p })),
        `The password does not meet the domain's policy`,
      );
  }

  async #reused(userId: string, password: string, count: number): Promise<boolean> {
    for (const hash of await recentPasswordHashes(this.db, userId, count)) {
      if (await argon2.verify(hash, password).catch(() => false)) return true;
    }
    return false;
  }
}
