import fc from 'fast-check';

/**
 * fast-check arbitraries drawn from an OpenAPI 3.1 document: for each operation, requests whose
 * parameters and JSON body follow the declared JSON Schema most of the time, with hostile values
 * (wrong types, sizes past the limits, odd Unicode, broken %-encodings) mixed in at every level.
 * Only the subset of JSON Schema the document uses is read: type, enum, const, properties,
 * required, additionalProperties, items, min/maxLength, pattern, format, minimum/maximum,
 * min/maxItems, anyOf/oneOf.
 */

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}

interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  parameters: Parameter[];
  body: JsonSchema | undefined;
}

export interface FuzzRequest {
  method: Operation['method'];
  url: string;
  contentType: string | undefined;
  payload: string | undefined;
  anonymous: boolean;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>;
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase() as Operation['method'],
      path,
      parameters: operation.parameters ?? [],
      body: operation.requestBody?.content?.['application/json']?.schema,
    })),
  );
}

/** Values no field expects: each type in the wrong place, sizes and characters that break naive code. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    0,
    -1,
    1.5,
    1e308,
    -(2 ** 63),
    2 ** 53 + 1,
    '',
    ' ',
    '\uD800',
    '\uFFFE\uFFFF',
    '\u202Eevil',
    '😀'.repeat(40),
    'x'.repeat(20_000),
    '9'.repeat(400),
    "' OR '1'='1' --",
    '../../etc/passwd',
    '%ff',
    '{n}',
    '__proto__',
    [],
    {},
    [[[[]]]],
    { $ne: null },
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Path and query values sent as they are, not %-encoded: the router and the query parser must cope. */
const rawHostileText = fc.constantFrom(
  '%ff',
  '%',
  '%E0%A4%A',
  '%C0%AF',
  '%2F..%2F',
  '..',
  '%2e%2e',
  '%20',
  'a'.repeat(3000),
  '%F0%9F%98%80',
  '1e400',
  '-0',
  'NaN',
  '[]',
  '%5B%5D',
);

const loneSurrogates = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** encodeURIComponent throws on a lone surrogate; an HTTP client would have sent U+FFFD. */
const encode = (text: string) => encodeURIComponent(text.replace(loneSurrogates, '\uFFFD'));

/**
 * How a request is drawn: `hostile` mixes hostile values and values past the limits into every
 * field; otherwise each field has its schema's shape (so requests get past validation). Strings
 * are at times one of `vocabulary`, names that exist (a role, a group), to get past lookups.
 */
export interface Draw {
  hostile: boolean;
  vocabulary: string[];
}

/** A value for the schema. */
export function valueFor(schema: JsonSchema, draw: Draw, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if (!draw.hostile) return shaped(schema, draw, depth);
  return fc.oneof(
    { weight: 4, arbitrary: shaped(schema, draw, depth) },
    { weight: 1, arbitrary: beyondLimits(schema) },
    { weight: 1, arbitrary: hostileValue },
  );
}

function shaped(schema: JsonSchema, draw: Draw, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => shaped(alternative, draw, depth)));
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type) => shaped({ ...schema, type }, draw, depth)));
  switch (schema.type) {
    case 'string':
      return draw.vocabulary.length
        ? fc.oneof({ weight: 3, arbitrary: text(schema) }, { weight: 1, arbitrary: fc.constantFrom(...draw.vocabulary) })
        : text(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valueFor(schema.items ?? {}, draw, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) });
    case 'object':
      return object(schema, draw, depth);
  }
  return fc.jsonValue({ maxDepth: 2 });
}

function object(schema: JsonSchema, draw: Draw, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const known = fc.record(Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, valueFor(property, draw, depth + 1)])), {
    requiredKeys: (schema.required ?? []).filter((key) => key in properties),
  });
  if (typeof schema.additionalProperties === 'object') {
    return fc
      .tuple(known, fc.dictionary(fc.string({ maxLength: 20 }), valueFor(schema.additionalProperties, draw, depth + 1), { maxKeys: 3 }))
      .map(([fields, more]) => ({ ...more, ...fields }));
  }
  if (!draw.hostile) return known;
  // Fields the schema does not know, among them the ones that pollute prototypes.
  const unknown = fc.option(
    fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'platformAdmin')), hostileValue, {
      minKeys: 1,
      maxKeys: 2,
    }),
    { nil: {}, freq: 4 },
  );
  return fc.tuple(known, unknown).map(([fields, more]) => ({ ...more, ...fields }));
}

function text(schema: JsonSchema): fc.Arbitrary<string> {
  const length = { minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 64, 64) };
  const formatted = formats[schema.format ?? ''];
  if (formatted) return formatted;
  if (schema.pattern) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern));
    } catch {
      // A pattern fast-check cannot invert: any text, which the server must refuse cleanly.
    }
  }
  return fc.oneof(
    { weight: 3, arbitrary: fc.string(length) },
    { weight: 1, arbitrary: fc.string({ ...length, unit: 'grapheme' }) },
    { weight: 1, arbitrary: fc.string({ ...length, unit: 'binary' }) },
  );
}

const formats: Record<string, fc.Arbitrary<string>> = {
  email: fc.emailAddress(),
  ipv4: fc.ipV4(),
  ipv6: fc.ipV6(),
  cidrv4: fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, bits]) => `${ip}/${bits}`),
  cidrv6: fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([ip, bits]) => `${ip}/${bits}`),
  'date-time': fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((date) => date.toISOString()),
};

/** Just past each declared limit: one character, item or unit too many or too few. */
function beyondLimits(schema: JsonSchema): fc.Arbitrary<unknown> {
  const values: unknown[] = [];
  if (schema.maxLength !== undefined) values.push('a'.repeat(schema.maxLength + 1), '😀'.repeat(schema.maxLength));
  if (schema.minLength) values.push('a'.repeat(schema.minLength - 1));
  if (schema.maximum !== undefined) values.push(schema.maximum + 1, schema.maximum + 0.5);
  if (schema.minimum !== undefined) values.push(schema.minimum - 1);
  if (schema.maxItems !== undefined && schema.maxItems < 1000)
    values.push(Array.from({ length: schema.maxItems + 1 }, () => (schema.items?.type === 'string' ? 'a' : {})));
  if (schema.minItems) values.push([]);
  return values.length ? fc.constantFrom(...values) : hostileValue;
}

/** A query or path value as text: numbers and booleans as written, anything else as JSON. */
const asText = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

/**
 * Requests for one operation, a third of them hostile throughout. Path parameters come mostly
 * from `known` (names and ids that exist, so the fuzz reaches past the 404s), otherwise from
 * their schema or raw hostile text.
 */
export function requestsFor(operation: Operation, known: Record<string, string[]>, anonymousOnly = false): fc.Arbitrary<FuzzRequest> {
  const vocabulary = [...new Set(Object.values(known).flat())];
  return fc
    .oneof({ weight: 2, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) })
    .chain((hostile) => {
      const draw = { hostile, vocabulary };
      const pathValues = operation.parameters
        .filter((p) => p.in === 'path')
        .map((parameter) => fc.tuple(fc.constant(parameter.name), pathValue(parameter, known[parameter.name] ?? [], draw)));
      const queryValues = operation.parameters
        .filter((p) => p.in === 'query')
        .map((parameter) => fc.option(fc.tuple(fc.constant(parameter.name), queryValue(parameter, draw)), { nil: undefined, freq: 2 }));
      return fc.record({
        path: fc.tuple(...pathValues).map((values) => values.reduce((url, [name, value]) => url.replace(`{${name}}`, value), operation.path)),
        query: fc.tuple(...queryValues).map((pairs) =>
          pairs
            .filter((pair) => pair !== undefined)
            .map(([name, value]) => `${name}=${value}`)
            .join('&'),
        ),
        body: operation.body ? bodyFor(operation.body, draw) : fc.constant({ contentType: undefined, payload: undefined }),
        anonymous: anonymousOnly ? fc.constant(true) : fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      });
    })
    .map((request) => ({
      method: operation.method,
      url: request.query ? `${request.path}?${request.query}` : request.path,
      contentType: request.body.contentType,
      payload: request.body.payload,
      anonymous: request.anonymous,
    }));
}

function pathValue(parameter: Parameter, pool: string[], draw: Draw): fc.Arbitrary<string> {
  const fromSchema = valueFor(parameter.schema, draw).map((value) => encode(asText(value)));
  if (!draw.hostile)
    return pool.length ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...pool).map(encode) }, { weight: 1, arbitrary: fromSchema }) : fromSchema;
  return fc.oneof({ weight: 2, arbitrary: fromSchema }, { weight: 1, arbitrary: rawHostileText });
}

function queryValue(parameter: Parameter, draw: Draw): fc.Arbitrary<string> {
  const fromSchema = valueFor(parameter.schema, draw).map((value) => encode(asText(value)));
  return draw.hostile ? fc.oneof({ weight: 3, arbitrary: fromSchema }, { weight: 1, arbitrary: rawHostileText }) : fromSchema;
}

/** A JSON body of the schema's shape; when hostile, also hostile JSON, text that is not JSON, or the wrong media type. */
function bodyFor(schema: JsonSchema, draw: Draw): fc.Arbitrary<{ contentType: string | undefined; payload: string | undefined }> {
  const json = (payload: fc.Arbitrary<string>) => payload.map((text) => ({ contentType: 'application/json', payload: text }));
  const shapedBody = json(shaped(schema, draw, 0).map((value) => JSON.stringify(value)));
  if (!draw.hostile) return shapedBody;
  return fc.oneof(
    { weight: 6, arbitrary: shapedBody },
    { weight: 2, arbitrary: json(hostileValue.map((value) => JSON.stringify(value) ?? 'null')) },
    {
      weight: 1,
      arbitrary: json(
        fc.constantFrom(
          '',
          '{',
          '{"a":1,"a":2}',
          '{"__proto__":{"platformAdmin":true}}',
          '{"constructor":{"prototype":{"x":1}}}',
          '\u0000',
          '[1,]',
          '1'.repeat(400),
          `${'['.repeat(5000)}${']'.repeat(5000)}`,
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        contentType: fc.constantFrom<string | undefined>(
          'text/plain',
          'application/json; charset=utf-16',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          undefined,
        ),
        payload: fc.constantFrom<string | undefined>('login=admin', '{}', undefined),
      }),
    },
  );
}
