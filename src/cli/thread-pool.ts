import { availableParallelism } from 'node:os';

// Password hashing (argon2) runs on libuv's thread pool, four threads unless told otherwise;
// sized to the cores before anything starts the pool, so an import hashes on all of them.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));
