/*===- safetensors.c - checkpoints in the safetensors format ---------------===*
 *
 * M_save writes every param and state under its .dl name: an 8-byte
 * little-endian header length, a JSON header (dtype, shape, data_offsets of
 * each tensor, and __metadata__ with the model name, the interface hash and
 * the dlc version), then the raw little-endian data. The file is written to
 * a temporary name and renamed into place.
 *
 * M_load / M_load_mem parse the header defensively (bounded, no recursion
 * beyond two levels), check that every param and state is present with its
 * dtype and shape and that its bytes lie inside the file, and only then copy
 * the data: a refused file leaves the model unchanged. Optimizer slots
 * (optim/ENTRY/...) are optional: absent ones keep their values. Extra
 * tensors are ignored.
 *
 *===----------------------------------------------------------------------===*/

#include "dlrt_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *dtype_name(int32_t dtype) {
  switch (dtype) {
  case DL_I32: return "I32";
  case DL_F16: return "F16";
  case DL_BF16: return "BF16";
  default: return "F32";
  }
}

/* ---- Writing ------------------------------------------------------------ */

typedef struct buffer {
  char *data;
  size_t size, capacity;
  int failed;
} buffer;

static void append(buffer *b, const char *text, size_t n) {
  if (b->failed)
    return;
  if (b->size + n + 1 > b->capacity) {
    size_t capacity = b->capacity ? b->capacity * 2 : 4096;
    while (capacity < b->size + n + 1)
      capacity *= 2;
    char *data = (char *)realloc(b->data, capacity);
    if (!data) {
      b->failed = 1;
      return;
    }
    b->data = data;
    b->capacity = capacity;
  }
  memcpy(b->data + b->size, text, n);
  b->size += n;
  b->data[b->size] = '\0';
}

static void appendf(buffer *b, const char *format, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void appendf(buffer *b, const char *format, ...) {
  char text[256];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(text, sizeof text, format, args);
  va_end(args);
  if (n < 0 || (size_t)n >= sizeof text) {
    b->failed = 1;
    return;
  }
  append(b, text, (size_t)n);
}

/** Params, states and optimizer slots go into checkpoints; accumulated
    gradients and hyper-parameters do not. */
static int saved(const dl_variable_info *v) {
  return v->kind == DL_VAR_PARAM || v->kind == DL_VAR_STATE || v->kind == DL_VAR_SLOT;
}

static uint64_t variable_bytes(const dl_variable_info *v) {
  return dlrt_variable_elements(v) * dl_dtype_size(v->dtype);
}

int dlrt_save(const dlrt_instance *m, const char *path) {
  dlrt_instance *mm = (dlrt_instance *)(uintptr_t)m; /* for the error message */
  if (!m)
    return 1;
  if (!path)
    return dlrt_fail(mm, "save: the path is NULL");
  const dl_model_info *info = m->info;
  buffer header = {0};
  appendf(&header, "{\"__metadata__\":{\"format\":\"pt\",\"model\":\"%s\","
                   "\"interface_hash\":\"%016llx\",\"dlc_version\":\"%s\"}",
          info->name, (unsigned long long)info->interface_hash, info->dlc_version);
  uint64_t offset = 0;
  for (int32_t i = 0; i < info->num_variables; ++i) {
    const dl_variable_info *v = &info->variables[i];
    if (!saved(v))
      continue;
    appendf(&header, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", v->name, dtype_name(v->dtype));
    for (int32_t d = 0; d < v->rank; ++d)
      appendf(&header, d ? ",%lld" : "%lld", (long long)v->shape[d]);
    uint64_t bytes = variable_bytes(v);
    appendf(&header, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)offset,
            (unsigned long long)(offset + bytes));
    offset += bytes;
  }
  append(&header, "}", 1);
  while (!header.failed && header.size % 8 != 0)
    append(&header, " ", 1);
  if (header.failed) {
    free(header.data);
    return dlrt_fail(mm, "save: out of memory");
  }

  size_t tmp_len = strlen(path) + 16;
  char *tmp = (char *)malloc(tmp_len);
  if (!tmp) {
    free(header.data);
    return dlrt_fail(mm, "save: out of memory");
  }
  snprintf(tmp, tmp_len, "%s.tmp%06d", path, (int)(((uintptr_t)m >> 6) % 1000000));
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    int err = errno;
    free(header.data);
    free(tmp);
    return dlrt_fail(mm, "save: cannot write '%s': %s", path, strerror(err));
  }
  unsigned char length[8];
  for (int i = 0; i < 8; ++i)
    length[i] = (unsigned char)((uint64_t)header.size >> (8 * i));
  int ok = fwrite(length, 1, 8, f) == 8 &&
           fwrite(header.data, 1, header.size, f) == header.size;
  for (int32_t i = 0; ok && i < info->num_variables; ++i) {
    const dl_variable_info *v = &info->variables[i];
    if (!saved(v))
      continue;
    size_t bytes = (size_t)variable_bytes(v);
    ok = fwrite(m->arena + v->offset, 1, bytes, f) == bytes;
  }
  ok = (fclose(f) == 0) && ok;
  free(header.data);
  if (!ok || rename(tmp, path) != 0) {
    int err = errno;
    remove(tmp);
    free(tmp);
    return dlrt_fail(mm, "save: cannot write '%s': %s", path, strerror(err));
  }
  free(tmp);
  return 0;
}

/* ---- Reading ------------------------------------------------------------ */

typedef struct tensor_entry {
  char name[256];
  char dtype[8];
  int64_t shape[8];
  int rank;
  uint64_t begin, end;
  int has_dtype, has_shape, has_offsets;
} tensor_entry;

typedef struct parser {
  const char *p, *end;
  char error[200];
} parser;

static void skip_ws(parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
    ++ps->p;
}

static int expect(parser *ps, char c) {
  skip_ws(ps);
  if (ps->p >= ps->end || *ps->p != c) {
    snprintf(ps->error, sizeof ps->error, "expected '%c' in the header", c);
    return 0;
  }
  ++ps->p;
  return 1;
}

/** A JSON string into `out` (truncated names are rejected). */
static int parse_string(parser *ps, char *out, size_t capacity) {
  if (!expect(ps, '"'))
    return 0;
  size_t n = 0;
  while (ps->p < ps->end && *ps->p != '"') {
    char c = *ps->p++;
    if (c == '\\') {
      if (ps->p >= ps->end)
        break;
      char e = *ps->p++;
      c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
      if (e == 'u') { /* keep \uXXXX as '?': such names never match ours */
        if (ps->end - ps->p < 4)
          break;
        ps->p += 4;
        c = '?';
      }
    }
    if (n + 1 >= capacity) {
      snprintf(ps->error, sizeof ps->error, "a name in the header is too long");
      return 0;
    }
    out[n++] = c;
  }
  if (ps->p >= ps->end) {
    snprintf(ps->error, sizeof ps->error, "unterminated string in the header");
    return 0;
  }
  ++ps->p;
  out[n] = '\0';
  return 1;
}

static int parse_uint(parser *ps, uint64_t *out) {
  skip_ws(ps);
  if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
    snprintf(ps->error, sizeof ps->error, "expected a non-negative integer in the header");
    return 0;
  }
  uint64_t v = 0;
  while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
    if (v > (UINT64_MAX - 9) / 10) {
      snprintf(ps->error, sizeof ps->error, "integer too large in the header");
      return 0;
    }
    v = v * 10 + (uint64_t)(*ps->p++ - '0');
  }
  *out = v;
  return 1;
}

/** Skips any JSON value (used for metadata and unknown fields). */
static int skip_value(parser *ps, int depth) {
  skip_ws(ps);
  if (ps->p >= ps->end || depth > 8) {
    snprintf(ps->error, sizeof ps->error, "malformed header");
    return 0;
  }
  char c = *ps->p;
  if (c == '"') {
    char scratch[4096];
    return parse_string(ps, scratch, sizeof scratch);
  }
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    ++ps->p;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
      ++ps->p;
      return 1;
    }
    for (;;) {
      if (c == '{') {
        char key[4096];
        if (!parse_string(ps, key, sizeof key) || !expect(ps, ':'))
          return 0;
      }
      if (!skip_value(ps, depth + 1))
        return 0;
      skip_ws(ps);
      if (ps->p < ps->end && *ps->p == ',') {
        ++ps->p;
        continue;
      }
      return expect(ps, close);
    }
  }
  while (ps->p < ps->end && *ps->p != ',' && *ps->p != '}' && *ps->p != ']')
    ++ps->p;
  return 1;
}

static int parse_tensor(parser *ps, tensor_entry *t) {
  if (!expect(ps, '{'))
    return 0;
  for (;;) {
    char key[64];
    if (!parse_string(ps, key, sizeof key) || !expect(ps, ':'))
      return 0;
    if (strcmp(key, "dtype") == 0) {
      if (!parse_string(ps, t->dtype, sizeof t->dtype))
        return 0;
      t->has_dtype = 1;
    } else if (strcmp(key, "shape") == 0) {
      if (!expect(ps, '['))
        return 0;
      skip_ws(ps);
      t->rank = 0;
      if (ps->p < ps->end && *ps->p == ']') {
        ++ps->p;
      } else {
        for (;;) {
          uint64_t d;
          if (t->rank >= 8) {
            snprintf(ps->error, sizeof ps->error, "too many dimensions");
            return 0;
          }
          if (!parse_uint(ps, &d))
            return 0;
          t->shape[t->rank++] = (int64_t)d;
          skip_ws(ps);
          if (ps->p < ps->end && *ps->p == ',') {
            ++ps->p;
            continue;
          }
          if (!expect(ps, ']'))
            return 0;
          break;
        }
      }
      t->has_shape = 1;
    } else if (strcmp(key, "data_offsets") == 0) {
      if (!expect(ps, '[') || !parse_uint(ps, &t->begin) || !expect(ps, ',') ||
          !parse_uint(ps, &t->end) || !expect(ps, ']'))
        return 0;
      t->has_offsets = 1;
    } else if (!skip_value(ps, 1)) {
      return 0;
    }
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ++ps->p;
      continue;
    }
    return expect(ps, '}');
  }
}

/** Finds variable `name`'s entry in the header, or returns 0. */
static int find_tensor(parser *base, const char *name, tensor_entry *out, int *found) {
  parser ps = *base;
  *found = 0;
  if (!expect(&ps, '{')) {
    memcpy(base->error, ps.error, sizeof ps.error);
    return 0;
  }
  skip_ws(&ps);
  if (ps.p < ps.end && *ps.p == '}')
    return 1;
  for (;;) {
    char key[256];
    if (!parse_string(&ps, key, sizeof key) || !expect(&ps, ':')) {
      memcpy(base->error, ps.error, sizeof ps.error);
      return 0;
    }
    if (strcmp(key, name) == 0 && !*found) {
      memset(out, 0, sizeof *out);
      if (!parse_tensor(&ps, out)) {
        memcpy(base->error, ps.error, sizeof ps.error);
        return 0;
      }
      *found = 1;
    } else if (!skip_value(&ps, 1)) {
      memcpy(base->error, ps.error, sizeof ps.error);
      return 0;
    }
    skip_ws(&ps);
    if (ps.p < ps.end && *ps.p == ',') {
      ++ps.p;
      continue;
    }
    if (!expect(&ps, '}')) {
      memcpy(base->error, ps.error, sizeof ps.error);
      return 0;
    }
    return 1;
  }
}

int dlrt_load_mem(dlrt_instance *m, const void *data, size_t bytes) {
  if (!m)
    return 1;
  if (!data)
    return dlrt_fail(m, "load: the data is NULL");
  const unsigned char *file = (const unsigned char *)data;
  if (bytes < 8)
    return dlrt_fail(m, "load: not a safetensors file (%zu bytes)", bytes);
  uint64_t header_len = 0;
  for (int i = 0; i < 8; ++i)
    header_len |= (uint64_t)file[i] << (8 * i);
  if (header_len > bytes - 8 || header_len > (100u << 20))
    return dlrt_fail(m, "load: the header length %llu does not fit in the file (%zu bytes)",
                     (unsigned long long)header_len, bytes);
  parser ps = {(const char *)file + 8, (const char *)file + 8 + header_len, ""};
  const uint8_t *payload = file + 8 + header_len;
  uint64_t payload_bytes = bytes - 8 - header_len;
  const dl_model_info *info = m->info;
  tensor_entry t;
  /* Validate everything first: the model changes only if all is well. */
  for (int pass = 0; pass < 2; ++pass) {
    for (int32_t i = 0; i < info->num_variables; ++i) {
      const dl_variable_info *v = &info->variables[i];
      if (!saved(v))
        continue;
      int found = 0;
      if (!find_tensor(&ps, v->name, &t, &found))
        return dlrt_fail(m, "load: malformed header: %s", ps.error);
      if (!found && v->kind == DL_VAR_SLOT)
        continue; /* optimizer slots are optional: kept as they are */
      if (!found)
        return dlrt_fail(m, "load: tensor '%s' is missing", v->name);
      if (!t.has_dtype || strcmp(t.dtype, dtype_name(v->dtype)) != 0)
        return dlrt_fail(m, "load: tensor '%s' has dtype %s, expected %s", v->name,
                         t.has_dtype ? t.dtype : "(none)", dtype_name(v->dtype));
      int same = t.has_shape && t.rank == v->rank;
      for (int d = 0; same && d < v->rank; ++d)
        same = t.shape[d] == v->shape[d];
      if (!same) {
        char found_shape[128] = "", want[128] = "";
        size_t n = 0;
        for (int d = 0; t.has_shape && d < t.rank && n < sizeof found_shape; ++d)
          n += (size_t)snprintf(found_shape + n, sizeof found_shape - n, d ? ", %lld" : "%lld",
                                (long long)t.shape[d]);
        n = 0;
        for (int d = 0; d < v->rank && n < sizeof want; ++d)
          n += (size_t)snprintf(want + n, sizeof want - n, d ? ", %lld" : "%lld",
                                (long long)v->shape[d]);
        return dlrt_fail(m, "load: tensor '%s' has shape [%s], expected [%s]", v->name,
                         found_shape, want);
      }
      uint64_t need = variable_bytes(v);
      if (!t.has_offsets || t.end < t.begin || t.end - t.begin != need ||
          t.end > payload_bytes)
        return dlrt_fail(m, "load: tensor '%s' has data offsets [%llu, %llu] that do not "
                            "hold its %llu bytes inside the file",
                         v->name, (unsigned long long)t.begin, (unsigned long long)t.end,
                         (unsigned long long)need);
      if (pass == 1)
        memcpy(m->arena + v->offset, payload + t.begin, (size_t)need);
    }
  }
  m->error[0] = '\0';
  return 0;
}

int dlrt_load(dlrt_instance *m, const char *path) {
  if (!m)
    return 1;
  if (!path)
    return dlrt_fail(m, "load: the path is NULL");
  FILE *f = fopen(path, "rb");
  if (!f)
    return dlrt_fail(m, "load: cannot open '%s': %s", path, strerror(errno));
  if (fseek(f, 0, SEEK_END) != 0) {
    fclose(f);
    return dlrt_fail(m, "load: cannot read '%s'", path);
  }
  long size = ftell(f);
  rewind(f);
  if (size < 0) {
    fclose(f);
    return dlrt_fail(m, "load: cannot read '%s'", path);
  }
  void *data = malloc(size ? (size_t)size : 1);
  if (!data) {
    fclose(f);
    return dlrt_fail(m, "load: out of memory reading '%s'", path);
  }
  size_t got = fread(data, 1, (size_t)size, f);
  fclose(f);
  int status = got == (size_t)size ? dlrt_load_mem(m, data, (size_t)size)
                                   : dlrt_fail(m, "load: cannot read '%s'", path);
  free(data);
  return status;
}
