/** The most of a cell a problem quotes: enough to find it in the file, never the file itself. */
const EXCERPT = 40;

/**
 * A cell as a problem quotes it: cut, with an ellipsis, past 40 characters. Its own module, free
 * of Node's modules, since the console imports the import's columns, which quote headers with it.
 */
export const excerpt = (cell: string) => (cell.length > EXCERPT ? `${cell.slice(0, EXCERPT - 1)}…` : cell);
