/*
 * The thread pool of pool.h, one per process (the addon keeps its library loaded for the life
 * of the process, see addon.c). One task at a time: a caller that finds the pool busy (another
 * Node worker thread using the addon) runs its task alone instead of waiting.
 *
 * Hand-off: the caller publishes the task, opens `gate` and bumps `generation`; spinning workers
 * see it within a few hundred nanoseconds, sleeping ones are woken through the condition
 * variable. A worker joins by incrementing the gate's count while it is open. When the caller
 * runs out of work it closes the gate and waits for the workers that joined to leave; a worker
 * that wakes up later finds the gate closed and goes back to waiting.
 */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

#define MAX_THREADS 256
#define GATE_CLOSED (1 << 30)
/* Pause instructions before a waiting thread starts yielding its core (a few microseconds). */
#define SPIN_BEFORE_YIELD 2000
/* Contention back-off: a wait for another thread longer than STALL_NS means a worker (or the
 * caller) was descheduled, i.e. other processes want these cores. The pool then runs tasks on the
 * calling thread alone for SOLO_MIN_NS, doubling on each further stall up to SOLO_MAX_NS and
 * halving after each task that ran threaded without one. On a loaded machine the kernels thus
 * run about as fast as on one thread instead of waiting for descheduled workers. */
#define STALL_NS 50000LL
#define SOLO_MIN_NS 10000000LL
#define SOLO_MAX_NS 500000000LL

static struct {
  pthread_mutex_t lock; /* guards `sleeping` and the condition variable */
  pthread_cond_t wake;
  int sleeping;
  pthread_mutex_t busy; /* held by the caller of the task in flight */
  pthread_t workers[MAX_THREADS];
  int size; /* threads including the caller */
  atomic_uint generation;
  atomic_int gate; /* GATE_CLOSED bit | number of workers inside the task */
  atomic_int stop;
  llmdpd_task task;
  void* ctx;
  int requested;
  atomic_int spin_ns;
  atomic_int stalled;        /* a wait in the current task exceeded STALL_NS */
  atomic_llong solo_until;   /* run tasks alone until this time (ns) */
  long long solo_span;       /* the next solo period; changed by the pool's holder only */
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .busy = PTHREAD_MUTEX_INITIALIZER, .gate = GATE_CLOSED};

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Spins (then yields) until *counter >= value; records a stall when that takes over STALL_NS. */
void llmdpd_wait_for(atomic_int* counter, int value) {
  long long started = 0;
  for (int i = 0; atomic_load_explicit(counter, memory_order_acquire) < value; i++) {
    if (i < SPIN_BEFORE_YIELD) CPU_RELAX();
    else sched_yield();
    if ((i & 63) == 63) {
      long long t = now_ns();
      if (started == 0) started = t;
      else if (t - started > STALL_NS) atomic_store_explicit(&pool.stalled, 1, memory_order_relaxed);
    }
  }
}

/* Joins the open task, if any: returns 1 when joined. */
static int enter_gate(void) {
  int v = atomic_load_explicit(&pool.gate, memory_order_acquire);
  while (!(v & GATE_CLOSED)) {
    if (atomic_compare_exchange_weak_explicit(&pool.gate, &v, v + 1, memory_order_acq_rel, memory_order_acquire)) return 1;
  }
  return 0;
}

static void* worker_main(void* arg) {
  int index = (int)(long)arg;
  unsigned seen = atomic_load_explicit(&pool.generation, memory_order_acquire);
  for (;;) {
    unsigned g = atomic_load_explicit(&pool.generation, memory_order_acquire);
    if (g == seen) {
      long long until = now_ns() + atomic_load_explicit(&pool.spin_ns, memory_order_relaxed);
      for (int i = 0;; i++) {
        g = atomic_load_explicit(&pool.generation, memory_order_acquire);
        if (g != seen) break;
        CPU_RELAX();
        if ((i & 63) == 63 && now_ns() > until) {
          pthread_mutex_lock(&pool.lock);
          pool.sleeping++;
          while ((g = atomic_load_explicit(&pool.generation, memory_order_acquire)) == seen)
            pthread_cond_wait(&pool.wake, &pool.lock);
          pool.sleeping--;
          pthread_mutex_unlock(&pool.lock);
          break;
        }
      }
    }
    seen = g;
    if (atomic_load_explicit(&pool.stop, memory_order_acquire)) return NULL;
    if (enter_gate()) {
      /* task and ctx were written before the gate opened */
      if (index < pool.requested) pool.task(pool.ctx, index, pool.requested);
      atomic_fetch_sub_explicit(&pool.gate, 1, memory_order_release);
    }
  }
}

static void publish(void) {
  atomic_fetch_add_explicit(&pool.generation, 1, memory_order_release);
  pthread_mutex_lock(&pool.lock);
  if (pool.sleeping > 0) pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);
}

static void stop_workers(void) {
  if (pool.size <= 1) return;
  atomic_store(&pool.stop, 1);
  publish();
  for (int i = 1; i < pool.size; i++) pthread_join(pool.workers[i], NULL);
  atomic_store(&pool.stop, 0);
  pool.size = 1;
}

void llmdpd_pool_resize(int threads) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  pthread_mutex_lock(&pool.busy);
  if (atomic_load(&pool.spin_ns) == 0) atomic_store(&pool.spin_ns, 50000);
  if (threads != pool.size) {
    stop_workers();
    pool.size = 1;
    for (int i = 1; i < threads; i++) {
      if (pthread_create(&pool.workers[i], NULL, worker_main, (void*)(long)i) != 0) break;
      pool.size = i + 1;
    }
  }
  pthread_mutex_unlock(&pool.busy);
}

int llmdpd_pool_size(void) { return pool.size < 1 ? 1 : pool.size; }

void llmdpd_pool_set_spin_us(int microseconds) {
  atomic_store(&pool.spin_ns, microseconds < 1 ? 1 : microseconds * 1000);
}

void llmdpd_pool_run(llmdpd_task task, void* ctx, int threads) {
  if (threads > pool.size) threads = pool.size;
  if (threads <= 1 || pthread_mutex_trylock(&pool.busy) != 0) {
    task(ctx, 0, 1);
    return;
  }
  if (threads > pool.size) threads = pool.size; /* stable now that `busy` is held */
  if (now_ns() < atomic_load_explicit(&pool.solo_until, memory_order_relaxed)) {
    pthread_mutex_unlock(&pool.busy);
    task(ctx, 0, 1);
    return;
  }
  pool.task = task;
  pool.ctx = ctx;
  pool.requested = threads;
  atomic_store_explicit(&pool.stalled, 0, memory_order_relaxed);
  atomic_store_explicit(&pool.gate, 0, memory_order_release);
  publish();
  task(ctx, 0, threads);
  /* Close the gate, then wait for the workers inside to leave (count 0 below the closed bit). */
  atomic_fetch_or_explicit(&pool.gate, GATE_CLOSED, memory_order_acq_rel);
  long long started = 0;
  for (int i = 0; (atomic_load_explicit(&pool.gate, memory_order_acquire) & ~GATE_CLOSED) > 0; i++) {
    if (i < SPIN_BEFORE_YIELD) CPU_RELAX();
    else sched_yield();
    if ((i & 63) == 63) {
      long long t = now_ns();
      if (started == 0) started = t;
      else if (t - started > STALL_NS) atomic_store_explicit(&pool.stalled, 1, memory_order_relaxed);
    }
  }
  if (pool.solo_span < SOLO_MIN_NS) pool.solo_span = SOLO_MIN_NS;
  if (atomic_load_explicit(&pool.stalled, memory_order_relaxed)) {
    atomic_store_explicit(&pool.solo_until, now_ns() + pool.solo_span, memory_order_relaxed);
    if (pool.solo_span < SOLO_MAX_NS) pool.solo_span *= 2;
  } else if (pool.solo_span > SOLO_MIN_NS) {
    pool.solo_span /= 2;
  }
  pthread_mutex_unlock(&pool.busy);
}
