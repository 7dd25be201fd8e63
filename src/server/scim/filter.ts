// TEMP stand-in for the scim-filter branch: only what scim-core needs until that branch is merged.
export interface AttributePath {
  schema?: string;
  attribute: string;
  subAttribute?: string;
}

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

export type Filter =
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  | { kind: 'compare'; op: CompareOp; path: AttributePath; value: string | number | boolean | null }
  | { kind: 'present'; path: AttributePath }
  | { kind: 'valuePath'; path: AttributePath; filter: Filter };

export interface PatchPath {
  path: AttributePath;
  filter?: Filter;
  subAttribute?: string;
}

export class ScimFilterError extends Error {}
export class ScimPathError extends Error {}

const OPS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const TOKEN = /\s*("(?:[^"\\]|\\.)*"|\(|\)|\[|\]|[^\s()[\]]+)/y;

function tokens(text: string): string[] {
  const out: string[] = [];
  let at = 0;
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN.exec(text))) {
    out.push(m[1] as string);
    at = TOKEN.lastIndex;
  }
  if (text.slice(at).trim()) throw new ScimFilterError(`Cannot read the filter at ${text.slice(at)}`);
  return out;
}

const URN = /^(urn:[^ ]+):([A-Za-z][\w$-]*(?:\.[A-Za-z][\w$-]*)?)$/i;

function attributePath(text: string, error: new (m: string) => Error): AttributePath {
  const m = URN.exec(text);
  const schema = m?.[1];
  const rest = m ? (m[2] as string) : text;
  if (!/^[A-Za-z][\w$-]*(\.[A-Za-z][\w$-]*)?$/.test(rest)) throw new error(`Not an attribute path: ${text}`);
  const [attribute, subAttribute] = rest.split('.') as [string, string | undefined];
  return { ...(schema ? { schema } : {}), attribute, ...(subAttribute ? { subAttribute } : {}) };
}

function literal(token: string | undefined): string | number | boolean | null {
  if (token === undefined) throw new ScimFilterError('A comparison needs a value');
  if (token.startsWith('"')) return JSON.parse(token) as string;
  if (token === 'true' || token === 'false') return token === 'true';
  if (token === 'null') return null;
  const n = Number(token);
  if (Number.isNaN(n)) throw new ScimFilterError(`Not a value: ${token}`);
  return n;
}

class Parser {
  i = 0;
  constructor(readonly t: string[]) {}
  peek = () => this.t[this.i]?.toLowerCase();
  next = () => this.t[this.i++];
  or(): Filter {
    let left = this.and();
    while (this.peek() === 'or') {
      this.i++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }
  and(): Filter {
    let left = this.unary();
    while (this.peek() === 'and') {
      this.i++;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }
  unary(): Filter {
    if (this.peek() === 'not') {
      this.i++;
      return { kind: 'not', filter: this.unary() };
    }
    if (this.peek() === '(') {
      this.i++;
      const inner = this.or();
      if (this.next() !== ')') throw new ScimFilterError('Missing )');
      return inner;
    }
    const name = this.next();
    if (name === undefined) throw new ScimFilterError('The filter ends too soon');
    const path = attributePath(name, ScimFilterError);
    if (this.peek() === '[') {
      this.i++;
      const filter = this.or();
      if (this.next() !== ']') throw new ScimFilterError('Missing ]');
      return { kind: 'valuePath', path, filter };
    }
    const op = this.next()?.toLowerCase();
    if (op === 'pr') return { kind: 'present', path };
    if (!op || !OPS.has(op)) throw new ScimFilterError(`Unknown operator ${op}`);
    return { kind: 'compare', op: op as CompareOp, path, value: literal(this.next()) };
  }
}

export function parseFilter(text: string): Filter {
  const parser = new Parser(tokens(text));
  const filter = parser.or();
  if (parser.i !== parser.t.length) throw new ScimFilterError(`Unexpected ${parser.t[parser.i]}`);
  return filter;
}

const pathText = (p: AttributePath) => `${p.schema ? `${p.schema}:` : ''}${p.attribute}${p.subAttribute ? `.${p.subAttribute}` : ''}`;

export function formatFilter(f: Filter): string {
  switch (f.kind) {
    case 'and':
    case 'or':
      return `(${formatFilter(f.left)} ${f.kind} ${formatFilter(f.right)})`;
    case 'not':
      return `not (${formatFilter(f.filter)})`;
    case 'present':
      return `${pathText(f.path)} pr`;
    case 'valuePath':
      return `${pathText(f.path)}[${formatFilter(f.filter)}]`;
    case 'compare':
      return `${pathText(f.path)} ${f.op} ${JSON.stringify(f.value)}`;
  }
}

export function parsePatchPath(text: string): PatchPath {
  const m = /^([^[]+)(?:\[(.*)\](?:\.([A-Za-z][\w$-]*))?)?$/s.exec(text.trim());
  if (!m) throw new ScimPathError(`Not a path: ${text}`);
  const path = attributePath(m[1] as string, ScimPathError);
  if (m[2] === undefined) return { path };
  try {
    return { path, filter: parseFilter(m[2]), ...(m[3] ? { subAttribute: m[3] } : {}) };
  } catch (error) {
    throw new ScimPathError(error instanceof Error ? error.message : String(error));
  }
}
