/*===- dlrt_internal.h - the runtime's functions called by compiled models -===*
 *
 * Every compiled model exports thin M_* functions that forward to these,
 * passing its dl_model_info. They are linked into each model statically
 * with hidden visibility, so models from different dlc versions coexist.
 *
 *===----------------------------------------------------------------------===*/

#ifndef DLRT_INTERNAL_H
#define DLRT_INTERNAL_H

#include "dlrt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DLRT_HIDDEN __attribute__((visibility("hidden")))

/** The thread pool of an instance (parallel.c). */
typedef struct dlrt_pool dlrt_pool;
/** Per-loop timings of an instance, with DLC_PROFILE_LOOPS (profile.c). */
typedef struct dlrt_profile dlrt_profile;

/** An instance: a header followed by the arena, 64-byte aligned. */
typedef struct dlrt_instance {
  const dl_model_info *info;
  uint8_t *arena;
  void *allocation; /* what M_destroy frees; NULL when created in caller memory */
  int threads;
  unsigned calls; /* entries run (dlrt_invoke): odd ones run loops backward */
  void (*parallel_for)(void *user, int n, void (*task)(void *ctx, int i), void *ctx);
  void *parallel_user;
  dlrt_pool *pool; /* made by the first parallel loop with threads > 1 */
  dlrt_profile *profile; /* made by the first parallel loop, when asked for */
  char error[512];
} dlrt_instance;

/** Bytes reserved for the header before the arena; the compiler writes the
    same number into generated headers (M_ARENA_BYTES). */
#define DLRT_INSTANCE_HEADER_BYTES 576
_Static_assert(sizeof(dlrt_instance) <= DLRT_INSTANCE_HEADER_BYTES,
               "the instance header outgrew DLRT_INSTANCE_HEADER_BYTES");

DLRT_HIDDEN size_t dlrt_arena_bytes(const dl_model_info *info);
DLRT_HIDDEN dlrt_instance *dlrt_instance_create(const dl_model_info *info);
DLRT_HIDDEN dlrt_instance *dlrt_instance_create_in(const dl_model_info *info, void *memory, size_t bytes);
DLRT_HIDDEN void dlrt_instance_destroy(dlrt_instance *m);
DLRT_HIDDEN int dlrt_invoke(dlrt_instance *m, int entry, void **args);
DLRT_HIDDEN int dlrt_save(const dlrt_instance *m, const char *path);
DLRT_HIDDEN int dlrt_load(dlrt_instance *m, const char *path);
DLRT_HIDDEN int dlrt_load_mem(dlrt_instance *m, const void *data, size_t bytes);
DLRT_HIDDEN int dlrt_set_threads(dlrt_instance *m, int n);
DLRT_HIDDEN int dlrt_set_parallel_for(dlrt_instance *m,
                                      void (*pf)(void *, int, void (*)(void *, int), void *),
                                      void *user);
DLRT_HIDDEN int dlrt_set_hyper(dlrt_instance *m, const char *name, float value);
DLRT_HIDDEN const char *dlrt_instance_error(const dlrt_instance *m);

/** A parallel loop's body over iterations [lo, hi). */
typedef void (*dlrt_task)(void *ctx, int64_t lo, int64_t hi);

/** Runs task(ctx, lo, hi) over shares [lo, hi) of [0, n) on the threads of
    the instance whose arena is `arena`; called by compiled entries. */
DLRT_HIDDEN void dlrt_parallel(uint8_t *arena, int64_t n, dlrt_task task,
                               void *ctx);
/** The same, last-first on the instance's odd calls (each thread its own
    range from its back), for entries that read a weight larger than L2
    in every call: the part the previous call read last, still in L2, is
    read first. */
DLRT_HIDDEN void dlrt_parallel_alternating(uint8_t *arena, int64_t n,
                                           dlrt_task task, void *ctx);

/* Inside the runtime. */
DLRT_HIDDEN void dlrt_pool_destroy(dlrt_instance *m);
/* The instance's loop profile, made on first use when DLC_PROFILE_LOOPS
   names a file; NULL otherwise. */
DLRT_HIDDEN dlrt_profile *dlrt_profile_of(dlrt_instance *m);
DLRT_HIDDEN double dlrt_profile_now(void);
DLRT_HIDDEN void dlrt_profile_add(dlrt_profile *p, dlrt_task task,
                                  int64_t iterations, double us);
/* Appends the profile to the file and frees it (instance destruction). */
DLRT_HIDDEN void dlrt_profile_write(dlrt_instance *m);
DLRT_HIDDEN int dlrt_fail(dlrt_instance *m, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
DLRT_HIDDEN void dlrt_initialize(const dl_model_info *info, uint8_t *arena);
DLRT_HIDDEN uint64_t dlrt_variable_elements(const dl_variable_info *v);

#ifdef __cplusplus
}
#endif

#endif /* DLRT_INTERNAL_H */
