/**
 * Bounds the engine's work: at most `concurrency` jobs run at once, at most `maxQueued` wait, and
 * none waits longer than `maxWaitMs`. Past either bound the job fails with ClickHouse's
 * TOO_MANY_SIMULTANEOUS_QUERIES (202), so an overloaded server answers instead of piling up.
 */
import { ClickHouseHttpError, ErrorCode } from './errors.js';

interface Waiter {
  readonly start: () => void;
  readonly timer: NodeJS.Timeout;
}

export class JobQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
    private readonly maxWaitMs: number,
  ) {}

  /** Jobs running or waiting. */
  get size(): number {
    return this.running + this.waiting.length;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await job();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueued) {
      return Promise.reject(
        new ClickHouseHttpError(
          ErrorCode.TOO_MANY_SIMULTANEOUS_QUERIES,
          `Too many simultaneous queries: ${this.running} running and ${this.waiting.length} queued (max_queued ${this.maxQueued})`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(waiter.timer);
          this.running++;
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(
            new ClickHouseHttpError(
              ErrorCode.TOO_MANY_SIMULTANEOUS_QUERIES,
              `Too many simultaneous queries: waited ${this.maxWaitMs} ms for a free slot`,
            ),
          );
        }, this.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.start();
  }
}
