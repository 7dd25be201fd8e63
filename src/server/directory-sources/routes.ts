import { z } from 'zod';
import { grantablePermissions } from '../permissions/catalog.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { notFound, Problem } from '../http/problem.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import type { Deps, Router } from '../deps.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import type { Requester } from '../users/commands.ts';
import { createSource, mustFindSource, removeSource, syncRunning, updateSource } from './commands.ts';
import { SyncJobs } from './jobs.ts';
import { JobBoard } from '../jobs/board.ts';
import { SyncSchedule } from './schedule.ts';
import { directorySourceCreate, directorySourceUpdate, directorySourceView, syncJobView, syncQuery, syncReport, type SyncJobView } from './schema.ts';
import { listSources, toSourceView, type SourceRow } from './store.ts';
import { syncSource } from './sync.ts';

const tags = ['directory sources'];
const read = { access: { permission: 'directory-sources:read' as const } };
const update = { access: { permission: 'directory-sources:update' as const } };
const domainParams = z.object({ domain: z.string() });
const sourceParams = domainParams.extend({ id: z.string() });
const jobParams = sourceParams.extend({ job: z.string().max(64) });

/** A scheduled sync acts as the server, with every permission a role may hold and no platform power. */
const scheduler: Requester = { id: null, login: 'system', platformAdmin: false, permissions: new Set(grantablePermissions) };

export function directorySourceRoutes(router: Router, { db, cipher, passwords, presence, cache, drain }: Deps): void {
  const guards = { passwords, cipher };
  const board = new JobBoard(db, ['directory.sync'], (error) => router.log.error({ err: error }, 'a sync job could not be written for the cluster'));
  const jobs = new SyncJobs((domainId, view) => presence.store.publish(domainId, { type: 'job', userId: null, data: view }), board);
  const startSync = (requester: Requester, domain: DomainRecord, source: SourceRow, dryRun: boolean) => {
    const id = timeOrderedId();
    const job = jobs.start(domain.id, source.id, id, requester.login, (signal, onProgress) =>
      syncSource(db, guards, requester, domain, source, dryRun, { id, signal, onProgress }),
    );
    // The sync ends outside any request's answer: what was read while it ran is not served again.
    void job.done.then(() => cache.invalidateAll());
    drain.track(job.done);
    return job;
  };
  const schedule = new SyncSchedule(
    db,
    (domain, source) => startSync(scheduler, domain, source, false).done,
    (error) => router.log.error({ err: error }, 'a scheduled directory sync failed to start'),
  );
  router.addHook('onReady', async () => schedule.begin());
  router.addHook('onClose', async () => {
    await schedule.stop();
    await jobs.close();
  });
  const jobOf = (sourceId: string, job: SyncJobView | undefined) => {
    if (!job || job.source !== sourceId) throw notFound('Sync job');
    return job;
  };

  router.get('/api/v1/domains/:domain/directory-sources', {
    config: read,
    schema: {
      tags,
      summary: "The domain's LDAP and Active Directory sources (never their bind passwords)",
      params: domainParams,
      response: { 200: z.object({ items: z.array(directorySourceView), nextCursor: z.null() }) },
    },
    handler: async (request) => ({ items: (await listSources(db, domainOf(request).id)).map(toSourceView), nextCursor: null }),
  });

  router.post('/api/v1/domains/:domain/directory-sources', {
    config: update,
    schema: {
      tags,
      summary: 'Add an LDAP or Active Directory server to take users from',
      description:
        'Its users are created, changed and deactivated by its syncs; the fields it maps (and the activation and password) are read-only elsewhere. Their passwords are checked by a bind to the server, never stored.',
      params: domainParams,
      body: directorySourceCreate,
      response: { 201: directorySourceView },
    },
    handler: async (request, reply) => reply.code(201).send(await createSource(db, cipher, actorOf(request), domainOf(request), request.body)),
  });

  router.get('/api/v1/domains/:domain/directory-sources/:id', {
    config: read,
    schema: { tags, summary: 'A directory source', params: sourceParams, response: { 200: directorySourceView } },
    handler: async (request) => toSourceView(await mustFindSource(db, domainOf(request).id, request.params.id)),
  });

  router.patch('/api/v1/domains/:domain/directory-sources/:id', {
    config: update,
    schema: {
      tags,
      summary: 'Change a directory source',
      description: 'A new preset starts the mapping, filter and membership again from its own, with the changes given.',
      params: sourceParams,
      body: directorySourceUpdate,
      response: { 200: directorySourceView },
    },
    handler: async (request) => updateSource(db, cipher, actorOf(request), domainOf(request), request.params.id, request.body),
  });

  router.delete('/api/v1/domains/:domain/directory-sources/:id', {
    config: update,
    schema: {
      tags,
      summary: 'Remove a directory source; its users stay and become Switchboard’s own',
      params: sourceParams,
      response: { 204: z.null() },
    },
    handler: async (request, reply) => {
      await removeSource(db, actorOf(request), domainOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  });

  router.post('/api/v1/domains/:domain/directory-sources/:id/sync', {
    config: update,
    schema: {
      tags,
      summary: 'Sync the source now: read the directory, create, change and deactivate its users in one transaction',
      description:
        'A dry run reports what a sync would create, change, deactivate and leave alone, and writes nothing. Users gone from the directory are deactivated, never deleted. Entries the directory rules refuse (a taken login or e-mail, an invalid value) are left out and reported. A directory that does not answer is 503. With `Prefer: respond-async` the answer is 202 and the job (GET …/jobs/{job}; `job` events on the event stream carry its state).',
      params: sourceParams,
      querystring: syncQuery,
      response: { 200: syncReport, 202: syncJobView },
    },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const source = await mustFindSource(db, domain.id, request.params.id);
      if (await board.running(domain.id, 'directory.sync', source.id)) throw syncRunning();
      const job = startSync(actorOf(request), domain, source, request.query.dryRun);
      if (/\brespond-async\b/i.test(String(request.headers.prefer ?? ''))) {
        await job.recorded;
        return reply
          .code(202)
          .header('preference-applied', 'respond-async')
          .header('location', `/api/v1/domains/${domain.name}/directory-sources/${source.id}/jobs/${job.view.id}`)
          .send({ ...job.view });
      }
      const view = await job.done;
      if (view.error || !view.result)
        throw new Problem(
          view.error?.status ?? 409,
          view.error?.code ?? 'directory_source.sync_cancelled',
          view.error?.detail ?? 'The sync was cancelled; nothing of it was written',
        );
      return view.result;
    },
  });

  router.get('/api/v1/domains/:domain/directory-sources/:id/jobs/:job', {
    config: read,
    schema: { tags, summary: 'A sync job: its state, progress and, when finished, its report', params: jobParams, response: { 200: syncJobView } },
    handler: async (request) => jobOf(request.params.id, await jobs.read(domainOf(request).id, request.params.job)),
  });

  router.post('/api/v1/domains/:domain/directory-sources/:id/jobs/:job/cancel', {
    config: update,
    schema: { tags, summary: 'Cancel a running sync: nothing of it stays', params: jobParams, response: { 200: syncJobView } },
    handler: async (request) => {
      const domainId = domainOf(request).id;
      jobOf(request.params.id, await jobs.read(domainId, request.params.job));
      return jobOf(request.params.id, await jobs.cancelAnywhere(domainId, request.params.job));
    },
  });
}
