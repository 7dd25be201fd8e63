import { openSync, readSync, closeSync } from 'node:fs';
import { isAbsolute, posix } from 'node:path';
import { extract, list, type ReadEntry } from 'tar';

/**
 * Unpacking a configuration archive an administrator uploaded. The archive is read twice: once to
 * judge every entry (where it would land, where a link points, how much it holds) and only then to
 * unpack it, so a refused archive leaves nothing behind.
 */

/** Enough for the configuration of the largest PBX (tens of thousands of per-user files), and no disk filler. */
export const archiveLimits = { entries: 100_000, bytes: 256 * 1024 * 1024 };
export type ArchiveLimits = typeof archiveLimits;

/** A .tar.gz is known by its gzip magic bytes: uploads arrive under a name without an extension. */
export function isGzip(file: string): boolean {
  const head = Buffer.alloc(2);
  const descriptor = openSync(file, 'r');
  try {
    return readSync(descriptor, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(descriptor);
  }
}

/** Unpacks `file` into the (empty) folder `into`, or throws saying why the archive is refused. */
export async function unpackArchive(file: string, into: string, limits: ArchiveLimits = archiveLimits): Promise<void> {
  const refusal = await judge(file, limits);
  if (refusal) throw new Error(`The archive is refused: ${refusal}.`);
  await extract({ file, cwd: into, strict: true, preserveOwner: false, filter: (_path, entry) => isUnpacked(entry as ReadEntry) }).catch(() => {
    throw new Error('The archive could not be unpacked: it is not a complete .tar.gz.');
  });
}

async function judge(file: string, limits: ArchiveLimits): Promise<string | undefined> {
  let refusal: string | undefined;
  let entries = 0;
  let bytes = 0;
  const onReadEntry = (entry: ReadEntry) => {
    entries += 1;
    bytes += entry.size ?? 0;
    refusal ??= refusalOf(entry);
    if (entries > limits.entries) refusal ??= `it holds more than ${limits.entries} entries`;
    if (bytes > limits.bytes) refusal ??= `it unpacks to more than ${limits.bytes / 1024 / 1024} MiB`;
  };
  try {
    await list({ file, strict: true, onReadEntry });
  } catch {
    return refusal ?? 'it is not a readable .tar.gz';
  }
  return refusal;
}

/** Why one entry may not be unpacked: it would land outside the folder, or is neither a file, a folder nor a link inside it. */
function refusalOf(entry: ReadEntry): string | undefined {
  if (leavesFolder(entry.path)) return `${entry.path} is a path outside the archive's folder`;
  const target = entry.linkpath ?? '';
  if (entry.type === 'SymbolicLink' && (isAbsolute(target) || leavesFolder(posix.join(posix.dirname(entry.path), target))))
    return `${entry.path} is a link to a place outside the archive's folder`;
  if (entry.type === 'Link' && leavesFolder(target)) return `${entry.path} is a link to a place outside the archive's folder`;
  if (!isUnpacked(entry)) return `${entry.path} is a ${entry.type}, not a file or a folder`;
  return undefined;
}

function isUnpacked(entry: ReadEntry): boolean {
  return ['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link'].includes(entry.type);
}

function leavesFolder(path: string): boolean {
  return isAbsolute(path) || /^[a-zA-Z]:/.test(path) || posix.normalize(path).split('/').includes('..');
}
