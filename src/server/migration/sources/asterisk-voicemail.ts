import { splitPersonName } from './entry-fields.ts';
import type { ConfigSection } from './asterisk-config.ts';

/**
 * voicemail.conf's mailboxes: under a `[context]`, `1001 => 4242,Full Name,email,pager,options`.
 * `[general]` and `[zonemessages]` hold settings, not mailboxes.
 */
export interface Mailbox {
  pin?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
}

const settingsSections = new Set(['general', 'zonemessages']);

/** Mailboxes by `number@context`, as an endpoint's `mailboxes=` names them. */
export function mailboxesOf(sections: ConfigSection[]): Map<string, Mailbox> {
  const mailboxes = new Map<string, Mailbox>();
  for (const section of sections.filter(({ name, template }) => !template && !settingsSections.has(name))) {
    for (const [number, value] of section.settings) mailboxes.set(`${number}@${section.name}`, mailboxOf(value));
  }
  return mailboxes;
}

/** The mailbox an endpoint's `mailboxes=1001@default` names; a mailbox without `@` is in `default`. */
export function mailboxNamed(mailboxes: Map<string, Mailbox>, name: string): Mailbox | undefined {
  return mailboxes.get(name.includes('@') ? name : `${name}@default`);
}

function mailboxOf(value: string): Mailbox {
  const [pin = '', fullName = '', email = ''] = value.split(',').map((field) => field.trim());
  // A PIN written `-4242` is one its owner may not change: the dash is not part of it.
  const digits = pin.replace(/^-/, '');
  return {
    ...(digits !== '' ? { pin: digits } : {}),
    ...splitPersonName(fullName),
    ...(email !== '' ? { email } : {}),
  };
}
