import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { isGzip, unpackArchive } from './archive.ts';

/**
 * The folder a file-based migration source reads: the administrator's own folder, or a .tar.gz of
 * it unpacked into a temporary one. Every file is read through here, so nothing outside the folder
 * (a symbolic link, an include of `../../etc/…`) is ever read.
 */
export interface SourceFolder {
  /** The folder's real path; origins are written relative to it. */
  root: string;
  /** Removes what was unpacked; the administrator's own folder is left as it is. */
  close(): Promise<void>;
}

export type SourcePathKind = 'folder' | 'archive' | 'file';

/** What `path` names; throws a clear error when it is none of the kinds the source reads. */
export function sourcePathKind<Kind extends SourcePathKind>(path: string, accepted: Kind[], described: string): Kind {
  if (!existsSync(path)) throw new Error(`${path} does not exist: give ${described}.`);
  const stat = statSync(path);
  const kind: SourcePathKind | undefined = stat.isDirectory() ? 'folder' : !stat.isFile() ? undefined : isGzip(path) ? 'archive' : 'file';
  if (kind === undefined || !(accepted as SourcePathKind[]).includes(kind)) throw new Error(`${path} is not ${described}.`);
  return kind as Kind;
}

/** Opens the folder (unpacking an archive), then steps into lone wrapping folders (`conf/`, `etc/asterisk/`) until `isTop` holds. */
export async function openSourceFolder(path: string, kind: 'folder' | 'archive', isTop: (folder: string) => boolean): Promise<SourceFolder> {
  if (kind === 'folder') return { root: descend(realpathSync(path), isTop), close: async () => {} };
  const unpacked = realpathSync(await mkdtemp(join(tmpdir(), 'switchboard-migration-')));
  // Retried: a refused unpacking may still be closing its last files when the folder is removed.
  const close = () => rm(unpacked, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  try {
    await unpackArchive(path, unpacked);
  } catch (error) {
    await close();
    throw error;
  }
  return { root: descend(unpacked, isTop), close };
}

function descend(folder: string, isTop: (folder: string) => boolean): string {
  if (isTop(folder)) return folder;
  const children = readdirSync(folder, { withFileTypes: true });
  const only = children.length === 1 ? children[0] : undefined;
  return only?.isDirectory() ? descend(join(folder, only.name), isTop) : folder;
}

/** How a file is named in origins and problems: relative to the folder, with forward slashes. */
export function originOf(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}

/** A file's text, or why it cannot be read (never its content: it may hold secrets). */
export async function readSourceFile(root: string, file: string): Promise<{ text: string } | { problem: string }> {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return { problem: 'is not in the folder' };
  }
  if (!isInside(root, real)) return { problem: 'leads outside the folder (a link or a path out of it): not read' };
  try {
    return { text: await readFile(real, 'utf8') };
  } catch {
    return { problem: 'cannot be read' };
  }
}

/**
 * The files an include names, sorted as a shell glob sorts them: `pattern` is relative to `from`
 * (or absolute) and may hold `*`, `?` and `[…]` in its last segment. A pattern leading out of the
 * folder matches nothing and says so.
 */
export async function filesMatching(root: string, from: string, pattern: string): Promise<{ files: string[] } | { problem: string }> {
  const full = isAbsolute(pattern) ? pattern : join(from, pattern);
  if (!isInside(root, dirname(full))) return { problem: `includes ${pattern}, which is outside the folder: not read` };
  const name = basename(full);
  if (!/[*?[]/.test(name)) return { files: [full] };
  const matches = wildcard(name);
  const names = await readdir(dirname(full), { withFileTypes: true }).catch(() => []);
  return {
    files: names
      .filter((entry) => !entry.isDirectory() && matches.test(entry.name))
      .map((entry) => join(dirname(full), entry.name))
      .sort(),
  };
}

function isInside(root: string, path: string): boolean {
  const rest = relative(root, path);
  return rest !== '..' && !rest.startsWith(`..${sep}`) && !isAbsolute(rest);
}

function wildcard(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] as string;
    const close = char === '[' ? pattern.indexOf(']', i + 2) : -1;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (close > 0) {
      source += `[${pattern
        .slice(i + 1, close)
        .replace(/^!/, '^')
        .replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
