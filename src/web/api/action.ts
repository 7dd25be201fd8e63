import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiProblem } from './client.ts';

/**
 * A write from a page: run it, refresh what it changed, and keep the API's refusal to show
 * (the detail, and every problem at its path). Other errors are not ours to hide.
 */
export function useAction(...refresh: QueryKey[]) {
  const client = useQueryClient();
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const run = async (write: () => Promise<unknown>): Promise<boolean> => {
    setProblem(null);
    try {
      await write();
      for (const key of refresh) await client.invalidateQueries({ queryKey: key });
      return true;
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      setProblem(error);
      return false;
    }
  };
  /** The refusal in one line: its detail and each problem's message. */
  const said = problem && [problem.detail, ...problem.errors.map((e) => e.message)].join(' · ');
  return { run, problem, said };
}
