/*
 * arena.c - the one bump allocator (base.h struct mae_arena): many small
 * zeroed allocations freed at once.  A model, a YAML document and a
 * template render each live in one.  Must not: free single allocations.
 */
#include "base.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK ((size_t)64 << 10)
#define ARENA_ALIGN ((size_t)_Alignof(max_align_t))

struct mae_arena_chunk {
	struct mae_arena_chunk *next;
	max_align_t data[];
};

void mae_arena_init(struct mae_arena *a)
{
	memset(a, 0, sizeof(*a));
}

void mae_arena_release(struct mae_arena *a)
{
	struct mae_arena_chunk *c = a->chunks;
	while (c) {
		struct mae_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	size_t max = a->max;
	mae_arena_init(a);
	a->max = max;
}

struct mae_arena *mae_arena_new(void)
{
	return mae_xcalloc(1, sizeof(struct mae_arena));
}

void mae_arena_free(struct mae_arena *a)
{
	if (!a)
		return;
	mae_arena_release(a);
	free(a);
}

void *mae_arena_alloc(struct mae_arena *a, size_t n)
{
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX / 2) {
		if (a->max)
			return NULL;
		fputs("maestro: fatal: arena allocation too large\n", stderr);
		abort();
	}
	n = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (a->max && (n > a->max || a->bytes > a->max - n))
		return NULL;
	a->bytes += n;
	if (n > a->avail) {
		if (n > ARENA_CHUNK / 4) {
			/* a big block gets its own chunk, kept behind the
			 * current one so that its free space is still used */
			struct mae_arena_chunk *c = mae_xmalloc(sizeof(*c) + n);
			if (a->chunks) {
				c->next = a->chunks->next;
				a->chunks->next = c;
			} else {
				c->next = NULL;
				a->chunks = c;
			}
			memset(c->data, 0, n);
			return c->data;
		}
		struct mae_arena_chunk *c = mae_xmalloc(sizeof(*c) + ARENA_CHUNK);
		c->next = a->chunks;
		a->chunks = c;
		a->ptr = (char *)c->data;
		a->avail = ARENA_CHUNK;
	}
	void *p = a->ptr;
	a->ptr += n;
	a->avail -= n;
	memset(p, 0, n);
	return p;
}

void *mae_arena_array(struct mae_arena *a, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / 2 / size) {
		if (a->max)
			return NULL;
		fputs("maestro: fatal: arena array too large\n", stderr);
		abort();
	}
	return mae_arena_alloc(a, count * size);
}

char *mae_arena_strndup(struct mae_arena *a, const char *s, size_t n)
{
	char *p = mae_arena_alloc(a, n + 1);
	if (p && n)
		memcpy(p, s, n);
	return p;
}

char *mae_arena_strdup(struct mae_arena *a, const char *s)
{
	return s ? mae_arena_strndup(a, s, strlen(s)) : NULL;
}

char *mae_arena_printf(struct mae_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *tmp = mae_xvasprintf(fmt, ap);
	va_end(ap);
	char *p = mae_arena_strdup(a, tmp);
	free(tmp);
	return p;
}
