/*===- profile.c - per-loop timings of an instance (DLC_PROFILE_LOOPS) -----===*
 *
 * With the environment variable DLC_PROFILE_LOOPS set to a file name (whether
 * it is set is read once, at the library's first parallel loop; the name,
 * at each instance's first loop), each instance times every
 * parallel loop it hands to the runtime (dlrt_parallel and
 * dlrt_parallel_alternating, on any number of threads: the time from the
 * call to the end of its last share) and, when it is destroyed, appends
 * one line per loop to that file: the loop's task function as an offset
 * into the library that holds it (its symbol, local to the library, is
 * named there by `nm`; bench/loops.py does that and compares two
 * profiles), its iterations, calls, mean and best time. The best time of
 * each loop over many calls leaves out the host's slow stretches. Without
 * the variable nothing is timed or written. Writing the file is the only
 * output of the runtime, and only when asked for.
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include "dlrt_internal.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Distinct loops an instance times; more are not timed. */
#define PROFILE_LOOPS 512

typedef struct profile_entry {
  dlrt_task task;
  int64_t iterations;
  uint64_t calls;
  double total_us, min_us;
} profile_entry;

struct dlrt_profile {
  char path[PATH_MAX]; /* DLC_PROFILE_LOOPS when the profile was made */
  int count;
  profile_entry entries[PROFILE_LOOPS];
};

/* 0: DLC_PROFILE_LOOPS unset; 1: set; -1: not read yet. */
static _Atomic int enabled = -1;

dlrt_profile *dlrt_profile_of(dlrt_instance *m) {
  if (m->profile)
    return m->profile;
  int on = atomic_load_explicit(&enabled, memory_order_relaxed);
  if (on < 0) {
    const char *path = getenv("DLC_PROFILE_LOOPS");
    on = path && *path;
    atomic_store_explicit(&enabled, on, memory_order_relaxed);
  }
  const char *path = on ? getenv("DLC_PROFILE_LOOPS") : NULL;
  if (path && (m->profile = calloc(1, sizeof *m->profile)))
    snprintf(m->profile->path, sizeof m->profile->path, "%s", path);
  return m->profile;
}

double dlrt_profile_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec * 1e-3;
}

void dlrt_profile_add(dlrt_profile *p, dlrt_task task, int64_t iterations,
                      double us) {
  int i = 0;
  while (i < p->count &&
         (p->entries[i].task != task || p->entries[i].iterations != iterations))
    ++i;
  if (i == p->count) {
    if (p->count == PROFILE_LOOPS)
      return;
    p->entries[p->count++] = (profile_entry){task, iterations, 0, 0.0, us};
  }
  profile_entry *e = &p->entries[i];
  ++e->calls;
  e->total_us += us;
  if (us < e->min_us)
    e->min_us = us;
}

void dlrt_profile_write(dlrt_instance *m) {
  dlrt_profile *p = m->profile;
  if (!p)
    return;
  m->profile = NULL;
  FILE *file = fopen(p->path, "a");
  if (file) {
    fprintf(file, "# dlc loop profile: model %s, %d threads, %d loops\n",
            m->info->name, m->threads, p->count);
    double mins = 0, means = 0;
    for (int i = 0; i < p->count; ++i) {
      const profile_entry *e = &p->entries[i];
      Dl_info where;
      const char *library = "?";
      uintptr_t offset = (uintptr_t)e->task;
      if (dladdr((void *)e->task, &where) && where.dli_fname) {
        library = where.dli_fname;
        offset -= (uintptr_t)where.dli_fbase;
      }
      double mean = e->total_us / (double)e->calls;
      fprintf(file,
              "loop %s 0x%lx iterations %lld calls %llu mean_us %.2f "
              "min_us %.2f\n",
              library, (unsigned long)offset, (long long)e->iterations,
              (unsigned long long)e->calls, mean, e->min_us);
      mins += e->min_us;
      means += mean;
    }
    fprintf(file,
            "# sum of the loops' means %.1f us, of their minima %.1f us\n",
            means, mins);
    fclose(file);
  }
  free(p);
}
