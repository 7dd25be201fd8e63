import { randomFillSync } from 'node:crypto';

const POOL = 8192;
const pool = Buffer.alloc(POOL);
let offset = POOL;

/**
 * Bytes from the operating system's CSPRNG, drawn 8 KiB at a time: asking it for 16 bytes per id
 * costs more than the rest of making a user when an import makes a hundred thousand.
 */
export function randomBytesPooled(size: number): Buffer {
  if (size > POOL) throw new RangeError(`at most ${POOL} bytes at a time`);
  if (offset + size > POOL) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  // Handed out once: the bytes are overwritten, so no copy of them stays in the pool.
  pool.fill(0, offset, offset + size);
  offset += size;
  return bytes;
}
