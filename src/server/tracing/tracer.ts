import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { observeQueries } from '../db/query-time.ts';

export interface TracingOptions {
  /** Where spans go: an OTLP/HTTP traces endpoint (`…/v1/traces`). */
  endpoint: string;
  serviceName: string;
  /** What this process is (a hostname and port), told apart from the cluster's others. */
  instance: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    span: Span | null;
  }
}

let contextInstalled = false;

/** Spans follow requests through awaits; trace context arrives and leaves as W3C `traceparent`. */
function installContext(): void {
  if (contextInstalled) return;
  contextInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/**
 * OpenTelemetry traces, when an exporter is configured: a server span per request, named by its
 * route's pattern (never its values), joining the caller's trace when it sends `traceparent`, and
 * a client span per database query beneath it (its SQL, never its values). Spans are sent in
 * batches over OTLP/HTTP; the last ones when the server closes.
 */
export function traceRequests(app: FastifyInstance, options: TracingOptions): void {
  installContext();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName, 'service.instance.id': options.instance }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: options.endpoint }), { scheduledDelayMillis: 500 })],
  });
  const tracer = provider.getTracer('switchboard');
  const stopObserving = observeQueries((engine, seconds, failed, sql) => querySpan(tracer, engine, seconds, failed, sql));

  app.decorateRequest('span', null);
  app.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer.startSpan(spanName(request), { kind: SpanKind.SERVER, attributes: requestAttributes(request) }, parent);
    request.span = span;
    // The rest of the request runs in the span's context: queries made for it become its children.
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook('onError', async (request, _reply, error) => {
    request.span?.recordException({ name: error.name, message: error.message });
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = request.span;
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  app.addHook('onClose', async () => {
    stopObserving();
    await provider.shutdown();
  });
}

const spanName = (request: FastifyRequest) => `${request.method} ${request.routeOptions.url ?? 'unknown route'}`;

const requestAttributes = (request: FastifyRequest) => ({
  'http.request.method': request.method,
  'http.route': request.routeOptions.url ?? '',
  'url.scheme': request.protocol,
  'client.address': request.ip,
  'switchboard.request_id': request.id,
});

/** A query, timed by Kysely once it has run: its span starts that long before now, under the active request's. */
function querySpan(tracer: Tracer, engine: string, seconds: number, failed: boolean, sql: string): void {
  const active: Context = context.active();
  if (!trace.getSpan(active)) return;
  const end = Date.now();
  const span = tracer.startSpan(
    `${engine} ${sql.slice(0, sql.indexOf(' ') > 0 ? sql.indexOf(' ') : sql.length)}`,
    {
      kind: SpanKind.CLIENT,
      startTime: end - seconds * 1000,
      attributes: { 'db.system.name': engine === 'postgres' ? 'postgresql' : 'sqlite', 'db.query.text': sql },
    },
    active,
  );
  if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end(end);
}
