import { z } from 'zod';

/** A system's name: lower case, as the CRM gate and the list filter write it (`creatio`, `salesforce`). */
export const SYSTEM_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

export const externalSystem = z
  .string()
  .regex(SYSTEM_PATTERN, 'A lower-case name such as creatio, salesforce or hubspot: letters, digits, _ and -, at most 32')
  .describe('The system the id belongs to; `scim` is the identity provider that provisions over SCIM (its `externalId`)');

export const externalIdEntry = z.strictObject({
  system: externalSystem,
  id: z
    .string()
    .trim()
    .min(1, 'An id is not empty')
    .max(255, 'At most 255 characters')
    .refine((id) => !id.includes('\u0000'), 'No NUL character')
    .describe("The user's id in that system, compared exactly"),
});

/** At most one id per system: the list is what the user is in every system it is linked to. */
export const externalIdList = z
  .array(externalIdEntry)
  .max(50)
  .superRefine((list, context) => {
    const seen = new Set<string>();
    list.forEach((entry, index) => {
      if (seen.has(entry.system)) context.addIssue({ code: 'custom', path: [index, 'system'], message: `A second id for ${entry.system}: one per system` });
      seen.add(entry.system);
    });
  })
  .describe("The user's ids in other systems (CRM records, the identity provider's), one per system, each unique per system in the domain");

/** The list filter `externalId=creatio:123`: the system, a colon, the id exactly. */
export const externalIdFilter = z
  .string()
  .max(300)
  .regex(/^[a-z][a-z0-9_-]{0,31}:.+$/s, 'A system and an id: creatio:123')
  .transform((text) => ({ system: text.slice(0, text.indexOf(':')), id: text.slice(text.indexOf(':') + 1) }))
  .describe('Users with this id in this system: `system:id`, such as `creatio:0035e000…`; exact, by index');

export type ExternalId = z.infer<typeof externalIdEntry>;
