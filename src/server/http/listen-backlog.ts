/**
 * How many connections a listener lets wait for accept() (capped by the kernel's somaxconn).
 * Node's default, 511, overflowed in the soak when the event streams of a killed process all
 * reconnected at once: the kernel dropped their handshakes, nginx's connects timed out, and it took
 * the live processes out one after another ("no live upstreams"). Queued, they are only late.
 */
export const LISTEN_BACKLOG = 4096;
