import type { Db } from '../db/schema.ts';
import type { FieldProblem } from '../http/problem.ts';

/** Reads a reader thread can run: each takes its thread's connection and a structured-cloneable input. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each read declares its own input
export type Reads = Record<string, (db: Db, input: any) => Promise<unknown>>;

export type ToReader = { id: number; read: string; input: unknown };

export type FromReader = { ready: true } | FromReaderAnswer;

type FromReaderAnswer = { id: number } & (
  | { value: unknown }
  | { problem: { status: number; code: string; detail: string; errors?: FieldProblem[]; headers: Record<string, string> } }
  | { failure: string }
);
