import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { create, extract } from 'tar';
import { z } from 'zod';

/**
 * A backup is a gzip-compressed tar of `manifest.json` and the engine's own files: SQLite's two
 * database files (the directory and its sign-in file), or PostgreSQL's `pg_dump --format=custom`
 * archive. The manifest says which engine may restore it; the secret key is never inside.
 */
export const MANIFEST = 'manifest.json';

export const manifestSchema = z.object({
  format: z.literal('switchboard-backup'),
  version: z.literal(1),
  engine: z.enum(['sqlite', 'postgres']),
  createdAt: z.iso.datetime(),
  /** The last migration the backed-up database had applied. */
  migration: z.string().nullable(),
  files: z.array(z.string().regex(/^[a-z.-]+$/)).min(1),
});

export type Manifest = z.infer<typeof manifestSchema>;

/**
 * Writes the archive beside its final name and renames it into place: a backup cut short leaves
 * no file that looks whole. It holds password hashes and SIP digests, so only its owner reads it.
 */
export async function writeArchive(file: string, folder: string, manifest: Manifest): Promise<void> {
  writeFileSync(`${folder}/${MANIFEST}`, `${JSON.stringify(manifest, null, 2)}\n`);
  const partial = `${file}.partial`;
  writeFileSync(partial, '', { mode: 0o600 });
  try {
    await create({ file: partial, cwd: folder, gzip: true, portable: true }, [MANIFEST, ...manifest.files]);
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** Unpacks an archive into `folder` and answers its manifest, refusing a file that is not a backup. */
export async function readArchive(file: string, folder: string): Promise<Manifest> {
  if (!existsSync(file)) throw new Error(`there is no file ${file}`);
  await extract({ file, cwd: folder, strict: true }).catch(() => {
    throw new Error(`${file} is not a Switchboard backup (a gzip-compressed tar)`);
  });
  const parsed = manifestSchema.safeParse(readManifest(folder, file));
  if (!parsed.success) throw new Error(`${file} is not a Switchboard backup this release reads (its ${MANIFEST} is not one)`);
  return parsed.data;
}

function readManifest(folder: string, file: string): unknown {
  try {
    return JSON.parse(readFileSync(`${folder}/${MANIFEST}`, 'utf8'));
  } catch {
    throw new Error(`${file} is not a Switchboard backup (no readable ${MANIFEST})`);
  }
}
