import { conflict, notFound } from '../http/problem.ts';

/** A second entry of a name the catalog has: 409 `<code>.exists`, pointing at the name. */
export const nameTaken = (code: string, noun: string, name: string) =>
  conflict(`${code}.exists`, `A ${noun} named ${JSON.stringify(name)} already exists`, [{ path: 'name', code: `${code}.exists`, message: 'Already taken' }]);

/** No entry of this name: 404 naming what was looked for ("Pause reason "Lunch" was not found"). */
export const namedNotFound = (noun: string, name: string) => notFound(`${noun.charAt(0).toUpperCase()}${noun.slice(1)} ${JSON.stringify(name)}`);
