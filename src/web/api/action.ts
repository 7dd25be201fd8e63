import { notifications } from '@mantine/notifications';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useState } from 'react';
import { i18n } from '../i18n/index.ts';
import { ApiProblem, said as inConsoleWords } from './client.ts';

/** Says that a write worked, for a few seconds, where a screen reader announces it too. */
export function notifyDone(message: string = String(i18n.t('notice.done'))): void {
  notifications.show({
    message,
    role: 'status',
    color: 'teal',
    autoClose: 4000,
    withBorder: true,
    closeButtonProps: { 'aria-label': String(i18n.t('app.closeNotice')) },
  });
}

/**
 * Says that a write was refused, with what the API said to fix (its detail and every problem, in
 * words), where a write has no field or alert of its own to show it at (a row's menu); it stays
 * until closed or for 12 seconds.
 */
export function notifyRefused(problem: ApiProblem, about?: string): void {
  notifications.show({
    title: about,
    message: [problem.detail, ...problem.errors.map(inConsoleWords)].join(' · '),
    role: 'alert',
    color: 'red',
    autoClose: 12000,
    withBorder: true,
    closeButtonProps: { 'aria-label': String(i18n.t('app.closeNotice')) },
  });
}

/**
 * A write from a page: run it, refresh what it changed, say it worked (a notice: `done`, or
 * "Done"; `false` for none), and keep the API's refusal to show (the detail, and every problem
 * at its path). Other errors are not ours to hide.
 */
export function useAction(...refresh: QueryKey[]) {
  const client = useQueryClient();
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const run = async (write: () => Promise<unknown>, done?: string | false): Promise<boolean> => {
    setProblem(null);
    try {
      await write();
      for (const key of refresh) await client.invalidateQueries({ queryKey: key });
      if (done !== false) notifyDone(done);
      return true;
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      setProblem(error);
      return false;
    }
  };
  /** The refusal in one line: its detail and each problem's message. */
  const said = problem && [problem.detail, ...problem.errors.map(inConsoleWords)].join(' · ');
  return { run, problem, said };
}
