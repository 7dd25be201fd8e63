import type { z } from 'zod';
import type { jobView } from '../../server/import/jobs.ts';
import { ApiProblem } from '../api/client.ts';

export type Job = z.infer<typeof jobView>;

/** Starts an import job (Prefer: respond-async) and follows it until it ends. */
export async function followJob(
  domain: string,
  url: string,
  init: { headers: Record<string, string>; body: BodyInit },
  onProgress: (job: Job) => void,
): Promise<Job> {
  const response = await fetch(url, { method: 'POST', credentials: 'same-origin', headers: { ...init.headers, prefer: 'respond-async' }, body: init.body });
  const answer = (await response.json()) as Job & { code?: string; detail?: string; errors?: { path: string; code: string; message: string }[] };
  if (!response.ok) throw new ApiProblem(response.status, answer.code ?? 'unknown', answer.detail ?? response.statusText, answer.errors);
  let job = answer;
  while (job.state === 'running') {
    onProgress(job);
    await new Promise((resolve) => setTimeout(resolve, 300));
    job = (await (await fetch(`/api/v1/domains/${domain}/jobs/${job.id}`, { credentials: 'same-origin' })).json()) as Job;
  }
  onProgress(job);
  return job;
}
