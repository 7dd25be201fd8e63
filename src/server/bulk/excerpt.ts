/**
 * How a problem quotes a cell, apart from the CSV reading (Node streams, csv-parse) so that the
 * console, which checks a mapping with import-columns.ts, can use it in the browser.
 */

/** The most of a cell a problem quotes: enough to find it in the file, never the file itself. */
const EXCERPT = 40;

/** A cell as a problem quotes it: cut, with an ellipsis, past 40 characters. */
export const excerpt = (cell: string) => (cell.length > EXCERPT ? `${cell.slice(0, EXCERPT - 1)}…` : cell);
