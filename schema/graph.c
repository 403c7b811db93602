/*
 * graph.c - the one depth-first walk, and the service graph on it: the
 * model's dependency closures (schema.h), sgraph_from_model() and
 * sgraph_closure().  The model's cycle check (model-deps.c) is the same
 * walk.
 */
#include "graph.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* The walk                                                             */

void graph_walk_init(struct graph_walk *w)
{
	w->color = mae_xcalloc(w->n + 1, 1);
	w->path = mae_xcalloc(w->n + 1, sizeof(*w->path));
	w->next = mae_xcalloc(w->n + 1, sizeof(*w->next));
	w->onpath = mae_xcalloc(w->n + 1, sizeof(*w->onpath));
}

void graph_walk_release(struct graph_walk *w)
{
	free(w->color);
	free(w->path);
	free(w->next);
	free(w->onpath);
	w->color = NULL;
	w->path = w->next = w->onpath = NULL;
}

void graph_walk_from(struct graph_walk *w, size_t start)
{
	if (start >= w->n || w->color[start])
		return;
	size_t depth = 0;
	w->color[start] = 1;
	w->onpath[start] = depth;
	w->next[depth] = 0;
	w->path[depth++] = start;
	while (depth) {
		size_t u = w->path[depth - 1];
		size_t k = w->next[depth - 1]++;
		size_t v;
		if (!w->edge(w->ctx, u, k, &v)) {
			w->color[u] = 2;
			depth--;
			if (w->leave)
				w->leave(w->ctx, u);
			continue;
		}
		if (v >= w->n)
			continue; /* not an edge of this graph */
		if (w->reach)
			w->reach(w->ctx, v);
		if (w->color[v] == 0) {
			w->color[v] = 1;
			w->onpath[v] = depth;
			w->next[depth] = 0;
			w->path[depth++] = v;
		} else if (w->color[v] == 1 && w->cycle) {
			w->cycle(w->ctx, &w->path[w->onpath[v]],
				 depth - w->onpath[v], k);
		}
	}
}

/* ------------------------------------------------------------------ */
/* The model's closures                                                 */

struct closure {
	const struct schema_env *env;
	size_t start;
	bool implied, reverse;
	struct schema_service **out;
	size_t n;
};

static bool service_edge(void *ctx, size_t u, size_t k, size_t *ret_v)
{
	const struct closure *c = ctx;
	const struct schema_service *s = &c->env->services[u];
	const struct schema_service *to;
	if (c->reverse) {
		if (k >= s->ndependents)
			return false;
		to = s->dependents[k];
	} else if (k < s->nrequires) {
		to = s->requires[k];
	} else if (c->implied && k < s->nrequires + s->nimplied) {
		to = s->implied[k - s->nrequires];
	} else {
		return false;
	}
	*ret_v = (size_t)(to - c->env->services);
	return true;
}

static void closure_leave(void *ctx, size_t u)
{
	struct closure *c = ctx;
	if (u != c->start)
		c->out[c->n++] = &c->env->services[u];
}

static struct schema_service **closure(const struct schema_env *env,
				       const struct schema_service *svc,
				       bool implied, bool reverse, size_t *ret_n)
{
	struct closure c = {
		.env = env,
		.start = (size_t)(svc - env->services),
		.implied = implied,
		.reverse = reverse,
		.out = mae_xcalloc(env->nservices + 1, sizeof(*c.out)),
	};
	struct graph_walk w = {
		.n = env->nservices,
		.edge = service_edge,
		.leave = closure_leave,
		.ctx = &c,
	};
	graph_walk_init(&w);
	graph_walk_from(&w, c.start);
	graph_walk_release(&w);
	*ret_n = c.n;
	return c.out;
}

struct schema_service **schema_service_requires_closure(
	const struct schema_env *env, const struct schema_service *svc,
	bool implied, size_t *ret_n)
{
	return closure(env, svc, implied, false, ret_n);
}

struct schema_service **schema_service_dependents_closure(
	const struct schema_env *env, const struct schema_service *svc,
	size_t *ret_n)
{
	return closure(env, svc, true, true, ret_n);
}

/* ------------------------------------------------------------------ */
/* The service graph for selection and deptree                          */

void sgraph_from_model(const struct schema_env *env, struct sgraph *g)
{
	g->nservices = env->nservices;
	g->ninstances = env->ninstances;
	g->services = mae_xcalloc(g->nservices + 1, sizeof(*g->services));
	g->instances = mae_xcalloc(g->ninstances + 1, sizeof(*g->instances));
	for (size_t i = 0; i < env->nservices; i++) {
		const struct schema_service *svc = &env->services[i];
		struct sgraph_service *gs = &g->services[i];
		gs->name = svc->name;
		gs->omit = svc->omit;
		gs->deps = mae_xcalloc(svc->nrequires + svc->nimplied + 1,
				       sizeof(*gs->deps));
		for (size_t k = 0; k < svc->nrequires; k++)
			gs->deps[gs->ndeps++] = (size_t)(svc->requires[k] - env->services);
		for (size_t k = 0; k < svc->nimplied; k++)
			gs->deps[gs->ndeps++] = (size_t)(svc->implied[k] - env->services);
		gs->instances = mae_xcalloc(svc->ninstances + 1, sizeof(*gs->instances));
		for (size_t k = 0; k < svc->ninstances; k++)
			gs->instances[gs->ninstances++] =
				(size_t)(svc->instances[k] - env->instances);
	}
	for (size_t i = 0; i < env->ninstances; i++) {
		const struct schema_instance *c = &env->instances[i];
		g->instances[i].name = c->name;
		g->instances[i].service = (size_t)(c->service - env->services);
		g->instances[i].ship = c->ship->name;
	}
}

void sgraph_release(struct sgraph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nservices; i++) {
		free(g->services[i].deps);
		free(g->services[i].instances);
	}
	free(g->services);
	free(g->instances);
	memset(g, 0, sizeof(*g));
}

long sgraph_find_service(const struct sgraph *g, const char *name)
{
	for (size_t i = 0; i < g->nservices; i++)
		if (strcmp(g->services[i].name, name) == 0)
			return (long)i;
	return -1;
}

long sgraph_find_instance(const struct sgraph *g, const char *name)
{
	for (size_t i = 0; i < g->ninstances; i++)
		if (strcmp(g->instances[i].name, name) == 0)
			return (long)i;
	return -1;
}

struct sclosure {
	const struct sgraph *g;
	const size_t *radj, *rstart; /* reverse edges, CSR (reverse only) */
	bool *mark;
};

static bool sgraph_edge(void *ctx, size_t u, size_t k, size_t *ret_v)
{
	const struct sclosure *c = ctx;
	if (c->radj) {
		if (k >= c->rstart[u + 1] - c->rstart[u])
			return false;
		*ret_v = c->radj[c->rstart[u] + k];
		return true;
	}
	if (k >= c->g->services[u].ndeps)
		return false;
	*ret_v = c->g->services[u].deps[k];
	return true;
}

static void sgraph_reach(void *ctx, size_t v)
{
	struct sclosure *c = ctx;
	c->mark[v] = true;
}

void sgraph_closure(const struct sgraph *g, const size_t *starts, size_t n,
		    bool reverse, bool *mark)
{
	struct sclosure c = { .g = g, .mark = mark };
	size_t *radj = NULL, *rstart = NULL;
	if (reverse) {
		/* who depends on whom, in service order */
		size_t ns = g->nservices;
		rstart = mae_xcalloc(ns + 2, sizeof(*rstart));
		for (size_t u = 0; u < ns; u++)
			for (size_t i = 0; i < g->services[u].ndeps; i++)
				rstart[g->services[u].deps[i] + 2]++;
		for (size_t v = 0; v < ns; v++)
			rstart[v + 2] += rstart[v + 1];
		radj = mae_xcalloc(rstart[ns + 1] + 1, sizeof(*radj));
		for (size_t u = 0; u < ns; u++)
			for (size_t i = 0; i < g->services[u].ndeps; i++)
				radj[rstart[g->services[u].deps[i] + 1]++] = u;
		c.radj = radj;
		c.rstart = rstart;
	}
	struct graph_walk w = {
		.n = g->nservices,
		.edge = sgraph_edge,
		.reach = sgraph_reach,
		.ctx = &c,
	};
	graph_walk_init(&w);
	for (size_t i = 0; i < n; i++)
		graph_walk_from(&w, starts[i]);
	graph_walk_release(&w);
	free(radj);
	free(rstart);
}
