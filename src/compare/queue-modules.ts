/**
 * Loads BullMQ and ioredis, the optional peer packages of queue mode, on demand: only queue
 * mode imports them, and only through this module, so the rest of the library (and its type
 * declarations) works without them installed.
 *
 * @module
 */
import type * as BullMQ from 'bullmq';
import type * as IORedis from 'ioredis';
import { ConfigError } from '../core/errors.js';

/** The BullMQ and ioredis modules. */
export interface QueueModules {
  /** `bullmq`. */
  readonly bullmq: typeof BullMQ;
  /** The ioredis client class. */
  readonly Redis: typeof IORedis.Redis;
}

/**
 * Imports BullMQ and ioredis.
 * @throws {@link ConfigError} saying what to install when either is missing.
 */
export async function loadQueueModules(): Promise<QueueModules> {
  try {
    const bullmq = await import('bullmq');
    const ioredis = await import('ioredis');
    return { bullmq, Redis: ioredis.Redis };
  } catch (error) {
    throw new ConfigError(
      `Queue mode needs the optional packages bullmq (>= 5) and ioredis (>= 5), which could not be loaded (${(error as Error).message}). Install them next to llmdpd: npm install bullmq ioredis`,
      { cause: error },
    );
  }
}
