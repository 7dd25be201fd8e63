import { readCsv, type CsvDelimiter, type CsvEncoding } from './csv-decoding.ts';
import type { ImportQuery } from './schema.ts';

/**
 * One record an import reads: a line of cells (the first one names the columns), with where it
 * came from when that is more than its row number (a PBX's account), or an entry its source
 * could not read, told as a problem of its row.
 */
export type ImportRecord = { cells: string[]; origin?: string } | { origin: string; problem: string };

/** What an import reads its rows from: a CSV file, or a PBX's accounts turned into rows. */
export interface RecordSource {
  /** How the records were decoded, for the report: a file's encoding and delimiter. */
  encoding: string;
  delimiter: string;
  records(): AsyncIterable<ImportRecord>;
  /** How much of the source is read, 0 to 1. */
  fraction(): number;
}

/**
 * How to open a record source where it is read: a module exporting `openRecords(options)` and
 * the options, plain data, so an import running in its own thread opens its source there. The
 * import names no source: a source names its module.
 */
export interface RecordReader {
  module: string;
  options: unknown;
}

export type RecordOpener = (options: never) => Promise<RecordSource>;

export async function openReader(reader: RecordReader): Promise<RecordSource> {
  const { openRecords } = (await import(reader.module)) as { openRecords: RecordOpener };
  return openRecords(reader.options as never);
}

const delimiters = { comma: ',', semicolon: ';', tab: '\t' } as const;

/** A CSV file's records. */
export async function openRecords(options: { path: string; encoding?: CsvEncoding; delimiter?: CsvDelimiter }): Promise<RecordSource> {
  const csv = await readCsv(options.path, { encoding: options.encoding, delimiter: options.delimiter });
  return {
    encoding: csv.encoding,
    delimiter: csv.delimiter === '\t' ? 'tab' : csv.delimiter,
    fraction: csv.fraction,
    async *records() {
      for await (const cells of csv.records()) yield { cells };
    },
  };
}

/** The reader of a CSV file, as the import's query reads it. */
export const csvReader = (path: string, query: Pick<ImportQuery, 'encoding' | 'delimiter'>): RecordReader => ({
  module: import.meta.url,
  options: { path, encoding: query.encoding, delimiter: query.delimiter && delimiters[query.delimiter] },
});
