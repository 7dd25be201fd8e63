import { Group, MultiSelect, NumberInput, SimpleGrid, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ApiProblem } from '../api/client.ts';

/** The agent timers an administrator sets for many at once (seconds; maxNoAnswer a count). */
export const timerNames = ['callTimeout', 'wrapUpTime', 'maxNoAnswer', 'busyDelay', 'rejectDelay', 'noAnswerDelay'] as const;
export type Timers = Partial<Record<(typeof timerNames)[number], number | string>>;
export type SkillLevels = { skill: string; level: number | string }[];

const bounds = {
  callTimeout: [5, 600],
  wrapUpTime: [0, 3600],
  maxNoAnswer: [0, 100],
  busyDelay: [0, 3600],
  rejectDelay: [0, 3600],
  noAnswerDelay: [0, 3600],
} as const;

/** The timers that were given, as numbers; the empty ones are left out (the domain default, or unchanged). */
export const timersOf = (timers: Timers) =>
  Object.fromEntries(
    Object.entries(timers)
      .filter(([, v]) => v !== '' && v !== undefined)
      .map(([k, v]) => [k, Number(v)]),
  );

/** The first problem of the API at or below a path, in words. */
export const problemUnder = (problem: ApiProblem | null, prefix: string) => {
  const found = problem?.errors.find((e) => e.path === prefix || e.path.startsWith(`${prefix}/`));
  return found ? (problem?.at(found.path) ?? found.message) : undefined;
};

/** Skills chosen from the catalog, each with its level (0–100). */
export function SkillPicker({
  label,
  skills,
  value,
  onChange,
  error,
}: {
  label: string;
  skills: string[];
  value: SkillLevels;
  onChange: (v: SkillLevels) => void;
  error?: string;
}) {
  const { t } = useTranslation();
  return (
    <Stack gap={4}>
      <MultiSelect
        label={label}
        data={skills}
        value={value.map((s) => s.skill)}
        onChange={(names) => onChange(names.map((skill) => value.find((s) => s.skill === skill) ?? { skill, level: 50 }))}
        searchable
        error={error}
      />
      {value.length > 0 && (
        <Group gap="xs">
          {value.map((s, i) => (
            <NumberInput
              key={s.skill}
              w={150}
              size="xs"
              label={t('card.skillLevel', { skill: s.skill })}
              min={0}
              max={100}
              allowDecimal={false}
              value={s.level}
              onChange={(level) => onChange(value.map((v, j) => (j === i ? { ...v, level } : v)))}
            />
          ))}
        </Group>
      )}
    </Stack>
  );
}

/** The agent timers; an empty one keeps what applies (the domain default, or the user's own). */
export function TimerFields({
  value,
  onChange,
  problem,
  prefix,
  hint,
}: {
  value: Timers;
  onChange: (v: Timers) => void;
  problem: ApiProblem | null;
  prefix: string;
  hint: string;
}) {
  const { t } = useTranslation();
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        {t('range.timers')}{' '}
        <Text span size="xs" c="dimmed">
          {hint}
        </Text>
      </Text>
      <SimpleGrid cols={3} spacing="xs" verticalSpacing={4}>
        {timerNames.map((name) => (
          <NumberInput
            key={name}
            size="xs"
            label={t(`card.timers.${name}`)}
            min={bounds[name][0]}
            max={bounds[name][1]}
            allowDecimal={false}
            value={value[name] ?? ''}
            onChange={(v) => onChange({ ...value, [name]: v })}
            error={problemUnder(problem, `${prefix}/${name}`)}
          />
        ))}
      </SimpleGrid>
    </Stack>
  );
}
