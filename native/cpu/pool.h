/*
 * A persistent pool of worker threads for the native kernels.
 *
 * A task is run by the calling thread (t = 0) and by whichever workers join in while it runs:
 * tasks take their work from shared counters, so the caller alone can finish a task when the
 * workers are slow to start (a loaded machine, a worker descheduled by the OS), and nothing ever
 * waits for a thread that has not started. Workers spin for a short while after each task
 * (kernels of a training step follow each other within microseconds), then sleep on a condition
 * variable, so an idle process costs no CPU.
 */
#ifndef LLMDPD_POOL_H
#define LLMDPD_POOL_H

#include <stdatomic.h>

/* task(ctx, t, threads): t = 0 on the calling thread; `threads` is the requested count, a hint for
 * how finely to split the work. Every participant must take work dynamically. */
typedef void (*llmdpd_task)(void* ctx, int thread, int threads);

/* Runs a task on the caller plus up to threads − 1 workers and returns once the caller has run
 * out of work and every worker that joined has left. With threads ≤ 1, while another thread uses
 * the pool, or for a while after a task waited on a descheduled worker (a machine loaded by other
 * processes; see pool.c), the caller runs it alone. */
void llmdpd_pool_run(llmdpd_task task, void* ctx, int threads);

/* Makes the pool able to run `threads` threads (workers are started or stopped). */
void llmdpd_pool_resize(int threads);
int llmdpd_pool_size(void);

/* How long idle workers spin before they sleep. */
void llmdpd_pool_set_spin_us(int microseconds);

/* Waits until *counter reaches `value` (spinning briefly, then yielding the core). */
void llmdpd_wait_for(atomic_int* counter, int value);

#endif
