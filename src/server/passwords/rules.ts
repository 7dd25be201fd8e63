import type { Identity, PasswordPolicy, PasswordProblem } from './schema.ts';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Counts by character class; "special" is anything that is not a letter or a digit. */
function classes(password: string) {
  let lower = 0;
  let upper = 0;
  let digits = 0;
  let special = 0;
  for (const ch of password) {
    if (/\p{Ll}/u.test(ch)) lower += 1;
    else if (/\p{Lu}/u.test(ch)) upper += 1;
    else if (/\p{Nd}/u.test(ch)) digits += 1;
    else special += 1;
  }
  return { lower, upper, digits, special };
}

/** The parts of who the user is that a password may not contain (at least 3 characters long). */
export function personalWords(identity: Identity): string[] {
  const words = [identity.login, identity.email?.split('@')[0], identity.firstName, identity.lastName]
    .flatMap((w) => (w ? [w, ...w.split(/[\s._-]+/)] : []))
    .map((w) => w.toLowerCase())
    .filter((w) => w.length >= 3);
  return [...new Set(words)];
}

/** Every rule of the policy that can be judged from the password and the user alone. */
export function policyProblems(password: string, policy: PasswordPolicy, identity: Identity): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  const length = [...password].length;
  if (length < policy.minLength) problems.push({ code: 'password.too_short', message: `At least ${plural(policy.minLength, 'character', 'characters')}` });
  if (length > policy.maxLength) problems.push({ code: 'password.too_long', message: `At most ${plural(policy.maxLength, 'character', 'characters')}` });
  const has = classes(password);
  if (has.lower < policy.minLower)
    problems.push({ code: 'password.needs_lower', message: `At least ${plural(policy.minLower, 'lower-case letter', 'lower-case letters')}` });
  if (has.upper < policy.minUpper)
    problems.push({ code: 'password.needs_upper', message: `At least ${plural(policy.minUpper, 'upper-case letter', 'upper-case letters')}` });
  if (has.digits < policy.minDigits) problems.push({ code: 'password.needs_digit', message: `At least ${plural(policy.minDigits, 'digit', 'digits')}` });
  if (has.special < policy.minSpecial)
    problems.push({
      code: 'password.needs_special',
      message: `At least ${plural(policy.minSpecial, 'special character', 'special characters')} (not a letter or digit)`,
    });
  if (policy.rejectPersonalInfo) {
    const lower = password.toLowerCase();
    if (personalWords(identity).some((word) => lower.includes(word))) {
      problems.push({ code: 'password.contains_personal_info', message: 'Must not contain the login, the e-mail or a name' });
    }
  }
  return problems;
}

export const tooWeak = (score: number, min: number): PasswordProblem | undefined =>
  score < min ? { code: 'password.too_weak', message: 'Too easy to guess: avoid common words, names, dates and keyboard patterns; make it longer' } : undefined;
