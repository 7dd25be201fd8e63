import type { z } from 'zod';

/**
 * Reads a stored settings document: absent means the defaults; each text is parsed once (the
 * copies kept on the domain's record are read with every user view).
 */
export function settingsParser<T>(schema: z.ZodType<T>, defaults: T): (text: string | null | undefined) => T {
  const parsed = new Map<string, T>();
  return (text) => {
    if (!text) return defaults;
    let value = parsed.get(text);
    if (value === undefined) {
      if (parsed.size > 1000) parsed.clear();
      value = schema.parse(JSON.parse(text));
      parsed.set(text, value);
    }
    return value;
  };
}
