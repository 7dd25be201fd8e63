import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
  /** Vite names built assets by their content: they never change under one name. */
  immutable: boolean;
}

/** The built console (an index.html and its assets): dist/web, seen from dist/server or from src/server. */
function consoleDir(): string | undefined {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return [join(here, '../../web'), join(here, '../../../dist/web')].find((dir) => existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'assets')));
}

/** Read and compressed once per process: every app built in it (the tests build hundreds) shares them. */
const loaded = new Map<string, Map<string, Asset>>();

function load(dir: string): Map<string, Asset> {
  const known = loaded.get(dir);
  if (known) return known;
  const assets = new Map<string, Asset>();
  loaded.set(dir, assets);
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const body = readFileSync(path);
        const url = `/${relative(dir, path).split(sep).join('/')}`;
        assets.set(url, { body, gzip: gzipSync(body), type: types[extname(name)] ?? 'application/octet-stream', immutable: url.startsWith('/assets/') });
      }
    }
  };
  walk(dir);
  return assets;
}

const send = (request: FastifyRequest, reply: FastifyReply, asset: Asset) => {
  const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  reply
    .type(asset.type)
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('vary', 'accept-encoding');
  if (gzip) reply.header('content-encoding', 'gzip');
  return reply.send(gzip ? asset.gzip : asset.body);
};

/**
 * The administrator's console at `/`: its files, kept in memory with their gzip, and index.html
 * for every other page address (`/users/…`) so that addresses can be bookmarked. Everything under
 * /api stays the API's, with its problem+json 404.
 */
export function consoleRoutes(app: FastifyInstance): void {
  const dir = consoleDir();
  const access = { access: { public: true } } as const;
  if (!dir) {
    app.get('/', { config: access, schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/plain; charset=utf-8').send('The console is not built here: run `npm run build` (npm start does it).\n'),
    );
    return;
  }
  const assets = load(dir);
  const index = assets.get('/index.html') as Asset;
  for (const [url, asset] of assets)
    if (url !== '/index.html') app.get(url, { config: access, schema: { hide: true } }, (request, reply) => send(request, reply, asset));
  app.get('/*', { config: access, schema: { hide: true } }, (request, reply) => {
    if (/^\/(api|integrations|sip)(\/|$)/.test(request.url)) return reply.callNotFound();
    return send(request, reply, index);
  });
}
