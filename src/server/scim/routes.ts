import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Deps, Router } from '../deps.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { expectedVersion } from '../http/etag.ts';
import { notFound } from '../http/problem.ts';
import type { Requester } from '../users/commands.ts';
import { runBulk } from './bulk.ts';
import {
  createScimGroup,
  createScimUser,
  deleteScimGroup,
  deleteScimUser,
  patchScimGroup,
  patchScimUser,
  replaceScimGroup,
  replaceScimUser,
  type WriteContext,
} from './commands.ts';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.ts';
import { installScimErrors, SCIM_JSON } from './errors.ts';
import { groupResources, listGroups, listUsers, liveGroup, readUserResource, userResources, type ReadContext } from './reads.ts';
import { LIST_SCHEMA, limits, type ScimObject } from './schema.ts';
import { tokenName } from './store.ts';

const access = { access: { permission: 'scim:provision' as const } };
const domainParams = z.object({ domain: z.string() });
const idParams = z.object({ domain: z.string(), id: z.string().max(253) });
const text = z.string().max(4000).optional();
const listQuery = z.object({ filter: text, sortBy: text, sortOrder: text, startIndex: text, count: text, attributes: text, excludedAttributes: text });
const readQuery = z.object({ attributes: text, excludedAttributes: text });
/** SCIM has its own discovery (ServiceProviderConfig, Schemas): these routes stay out of the REST API's OpenAPI document. */
const hide = true;

const baseOf = (request: FastifyRequest) => `${request.protocol}://${request.host}/scim/v2/${encodeURIComponent(domainOf(request).name)}`;

/**
 * The SCIM service of one domain (RFC 7643, 7644) under /scim/v2/{domain}, for an API token
 * holding scim:provision. Its writes are the directory's own commands, acting as the token's
 * owner with the token's scope; audit entries name the token.
 */
export function scimService(deps: Deps) {
  return async (scope: Router) => {
    installScimErrors(scope);
    scope.addContentTypeParser('application/scim+json', { parseAs: 'string' }, scope.getDefaultJsonParser('error', 'error'));
    discoveryRoutes(scope);
    userRoutes(scope, deps);
    groupRoutes(scope, deps);
    scope.post('/:domain/Bulk', {
      config: access,
      bodyLimit: limits.bulkMaxPayloadSize,
      schema: { hide, params: domainParams, body: z.unknown() },
      handler: async (request, reply) => send(reply, 200, await runBulk(await writeContext(deps, request), request.body)),
    });
  };
}

const readContext = ({ db }: Deps, request: FastifyRequest): ReadContext => ({ db, domain: domainOf(request), base: baseOf(request) });

async function writeContext(deps: Deps, request: FastifyRequest): Promise<WriteContext> {
  const actor = actorOf(request);
  const name = actor.apiTokenId === null ? undefined : await tokenName(deps.db, actor.apiTokenId);
  const requester: Requester = { ...actor, login: name === undefined ? actor.login : `${actor.login} (API token ${JSON.stringify(name)})` };
  return { ...readContext(deps, request), requester, guards: { passwords: deps.passwords, cipher: deps.cipher, crm: deps.crm } };
}

function send(reply: FastifyReply, status: number, body: unknown, version?: string) {
  if (version) void reply.header('etag', version);
  return reply.code(status).type(SCIM_JSON).send(body);
}

const versionOf = (resource: ScimObject) => (resource.meta as { version?: string } | undefined)?.version;

function discoveryRoutes(scope: Router) {
  const list = (resources: ScimObject[]) => ({
    schemas: [LIST_SCHEMA],
    totalResults: resources.length,
    startIndex: 1,
    itemsPerPage: resources.length,
    Resources: resources,
  });
  scope.get('/:domain/ServiceProviderConfig', { config: access, schema: { hide, params: domainParams } }, async (request, reply) =>
    send(reply, 200, serviceProviderConfig(baseOf(request))),
  );
  scope.get('/:domain/ResourceTypes', { config: access, schema: { hide, params: domainParams } }, async (request, reply) =>
    send(reply, 200, list(resourceTypes(baseOf(request)))),
  );
  scope.get('/:domain/ResourceTypes/:id', { config: access, schema: { hide, params: idParams } }, async (request, reply) => {
    const found = resourceTypes(baseOf(request)).find((r) => r.id === request.params.id);
    if (!found) throw notFound('Resource type');
    return send(reply, 200, found);
  });
  scope.get('/:domain/Schemas', { config: access, schema: { hide, params: domainParams } }, async (request, reply) =>
    send(reply, 200, list(schemas(baseOf(request)))),
  );
  scope.get('/:domain/Schemas/:id', { config: access, schema: { hide, params: idParams } }, async (request, reply) => {
    const found = schemas(baseOf(request)).find((s) => s.id.toLowerCase() === request.params.id.toLowerCase());
    if (!found) throw notFound('Schema');
    return send(reply, 200, found);
  });
}

function userRoutes(scope: Router, deps: Deps) {
  scope.get('/:domain/Users', { config: access, schema: { hide, params: domainParams, querystring: listQuery } }, async (request, reply) =>
    send(reply, 200, await listUsers(readContext(deps, request), request.query)),
  );
  scope.post('/:domain/Users', { config: access, schema: { hide, params: domainParams, body: z.unknown() } }, async (request, reply) => {
    const context = await writeContext(deps, request);
    const [resource] = await userResources(context, [await createScimUser(context, request.body)]);
    const created = resource as ScimObject;
    void reply.header('location', (created.meta as { location: string }).location);
    return send(reply, 201, created, versionOf(created));
  });
  scope.get('/:domain/Users/:id', { config: access, schema: { hide, params: idParams, querystring: readQuery } }, async (request, reply) => {
    const resource = await readUserResource(readContext(deps, request), request.params.id, request.query);
    return send(reply, 200, resource, versionOf(resource));
  });
  const answerUser = async (context: WriteContext, reply: FastifyReply, user: Parameters<typeof userResources>[1][number]) => {
    const [resource] = await userResources(context, [user]);
    return send(reply, 200, resource, versionOf(resource as ScimObject));
  };
  scope.put('/:domain/Users/:id', { config: access, schema: { hide, params: idParams, body: z.unknown() } }, async (request, reply) => {
    const context = await writeContext(deps, request);
    return answerUser(context, reply, await replaceScimUser(context, request.params.id, request.body, expectedVersion(request)));
  });
  scope.patch('/:domain/Users/:id', { config: access, schema: { hide, params: idParams, body: z.unknown() } }, async (request, reply) => {
    const context = await writeContext(deps, request);
    return answerUser(context, reply, await patchScimUser(context, request.params.id, request.body, expectedVersion(request)));
  });
  scope.delete('/:domain/Users/:id', { config: access, schema: { hide, params: idParams } }, async (request, reply) => {
    await deleteScimUser(await writeContext(deps, request), request.params.id, expectedVersion(request));
    return reply.code(204).send();
  });
}

function groupRoutes(scope: Router, deps: Deps) {
  const ifMatch = (request: FastifyRequest) => request.headers['if-match'];
  scope.get('/:domain/Groups', { config: access, schema: { hide, params: domainParams, querystring: listQuery } }, async (request, reply) =>
    send(reply, 200, await listGroups(readContext(deps, request), request.query)),
  );
  scope.post('/:domain/Groups', { config: access, schema: { hide, params: domainParams, body: z.unknown() } }, async (request, reply) => {
    const created = await createScimGroup(await writeContext(deps, request), request.body);
    void reply.header('location', (created.meta as { location: string }).location);
    return send(reply, 201, created, versionOf(created));
  });
  scope.get('/:domain/Groups/:id', { config: access, schema: { hide, params: idParams, querystring: readQuery } }, async (request, reply) => {
    const context = readContext(deps, request);
    const [resource] = await groupResources(context, [await liveGroup(context, request.params.id)], request.query);
    return send(reply, 200, resource, versionOf(resource as ScimObject));
  });
  scope.put('/:domain/Groups/:id', { config: access, schema: { hide, params: idParams, body: z.unknown() } }, async (request, reply) => {
    const resource = await replaceScimGroup(await writeContext(deps, request), request.params.id, request.body, ifMatch(request));
    return send(reply, 200, resource, versionOf(resource));
  });
  scope.patch('/:domain/Groups/:id', { config: access, schema: { hide, params: idParams, body: z.unknown() } }, async (request, reply) => {
    // 204 without the members: Microsoft Entra ID asks so of large groups (RFC 7644 §3.5.2 allows it).
    await patchScimGroup(await writeContext(deps, request), request.params.id, request.body, ifMatch(request));
    return reply.code(204).send();
  });
  scope.delete('/:domain/Groups/:id', { config: access, schema: { hide, params: idParams } }, async (request, reply) => {
    await deleteScimGroup(await writeContext(deps, request), request.params.id, ifMatch(request));
    return reply.code(204).send();
  });
}
