import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceProblem } from './entry-fields.ts';
import { buildSections, parseConfigText, type ConfigLine, type ConfigSection } from './asterisk-config.ts';
import { filesMatching, originOf, readSourceFile } from './source-folder.ts';

/**
 * One Asterisk configuration file read from the folder with its `#include`s spliced in where they
 * stand. Asterisk resolves a relative include against its configuration folder (`/etc/asterisk`),
 * not the including file's, so here against the folder read.
 */

/** Includes deeper than this are a loop. */
const deepestInclude = 20;

/** The file's sections, and a problem for each file or line that could not be read. */
export async function loadConfigFile(root: string, name: string): Promise<{ sections: ConfigSection[]; problems: SourceProblem[] }> {
  const problems: SourceProblem[] = [];
  const lines = await linesOf(root, join(root, name), [], problems);
  const { sections, malformed } = buildSections(lines);
  for (const { at, reason } of malformed) problems.push({ origin: originOf(root, at.file), message: `line ${at.line} ${reason}` });
  return { sections, problems };
}

async function linesOf(root: string, file: string, including: string[], problems: SourceProblem[]): Promise<ConfigLine[]> {
  const origin = originOf(root, file);
  if (including.includes(file) || including.length >= deepestInclude) {
    problems.push({ origin, message: 'includes itself (an include loop): not read' });
    return [];
  }
  const read = await readSourceFile(root, file);
  if ('problem' in read) {
    problems.push({ origin, message: read.problem });
    return [];
  }
  const lines: ConfigLine[] = [];
  for (const line of parseConfigText(read.text, file)) {
    if (line.kind === 'include') lines.push(...(await included(root, line, [...including, file], problems)));
    else lines.push(line);
  }
  return lines;
}

async function included(root: string, line: Extract<ConfigLine, { kind: 'include' }>, including: string[], problems: SourceProblem[]): Promise<ConfigLine[]> {
  const matched = await filesMatching(root, root, line.pattern);
  if ('problem' in matched) {
    problems.push({ origin: originOf(root, line.at.file), message: `line ${line.at.line} ${matched.problem}` });
    return [];
  }
  const lines: ConfigLine[] = [];
  for (const file of matched.files) {
    if (line.optional && !existsSync(file)) continue;
    lines.push(...(await linesOf(root, file, including, problems)));
  }
  return lines;
}
