import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { MigrationSource, SourceItem } from '../entry.ts';
import { compactEntry, isNumeric } from './entry-fields.ts';
import { Preprocessor, childrenNamed, elementsNamed, type XmlNode } from './freeswitch-xml.ts';
import { filesMatching, openSourceFolder, originOf, sourcePathKind } from './source-folder.ts';

/**
 * FreeSWITCH's directory as FreeSWITCH ships it: `conf/vars.xml` sets the `$${variables}`,
 * `conf/directory/*.xml` hold the domains, each including its users (`default/*.xml`) into a group
 * and listing them by pointer in other groups. A user's params and variables are inherited from
 * its domain and its group, its own winning.
 */
export function readFreeswitchDirectory(path: string): MigrationSource {
  const kind = sourcePathKind(path, ['folder', 'archive'], 'a FreeSWITCH conf/ or directory/ folder, or a .tar.gz of one');
  return read(kind === 'folder' ? confFolderAround(path) : path, kind);
}

async function* read(path: string, kind: 'folder' | 'archive'): AsyncGenerator<SourceItem> {
  const folder = await openSourceFolder(path, kind, (candidate) => isConf(candidate) || holdsXml(candidate));
  try {
    const preprocessor = new Preprocessor(folder.root);
    const conf = isConf(folder.root);
    const vars = join(folder.root, 'vars.xml');
    if (conf && existsSync(vars)) await preprocessor.load(vars);
    const matched = await filesMatching(folder.root, conf ? join(folder.root, 'directory') : folder.root, '*.xml');
    for (const file of 'files' in matched ? matched.files : []) {
      const domains = elementsNamed(await preprocessor.load(file), 'domain');
      yield* preprocessor.problems.map((problem) => ({ problem }));
      preprocessor.problems = [];
      for (const domain of domains) yield* domainItems(domain, folder.root);
    }
  } finally {
    await folder.close();
  }
}

/** Given the `directory/` folder of a conf folder, its `vars.xml` is one folder up: read from there. */
function confFolderAround(path: string): string {
  return !isConf(path) && basename(path) === 'directory' && existsSync(join(dirname(path), 'vars.xml')) ? dirname(path) : path;
}

function isConf(folder: string): boolean {
  return existsSync(join(folder, 'vars.xml')) || (existsSync(join(folder, 'directory')) && statSync(join(folder, 'directory')).isDirectory());
}

function holdsXml(folder: string): boolean {
  return readdirSync(folder).some((name) => name.endsWith('.xml'));
}

interface Settings {
  params: Map<string, string>;
  variables: Map<string, string>;
}

interface Definition {
  user: XmlNode;
  settings: Settings;
}

function* domainItems(domain: XmlNode, root: string): Generator<SourceItem> {
  const realm = known(domain.attributes.name);
  const definitions = new Map<string, Definition>();
  const groups = new Map<string, string[]>();
  for (const { user, group, settings } of usersOf(domain)) {
    const id = user.attributes.id ?? '';
    // `default` is the group FreeSWITCH ships every user in, not a team of the center.
    if (group !== undefined && group !== 'default') groups.set(id, [...new Set([...(groups.get(id) ?? []), group])]);
    if (user.attributes.type === 'pointer') continue;
    const first = definitions.get(id);
    if (first) {
      yield problem(user, root, `is defined again in domain ${domain.attributes.name}; the one in ${originOf(root, first.user.file)} is read`);
    } else definitions.set(id, { user, settings });
  }
  for (const [id, definition] of definitions) yield userItem(definition, realm, groups.get(id) ?? [], root);
  for (const [id, inGroups] of groups) {
    if (!definitions.has(id))
      yield {
        problem: { origin: `domain ${domain.attributes.name}, user ${id}`, message: `is in group ${inGroups.join(', ')} by pointer but defined nowhere` },
      };
  }
}

/** Every `<user>` of the domain, in its groups or directly under it, with the settings it inherits. */
function* usersOf(domain: XmlNode): Generator<{ user: XmlNode; group?: string; settings: Settings }> {
  const inherited = settingsOf(domain, { params: new Map(), variables: new Map() });
  for (const users of childrenNamed(domain, 'users')) {
    for (const user of childrenNamed(users, 'user')) yield { user, settings: settingsOf(user, inherited) };
  }
  for (const group of childrenNamed(domain, 'groups').flatMap((groups) => childrenNamed(groups, 'group'))) {
    const ofGroup = settingsOf(group, inherited);
    for (const user of childrenNamed(group, 'users').flatMap((users) => childrenNamed(users, 'user')))
      yield { user, group: group.attributes.name, settings: settingsOf(user, ofGroup) };
  }
}

function settingsOf(node: XmlNode, inherited: Settings): Settings {
  const pairs = (list: string, item: string) =>
    childrenNamed(node, list)
      .flatMap((parent) => childrenNamed(parent, item))
      .map((child): [string, string] => [child.attributes.name ?? '', child.attributes.value ?? '']);
  return {
    params: new Map([...inherited.params, ...pairs('params', 'param')]),
    variables: new Map([...inherited.variables, ...pairs('variables', 'variable')]),
  };
}

function userItem({ user, settings }: Definition, realm: string | undefined, groups: string[], root: string): SourceItem {
  const id = user.attributes.id ?? '';
  const { params, variables } = settings;
  const secrets = { password: params.get('password'), a1Hash: params.get('a1-hash'), pin: params.get('vm-password') };
  const problems = [
    ...Object.entries({ password: secrets.password, 'a1-hash': secrets.a1Hash, 'vm-password': secrets.pin }).flatMap(([name, value]) => {
      const unset = value === undefined ? undefined : /\$\$\{([^}]+)\}/.exec(value)?.[1];
      return unset === undefined ? [] : [`${name} names $\${${unset}}, which no X-PRE-PROCESS set defines`];
    }),
    ...(secrets.a1Hash !== undefined && !/^[0-9a-fA-F]{32}$/.test(secrets.a1Hash) ? ['a1-hash is not an MD5 digest (32 hexadecimal digits)'] : []),
  ];
  if (id === '') problems.push('has no id');
  if (problems.length > 0) return problem(user, root, problems.join('; '));
  const alias = user.attributes['number-alias'];
  const acl = (user.attributes.cidr ?? params.get('cidr') ?? '').split(',').map((cidr) => cidr.trim());
  const callerId = { name: known(variables.get('effective_caller_id_name')), number: known(variables.get('effective_caller_id_number')) };
  return {
    entry: compactEntry({
      origin: originFor(user, root),
      username: id,
      extension: [alias, id].find(isNumeric),
      realm,
      sip: { password: secrets.password || undefined, ha1Md5: secrets.a1Hash?.toLowerCase() },
      ...(secrets.pin !== undefined || params.has('vm-enabled') ? { voicemail: { enabled: params.get('vm-enabled') !== 'false', pin: secrets.pin } } : {}),
      callerId,
      authAcl: acl.filter(Boolean),
      groups,
    }),
  };
}

function originFor(user: XmlNode, root: string): string {
  return `${originOf(root, user.file)}, user ${user.attributes.id ?? ''}`;
}

function problem(user: XmlNode, root: string, message: string): SourceItem {
  return { problem: { origin: originFor(user, root), message } };
}

/** A value whose `$${variables}` were all set; one still naming a variable is not known. */
function known(value: string | undefined): string | undefined {
  return value === undefined || value === '' || value.includes('$${') ? undefined : value;
}
