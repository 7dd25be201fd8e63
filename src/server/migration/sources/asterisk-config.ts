/**
 * Asterisk's configuration format (pjsip.conf, voicemail.conf, acl.conf), read in two pure steps:
 * `parseConfigText` turns one file's text into lines (sections, settings, includes); the reader
 * splices the included files' lines in; `buildSections` then applies `(!)` templates, inheritance
 * `(a,b)` and `(+)` additions, as Asterisk's own loader does. Keys repeat (`allow`, `permit`), so a
 * section keeps every setting in order; the last one wins for a single value.
 */

export interface Place {
  file: string;
  line: number;
}

export type ConfigLine =
  | { kind: 'section'; name: string; options: string[]; at: Place }
  | { kind: 'setting'; key: string; value: string; at: Place }
  | { kind: 'include'; pattern: string; optional: boolean; at: Place }
  | { kind: 'malformed'; reason: string; at: Place };

export interface ConfigSection {
  name: string;
  /** `[name](!)`: a template other sections inherit, never an object of its own. */
  template: boolean;
  settings: [key: string, value: string][];
  at: Place;
  /** What is wrong with this section (an unknown template): its entry is a problem. */
  problems: string[];
}

/** One file's lines; a line that is none of the known forms is a `malformed` line, and reading goes on. */
export function parseConfigText(text: string, file: string): ConfigLine[] {
  const lines: ConfigLine[] = [];
  let blockComments = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    const at = { file, line: index + 1 };
    const { content, depth } = withoutComments(raw, blockComments);
    blockComments = depth;
    const line = content.trim();
    if (line === '') return;
    if (line.startsWith('#')) lines.push(directive(line, at));
    else if (line.startsWith('[')) lines.push(sectionHeader(line, at));
    else lines.push(setting(line, at));
  });
  return lines;
}

/** The sections, templates applied, in the order they were written (includes already spliced in). */
export function buildSections(lines: ConfigLine[]): { sections: ConfigSection[]; malformed: { at: Place; reason: string }[] } {
  const sections: ConfigSection[] = [];
  const malformed: { at: Place; reason: string }[] = [];
  let current: ConfigSection | undefined;
  for (const line of lines) {
    if (line.kind === 'section') current = openSection(line, sections);
    else if (line.kind === 'setting' && current) current.settings.push([line.key, line.value]);
    else if (line.kind === 'setting') malformed.push({ at: line.at, reason: 'is a setting before any [section]' });
    else if (line.kind === 'malformed') malformed.push(line);
    else malformed.push({ at: line.at, reason: 'is an include that was not read' });
  }
  return { sections, malformed };
}

/** The value a key was last given (Asterisk reads a single-valued option's last setting). */
export function lastValue(section: ConfigSection, key: string): string | undefined {
  return section.settings.filter(([name]) => name === key).at(-1)?.[1];
}

/** Every value of a repeatable key, comma-separated lists split. */
export function allValues(section: ConfigSection, key: string): string[] {
  return section.settings
    .filter(([name]) => name === key)
    .flatMap(([, value]) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
}

function openSection(line: Extract<ConfigLine, { kind: 'section' }>, sections: ConfigSection[]): ConfigSection {
  if (line.options.includes('+')) {
    const earlier = sections.filter((section) => section.name === line.name).at(-1);
    if (earlier) return earlier;
  }
  const section: ConfigSection = { name: line.name, template: line.options.includes('!'), settings: [], at: line.at, problems: [] };
  for (const base of line.options.filter((option) => option !== '!' && option !== '+')) {
    const inherited = sections.find((candidate) => candidate.name === base);
    if (inherited) section.settings.push(...inherited.settings);
    else section.problems.push(`inherits from [${base}], which is not defined above it`);
  }
  sections.push(section);
  return section;
}

/**
 * The line without its `;` comment (`\;` is a literal semicolon) and without `;-- … --;` block
 * comments, which may span lines and nest; `depth` is how many blocks are open.
 */
function withoutComments(raw: string, open: number): { content: string; depth: number } {
  if (open === 0 && !raw.includes(';')) return { content: raw, depth: 0 };
  let content = '';
  let depth = open;
  for (let i = 0; i < raw.length; i += 1) {
    if (raw.startsWith(';--', i)) {
      depth += 1;
      i += 2;
    } else if (depth > 0 && raw.startsWith('--;', i)) {
      depth -= 1;
      i += 2;
    } else if (depth > 0) continue;
    else if (raw[i] === '\\' && raw[i + 1] === ';') {
      content += ';';
      i += 1;
    } else if (raw[i] === ';') break;
    else content += raw[i];
  }
  return { content, depth };
}

function directive(line: string, at: Place): ConfigLine {
  const [word = '', ...rest] = line.split(/\s+/);
  const argument = rest.join(' ').replace(/^["<](.*)[">]$/, '$1');
  if ((word === '#include' || word === '#tryinclude') && argument !== '') return { kind: 'include', pattern: argument, optional: word === '#tryinclude', at };
  if (word === '#exec' || word === '#tryexec') return { kind: 'malformed', reason: `is ${word}, which a migration never runs`, at };
  return { kind: 'malformed', reason: 'is not a directive Asterisk knows (#include, #tryinclude)', at };
}

function sectionHeader(line: string, at: Place): ConfigLine {
  const close = line.indexOf(']');
  const name = close > 0 ? line.slice(1, close).trim() : '';
  const rest = close > 0 ? line.slice(close + 1).trim() : '';
  const optionsWritten = rest.startsWith('(') && rest.endsWith(')');
  if (name === '' || (rest !== '' && !optionsWritten)) return { kind: 'malformed', reason: 'is not a section header ([name] or [name](options))', at };
  const options = optionsWritten
    ? rest
        .slice(1, -1)
        .split(',')
        .map((option) => option.trim())
        .filter(Boolean)
    : [];
  return { kind: 'section', name, options, at };
}

function setting(line: string, at: Place): ConfigLine {
  const equals = line.indexOf('=');
  const key = equals > 0 ? line.slice(0, equals).trim() : '';
  // The line itself is never quoted in the reason: it may be `secret 1234` with its `=` forgotten.
  if (key === '') return { kind: 'malformed', reason: 'is neither a [section], a setting (name = value) nor a #include', at };
  const value = line.slice(equals + 1);
  return { kind: 'setting', key, value: (value.startsWith('>') ? value.slice(1) : value).trim(), at };
}
