import type { ImportProgress } from '../server/import/schema.ts';

const WIDTH = 30;

/**
 * The import's progress on a terminal: one bar redrawn in place. Where the output is not a
 * terminal (a log, a pipe), a plain line per update instead, which scripts can follow.
 */
export function progressBar(out: NodeJS.WriteStream) {
  const line = (p: ImportProgress) =>
    `${p.rows.toLocaleString('en')} rows · ${p.rowsPerSecond.toLocaleString('en')}/s · ${p.created.toLocaleString('en')} created · ${p.problems} problems`;
  let drawn = false;
  return {
    update(p: ImportProgress) {
      if (!out.isTTY) return void out.write(`progress: ${line(p)}\n`);
      const done = Math.round(p.fraction * WIDTH);
      out.write(`\r[${'#'.repeat(done)}${' '.repeat(WIDTH - done)}] ${Math.round(p.fraction * 100)}% ${line(p)}\x1b[K`);
      drawn = true;
    },
    end() {
      if (drawn) out.write('\n');
    },
  };
}
