import { conflict } from '../http/problem.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import { MAX_NO_ANSWER_REASON } from '../presence/rules.ts';

/** The system's own reason for agents that missed too many offers is not the catalog's to name. */
export const reservedName = (name: string) =>
  nameKey(name) === MAX_NO_ANSWER_REASON
    ? conflict('pause_reason.reserved', `${MAX_NO_ANSWER_REASON} is the system's reason for agents that missed too many offers`)
    : null;
