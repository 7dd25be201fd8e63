import { Fieldset, NumberInput, Select, Stack, Switch, Textarea, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { translated } from '../i18n/validation.ts';

type Value = unknown;
/** The parts of a Zod 4 schema's definition a form needs. */
interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  entries?: Record<string, string>;
  in?: z.ZodType;
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Through default, optional, nullable and pipe wrappers to what the value is. */
function unwrap(schema: z.ZodType): { core: z.ZodType; nullable: boolean } {
  let core = schema;
  let nullable = false;
  for (;;) {
    const def = defOf(core);
    if (def.type === 'nullable') nullable = true;
    if (def.innerType) core = def.innerType;
    else if (def.type === 'pipe' && def.in) core = def.in;
    else return { core, nullable };
  }
}

const words = (key: string) => key.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase());

/**
 * A form drawn from an object schema of the API — numbers, switches, choices, text, lists one a
 * line, nested objects as fieldsets — with each field's description from the schema and the
 * problems of a parse at their paths.
 */
export function SchemaForm({
  schema,
  value,
  onChange,
  problems,
  path = [],
}: {
  schema: z.ZodType;
  value: Record<string, Value>;
  onChange: (value: Record<string, Value>) => void;
  problems: Map<string, string>;
  path?: string[];
}) {
  const { t, i18n } = useTranslation();
  const shape = defOf(unwrap(schema).core).shape ?? {};
  // Labels and hints in the console's language; a schema's English description only in English.
  const labelOf = (key: string) => (i18n.exists(`settingsFields.${key}`) ? t(`settingsFields.${key}`) : words(key));
  const hintOf = (key: string, described: string | undefined) =>
    i18n.exists(`settingsHints.${key}`) ? t(`settingsHints.${key}`) : i18n.language.startsWith('en') ? described : undefined;
  return (
    <Stack gap="sm">
      {Object.entries(shape).map(([key, field]) => {
        const here = [...path, key];
        const { core, nullable } = unwrap(field);
        const def = defOf(core);
        const label = labelOf(key);
        const description = hintOf(key, field.description ?? core.description);
        const problem = problems.get(here.join('/'));
        const error = problem && translated(problem);
        const current = value[key];
        const set = (next: Value) => onChange({ ...value, [key]: next });
        if (def.type === 'object') {
          return (
            <Fieldset key={key} legend={label}>
              <SchemaForm schema={core} value={(current as Record<string, Value>) ?? {}} onChange={set} problems={problems} path={here} />
            </Fieldset>
          );
        }
        if (def.type === 'boolean')
          return (
            <Switch key={key} label={label} description={description} checked={Boolean(current)} onChange={(e) => set(e.currentTarget.checked)} error={error} />
          );
        if (def.type === 'number')
          return (
            <NumberInput
              key={key}
              label={label}
              description={description}
              value={(current as number | null) ?? ''}
              onChange={(v) => set(v === '' ? (nullable ? null : undefined) : Number(v))}
              error={error}
            />
          );
        if (def.type === 'enum')
          return (
            <Select
              key={key}
              label={label}
              description={description}
              data={Object.values(def.entries ?? {})}
              value={(current as string | null) ?? null}
              onChange={(v) => set(v)}
              error={error}
              clearable={nullable}
            />
          );
        if (def.type === 'array') {
          return (
            <Textarea
              key={key}
              label={label}
              description={description ? `${description} — ${t('settings.oneALine').toLowerCase()}` : t('settings.oneALine')}
              value={((current as string[]) ?? []).join('\n')}
              onChange={(e) => set(e.currentTarget.value.split('\n').filter(Boolean))}
              error={error}
              autosize
              minRows={2}
            />
          );
        }
        return (
          <TextInput
            key={key}
            label={label}
            description={description}
            value={(current as string | null) ?? ''}
            onChange={(e) => set(e.currentTarget.value === '' && nullable ? null : e.currentTarget.value)}
            error={error}
          />
        );
      })}
    </Stack>
  );
}
