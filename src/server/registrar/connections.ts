import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';

/**
 * Who may hold a SIP connection (TCP or WebSocket /sip), and for how long. Every connection holds
 * a file descriptor; without bounds a few thousand idle or trickling connections used up the
 * process's descriptors and HTTP sign-ins and /healthz were refused with them.
 */
export interface ConnectionLimits {
  /** Connections from one address (an IPv6 address counts by its /64). */
  perAddress: number;
  /** Connections over both transports together. */
  total: number;
  /** A message begun must be whole within it. */
  messageMs: number;
  /** A connection with no whole message (or keep-alive) for this long is closed, unless it holds a registration. */
  idleMs: number;
}

export type Admission = 'admitted' | 'address-full' | 'full';

/** Counts open SIP connections per source and in all, over TCP and WebSocket together. */
export class SipConnections {
  readonly limits: ConnectionLimits;
  readonly #bySource = new Map<string, number>();
  #open = 0;

  constructor(limits: ConnectionLimits, descriptors: number | undefined = openFileLimit()) {
    // Half of the process's descriptors at most: the other half stays for HTTP, the database and Redis.
    this.limits = { ...limits, total: descriptors === undefined ? limits.total : Math.min(limits.total, Math.floor(descriptors / 2)) };
  }

  /** Whether a connection from `address` would be admitted now, without taking a place. */
  wouldAdmit(address: string): Admission {
    if (this.#open >= this.limits.total) return 'full';
    return (this.#bySource.get(sourceOf(address)) ?? 0) >= this.limits.perAddress ? 'address-full' : 'admitted';
  }

  /** Takes a place for a connection from `address`; a connection admitted must be `release`d once. */
  admit(address: string): Admission {
    const admission = this.wouldAdmit(address);
    if (admission !== 'admitted') return admission;
    const source = sourceOf(address);
    this.#bySource.set(source, (this.#bySource.get(source) ?? 0) + 1);
    this.#open += 1;
    return admission;
  }

  release(address: string): void {
    const source = sourceOf(address);
    const held = this.#bySource.get(source) ?? 0;
    if (held <= 1) this.#bySource.delete(source);
    else this.#bySource.set(source, held - 1);
    this.#open = Math.max(0, this.#open - 1);
  }
}

/**
 * The two clocks of one connection. A message begun must be whole within `messageMs` (so a
 * client trickling a byte a second is cut); a connection with nothing whole for `idleMs` is
 * closed, unless a registration made through it lasts longer: a phone that refreshes before its
 * binding expires keeps its connection however quiet it is in between.
 */
export class ConnectionWatch {
  #message: NodeJS.Timeout | undefined;
  #idle: NodeJS.Timeout | undefined;
  #heldUntil = 0;

  constructor(
    private readonly limits: Pick<ConnectionLimits, 'messageMs' | 'idleMs'>,
    private readonly close: (reason: 'message-too-slow' | 'idle') => void,
  ) {
    this.#armIdle();
  }

  /** Bytes of a message that is not whole yet are waiting. */
  partial(): void {
    this.#message ??= setTimeout(() => this.close('message-too-slow'), this.limits.messageMs);
  }

  /** A whole message or keep-alive arrived. */
  completed(): void {
    clearTimeout(this.#message);
    this.#message = undefined;
    this.#armIdle();
  }

  /** A registration bound through this connection lasts `seconds`. */
  hold(seconds: number): void {
    this.#heldUntil = Math.max(this.#heldUntil, Date.now() + seconds * 1000);
    this.#armIdle();
  }

  stop(): void {
    clearTimeout(this.#message);
    clearTimeout(this.#idle);
  }

  #armIdle() {
    clearTimeout(this.#idle);
    const wait = Math.max(this.limits.idleMs, this.#heldUntil - Date.now());
    this.#idle = setTimeout(() => this.close('idle'), wait);
  }
}

/** The unit a per-address limit counts: the IPv4 address, or the /64 of an IPv6 one (one host's usual share). */
export function sourceOf(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  return `${(ip as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`;
}

/** The soft limit of open files of this process (Linux), or undefined where it cannot be read. */
function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}
