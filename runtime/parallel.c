/*===- parallel.c - the thread pool that runs compiled parallel loops -------===*
 *
 * A compiled entry hands each large parallel loop to dlrt_parallel as a task
 * `task(ctx, lo, hi)` over iterations [0, n). Each thread (the calling
 * thread 0, the instance's workers 1, 2, ...) owns the same contiguous
 * part of every loop, [t n / T, (t + 1) n / T), and claims it from its
 * front, half of what is left at a time; a thread done with its own part
 * takes half of what is left of the part with the most left, from its
 * back (run_ranges). So a thread runs the same rows of consecutive loops
 * as long as no thread falls behind, and reads what it wrote from its own
 * caches; one the host delays is relieved of its part's back. Entries that
 * stream a weight larger than L2 in every call (batch-1 dense layers) use
 * dlrt_parallel_alternating: on the instance's odd calls each thread claims
 * its part from the back, and one thread runs the loop in pieces, last
 * first, so the part of the weight the previous call read last, still in
 * L2, is read first (the MLP's batch-1 inference 0.77x the time on one
 * thread).
 *
 * Each instance owns its pool (no process-global state), made on the first
 * parallel loop that has more than one thread to use and remade when
 * M_set_threads changes the count. Workers spin briefly after a loop
 * (entries run many loops back to back), then sleep on a condition
 * variable.
 *
 * Publication is under the pool's mutex: a worker copies the loop and
 * registers itself as active under it, and a new loop is published only
 * once no worker is active, so no worker ever claims a share of one loop
 * with the task of another.
 *
 *===----------------------------------------------------------------------===*/

#include "dlrt_internal.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

/* Spins of a waiting thread before it sleeps (workers) or yields (caller). */
#define SPINS 20000
/* Equal shares per thread of the application's parallel_for (the pool's
   threads claim guided shares instead, run_shares). */
#define SHARES_PER_THREAD 4
/* Pieces a loop runs in, last first, on one thread on odd calls. */
#define BACKWARD_PIECES 16

/* One parallel loop. */
typedef struct loop {
  dlrt_task task;
  void *ctx;
  int64_t n, shares;
  int backward; /* each thread runs its own range from the back */
} loop;

struct dlrt_pool {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  loop current;                 /* under lock */
  uint64_t generation;          /* under lock: one per published loop */
  _Atomic uint64_t published;   /* the same, read without the lock */
  int sleepers, stop;           /* under lock */
  _Atomic int active;           /* workers inside the current loop */
  _Atomic int64_t next, done;   /* guided shares claimed, iterations finished */
  _Atomic uint64_t *ranges;     /* each thread's part of the loop (pack) */
  _Atomic int ids;              /* workers numbered so far */
  int workers;
  pthread_t threads[];
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Loops of 2^31 iterations or more (whose ranges do not pack): runs
   shares of `l` until none is left, each a part of the iterations left,
   `left / (2 threads)` and at least one (guided scheduling), so that
   shares are large at first and small at the end, and no thread finishes
   long after the others. (Equal shares did: 10 large iterations on 2
   threads as 8 shares of 1 or 2 ran 6 and 4.) */
static void run_shares(dlrt_pool *p, const loop *l) {
  int64_t parts = 2 * (int64_t)(p->workers + 1);
  int64_t lo = atomic_load_explicit(&p->next, memory_order_relaxed);
  for (;;) {
    if (lo >= l->n)
      return;
    int64_t take = (l->n - lo) / parts;
    if (take < 1)
      take = 1;
    if (!atomic_compare_exchange_weak_explicit(&p->next, &lo, lo + take,
                                               memory_order_relaxed,
                                               memory_order_relaxed))
      continue; /* (lo is now the counter's value) */
    l->task(l->ctx, lo, lo + take);
    atomic_fetch_add_explicit(&p->done, take, memory_order_release);
    lo = atomic_load_explicit(&p->next, memory_order_relaxed);
  }
}

/* A range [lo, hi) of iterations in 64 bits (both below 2^32). */
static inline uint64_t pack(int64_t lo, int64_t hi) {
  return (uint64_t)lo << 32 | (uint64_t)hi;
}
static inline int64_t range_lo(uint64_t r) { return (int64_t)(r >> 32); }
static inline int64_t range_hi(uint64_t r) {
  return (int64_t)(r & 0xffffffffu);
}

/* Claims half of what is left of thread t's range (at least one
   iteration): from the front for its owner, from the back for another
   thread (the other way round when `backward`). False when the range is
   empty. */
static int claim(dlrt_pool *p, int t, int own, int backward, int64_t *lo,
                 int64_t *hi) {
  int front = own != backward;
  uint64_t r = atomic_load_explicit(&p->ranges[t], memory_order_relaxed);
  for (;;) {
    int64_t a = range_lo(r), b = range_hi(r);
    if (a >= b)
      return 0;
    int64_t take = (b - a + 1) / 2;
    uint64_t rest = front ? pack(a + take, b) : pack(a, b - take);
    if (atomic_compare_exchange_weak_explicit(&p->ranges[t], &r, rest,
                                              memory_order_relaxed,
                                              memory_order_relaxed)) {
      *lo = front ? a : b - take;
      *hi = front ? a + take : b;
      return 1;
    }
  }
}

/* Iterations below which a loop's ranges pack into 64 bits. */
#define RANGE_LIMIT ((int64_t)1 << 31)

/* Runs `l` on thread `self` until no iteration is left: its own range
   from the front, then the back of the range with the most left (the
   other way round for a loop run backward). (Guided
   shares from one counter gave each thread other rows in each loop: on
   two threads, alternated pairs against them, the MLP's batch-64 step
   0.93x the time, LeNet's step 0.89x, the GRU's 0.90x, the autoencoder's
   0.96-0.97x.) */
static void run_ranges(dlrt_pool *p, const loop *l, int self) {
  if (l->n >= RANGE_LIMIT) {
    run_shares(p, l);
    return;
  }
  int threads = p->workers + 1;
  int64_t lo, hi;
  for (;;) {
    int from = self;
    if (!claim(p, self, 1, l->backward, &lo, &hi)) {
      int64_t most = 0;
      from = -1;
      for (int t = 0; t < threads; ++t) {
        uint64_t r = atomic_load_explicit(&p->ranges[t], memory_order_relaxed);
        int64_t left = range_hi(r) - range_lo(r);
        if (t != self && left > most) {
          most = left;
          from = t;
        }
      }
      if (from < 0)
        return;
      if (!claim(p, from, 0, l->backward, &lo, &hi))
        continue;
    }
    l->task(l->ctx, lo, hi);
    atomic_fetch_add_explicit(&p->done, hi - lo, memory_order_release);
  }
}

static void *worker(void *arg) {
  dlrt_pool *p = arg;
  int self = 1 + atomic_fetch_add(&p->ids, 1);
  uint64_t seen = 0;
  for (;;) {
    for (int i = 0; i < SPINS &&
                    atomic_load_explicit(&p->published, memory_order_relaxed) == seen;
         ++i)
      cpu_relax();
    pthread_mutex_lock(&p->lock);
    while (p->generation == seen && !p->stop) {
      ++p->sleepers;
      pthread_cond_wait(&p->wake, &p->lock);
      --p->sleepers;
    }
    if (p->stop) {
      pthread_mutex_unlock(&p->lock);
      return NULL;
    }
    seen = p->generation;
    loop l = p->current;
    atomic_fetch_add_explicit(&p->active, 1, memory_order_relaxed);
    pthread_mutex_unlock(&p->lock);
    run_ranges(p, &l, self);
    atomic_fetch_sub_explicit(&p->active, 1, memory_order_release);
  }
}

void dlrt_pool_destroy(dlrt_instance *m) {
  dlrt_pool *p = m->pool;
  if (!p)
    return;
  pthread_mutex_lock(&p->lock);
  p->stop = 1;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);
  for (int i = 0; i < p->workers; ++i)
    pthread_join(p->threads[i], NULL);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->lock);
  free((void *)p->ranges);
  free(p);
  m->pool = NULL;
}

/* A pool of `workers` threads besides the caller, or NULL. */
static dlrt_pool *pool_create(int workers) {
  dlrt_pool *p = calloc(1, sizeof *p + (size_t)workers * sizeof(pthread_t));
  if (!p)
    return NULL;
  p->ranges = calloc((size_t)workers + 1, sizeof *p->ranges);
  if (!p->ranges) {
    free(p);
    return NULL;
  }
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->wake, NULL);
  for (; p->workers < workers; ++p->workers)
    if (pthread_create(&p->threads[p->workers], NULL, worker, p) != 0)
      break;
  return p;
}

/* The instance's pool for its thread count, made or remade on demand;
   NULL when it cannot be made (the loop then runs on the caller). */
static dlrt_pool *pool_of(dlrt_instance *m) {
  if (m->pool && m->pool->workers == m->threads - 1)
    return m->pool;
  if (m->threads <= 1 && !m->pool)
    return NULL; /* (no pool to make and take down on every loop) */
  dlrt_pool_destroy(m);
  m->pool = pool_create(m->threads - 1);
  if (m->pool && m->pool->workers == 0)
    dlrt_pool_destroy(m);
  return m->pool;
}

/* The application's parallel_for calls this once per share. */
typedef struct share_adapter {
  const loop *l;
} share_adapter;

static void run_share(void *ctx, int s) {
  const loop *l = ((const share_adapter *)ctx)->l;
  l->task(l->ctx, s * l->n / l->shares, (s + 1) * l->n / l->shares);
}

/* dlrt_parallel, the iterations last-first when `backward` (on one
   thread in pieces, each thread its own range from its back). */
static void run_loop_untimed(dlrt_instance *m, int64_t n, dlrt_task task,
                             void *ctx, int backward) {
  int64_t shares = (int64_t)m->threads * SHARES_PER_THREAD;
  loop l = {task, ctx, n, shares < n ? shares : n, backward};
  if (m->parallel_for && l.shares > 1) {
    share_adapter adapter = {&l};
    m->parallel_for(m->parallel_user, (int)l.shares, run_share, &adapter);
    return;
  }
  dlrt_pool *p = l.shares > 1 ? pool_of(m) : NULL;
  if (!p) {
    if (!l.backward) {
      task(ctx, 0, n);
      return;
    }
    int64_t pieces = n < BACKWARD_PIECES ? n : BACKWARD_PIECES;
    for (int64_t i = pieces - 1; i >= 0; --i)
      task(ctx, i * n / pieces, (i + 1) * n / pieces);
    return;
  }
  pthread_mutex_lock(&p->lock);
  while (atomic_load_explicit(&p->active, memory_order_acquire) != 0) {
    pthread_mutex_unlock(&p->lock);
    cpu_relax();
    pthread_mutex_lock(&p->lock);
  }
  p->current = l;
  atomic_store_explicit(&p->next, 0, memory_order_relaxed);
  atomic_store_explicit(&p->done, 0, memory_order_relaxed);
  for (int t = 0, threads = p->workers + 1; n < RANGE_LIMIT && t < threads;
       ++t)
    atomic_store_explicit(&p->ranges[t],
                          pack(t * n / threads, (t + 1) * n / threads),
                          memory_order_relaxed);
  ++p->generation;
  atomic_store_explicit(&p->published, p->generation, memory_order_release);
  if (p->sleepers)
    pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);
  run_ranges(p, &l, 0);
  for (int i = 0; atomic_load_explicit(&p->done, memory_order_acquire) < l.n; ++i)
    if (i < SPINS)
      cpu_relax();
    else
      sched_yield();
}

/* run_loop_untimed, timed when the instance keeps a loop profile. */
static void run_loop(dlrt_instance *m, int64_t n, dlrt_task task, void *ctx,
                     int backward) {
  dlrt_profile *profile = dlrt_profile_of(m);
  if (!profile) {
    run_loop_untimed(m, n, task, ctx, backward);
    return;
  }
  double start = dlrt_profile_now();
  run_loop_untimed(m, n, task, ctx, backward);
  dlrt_profile_add(profile, task, n, dlrt_profile_now() - start);
}

void dlrt_parallel(uint8_t *arena, int64_t n, dlrt_task task, void *ctx) {
  run_loop((dlrt_instance *)(arena - DLRT_INSTANCE_HEADER_BYTES), n, task, ctx,
           0);
}

void dlrt_parallel_alternating(uint8_t *arena, int64_t n, dlrt_task task,
                               void *ctx) {
  dlrt_instance *m = (dlrt_instance *)(arena - DLRT_INSTANCE_HEADER_BYTES);
  run_loop(m, n, task, ctx, m->calls & 1);
}
