import { conflict } from '../http/problem.ts';
import { e164 } from '../identifiers/phone-numbers.ts';
import type { NumberUpdate } from './schema.ts';

/** What the rules look at in a number of the inventory. */
interface InventoryNumber {
  value: string;
  kind: string;
  voice: number;
  sms: number;
  description: string | null;
  updated_at: string;
}

/** A number is addressed as written in the path (`+48221234567`, URL-encoded) or as a sender ID. */
export function storedValue(value: string): string {
  const parsed = e164.safeParse(value);
  return parsed.success ? parsed.data : value;
}

export const numberTaken = (value: string) =>
  conflict('number.exists', `${value} is already in the domain's inventory`, [{ path: 'value', code: 'number.exists', message: 'Already in the inventory' }]);

/** The number after a change, at `now`. A sender ID can only send SMS; only the description of one changes. */
export function changedNumber<Row extends InventoryNumber>(row: Row, change: NumberUpdate, now: string): Row {
  const sender = row.kind === 'sender';
  return {
    ...row,
    voice: sender || change.voice === undefined ? row.voice : change.voice ? 1 : 0,
    sms: sender || change.sms === undefined ? row.sms : change.sms ? 1 : 0,
    description: change.description === undefined ? row.description : change.description,
    updated_at: now,
  };
}

/**
 * A number in users' presentation pools stays until they no longer present it: the 409 names them.
 * `purpose` narrows the check to calls (losing voice) or SMS (losing sms).
 */
export function numberInUse(row: Pick<InventoryNumber, 'value'>, users: { id: string; login: string; purpose: string }[], purpose?: 'call' | 'sms') {
  if (users.length === 0) return null;
  const logins = [...new Set(users.map((u) => u.login))];
  return conflict(
    'number.in_use',
    `${row.value} is in the ${purpose === 'sms' ? 'SMS sender' : purpose === 'call' ? 'call number' : 'presentation'} pool of ${logins.length} user(s): ${logins.slice(0, 20).join(', ')}${logins.length > 20 ? ', …' : ''}`,
    users.map((u) => ({ path: `users/${u.id}`, code: 'number.in_use', message: `${u.login} presents it (${u.purpose === 'sms' ? 'SMS' : 'calls'})` })),
  );
}
