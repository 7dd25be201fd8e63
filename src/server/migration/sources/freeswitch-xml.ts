import { dirname } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { SourceProblem } from './entry-fields.ts';
import { filesMatching, originOf, readSourceFile } from './source-folder.ts';

/**
 * FreeSWITCH's XML preprocessor, as far as a directory needs it: `X-PRE-PROCESS cmd="set"` defines
 * a `$${variable}` for every later line, `cmd="include"` splices in the files a glob names
 * (relative to the including file's folder), and an `<include>` wrapper stands for its children.
 * Each file is parsed on its own, so one malformed file is one problem and the others still read.
 * Commands that run programs (`exec`, `exec-set`) or read the environment are never carried out.
 */

/** An element after preprocessing: attributes with their `$${variables}` put in, and the file it came from. */
export interface XmlNode {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
  file: string;
}

/** Includes deeper than FreeSWITCH's own limit are a loop, not a configuration. */
const deepestInclude = 20;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

export class Preprocessor {
  readonly variables = new Map<string, string>();
  /** What could not be read so far; the reader hands them on and empties the list. */
  problems: SourceProblem[] = [];

  constructor(private readonly root: string) {}

  /** The file's elements, preprocessed; a file that cannot be read adds a problem and yields none. */
  async load(file: string, including: string[] = []): Promise<XmlNode[]> {
    const origin = originOf(this.root, file);
    if (including.includes(file) || including.length >= deepestInclude) return this.refuse(origin, 'includes itself (an include loop): not read');
    const read = await readSourceFile(this.root, file);
    if ('problem' in read) return this.refuse(origin, read.problem);
    const valid = XMLValidator.validate(read.text);
    // The validator's own words quote the document, which may be a password: only the line is told.
    if (valid !== true) return this.refuse(origin, `is not well-formed XML (line ${valid.err.line})`);
    const nodes = unwrap(elementsOf(parser.parse(read.text) as ParsedItem[], file));
    return this.expand(nodes, [...including, file]);
  }

  /** The value with every `$${name}` set so far put in; a name never set stays as written. */
  substitute(value: string): string {
    return value.replace(/\$\$\{([^}]+)\}/g, (whole, name: string) => this.variables.get(name) ?? whole);
  }

  private async expand(nodes: XmlNode[], including: string[]): Promise<XmlNode[]> {
    const expanded: XmlNode[] = [];
    for (const node of nodes) {
      if (node.name !== 'X-PRE-PROCESS') {
        const attributes = Object.fromEntries(Object.entries(node.attributes).map(([name, value]) => [name, this.substitute(value)]));
        expanded.push({ ...node, attributes, children: await this.expand(node.children, including) });
      } else if (node.attributes.cmd === 'set') this.set(this.substitute(node.attributes.data ?? ''));
      else if (node.attributes.cmd === 'include') expanded.push(...(await this.include(node, including)));
    }
    return expanded;
  }

  private set(data: string): void {
    const equals = data.indexOf('=');
    if (equals > 0) this.variables.set(data.slice(0, equals).trim(), data.slice(equals + 1).trim());
  }

  private async include(node: XmlNode, including: string[]): Promise<XmlNode[]> {
    const matched = await filesMatching(this.root, dirname(node.file), this.substitute(node.attributes.data ?? ''));
    if ('problem' in matched) return this.refuse(originOf(this.root, node.file), matched.problem);
    const included: XmlNode[] = [];
    for (const file of matched.files) included.push(...(await this.load(file, including)));
    return included;
  }

  private refuse(origin: string, message: string): XmlNode[] {
    this.problems.push({ origin, message });
    return [];
  }
}

/** Every element named `name` in the forest, outermost first, not looking inside a match. */
export function elementsNamed(nodes: XmlNode[], name: string): XmlNode[] {
  return nodes.flatMap((node) => (node.name === name ? [node] : elementsNamed(node.children, name)));
}

export function childrenNamed(node: XmlNode, name: string): XmlNode[] {
  return node.children.filter((child) => child.name === name);
}

/** fast-xml-parser's ordered form: `{ tag: [children], ':@': { attribute: value } }`, text as `{ '#text': … }`. */
type ParsedItem = Record<string, unknown>;

function elementsOf(items: ParsedItem[], file: string): XmlNode[] {
  return items.flatMap((item) => {
    const name = Object.keys(item).find((key) => key !== ':@');
    if (name === undefined || name === '#text') return [];
    const attributes = (item[':@'] ?? {}) as Record<string, string>;
    return [{ name, attributes, children: elementsOf(item[name] as ParsedItem[], file), file }];
  });
}

function unwrap(nodes: XmlNode[]): XmlNode[] {
  return nodes.flatMap((node) => (node.name === 'include' ? node.children : [node]));
}
