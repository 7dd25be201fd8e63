import { Alert } from '@mantine/core';
import { useRef, useState } from 'react';
import type { ApiProblem } from '../api/client.ts';

/**
 * What the last action of an administration page came to, said where the page starts: that it
 * worked (a status, read out by screen readers), or the API's refusal in words — whichever came
 * last, so that a refusal fixed by the next action does not linger.
 */
export function useOutcome() {
  const [done, setDone] = useState<{ text: string; at: number } | null>(null);
  const seen = useRef(new WeakMap<ApiProblem, number>());
  const say = (text: string | null) => setDone(text === null ? null : { text, at: performance.now() });
  const element = (problem: ApiProblem | null, said: string | null) => {
    if (problem && !seen.current.has(problem)) seen.current.set(problem, performance.now());
    const problemAt = problem ? (seen.current.get(problem) ?? 0) : -1;
    if (problem && (!done || problemAt > done.at)) {
      return (
        <Alert color="red" role="alert">
          {said}
        </Alert>
      );
    }
    return (
      done && (
        <Alert color="teal" role="status" withCloseButton closeButtonLabel="×" onClose={() => setDone(null)}>
          {done.text}
        </Alert>
      )
    );
  };
  return { done: say, element };
}
