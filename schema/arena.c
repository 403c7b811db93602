/*
 * arena.c - chunked bump allocator for the model (arena.h).
 */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK ((size_t)64 << 10)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct schema_arena {
	struct arena_chunk *head;
};

struct schema_arena *arena_new(void)
{
	return mae_xcalloc(1, sizeof(struct schema_arena));
}

void arena_free(struct schema_arena *a)
{
	if (!a)
		return;
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	free(a);
}

void *arena_alloc(struct schema_arena *a, size_t n)
{
	const size_t align = _Alignof(max_align_t);
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - align)
		abort();
	n = (n + align - 1) & ~(align - 1);
	struct arena_chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		c = mae_xmalloc(sizeof(*c) + cap);
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

void *arena_array(struct schema_arena *a, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		fputs("maestro: array too large\n", stderr);
		abort();
	}
	return arena_alloc(a, count * size);
}

char *arena_strndup(struct schema_arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct schema_arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(struct schema_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *tmp = mae_xvasprintf(fmt, ap);
	va_end(ap);
	char *p = arena_strdup(a, tmp);
	free(tmp);
	return p;
}

/* ------------------------------------------------------------------ */
/* Name index: open addressing, linear probing, FNV-1a                  */

struct name_slot {
	const char *key;
	void *val;
};

struct name_index {
	struct name_slot *slots;
	size_t mask;
	size_t n, max;
};

static size_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

struct name_index *name_index_new(struct schema_arena *a, size_t n)
{
	struct name_index *ix = arena_alloc(a, sizeof(*ix));
	size_t cap = 8;
	while (cap < 2 * n + 1)
		cap *= 2;
	ix->slots = arena_array(a, cap, sizeof(*ix->slots));
	ix->mask = cap - 1;
	ix->max = n;
	return ix;
}

bool name_index_add(struct name_index *ix, const char *key, void *val)
{
	if (ix->n >= ix->max)
		abort(); /* sized by the caller: a bug */
	size_t i = name_hash(key) & ix->mask;
	while (ix->slots[i].key) {
		if (strcmp(ix->slots[i].key, key) == 0)
			return false;
		i = (i + 1) & ix->mask;
	}
	ix->slots[i].key = key;
	ix->slots[i].val = val;
	ix->n++;
	return true;
}

void *name_index_get(const struct name_index *ix, const char *key)
{
	if (!ix)
		return NULL;
	size_t i = name_hash(key) & ix->mask;
	while (ix->slots[i].key) {
		if (strcmp(ix->slots[i].key, key) == 0)
			return ix->slots[i].val;
		i = (i + 1) & ix->mask;
	}
	return NULL;
}
