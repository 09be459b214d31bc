/*===- instance.c - instances, errors, entry invocation ----------------------===*
 *
 * Creating and destroying instances (in malloc'd or caller memory), calling
 * entry points with their arguments checked, and error reporting. The
 * library never prints: every failure is a return code and a message (the
 * loop profile asked for with DLC_PROFILE_LOOPS goes to its file).
 *
 *===----------------------------------------------------------------------===*/

#include "dlrt_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALIGNMENT 64

uint64_t dlrt_variable_elements(const dl_variable_info *v) {
  uint64_t n = 1;
  for (int32_t i = 0; i < v->rank; ++i)
    n *= (uint64_t)v->shape[i];
  return n;
}

size_t dlrt_arena_bytes(const dl_model_info *info) {
  /* Header, arena, and slack to align caller memory. */
  return DLRT_INSTANCE_HEADER_BYTES + (size_t)info->arena_bytes + ALIGNMENT;
}

/** DLC_NUM_THREADS if set, else the online cores. */
static int default_threads(void) {
  const char *env = getenv("DLC_NUM_THREADS");
  if (env && atoi(env) > 0)
    return atoi(env);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores > 0 ? (int)cores : 1;
}

static dlrt_instance *place(const dl_model_info *info, void *memory, void *allocation) {
  uintptr_t base = ((uintptr_t)memory + ALIGNMENT - 1) & ~(uintptr_t)(ALIGNMENT - 1);
  dlrt_instance *m = (dlrt_instance *)base;
  memset(m, 0, sizeof *m);
  m->info = info;
  m->arena = (uint8_t *)(base + DLRT_INSTANCE_HEADER_BYTES);
  m->allocation = allocation;
  m->threads = default_threads();
  dlrt_initialize(info, m->arena);
  return m;
}

dlrt_instance *dlrt_instance_create(const dl_model_info *info) {
  if (info->abi_version != DL_ABI_VERSION)
    return NULL;
  size_t bytes = dlrt_arena_bytes(info);
  void *memory = malloc(bytes);
  if (!memory)
    return NULL;
  return place(info, memory, memory);
}

dlrt_instance *dlrt_instance_create_in(const dl_model_info *info, void *memory, size_t bytes) {
  if (!memory || bytes < dlrt_arena_bytes(info) || info->abi_version != DL_ABI_VERSION)
    return NULL;
  return place(info, memory, NULL);
}

void dlrt_instance_destroy(dlrt_instance *m) {
  if (m) {
    dlrt_pool_destroy(m);
    dlrt_profile_write(m);
  }
  if (m && m->allocation)
    free(m->allocation);
}

int dlrt_fail(dlrt_instance *m, const char *format, ...) {
  if (m) {
    va_list args;
    va_start(args, format);
    vsnprintf(m->error, sizeof m->error, format, args);
    va_end(args);
  }
  return 1;
}

const char *dlrt_instance_error(const dlrt_instance *m) {
  if (!m)
    return "the model instance is NULL";
  return m->error;
}

/** Checks one integer input used as an index: every value in range. */
static int check_indices(dlrt_instance *m, const dl_entry_info *entry,
                         const dl_arg_info *arg, const int32_t *data) {
  uint64_t count = 1, per_row = 1;
  for (int32_t i = 0; i < arg->rank; ++i)
    count *= (uint64_t)arg->shape[i];
  if (arg->rank > 0)
    per_row = count / (uint64_t)arg->shape[0];
  for (uint64_t i = 0; i < count; ++i)
    if (data[i] < 0 || data[i] >= arg->index_limit)
      return dlrt_fail(m, "%s: input '%s' row %llu has value %d, outside [0, %lld)",
                       entry->name, arg->name, (unsigned long long)(i / per_row),
                       data[i], (long long)arg->index_limit);
  return 0;
}

int dlrt_invoke(dlrt_instance *m, int index, void **args) {
  if (!m)
    return 1;
  const dl_model_info *info = m->info;
  if (index < 0 || index >= info->num_entries)
    return dlrt_fail(m, "no entry point %d", index);
  const dl_entry_info *entry = &info->entries[index];
  for (int32_t i = 0; i < entry->num_args; ++i) {
    const dl_arg_info *arg = &entry->args[i];
    if (!args[i])
      return dlrt_fail(m, "%s: argument '%s' is NULL", entry->name, arg->name);
    if (arg->role == DL_INPUT && arg->dtype == DL_I32 && arg->index_limit > 0 &&
        check_indices(m, entry, arg, (const int32_t *)args[i]))
      return 1;
  }
  ++m->calls;
  entry->fn(m->arena, args);
  m->error[0] = '\0';
  return 0;
}

int dlrt_set_threads(dlrt_instance *m, int n) {
  if (!m)
    return 1;
  if (n < 1)
    return dlrt_fail(m, "set_threads: the number of threads must be >= 1, not %d", n);
  m->threads = n;
  return 0;
}

int dlrt_set_parallel_for(dlrt_instance *m,
                          void (*pf)(void *, int, void (*)(void *, int), void *),
                          void *user) {
  if (!m)
    return 1;
  m->parallel_for = pf;
  m->parallel_user = user;
  return 0;
}

int dlrt_set_hyper(dlrt_instance *m, const char *name, float value) {
  if (!m)
    return 1;
  if (!name)
    return dlrt_fail(m, "set_hyper: the name is NULL");
  /* "ENTRY.NAME" is the state hyper/ENTRY/NAME. */
  char wanted[300];
  snprintf(wanted, sizeof wanted, "hyper/%s", name);
  char *dot = strchr(wanted + 6, '.');
  if (dot)
    *dot = '/';
  const dl_model_info *info = m->info;
  for (int32_t i = 0; dot && i < info->num_variables; ++i) {
    const dl_variable_info *v = &info->variables[i];
    if (v->kind == DL_VAR_HYPER && strcmp(v->name, wanted) == 0) {
      memcpy(m->arena + v->offset, &value, sizeof value);
      return 0;
    }
  }
  return dlrt_fail(m, "set_hyper: unknown hyper-parameter '%s' (expected ENTRY.NAME, "
                      "e.g. step.lr, for a training entry of this model)", name);
}
