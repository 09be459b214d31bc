/*===- loader.c - the generic loader of compiled models --------------------===*
 *
 * dlrt_open(path) dlopens a compiled model and finds its reflection data
 * without knowing its name: the library exports exactly one function named
 * `<model>_info` next to `<model>_create`, found in the ELF dynamic symbol
 * table. Entry points are then called by name with their pointers in an
 * array. This file is the `dlrt-loader` library applications link (with
 * -ldl); it is not part of the runtime linked into models.
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include "dlrt.h"

#include <dlfcn.h>
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dlrt_model {
  void *handle;
  const dl_model_info *info;
  void *(*create)(void);
  void (*destroy)(void *);
  const char *(*last_error)(const void *);
  char prefix[256];
};

static __thread char open_error[512];

const char *dlrt_open_error(void) { return open_error; }

/** The model name: the symbol `X_info` of the file's dynamic symbols. */
static int find_model_name(const char *path, char *name, size_t capacity) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return 0;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  rewind(f);
  if (size < (long)sizeof(Elf64_Ehdr) || size > (1L << 30)) {
    fclose(f);
    return 0;
  }
  unsigned char *data = (unsigned char *)malloc((size_t)size);
  int found = 0;
  if (data && fread(data, 1, (size_t)size, f) == (size_t)size) {
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
        eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) <= (uint64_t)size) {
      const Elf64_Shdr *sections = (const Elf64_Shdr *)(data + eh->e_shoff);
      for (int i = 0; i < eh->e_shnum && !found; ++i) {
        const Elf64_Shdr *symtab = &sections[i];
        if (symtab->sh_type != SHT_DYNSYM || symtab->sh_link >= eh->e_shnum)
          continue;
        const Elf64_Shdr *strtab = &sections[symtab->sh_link];
        if (symtab->sh_offset + symtab->sh_size > (uint64_t)size ||
            strtab->sh_offset + strtab->sh_size > (uint64_t)size)
          continue;
        const Elf64_Sym *syms = (const Elf64_Sym *)(data + symtab->sh_offset);
        const char *strings = (const char *)(data + strtab->sh_offset);
        size_t count = symtab->sh_size / sizeof(Elf64_Sym);
        for (size_t s = 0; s < count; ++s) {
          if (syms[s].st_name >= strtab->sh_size || syms[s].st_shndx == SHN_UNDEF)
            continue;
          const char *sym = strings + syms[s].st_name;
          size_t len = strnlen(sym, strtab->sh_size - syms[s].st_name);
          if (len > 5 && len - 5 < capacity && strcmp(sym + len - 5, "_info") == 0) {
            memcpy(name, sym, len - 5);
            name[len - 5] = '\0';
            found = 1;
            break;
          }
        }
      }
    }
  }
  free(data);
  fclose(f);
  return found;
}

static void *symbol(dlrt_model *m, const char *suffix) {
  char name[300];
  snprintf(name, sizeof name, "%s_%s", m->prefix, suffix);
  return dlsym(m->handle, name);
}

dlrt_model *dlrt_open(const char *path) {
  open_error[0] = '\0';
  if (!path) {
    snprintf(open_error, sizeof open_error, "the path is NULL");
    return NULL;
  }
  dlrt_model *m = (dlrt_model *)calloc(1, sizeof *m);
  if (!m) {
    snprintf(open_error, sizeof open_error, "out of memory");
    return NULL;
  }
  if (!find_model_name(path, m->prefix, sizeof m->prefix)) {
    snprintf(open_error, sizeof open_error, "'%s' is not a library compiled by dlc", path);
    free(m);
    return NULL;
  }
  m->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!m->handle) {
    snprintf(open_error, sizeof open_error, "%s", dlerror());
    free(m);
    return NULL;
  }
  const dl_model_info *(*info)(void) = (const dl_model_info *(*)(void))symbol(m, "info");
  m->create = (void *(*)(void))symbol(m, "create");
  m->destroy = (void (*)(void *))symbol(m, "destroy");
  m->last_error = (const char *(*)(const void *))symbol(m, "last_error");
  if (!info || !m->create || !m->destroy || !m->last_error ||
      !(m->info = info()) || m->info->abi_version != DL_ABI_VERSION) {
    snprintf(open_error, sizeof open_error, "'%s' has no compatible dlc model interface", path);
    dlclose(m->handle);
    free(m);
    return NULL;
  }
  return m;
}

void *dlrt_symbol(dlrt_model *m, const char *suffix) {
  return m && suffix ? symbol(m, suffix) : NULL;
}

const dl_model_info *dlrt_info(const dlrt_model *m) { return m ? m->info : NULL; }

void *dlrt_create(dlrt_model *m) { return m ? m->create() : NULL; }

void dlrt_destroy(dlrt_model *m, void *instance) {
  if (m && instance)
    m->destroy(instance);
}

/* Why the last dlrt_call of this thread failed before the entry ran, or
   empty. */
static __thread char call_error[256];

static int call_failed(const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(call_error, sizeof call_error, format, args);
  va_end(args);
  return 1;
}

const char *dlrt_last_error(dlrt_model *m, const void *instance) {
  if (call_error[0])
    return call_error;
  return m ? m->last_error(instance) : "the model is NULL";
}

int dlrt_call(dlrt_model *m, void *instance, const char *entry, void **args) {
  call_error[0] = '\0';
  if (!m || !entry)
    return call_failed("dlrt_call: the model or the entry name is NULL");
  for (int32_t i = 0; i < m->info->num_entries; ++i) {
    const dl_entry_info *e = &m->info->entries[i];
    if (strcmp(e->name, entry) != 0)
      continue;
    void *fn = symbol(m, e->name);
    if (!fn)
      return call_failed("dlrt_call: the library exports no function for "
                         "entry '%s'", entry);
    /* M_E(m, a0, ..., an) takes only pointers: call it through a pointer
       of its arity. */
    void **a = args;
    if (!args && e->num_args > 0)
      return call_failed("dlrt_call: entry '%s' takes %d arguments and args "
                         "is NULL", entry, e->num_args);
    switch (e->num_args) {
    case 0: return ((int (*)(void *))fn)(instance);
    case 1: return ((int (*)(void *, void *))fn)(instance, a[0]);
    case 2: return ((int (*)(void *, void *, void *))fn)(instance, a[0], a[1]);
    case 3: return ((int (*)(void *, void *, void *, void *))fn)(instance, a[0], a[1], a[2]);
    case 4: return ((int (*)(void *, void *, void *, void *, void *))fn)(instance, a[0], a[1], a[2], a[3]);
    case 5: return ((int (*)(void *, void *, void *, void *, void *, void *))fn)(instance, a[0], a[1], a[2], a[3], a[4]);
    case 6: return ((int (*)(void *, void *, void *, void *, void *, void *, void *))fn)(instance, a[0], a[1], a[2], a[3], a[4], a[5]);
    case 7: return ((int (*)(void *, void *, void *, void *, void *, void *, void *, void *))fn)(instance, a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    case 8: return ((int (*)(void *, void *, void *, void *, void *, void *, void *, void *, void *))fn)(instance, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    case 9: return ((int (*)(void *, void *, void *, void *, void *, void *, void *, void *, void *, void *))fn)(instance, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
    case 10: return ((int (*)(void *, void *, void *, void *, void *, void *, void *, void *, void *, void *, void *))fn)(instance, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
    case 11: return ((int (*)(void *, void *, void *, void *, void *, void *, void *, void *, void *, void *, void *, void *))fn)(instance, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]);
    case 12: return ((int (*)(void *, void *, void *, void *, void *, void *, void *, void *, void *, void *, void *, void *, void *))fn)(instance, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
    default:
      return call_failed("dlrt_call: entry '%s' takes %d arguments; dlrt_call "
                         "passes at most 12 (call the M_ function of the "
                         "header directly)", entry, e->num_args);
    }
  }
  return call_failed("dlrt_call: the model has no entry '%s'", entry);
}

void dlrt_close(dlrt_model *m) {
  if (!m)
    return;
  dlclose(m->handle);
  free(m);
}
