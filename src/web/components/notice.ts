import { notifications } from '@mantine/notifications';
import { said, type ApiProblem } from '../api/client.ts';

/** Says that an action worked, in a notice that goes by itself. */
export const noticeDone = (message: string) => notifications.show({ color: 'teal', message, autoClose: 6000 });

/** Says that an action was refused, with what the API said to fix: its detail and every problem, in words. */
export const noticeRefused = (problem: ApiProblem, about?: string) =>
  notifications.show({ color: 'red', title: about, message: [problem.detail, ...problem.errors.map(said)].join(' · '), autoClose: 12000 });
