/*
 * model-deps.c - services, their instances and the dependency graph:
 * requires, wants_info, links and volumes_from resolved, cycles reported.
 * Part of the model builder (model.c).
 */
#include "graph.h"
#include "model-priv.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Services and the graph                                               */

static void unknown_service(struct builder *b, const struct schema_str *x,
			    const char *list, const char *svc)
{
	const char *name = x->s;
	const struct schema_pos *p = &x->pos;
	const char **names = mae_xcalloc(b->env->nservices + 1, sizeof(char *));
	size_t nnames = 0;
	for (size_t j = 0; j < b->env->nservices && !quiet(b); j++)
		if (suggestible(b->env->services[j].qname))
			names[nnames++] = b->env->services[j].name;
	const char *hint = quiet(b) ? NULL : mae_suggest(name, names, nnames);
	if (hint)
		pos_err(b, p, "unknown service %s in %s of service %s (did you mean '%s'?)",
			STR_QUOTE(x), list, svc, hint);
	else
		pos_err(b, p, "unknown service %s in %s of service %s",
			STR_QUOTE(x), list, svc);
	free(names);
}

/* Edges are de-duplicated by the caller (marks). */
static void edge_add(struct model_edges *e, struct schema_service *to,
		     const struct schema_pos *pos)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 4;
		e->v = mae_xrealloc(e->v, e->cap * sizeof(*e->v));
	}
	e->v[e->n].to = to;
	e->v[e->n++].pos = *pos;
}

/* A new generation of marks: nothing is marked. */
static unsigned marks_next(struct builder *b)
{
	return ++b->mark_gen;
}

/* Mark service s; false when it was marked already in generation g. */
static bool mark(struct builder *b, const struct schema_service *s,
		 unsigned g)
{
	size_t i = (size_t)(s - b->env->services);
	if (b->marks[i] == g)
		return false;
	b->marks[i] = g;
	return true;
}

static void resolve_deps(struct builder *b, struct schema_service *svc,
			 const struct schema_strlist *names, const char *list,
			 struct schema_service ***ret, size_t *ret_n,
			 struct model_edges *edges)
{
	*ret = mae_arena_array(b->a, names->n, sizeof(**ret));
	*ret_n = 0;
	unsigned g = marks_next(b);
	for (size_t i = 0; i < names->n; i++) {
		struct schema_service *dep = schema_env_service(b->env,
								names->v[i].s);
		if (!dep) {
			unknown_service(b, &names->v[i], list, svc->qname);
			continue;
		}
		if (!mark(b, dep, g))
			continue;
		(*ret)[(*ret_n)++] = dep;
		if (edges)
			edge_add(edges, dep, &names->v[i].pos);
	}
}

/* volumes_from: resolve, check ship and conflicts. */
static void resolve_volumes_from(struct builder *b, struct schema_instance *c,
				 struct schema_pos *ret_pos)
{
	const struct schema_strlist *names = &c->volumes_from_names;
	c->volumes_from = mae_arena_array(b->a, names->n, sizeof(*c->volumes_from));
	for (size_t i = 0; i < names->n; i++) {
		const char *xn = names->v[i].s;
		const struct schema_pos *p = &names->v[i].pos;
		struct schema_instance *x = schema_env_instance(b->env, xn);
		if (!x) {
			const char **cands = mae_xcalloc(b->env->ninstances + 1,
							 sizeof(char *));
			size_t ncands = 0;
			for (size_t j = 0; j < b->env->ninstances && !quiet(b); j++)
				if (&b->env->instances[j] != c && /* not itself */
				    suggestible(b->env->instances[j].qname))
					cands[ncands++] = b->env->instances[j].name;
			const char *hint = quiet(b) ? NULL
				: mae_suggest(xn, cands, ncands);
			if (hint)
				pos_err(b, p, "unknown container %s in volumes_from of instance %s (did you mean '%s'?)",
					STR_QUOTE(&names->v[i]), c->qname, hint);
			else
				pos_err(b, p, "unknown container %s in volumes_from of instance %s",
					STR_QUOTE(&names->v[i]), c->qname);
			free(cands);
			continue;
		}
		if (x == c) {
			pos_err(b, p, "instance %s takes volumes from itself", c->qname);
			continue;
		}
		if (x->ship && c->ship && x->ship != c->ship) {
			pos_err(b, p, "volumes_from %s of instance %s must be on the same ship (%s), not on %s",
				STR_QUOTE(&names->v[i]), c->qname, c->ship->qname, x->ship->qname);
			continue;
		}
		/* both containers' volume targets must not overlap */
		struct mae_buf clash = MAE_BUF_INIT;
		for (size_t k = 0; k < c->nvolumes + c->container_volumes.n; k++) {
			const char *t = k < c->nvolumes ? c->volumes[k].target
				: c->container_volumes.v[k - c->nvolumes].s;
			for (size_t l = 0; l < x->nvolumes + x->container_volumes.n; l++) {
				const char *u = l < x->nvolumes ? x->volumes[l].target
					: x->container_volumes.v[l - x->nvolumes].s;
				if (strcmp(t, u) == 0) {
					mae_buf_addf(&clash, "%s'%s'",
						     clash.len ? ", " : "", t);
					break;
				}
			}
		}
		if (clash.len)
			pos_err(b, p, "volume conflicts between instance %s and instance %s: %s",
				c->qname, x->qname, mae_buf_str(&clash));
		mae_buf_release(&clash);
		bool dup = false;
		for (size_t j = 0; j < c->nvolumes_from && !dup; j++)
			dup = c->volumes_from[j] == x;
		if (dup)
			continue;
		ret_pos[c->nvolumes_from] = *p;
		c->volumes_from[c->nvolumes_from++] = x;
	}
}

/* Report the cycle closed by an edge to path[k] (the path holds nodes). */
static void report_cycle(struct builder *b, const char *what,
			 const char *const *names, const size_t *path,
			 size_t from, size_t depth, const char *to,
			 const struct schema_pos *pos)
{
	struct mae_buf msg = MAE_BUF_INIT;
	for (size_t k = from; k < depth; k++)
		mae_buf_addf(&msg, "%s -> ", names[path[k]]);
	mae_buf_addf(&msg, "%s", to);
	pos_err(b, pos, "%s: %s", what, mae_buf_str(&msg));
	mae_buf_release(&msg);
}

/* One graph of the model for the walk, and the message of its cycles. */
struct cycles {
	struct builder *b;
	const char *const *names;
	const char *what;
	bool (*edge)(struct builder *b, size_t u, size_t k, size_t *ret_v,
		     const struct schema_pos **ret_pos);
};

static bool cycles_edge(void *ctx, size_t u, size_t k, size_t *ret_v)
{
	const struct cycles *c = ctx;
	const struct schema_pos *pos;
	return c->edge(c->b, u, k, ret_v, &pos);
}

/* Each back edge is one cycle, reported with its path. */
static void cycles_report(void *ctx, const size_t *path, size_t len, size_t k)
{
	const struct cycles *c = ctx;
	size_t v;
	const struct schema_pos *pos;
	c->edge(c->b, path[len - 1], k, &v, &pos);
	report_cycle(c->b, c->what, c->names, path, 0, len, c->names[v], pos);
}

static void find_cycles_in(struct builder *b, size_t n,
			   const char *const *names, const char *what,
			   bool (*edge)(struct builder *b, size_t u, size_t k,
					size_t *ret_v,
					const struct schema_pos **ret_pos))
{
	struct cycles c = { b, names, what, edge };
	struct graph_walk w = {
		.n = n,
		.edge = cycles_edge,
		.cycle = cycles_report,
		.ctx = &c,
	};
	graph_walk_init(&w);
	for (size_t s = 0; s < n; s++)
		graph_walk_from(&w, s);
	graph_walk_release(&w);
}

static bool service_edge(struct builder *b, size_t u, size_t k, size_t *ret_v,
			 const struct schema_pos **ret_pos)
{
	const struct model_edges *e = &b->edges[u];
	if (k >= e->n)
		return false;
	*ret_v = (size_t)(e->v[k].to - b->env->services);
	*ret_pos = &e->v[k].pos;
	return true;
}

/* volumes_from between instances of one service (across services the
 * service graph sees them). */
static bool instance_edge(struct builder *b, size_t u, size_t k,
			  size_t *ret_v, const struct schema_pos **ret_pos)
{
	const struct schema_instance *c = &b->env->instances[u];
	if (k >= c->nvolumes_from)
		return false;
	const struct schema_instance *x = c->volumes_from[k];
	*ret_v = x->service == c->service ? (size_t)(x - b->env->instances)
					  : SIZE_MAX;
	*ret_pos = &b->vf_pos[u][k];
	return true;
}

static void find_cycles(struct builder *b)
{
	struct schema_env *env = b->env;
	const char **names = mae_xcalloc(env->nservices + env->ninstances + 1,
					 sizeof(char *));
	for (size_t i = 0; i < env->nservices; i++)
		names[i] = env->services[i].qname;
	find_cycles_in(b, env->nservices, names, "dependency cycle",
		       service_edge);
	for (size_t i = 0; i < env->ninstances; i++)
		names[i] = env->instances[i].qname;
	find_cycles_in(b, env->ninstances, names,
		       "dependency cycle through volumes_from", instance_edge);
	free(names);
}

/* The services themselves first, so that names resolve; svc_nodes[si] is
 * service si's node, req and wants its names as written. */
static void build_service_list(struct builder *b, const struct ynode *v,
			       const struct ynode **svc_nodes,
			       struct schema_strlist *req,
			       struct schema_strlist *wants)
{
	struct schema_env *env = b->env;
	for (size_t i = 0; i < v->npairs; i++) {
		const char *name = key_of(&v->pairs[i]);
		const struct ynode *s = v->pairs[i].value;
		if (!s || s->kind != YNODE_MAP) {
			model_err(b, s ? s : v->pairs[i].key,
				  "service %s must be a mapping, not %s",
				  YNODE_QUOTE(v->pairs[i].key),
				  ynode_describe(s));
			continue;
		}
		size_t si = env->nservices++;
		struct schema_service *svc = &env->services[si];
		svc_nodes[si] = s;
		svc->qname = mae_arena_strdup(b->a, YNODE_QUOTE(v->pairs[i].key));
		const char *w = mae_arena_printf(b->a, "in service %s", svc->qname);
		svc->name = mae_arena_strdup(b->a, name);
		svc->pos = model_pos(b, v->pairs[i].key);
		mae_map_add(&env->services_ix, svc->name, svc);
		check_keys(b, s, service_keys, w);
		svc->image = get_str(b, s, "image", w, true);
		get_env(b, s, w, &svc->env);
		get_envfile(b, s, w, &svc->envfile);
		svc->omit = get_bool(b, s, "omit", w, false);
		get_limits(b, s, w, &svc->limits);
		get_ports(b, s, w, &svc->ports, &svc->nports);
		get_lifecycle(b, s, w, true, svc->lifecycle);
		get_strlist(b, s, "requires", w, &req[si]);
		get_strlist(b, s, "wants_info", w, &wants[si]);
		get_strlist(b, s, "secret_env", w, &svc->secret_env);
	}
}

/* Then the instances of each service. */
static void build_instances(struct builder *b, const struct ynode **svc_nodes)
{
	struct schema_env *env = b->env;
	for (size_t si = 0; si < env->nservices; si++) {
		struct schema_service *svc = &env->services[si];
		const struct ynode *s = svc_nodes[si];
		const struct ypair *ip = ynode_get_pair(s, "instances");
		if (!ip) {
			model_err(b, s, "missing 'instances' in service %s", svc->qname);
			continue;
		}
		const struct ynode *insts = ip->value;
		if (!want_map(b, insts, "instances", mae_arena_printf(b->a, "in service %s", svc->qname)))
			continue;
		svc->instances = mae_arena_array(b->a, insts->npairs, sizeof(*svc->instances));
		for (size_t j = 0; j < insts->npairs; j++) {
			const char *name = key_of(&insts->pairs[j]);
			const struct ynode *in = insts->pairs[j].value;
			if (!in || in->kind != YNODE_MAP) {
				model_err(b, in ? in : insts->pairs[j].key,
					  "instance %s of service %s must be a mapping, not %s",
					  YNODE_QUOTE(insts->pairs[j].key), svc->qname,
					  ynode_describe(in));
				continue;
			}
			struct schema_instance *other = schema_env_instance(env, name);
			if (other) {
				model_err(b, insts->pairs[j].key,
					  "instance %s of service %s is already defined in service %s",
					  YNODE_QUOTE(insts->pairs[j].key), svc->qname,
					  other->service->qname);
				continue;
			}
			struct schema_instance *c = &env->instances[env->ninstances++];
			build_instance(b, svc, c, name, insts->pairs[j].key, in);
			mae_map_add(&env->instances_ix, c->name, c);
			svc->instances[svc->ninstances++] = c;
		}
	}
}

/* The graph: requires and wants_info resolved, volumes_from and what it
 * implies, dependents, then cycles. */
static void build_graph(struct builder *b, struct schema_strlist *req,
			struct schema_strlist *wants)
{
	struct schema_env *env = b->env;
	b->marks = mae_xcalloc(env->nservices + 1, sizeof(*b->marks));
	for (size_t si = 0; si < env->nservices; si++) {
		struct schema_service *svc = &env->services[si];
		resolve_deps(b, svc, &req[si], "requires", &svc->requires,
			     &svc->nrequires, &b->edges[si]);
		resolve_deps(b, svc, &wants[si], "wants_info", &svc->wants_info,
			     &svc->nwants_info, NULL);
	}
	b->vf_pos = mae_arena_array(b->a, env->ninstances + 1, sizeof(*b->vf_pos));
	for (size_t i = 0; i < env->ninstances; i++) {
		struct schema_instance *c = &env->instances[i];
		b->vf_pos[i] = mae_arena_array(b->a, c->volumes_from_names.n,
					   sizeof(**b->vf_pos));
		resolve_volumes_from(b, c, b->vf_pos[i]);
	}
	/* volumes_from implies requires, service to service, never itself */
	for (size_t si = 0; si < env->nservices; si++) {
		struct schema_service *svc = &env->services[si];
		unsigned g = marks_next(b);
		mark(b, svc, g);
		for (size_t k = 0; k < svc->nrequires; k++)
			mark(b, svc->requires[k], g);
		size_t n = 0;
		for (size_t j = 0; j < svc->ninstances; j++)
			n += svc->instances[j]->nvolumes_from;
		svc->implied = mae_arena_array(b->a, n, sizeof(*svc->implied));
		for (size_t j = 0; j < svc->ninstances; j++) {
			struct schema_instance *c = svc->instances[j];
			size_t ci = (size_t)(c - env->instances);
			for (size_t k = 0; k < c->nvolumes_from; k++) {
				struct schema_service *to = c->volumes_from[k]->service;
				if (!mark(b, to, g))
					continue;
				svc->implied[svc->nimplied++] = to;
				edge_add(&b->edges[si], to, &b->vf_pos[ci][k]);
			}
		}
	}
	/* dependents, in model order */
	size_t *count = mae_xcalloc(env->nservices + 1, sizeof(size_t));
	for (size_t o = 0; o < env->nservices; o++)
		for (size_t k = 0; k < b->edges[o].n; k++)
			count[b->edges[o].v[k].to - env->services]++;
	for (size_t si = 0; si < env->nservices; si++)
		env->services[si].dependents =
			mae_arena_array(b->a, count[si], sizeof(struct schema_service *));
	free(count);
	for (size_t o = 0; o < env->nservices; o++)
		for (size_t k = 0; k < b->edges[o].n; k++) {
			struct schema_service *to = b->edges[o].v[k].to;
			to->dependents[to->ndependents++] = &env->services[o];
		}
	find_cycles(b);
	free(b->marks);
	b->marks = NULL;
}

void build_services(struct builder *b, const struct ynode *root)
{
	struct schema_env *env = b->env;
	const struct ynode *v = ynode_get(root, "services");
	if (!want_map(b, v, "services", "at the top level"))
		return;
	env->services = mae_arena_array(b->a, v->npairs, sizeof(*env->services));
	mae_map_init(&env->services_ix, b->a);
	b->edges = mae_xcalloc(v->npairs + 1, sizeof(*b->edges));
	size_t total = 0;
	for (size_t i = 0; i < v->npairs; i++) {
		const struct ynode *s = v->pairs[i].value;
		const struct ynode *insts = s && s->kind == YNODE_MAP
						    ? ynode_get(s, "instances") : NULL;
		if (insts && insts->kind == YNODE_MAP)
			total += insts->npairs;
	}
	env->instances = mae_arena_array(b->a, total, sizeof(*env->instances));
	mae_map_init(&env->instances_ix, b->a);
	struct schema_strlist *req = mae_xcalloc(v->npairs + 1, sizeof(*req));
	struct schema_strlist *wants = mae_xcalloc(v->npairs + 1, sizeof(*wants));

	const struct ynode **svc_nodes = mae_xcalloc(v->npairs + 1, sizeof(*svc_nodes));
	build_service_list(b, v, svc_nodes, req, wants);
	build_instances(b, svc_nodes);
	build_graph(b, req, wants);

	for (size_t si = 0; si < v->npairs; si++)
		free(b->edges[si].v);
	free(b->edges);
	b->edges = NULL;
	free(req);
	free(wants);
	free(svc_nodes);
}
