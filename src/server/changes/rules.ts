/** A write as the audit log records it: enough to tell what resource it changed and how. */
export interface AuditedWrite {
  domainId: string;
  actor: { id: string | null; login: string };
  action: string;
  target: { type: string; id: string; name: string };
  changes: Record<string, unknown>;
  version?: number;
}

/** One entry of the change feed before it is numbered. */
export interface ChangeDraft {
  domainId: string;
  resourceType: string;
  resourceId: string;
  action: string;
  version: number | null;
  fields: string[];
  actor: { id: string | null; login: string };
}

/** Resources of the directory that other systems follow. */
export const resources = new Set(['user', 'role', 'group', 'license', 'number', 'pause_reason', 'desk', 'domain', 'directory_source', 'identity_provider']);

/** Audited acts on a resource that leave the resource as it was. */
const notChanges = new Set(['user.signed_out', 'user.unlocked', 'user.password_reset_issued', 'token.revoked', 'session.ended']);

/** Notes an audit entry carries about the write, not fields of the resource. */
const notes = new Set(['bulkOperation', 'count']);

/**
 * The change an audited write makes, or null when it changes no resource (a sign-in, a summary of
 * a bulk operation whose users each have their own entry). Fields are named, never valued.
 */
export function changeOf(write: AuditedWrite): ChangeDraft | null {
  if (!resources.has(write.target.type) || notChanges.has(write.action)) return null;
  return {
    domainId: write.domainId,
    resourceType: write.target.type,
    resourceId: write.target.id,
    action: write.action,
    version: write.version ?? null,
    fields: Object.keys(write.changes)
      .filter((field) => !notes.has(field))
      .sort(),
    actor: write.actor,
  };
}
