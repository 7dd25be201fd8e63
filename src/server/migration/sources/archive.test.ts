import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { archiveLimits, isGzip, unpackArchive } from './archive.ts';

const scratch = mkdtempSync(join(tmpdir(), 'switchboard-archive-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A folder with the given files (a value starting with `->` is a symbolic link to the rest), packed with tar. */
function archiveOf(name: string, files: Record<string, string>): string {
  const folder = join(scratch, `${name}-tree`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    if (content.startsWith('->')) symlinkSync(content.slice(2), join(folder, path));
    else writeFileSync(join(folder, path), content);
  }
  const archive = join(scratch, name);
  execFileSync('tar', ['-czf', archive, '-C', folder, '.']);
  return archive;
}

const emptyFolder = (name: string) => mkdtempSync(join(scratch, `${name}-into-`));

describe('unpacking an uploaded archive', () => {
  it('knows a .tar.gz by its gzip bytes, whatever its name', () => {
    const archive = archiveOf('no-extension', { 'a.conf': 'x' });
    assert.equal(isGzip(archive), true);
    writeFileSync(join(scratch, 'plain.tar.gz'), 'not gzip at all');
    assert.equal(isGzip(join(scratch, 'plain.tar.gz')), false);
  });

  it('unpacks files, folders and a link that stays inside', async () => {
    const into = emptyFolder('inside');
    await unpackArchive(archiveOf('inside', { 'conf/vars.xml': '<include/>', 'conf/latest.xml': '->vars.xml' }), into);
    assert.equal(readFileSync(join(into, 'conf/vars.xml'), 'utf8'), '<include/>');
    assert.equal(readlinkSync(join(into, 'conf/latest.xml')), 'vars.xml');
  });

  it('refuses a link out of the folder, relative or absolute, and unpacks nothing', async () => {
    for (const [name, target] of [
      ['relative-link', '->../../../etc/passwd'],
      ['absolute-link', '->/etc/passwd'],
    ] as const) {
      const into = emptyFolder(name);
      await assert.rejects(unpackArchive(archiveOf(name, { 'a.xml': 'x', 'b/link.xml': target }), into), /b\/link\.xml is a link to a place outside/);
      assert.deepEqual(readdirSync(into), []);
    }
  });

  it('refuses what is neither a file, a folder nor a link', async () => {
    const folder = join(scratch, 'fifo-tree');
    mkdirSync(folder);
    execFileSync('mkfifo', [join(folder, 'pipe')]);
    const archive = join(scratch, 'fifo');
    execFileSync('tar', ['-czf', archive, '-C', folder, '.']);
    await assert.rejects(unpackArchive(archive, emptyFolder('fifo')), /\.\/pipe is a FIFO, not a file or a folder/);
  });

  it('refuses an archive of more entries or bytes than the limits', async () => {
    const archive = archiveOf('large', { 'a.conf': 'a'.repeat(2000), 'b.conf': 'b', 'c.conf': 'c' });
    await assert.rejects(unpackArchive(archive, emptyFolder('entries'), { ...archiveLimits, entries: 3 }), /it holds more than 3 entries/);
    await assert.rejects(unpackArchive(archive, emptyFolder('bytes'), { entries: 10, bytes: 1024 * 1024 * 0.001 }), /it unpacks to more than/);
    await unpackArchive(archive, emptyFolder('fits'));
  });
});
