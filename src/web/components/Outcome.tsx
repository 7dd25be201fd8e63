import { Alert } from '@mantine/core';
import { useState } from 'react';
import type { ApiProblem } from '../api/client.ts';

/**
 * What the last action of an administration page came to, said where the page starts: that it
 * worked (a status, read out by screen readers), or the API's refusal in words.
 */
export function useOutcome() {
  const [done, setDone] = useState<string | null>(null);
  const element = (problem: ApiProblem | null, said: string | null) =>
    problem ? (
      <Alert color="red" role="alert">
        {said}
      </Alert>
    ) : (
      done && (
        <Alert color="teal" role="status" withCloseButton closeButtonLabel="×" onClose={() => setDone(null)}>
          {done}
        </Alert>
      )
    );
  return { done: setDone, element };
}
