import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { after, before, describe } from 'node:test';
import { buildApp, type App, type AppOptions } from '../src/server/app.ts';
import { loadConfig, type Config } from '../src/server/config.ts';
import { connect, type Engine, type Storage } from '../src/server/db/connect.ts';
import { bootstrapDirectory } from '../src/server/setup/bootstrap.ts';
import { safeguardsFor } from '../src/server/users/safeguards.ts';
import { engines, freshStorage, migratedStorage } from './databases.ts';

export { engines, freshStorage };

export const ADMIN_PASSWORD = 'Grey-Heron-Flies-42!';

/** A password that meets the default policy and does not contain the login. */
export const passwordFor = (login: string) => `Amber-${createHash('sha1').update(login).digest('hex').slice(0, 8)}-Lake-7!`;

export interface Response {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any;
}

export type Client = ReturnType<typeof clientFor>;

export interface Harness {
  engine: Engine;
  app: App;
  storage: Storage;
  config: Config;
  /** The platform administrator created on first start, signed in. */
  admin: Client;
  anonymous: Client;
  signIn(domain: string, login: string, password: string): Promise<Client>;
  close(): Promise<void>;
}

export async function startHarness(engine: Engine, env: Record<string, string> = {}, logger: AppOptions['logger'] = false): Promise<Harness> {
  const database = await migratedStorage(engine);
  // No test reaches the internet: breach screening is off unless a test points it at its own server.
  const config = loadConfig({
    SWITCHBOARD_DATABASE_URL: database.url,
    SWITCHBOARD_DATA_DIR: tmpdir(),
    SWITCHBOARD_PWNED_URL: '',
    SWITCHBOARD_LOGIN_RATE_LIMIT: '100000',
    SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
    ...env,
  });
  const storage = connect(config.databaseUrl);
  const app = await (async () => {
    await bootstrapDirectory(storage.db, { login: 'admin', password: ADMIN_PASSWORD }, safeguardsFor(storage.db, config));
    const built = await buildApp({ storage, config, logger });
    await built.ready();
    return built;
  })().catch(async (error: unknown) => {
    // A harness that fails to start still leaves no database behind.
    await storage.close();
    await database.drop();
    throw error;
  });
  const anonymous = clientFor(app, undefined);
  const signIn = async (domain: string, login: string, password: string) => {
    const response = await anonymous.post('/api/v1/auth/login', { domain, login, password });
    if (response.status !== 200) throw new Error(`sign-in of ${login}@${domain} failed: ${JSON.stringify(response.body)}`);
    return clientFor(app, response.body.token as string);
  };
  return {
    engine,
    app,
    storage,
    config,
    admin: await signIn('default', 'admin', ADMIN_PASSWORD),
    anonymous,
    signIn,
    async close() {
      await app.close();
      await storage.close();
      await database.drop();
    },
  };
}

export function clientFor(app: App, token: string | undefined) {
  const send = async (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> => {
    const response = await app.inject({
      method,
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    const text = response.body;
    return { status: response.statusCode, headers: response.headers, body: text ? safeJson(text) : null };
  };
  return {
    token,
    get: (url: string, headers?: Record<string, string>) => send('GET', url, undefined, headers),
    post: (url: string, body?: unknown, headers?: Record<string, string>) => send('POST', url, body, headers),
    patch: (url: string, body: unknown, headers?: Record<string, string>) => send('PATCH', url, body, headers),
    put: (url: string, body?: unknown, headers?: Record<string, string>) => send('PUT', url, body, headers),
    delete: (url: string, headers?: Record<string, string>) => send('DELETE', url, undefined, headers),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Declares the same specification once per engine, each against its own fresh database and
 * a freshly built server.
 */
export function forEachEngine(title: string, specify: (h: () => Harness) => void, env: Record<string, string> = {}): void {
  for (const engine of engines) {
    describe(`${title} [${engine}]`, () => {
      let harness: Harness | undefined;
      before(async () => {
        harness = await startHarness(engine, env);
      });
      after(async () => {
        await harness?.close();
      });
      specify(() => {
        if (!harness) throw new Error('the harness has not started');
        return harness;
      });
    });
  }
}

/** Creates a user as the platform administrator and signs them in. */
export async function userWithRoles(h: Harness, login: string, roles: string[], extra: Record<string, unknown> = {}, domain = 'default') {
  const password = passwordFor(login);
  const created = await h.admin.post(`/api/v1/domains/${domain}/users`, { login, password, roles, ...extra });
  if (created.status !== 201) throw new Error(`creating ${login} failed: ${JSON.stringify(created.body)}`);
  return { id: created.body.id as string, client: await h.signIn(domain, login, password), user: created.body };
}
