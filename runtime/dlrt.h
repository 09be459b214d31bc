/*===- dlrt.h - public header of the dlc runtime --------------------------===*
 *
 * The reflection data every compiled model exports through M_info(), and a
 * generic loader that opens any compiled model and calls its entry points by
 * name (spec/abi.md §2). C99; no dependency beyond the C library.
 *
 *===----------------------------------------------------------------------===*/

#ifndef DLRT_H
#define DLRT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the structures below; bumped on any incompatible change. */
#define DL_ABI_VERSION 1

typedef enum dl_dtype { DL_F32 = 0, DL_I32 = 1, DL_F16 = 2, DL_BF16 = 3 } dl_dtype;
typedef enum dl_role { DL_INPUT = 0, DL_OUTPUT = 1, DL_LOSS = 2, DL_METRIC = 3 } dl_role;
/** A training entry M_E is M_E_accumulate followed by M_E_apply; all three
    are listed (the TRAIN one has no compiled body of its own). */
typedef enum dl_entry_kind {
  DL_ENTRY_INFER = 0, DL_ENTRY_TRAIN = 1, DL_ENTRY_EVAL = 2,
  DL_ENTRY_ACCUMULATE = 3, DL_ENTRY_APPLY = 4
} dl_entry_kind;
/** What a variable is: params and states are saved and required by M_load;
    optimizer slots (optim/ENTRY/SLOT/NAME, optim/ENTRY/t) are saved and
    optional; accumulated gradients and hyper-parameters are neither. */
typedef enum dl_variable_kind {
  DL_VAR_PARAM = 0, DL_VAR_STATE = 1, DL_VAR_SLOT = 2, DL_VAR_GRAD = 3, DL_VAR_HYPER = 4
} dl_variable_kind;
typedef enum dl_init {
  DL_INIT_ZEROS = 0, DL_INIT_ONES, DL_INIT_CONSTANT, DL_INIT_UNIFORM, DL_INIT_NORMAL,
  DL_INIT_GLOROT_UNIFORM, DL_INIT_GLOROT_NORMAL, DL_INIT_HE_UNIFORM, DL_INIT_HE_NORMAL
} dl_init;

/** One argument of an entry point, in call order. */
typedef struct dl_arg_info {
  const char *name;       /* the .dl name */
  const int64_t *shape;   /* `rank` sizes */
  int64_t index_limit;    /* i32 inputs used as class ids or embedding ids: values
                             must lie in [0, index_limit); 0 when unchecked */
  int32_t role;           /* dl_role */
  int32_t dtype;          /* dl_dtype */
  int32_t rank;
  int32_t reserved;
} dl_arg_info;

/** One entry point: M_<name>(M*, args...). */
typedef struct dl_entry_info {
  const char *name;       /* "infer", "eval" or the train line's name */
  const dl_arg_info *args;
  /* internal: the compiled body; for TRAIN, the fused step or accumulate +
     apply by the gradient count, NULL when there is no fused step */
  void (*fn)(void *arena, void **args);
  int32_t kind;           /* dl_entry_kind */
  int32_t num_args;
} dl_entry_info;

/** One param or state. */
typedef struct dl_variable_info {
  const char *name;       /* "w1", "h.w", "D.h.b" */
  const int64_t *shape;
  uint64_t offset;        /* internal: byte offset in the instance arena */
  double init_args[2];    /* constant: value; uniform: lo, hi; normal: mean, std */
  int64_t seed;
  int64_t fan_in, fan_out;
  int32_t kind;           /* dl_variable_kind */
  int32_t dtype;
  int32_t rank;
  int32_t init;           /* dl_init */
} dl_variable_info;

/** Everything a caller needs to drive a compiled model without its header. */
typedef struct dl_model_info {
  uint32_t abi_version;   /* DL_ABI_VERSION */
  uint32_t reserved;
  const char *name;       /* the model's name, the M of M_create */
  const char *dlc_version;
  uint64_t arena_bytes;   /* internal: size of the instance arena */
  uint64_t interface_hash;/* FNV-1a of the names, dtypes and shapes */
  const dl_entry_info *entries;
  const dl_variable_info *variables;
  int32_t num_entries;
  int32_t num_variables;
} dl_model_info;

/** Bytes of one element of `dtype`. (Inline: the model libraries keep their
    runtime hidden, and a program using the generic loader alone has no
    library defining it.) */
static inline size_t dl_dtype_size(int32_t dtype) {
  return dtype == DL_F16 || dtype == DL_BF16 ? 2 : 4;
}

/* ---- Generic loader: any compiled model, called by entry name. ---------- */

typedef struct dlrt_model dlrt_model;

/** dlopens `path` and finds its model (the one M_info symbol it exports).
    NULL on failure; dlrt_open_error() says why. */
dlrt_model *dlrt_open(const char *path);
const char *dlrt_open_error(void);
/** The reflection data of an opened model. */
const dl_model_info *dlrt_info(const dlrt_model *model);
/** A new instance (M_create), or NULL. */
void *dlrt_create(dlrt_model *model);
void dlrt_destroy(dlrt_model *model, void *instance);
/** Calls entry `entry` with its arguments in order (inputs, then outputs or
    loss and metrics), as M_<entry> would. Returns 0 or a nonzero code. */
int dlrt_call(dlrt_model *model, void *instance, const char *entry, void **args);
const char *dlrt_last_error(dlrt_model *model, const void *instance);
/** Any function of the model's interface by its suffix: "save" gives
    M_save. NULL if there is none. */
void *dlrt_symbol(dlrt_model *model, const char *suffix);
/** dlcloses the library; instances must be destroyed first. */
void dlrt_close(dlrt_model *model);

#ifdef __cplusplus
}
#endif

#endif /* DLRT_H */
