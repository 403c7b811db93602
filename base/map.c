/*
 * map.c - the one string map (base.h struct mae_map): borrowed keys to
 * pointers, open addressing with linear probing over FNV-1a, grown at
 * half full.  Must not: own or copy keys.
 */
#include "base.h"

#include <stdlib.h>
#include <string.h>

size_t mae_str_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

void mae_map_init(struct mae_map *m, struct mae_arena *arena)
{
	memset(m, 0, sizeof(*m));
	m->arena = arena;
}

void mae_map_release(struct mae_map *m)
{
	if (!m->arena)
		free(m->slots);
	struct mae_arena *arena = m->arena;
	mae_map_init(m, arena);
}

static struct mae_map_slot *map_find(const struct mae_map *m, const char *key)
{
	size_t mask = m->cap - 1;
	for (size_t i = mae_str_hash(key) & mask;; i = (i + 1) & mask) {
		struct mae_map_slot *s = &m->slots[i];
		if (!s->key || strcmp(s->key, key) == 0)
			return s;
	}
}

static void map_grow(struct mae_map *m)
{
	struct mae_map_slot *old = m->slots;
	size_t oldcap = m->cap;
	m->cap = oldcap ? 2 * oldcap : 16;
	m->slots = m->arena ? mae_arena_array(m->arena, m->cap, sizeof(*old))
			    : mae_xcalloc(m->cap, sizeof(*old));
	if (!m->slots) {
		/* an arena at its limit: keep the map as it is */
		m->slots = old;
		m->cap = oldcap;
		return;
	}
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key)
			*map_find(m, old[i].key) = old[i];
	if (!m->arena)
		free(old);
}

struct mae_map_slot *mae_map_slot(struct mae_map *m, const char *key,
				  bool *added)
{
	if (2 * (m->n + 1) > m->cap)
		map_grow(m);
	if (m->n + 1 >= m->cap)
		return NULL; /* a limited arena is full: no free slot left */
	struct mae_map_slot *s = map_find(m, key);
	*added = !s->key;
	if (*added) {
		s->key = key;
		s->val = NULL;
		m->n++;
	}
	return s;
}

bool mae_map_add(struct mae_map *m, const char *key, void *val)
{
	bool added;
	struct mae_map_slot *s = mae_map_slot(m, key, &added);
	if (s && added)
		s->val = val;
	return s && added;
}

bool mae_map_set(struct mae_map *m, const char *key, void *val)
{
	bool added;
	struct mae_map_slot *s = mae_map_slot(m, key, &added);
	if (s)
		s->val = val;
	return s != NULL;
}

void *mae_map_get(const struct mae_map *m, const char *key)
{
	if (!m || !m->cap)
		return NULL;
	return map_find(m, key)->val;
}
