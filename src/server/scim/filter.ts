/**
 * The SCIM query language: filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2), parsed into one
 * small tree that the in-memory matcher (filter-match.ts) and the SQL translation (filter-sql.ts)
 * both read. Pure: no I/O.
 *
 * Beyond the RFC's ABNF, and on purpose:
 * - `emails[type eq "work"].value eq "x"` (Microsoft Entra ID sends it) is read as
 *   `emails[type eq "work" and value eq "x"]`: one e-mail must be both, which is what it means.
 * - `not(` and `not (` are both read (RFC errata 7319: the RFC's own example has the space).
 * - Any run of white space separates tokens; keywords and `true`/`false`/`null` in any case.
 * - `$ref` is an attribute name (RFC 7643 uses it for references) though ATTRNAME has no `$`.
 * Attribute names keep the spelling they were written in; they compare case-insensitively.
 */

export type AttributePath = { schema?: string; attribute: string; subAttribute?: string };
export type Comparison = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type CompareValue = string | number | boolean | null;
export type Filter =
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  | { kind: 'compare'; op: Comparison; path: AttributePath; value: CompareValue }
  | { kind: 'present'; path: AttributePath }
  /** `path` is the multi-valued attribute; the paths inside `filter` are its sub-attributes. */
  | { kind: 'valuePath'; path: AttributePath; filter: Filter };
export type PatchPath = { path: AttributePath; filter?: Filter; subAttribute?: string };

export const FILTER_MAX_LENGTH = 4096;
export const FILTER_MAX_DEPTH = 32;

/** A filter that cannot be read; answered as 400 with scimType `invalidFilter`. */
export class ScimFilterError extends Error {
  readonly scimType = 'invalidFilter';
  constructor(
    message: string,
    /** 0-based offset in the filter text, when the problem has one. */
    readonly position?: number,
  ) {
    super(message);
    this.name = 'ScimFilterError';
  }
}

/**
 * A PATCH path that cannot be read; answered as 400 with scimType `invalidPath`, or
 * `invalidFilter` when the problem is inside its value filter (RFC 7644 §3.12 lists that one for
 * PATCH path filters).
 */
export class ScimPathError extends Error {
  constructor(
    message: string,
    readonly position?: number,
    readonly scimType: 'invalidPath' | 'invalidFilter' = 'invalidPath',
  ) {
    super(message);
    this.name = 'ScimPathError';
  }
}

const COMPARISONS: readonly string[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
/** Operators that compare text: a number, boolean or null has no substring. */
const TEXT_ONLY: readonly string[] = ['co', 'sw', 'ew'];
const ORDERING: readonly string[] = ['gt', 'ge', 'lt', 'le'];

const ATTRIBUTE_NAME = /^\$?[A-Za-z][A-Za-z0-9_-]*$/;
/** RFC 3986's scheme, then the characters a URN or URI may hold (no brackets, quotes, parentheses). */
const SCHEMA_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~%!$&'*+,;=:@/?#]*$/;
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

type Token =
  | { type: '(' | ')' | '[' | ']'; at: number; spaced: boolean }
  | { type: 'string'; at: number; spaced: boolean; value: string }
  | { type: 'word'; at: number; spaced: boolean; text: string }
  | { type: 'end'; at: number; spaced: boolean };

const shown = (token: Token) =>
  token.type === 'end' ? 'the end' : token.type === 'word' ? `"${token.text}"` : token.type === 'string' ? 'a string' : `"${token.type}"`;

const SPACES = /\s+/y;
const WORD = /[^\s()[\]"]+/y;

function tokenize(text: string, fail: (message: string, at: number) => never): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  let spaced = true;
  while (at < text.length) {
    SPACES.lastIndex = at;
    if (SPACES.test(text)) {
      [at, spaced] = [SPACES.lastIndex, true];
      continue;
    }
    const c = text[at] as string;
    if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ type: c, at, spaced });
      at += 1;
    } else if (c === '"') {
      const end = stringEnd(text, at, fail);
      tokens.push({ type: 'string', at, spaced, value: jsonString(text.slice(at, end), at, fail) });
      at = end;
    } else {
      WORD.lastIndex = at;
      WORD.test(text);
      tokens.push({ type: 'word', at, spaced, text: text.slice(at, WORD.lastIndex) });
      at = WORD.lastIndex;
    }
    spaced = false;
  }
  tokens.push({ type: 'end', at: text.length, spaced });
  return tokens;
}

function stringEnd(text: string, start: number, fail: (message: string, at: number) => never): number {
  for (let at = start + 1; at < text.length; at += 1) {
    if (text[at] === '\\') at += 1;
    else if (text[at] === '"') return at + 1;
  }
  return fail('a string is not closed: a closing " is missing', start);
}

function jsonString(raw: string, at: number, fail: (message: string, at: number) => never): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return fail('a string is not valid JSON (escape " \\ and control characters with a backslash)', at);
  }
}

/** Reads tokens for both grammars; `fail` decides which error class a problem becomes. */
class Reader {
  private index = 0;
  private depth = 0;
  /** Whether the reader is between the brackets of a value filter. */
  inBrackets = false;
  constructor(
    private readonly tokens: Token[],
    readonly fail: (message: string, at: number) => never,
  ) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)] as Token;
  }
  next(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length - 1) this.index += 1;
    return token;
  }
  isWord(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === 'word' && token.text.toLowerCase() === word;
  }
  expect(type: ')' | ']', what: string): void {
    const token = this.next();
    if (token.type !== type) this.fail(`expected "${type}" to close ${what}, found ${shown(token)}`, token.at);
  }
  /** Grouping (parentheses, `not`, brackets) nests at most FILTER_MAX_DEPTH deep. */
  nest<T>(at: number, read: () => T): T {
    if (this.depth >= FILTER_MAX_DEPTH) this.fail(`the filter nests deeper than ${FILTER_MAX_DEPTH} levels`, at);
    this.depth += 1;
    const result = read();
    this.depth -= 1;
    return result;
  }

  filter(inside?: AttributePath): Filter {
    let left = this.conjunction(inside);
    while (this.isWord('or')) {
      this.next();
      left = { kind: 'or', left, right: this.conjunction(inside) };
    }
    return left;
  }

  private conjunction(inside?: AttributePath): Filter {
    let left = this.unary(inside);
    while (this.isWord('and')) {
      this.next();
      left = { kind: 'and', left, right: this.unary(inside) };
    }
    return left;
  }

  private unary(inside?: AttributePath): Filter {
    const token = this.peek();
    if (this.isWord('not') && this.peek(1).type === '(') {
      this.next();
      const open = this.next();
      return this.nest(open.at, () => {
        const filter = this.filter(inside);
        this.expect(')', 'the "not ("');
        return { kind: 'not', filter };
      });
    }
    if (token.type === '(') {
      this.next();
      return this.nest(token.at, () => {
        const filter = this.filter(inside);
        this.expect(')', 'the "("');
        return filter;
      });
    }
    return this.expression(inside);
  }

  private expression(inside?: AttributePath): Filter {
    const start = this.peek();
    const path = this.attributePath(inside);
    if (this.peek().type === '[') {
      if (inside) this.fail(`value filters do not nest: ${pathText(inside)}[…] cannot hold ${pathText(path)}[…]`, this.peek().at);
      const { filter, subAttribute } = this.valueFilter(path, start.at);
      if (subAttribute === undefined) return { kind: 'valuePath', path, filter };
      const condition = this.condition({ attribute: subAttribute });
      return { kind: 'valuePath', path, filter: { kind: 'and', left: filter, right: condition } };
    }
    return this.condition(path);
  }

  /** `[…]` after a multi-valued attribute, and the `.sub` that may follow it. */
  valueFilter(path: AttributePath, at: number): { filter: Filter; subAttribute?: string } {
    if (path.subAttribute !== undefined) this.fail(`"[" follows a multi-valued attribute, not the sub-attribute ${pathText(path)}`, at);
    const open = this.next();
    this.inBrackets = true;
    const filter = this.nest(open.at, () => {
      if (this.peek().type === ']') this.fail(`${pathText(path)}[] holds no filter`, this.peek().at);
      const inner = this.filter(path);
      this.expect(']', `the "[" of ${pathText(path)}`);
      return inner;
    });
    this.inBrackets = false;
    const after = this.peek();
    if (after.type !== 'word' || after.spaced || !after.text.startsWith('.')) return { filter };
    this.next();
    const name = after.text.slice(1);
    if (!ATTRIBUTE_NAME.test(name)) this.fail(`"${after.text}" is not a sub-attribute: write ".name" after "]"`, after.at);
    return { filter, subAttribute: name };
  }

  private condition(path: AttributePath): Filter {
    const token = this.next();
    const op = token.type === 'word' ? token.text.toLowerCase() : '';
    if (op === 'pr') return { kind: 'present', path };
    if (!COMPARISONS.includes(op)) {
      this.fail(`expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after ${pathText(path)}, found ${shown(token)}`, token.at);
    }
    const value = this.value(op);
    return { kind: 'compare', op: op as Comparison, path, value };
  }

  private value(op: string): CompareValue {
    const token = this.next();
    const value = this.literal(token);
    if (TEXT_ONLY.includes(op) && typeof value !== 'string') this.fail(`"${op}" compares text: give it a string in double quotes`, token.at);
    if (ORDERING.includes(op) && (value === null || typeof value === 'boolean')) {
      this.fail(`"${op}" orders strings, numbers and dates, not ${String(value)}`, token.at);
    }
    return value;
  }

  private literal(token: Token): CompareValue {
    if (token.type === 'string') return token.value;
    if (token.type === 'word') {
      const word = token.text.toLowerCase();
      if (word === 'true') return true;
      if (word === 'false') return false;
      if (word === 'null') return null;
      if (JSON_NUMBER.test(token.text)) {
        const number = Number(token.text);
        if (!Number.isFinite(number)) this.fail(`the number ${token.text} is out of range`, token.at);
        return number;
      }
    }
    return this.fail(`expected a value (a string in double quotes, a number, true, false or null), found ${shown(token)}`, token.at);
  }

  /** `[URI ":"] ATTRNAME ["." ATTRNAME]`; inside `emails[…]` only a bare sub-attribute name. */
  attributePath(inside?: AttributePath): AttributePath {
    const token = this.next();
    if (token.type !== 'word') return this.fail(`expected an attribute name, found ${shown(token)}`, token.at);
    const path = parsePath(token.text, (message) => this.fail(message, token.at));
    if (inside && (path.schema !== undefined || path.subAttribute !== undefined)) {
      this.fail(`inside ${pathText(inside)}[…] name a sub-attribute of ${inside.attribute} alone, not ${pathText(path)}`, token.at);
    }
    return path;
  }

  end(what: string): void {
    const token = this.peek();
    if (token.type !== 'end') this.fail(`unexpected ${shown(token)} after the ${what}`, token.at);
  }
}

function parsePath(text: string, fail: (message: string) => never): AttributePath {
  const colon = text.lastIndexOf(':');
  const schema = colon === -1 ? undefined : text.slice(0, colon);
  const [attribute = '', subAttribute, ...deeper] = text.slice(colon + 1).split('.');
  if (schema !== undefined && !SCHEMA_URI.test(schema)) fail(`"${schema}" is not a schema URI`);
  if (!ATTRIBUTE_NAME.test(attribute) || (subAttribute !== undefined && !ATTRIBUTE_NAME.test(subAttribute)) || deeper.length > 0) {
    fail(`"${text}" is not an attribute path (a name of letters, digits, "-" and "_", starting with a letter; at most one ".sub")`);
  }
  return { ...(schema === undefined ? {} : { schema }), attribute, ...(subAttribute === undefined ? {} : { subAttribute }) };
}

function checkLength(text: string, fail: (message: string, at: number) => never): void {
  if (text.length > FILTER_MAX_LENGTH) fail(`longer than ${FILTER_MAX_LENGTH} characters`, FILTER_MAX_LENGTH);
  if (text.trim() === '') fail('empty', 0);
}

export function parseFilter(text: string): Filter {
  const fail = (message: string, at: number): never => {
    throw new ScimFilterError(`invalid filter at character ${at + 1}: ${message}`, at);
  };
  checkLength(text, fail);
  const reader = new Reader(tokenize(text, fail), fail);
  const filter = reader.filter();
  reader.end('filter');
  return filter;
}

/** RFC 7644 §3.5.2: `attrPath / valuePath [subAttr]`. */
export function parsePatchPath(text: string): PatchPath {
  const state: { reader?: Reader } = {};
  const fail = (message: string, at: number): never => {
    throw new ScimPathError(`invalid path at character ${at + 1}: ${message}`, at, state.reader?.inBrackets ? 'invalidFilter' : 'invalidPath');
  };
  checkLength(text, fail);
  const reader = new Reader(tokenize(text, fail), fail);
  state.reader = reader;
  const start = reader.peek();
  const path = reader.attributePath();
  if (reader.peek().type !== '[') {
    reader.end('path');
    return { path };
  }
  const { filter, subAttribute } = reader.valueFilter(path, start.at);
  reader.end('path');
  return { path, filter, ...(subAttribute === undefined ? {} : { subAttribute }) };
}

export const pathText = (path: AttributePath): string =>
  `${path.schema === undefined ? '' : `${path.schema}:`}${path.attribute}${path.subAttribute === undefined ? '' : `.${path.subAttribute}`}`;

const valueText = (value: CompareValue): string => (Object.is(value, -0) ? '-0' : JSON.stringify(value));

/** Canonical text: lower-case keywords, single spaces, parentheses only where the tree needs them. */
export function formatFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'or':
      return `${formatFilter(filter.left)} or ${grouped(filter.right, filter.right.kind === 'or')}`;
    case 'and':
      return `${grouped(filter.left, filter.left.kind === 'or')} and ${grouped(filter.right, filter.right.kind === 'or' || filter.right.kind === 'and')}`;
    case 'not':
      return `not (${formatFilter(filter.filter)})`;
    case 'present':
      return `${pathText(filter.path)} pr`;
    case 'compare':
      return `${pathText(filter.path)} ${filter.op} ${valueText(filter.value)}`;
    case 'valuePath':
      return `${pathText(filter.path)}[${formatFilter(filter.filter)}]`;
  }
}

const grouped = (filter: Filter, needed: boolean) => (needed ? `(${formatFilter(filter)})` : formatFilter(filter));

export function formatPatchPath(path: PatchPath): string {
  const filter = path.filter === undefined ? '' : `[${formatFilter(path.filter)}]`;
  return `${pathText(path.path)}${filter}${path.subAttribute === undefined ? '' : `.${path.subAttribute}`}`;
}
