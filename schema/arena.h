/*
 * arena.h - the allocator of a model: many small allocations freed at
 * once.  Internal to schema/.  Memory is zeroed; running out of memory
 * aborts (mae_xmalloc).
 */
#ifndef MAESTRO_SCHEMA_ARENA_H
#define MAESTRO_SCHEMA_ARENA_H

#include <stdbool.h>
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

/*
 * A fixed-size hash index of names, in an arena: lookups in constant time
 * for the model's ships, services and instances.  Keys and values are
 * borrowed.
 */
struct name_index;

/* An index for up to n names. */
struct name_index *name_index_new(struct schema_arena *a, size_t n);
/* Add key -> val; false (and nothing added) when key is already there. */
bool name_index_add(struct name_index *ix, const char *key, void *val);
/* The value of key, or NULL.  ix may be NULL. */
void *name_index_get(const struct name_index *ix, const char *key);

#endif
