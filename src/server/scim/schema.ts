/** The schema URNs this service speaks (RFC 7643 §8.7, and ours for the telephony). */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const SWITCHBOARD_SCHEMA = 'urn:ietf:params:scim:schemas:extension:switchboard:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

/** The limits ServiceProviderConfig advertises are the ones enforced: one place for both. */
export const limits = {
  bulkMaxOperations: 1000,
  bulkMaxPayloadSize: 4 * 1024 * 1024,
  /** The most resources a list answers at once (`count` above it is cut down, RFC 7644 §3.4.2.4). */
  maxResults: 1000,
  defaultCount: 100,
};

/** Attributes named in lower case: SCIM compares attribute names without regard to case. */
export type ScimObject = Record<string, unknown>;
