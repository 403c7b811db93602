/*
 * arena.h - the allocator of a model: many small allocations freed at
 * once.  Internal to schema/.  Memory is zeroed; running out of memory
 * aborts (mae_xmalloc).
 */
#ifndef MAESTRO_SCHEMA_ARENA_H
#define MAESTRO_SCHEMA_ARENA_H

#include <stddef.h>

#include "base.h"

struct schema_arena;

struct schema_arena *arena_new(void);
void arena_free(struct schema_arena *a); /* NULL-safe */
/* n zeroed bytes, aligned for any type. */
void *arena_alloc(struct schema_arena *a, size_t n);
/* count zeroed elements of size bytes (overflow-checked). */
void *arena_array(struct schema_arena *a, size_t count, size_t size);
char *arena_strdup(struct schema_arena *a, const char *s);
char *arena_strndup(struct schema_arena *a, const char *s, size_t n);
char *arena_printf(struct schema_arena *a, const char *fmt, ...)
	MAE_PRINTF(2, 3);

#endif
