/*
 * graph.h - the one depth-first walk of a graph, and the service graph
 * that selection and deptree read.
 *
 * The model's graphs (services through requires and what volumes_from
 * implies, instances through volumes_from) are walked by graph_walk: the
 * model's cycle check, the dependency closures of schema.h and
 * sgraph_closure are all this walk with different callbacks.
 */
#ifndef MAESTRO_SCHEMA_GRAPH_H
#define MAESTRO_SCHEMA_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

struct schema_env;

/*
 * An iterative depth-first walk (a long chain cannot exhaust the stack)
 * over nodes 0..n-1.  Fill the first fields, graph_walk_init(), then
 * graph_walk_from() each start: a node is entered once over all the
 * starts.  Callbacks may be NULL except edge.
 */
struct graph_walk {
	size_t n;
	/* The k-th edge out of u (k = 0, 1, ...) into *ret_v: false past the
	 * last one; *ret_v >= n is an edge that is not in this graph. */
	bool (*edge)(void *ctx, size_t u, size_t k, size_t *ret_v);
	/* Every edge into v that the walk follows or finds (v new, finished
	 * or on the current path). */
	void (*reach)(void *ctx, size_t v);
	/* An edge u -> v back onto the current path: the cycle is path[0..len-1]
	 * (path[0] = v, path[len-1] = u), and k the edge's index out of u. */
	void (*cycle)(void *ctx, const size_t *path, size_t len, size_t k);
	/* u and everything reachable from it are done (post-order). */
	void (*leave)(void *ctx, size_t u);
	void *ctx;

	/* the walk's state */
	unsigned char *color; /* 0 new, 1 on the path, 2 done */
	size_t *path, *next, *onpath;
};

void graph_walk_init(struct graph_walk *w);
void graph_walk_from(struct graph_walk *w, size_t start);
void graph_walk_release(struct graph_walk *w);

/*
 * The part of the model that selection and deptree need.  Indices refer
 * to the arrays; `deps` of a service are its direct hard dependencies
 * (`requires` plus those `volumes_from` implies), each once.  Instances
 * of a service are listed in `instances` in the description's order.
 */
struct sgraph_service {
	const char *name;
	bool omit;
	size_t *deps;
	size_t ndeps;
	size_t *instances;
	size_t ninstances;
};

struct sgraph_instance {
	const char *name;
	size_t service;
	const char *ship;
};

struct sgraph {
	struct sgraph_service *services;
	size_t nservices;
	struct sgraph_instance *instances;
	size_t ninstances;
};

/* Index of a service / an instance by name, or -1. */
long sgraph_find_service(const struct sgraph *g, const char *name);
long sgraph_find_instance(const struct sgraph *g, const char *name);

/*
 * The set of services the n services of starts depend on, transitively
 * (forward), or that depend on them (reverse): mark[i] is set for each
 * (and left as it is for the others).  A start is marked only when it is
 * reached from a start (itself too: on a cycle).  Linear in the graph.
 */
void sgraph_closure(const struct sgraph *g, const size_t *starts, size_t n,
		    bool reverse, bool *mark);

/*
 * The service graph of a model, for selection and deptree: deps are
 * `requires` plus what volumes_from implies.  The graph borrows names
 * from env; sgraph_release frees its arrays.
 */
void sgraph_from_model(const struct schema_env *env, struct sgraph *g);
void sgraph_release(struct sgraph *g);

#endif
