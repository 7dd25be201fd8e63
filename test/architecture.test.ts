import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';

const root = new URL('..', import.meta.url).pathname;
const config = join(root, '.dependency-cruiser.cjs');
const depcruise = join(root, 'node_modules/.bin/depcruise');

/** The rule names dependency-cruiser reports for the tree at `cwd`, with what it printed. */
async function violations(cwd: string): Promise<{ rules: string[]; output: string }> {
  const run = promisify(execFile)(depcruise, ['src/server', '--config', config, '--output-type', 'err'], { cwd }).then(
    ({ stdout }) => stdout,
    (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
  );
  const output = await run;
  return { rules: [...new Set([...output.matchAll(/error ([a-z-]+):/g)].map((m) => m[1] as string))].sort(), output };
}

describe('the architecture rules', () => {
  it('hold for the whole server: no cycle between folders, thin routes, pure rules, plumbing that knows no feature', async () => {
    const { rules, output } = await violations(root);
    assert.deepEqual(rules, [], output);
  });

  describe('catch each kind of breach (a tree made to break them)', () => {
    const tree = mkdtempSync(join(tmpdir(), 'switchboard-architecture-'));
    after(() => rmSync(tree, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(tree, path)), { recursive: true });
      writeFileSync(join(tree, path), text);
    };
    write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'nodenext', allowImportingTsExtensions: true, noEmit: true } }));
    write('node_modules/kysely/package.json', JSON.stringify({ name: 'kysely', main: 'index.js' }));
    write('node_modules/kysely/index.js', 'export const sql = 1;');
    // users → roles → users: a cycle between two feature folders.
    write('src/server/users/store.ts', "import { role } from '../roles/store.ts';\nexport const user = role;");
    write('src/server/roles/store.ts', "import { user } from '../users/commands.ts';\nexport const role = 1; export const again = user;");
    write('src/server/users/commands.ts', 'export const user = 1;');
    // A route with its own query builder, and another feature calling it.
    write('src/server/groups/routes.ts', "import { sql } from 'kysely';\nexport const groupRoutes = sql;");
    write('src/server/tags/commands.ts', "import { groupRoutes } from '../groups/routes.ts';\nexport const tag = groupRoutes;");
    // A rules file reading a file, another reading its store; plumbing that imports a feature.
    write('src/server/agents/rules.ts', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;");
    write('src/server/tags/rules.ts', "import { tagRow } from './store.ts';\nexport const decide = tagRow;");
    write('src/server/tags/store.ts', 'export const tagRow = 1;');
    write('src/server/http/access.ts', "import { user } from '../users/commands.ts';\nexport const access = user;");

    it('reports every one of them by its rule', async () => {
      const { rules, output } = await violations(tree);
      assert.deepEqual(
        rules,
        [
          'infrastructure-knows-no-feature',
          'no-cycle-between-folders',
          'no-feature-calls-another-features-routes',
          'routes-only-parse-and-call',
          'rules-are-pure',
          'rules-use-no-io-builtins',
        ],
        output,
      );
    });
  });

  it('refuse a route that runs SQL or opens a transaction, and a rules file that queries (the lint)', async () => {
    const eslint = new ESLint({ cwd: root });
    const lint = async (filePath: string, code: string) =>
      (await eslint.lintText(code, { filePath: join(root, filePath) })).flatMap((r) =>
        r.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message),
      );
    const route =
      'export const route = async (db: any) => { await db.transaction().execute(async (trx: any) => trx.selectFrom("users").selectAll().execute()); };\n';
    assert.equal((await lint('src/server/groups/routes.ts', route)).length, 2);
    assert.equal((await lint('src/server/groups/member-routes.ts', route)).length, 2);
    assert.equal((await lint('src/server/groups/commands.ts', route)).length, 0, 'a command opens the transaction');
    assert.equal((await lint('src/server/groups/rules.ts', 'export const decide = async (db: any) => db.selectFrom("groups").execute();\n')).length, 2);
  });
});
