/**
 * One account as a telephony system keeps it, read by a migration source before it becomes a
 * user: every source (Kamailio/OpenSIPS, FreeSWITCH, Asterisk, FusionPBX, Webitel) yields these,
 * and the import turns them into rows checked like any other. Secrets arrive as the source keeps
 * them: digests are carried as they are, so phones keep registering; a clear password is
 * digested by the import and forgotten.
 */
export interface MigrationEntry {
  /** Where the entry came from, shown in every problem about it: `subscriber 1001@pbx.example.com`, `directory/default/1001.xml`. */
  origin: string;
  /** The SIP user name, which becomes the login (and the SIP user name) unless `login` says otherwise. */
  username: string;
  login?: string;
  extension?: string;
  /** The SIP domain or realm the entry's digests were made with; it must be the Switchboard domain's realm. */
  realm?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  active?: boolean;
  sip: {
    /** In clear, as some sources keep it: digested at once, never stored or reported. */
    password?: string;
    /** Lower-case hex digests as Kamailio keeps them: HA1 = H(username:realm:password), HA1B = H(username@domain:realm:password). */
    ha1Md5?: string;
    ha1bMd5?: string;
    ha1Sha256?: string;
    ha1bSha256?: string;
  };
  voicemail?: { enabled: boolean; pin?: string };
  callerId?: { name?: string; number?: string };
  /** Networks in CIDR form the phone may register from (FreeSWITCH `cidr`, Asterisk `permit`). */
  authAcl?: string[];
  groups?: string[];
  /** Agent timers in seconds (FusionPBX call-center agents, Webitel `cc-agent-*`). */
  agent?: { callTimeout?: number; wrapUpTime?: number; maxNoAnswer?: number; busyDelay?: number; rejectDelay?: number; noAnswerDelay?: number };
}

/** What a source yields: an account, or an entry it could not read (the reason says what to fix). */
export type SourceItem = { entry: MigrationEntry } | { problem: { origin: string; message: string } };

/**
 * A migration source: read lazily, entry by entry, so 100,000 subscribers never sit in memory at
 * once. Every source module exports one function returning this.
 */
export type MigrationSource = AsyncIterable<SourceItem>;
