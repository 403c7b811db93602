/*
 * select.c - the one selection function every command uses (spec §6.2)
 * and the fnmatch-style filters of -C/-S, on the service graph of
 * graph.h.  The model has already refused cycles.
 *
 * Unlike MaestroNG, the -C/-S filters always apply, with -d too (spec
 * §12 item 14), and a thing named twice is selected once.
 */
#include "compute.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* fnmatch                                                              */

/*
 * The pattern as tokens, each matching one character except STAR: the
 * classic two-pointer match with one backtrack point is then O(n * m),
 * where recursive backtracking is exponential in the number of '*'.
 */
enum glob_tok { GLOB_CHAR, GLOB_ANY, GLOB_CLASS, GLOB_STAR };

struct glob_token {
	enum glob_tok type;
	char c;              /* GLOB_CHAR */
	const char *set;     /* GLOB_CLASS: the characters between [ and ] */
	size_t setlen;
	bool negate;
};

/* Python's fnmatch.translate() reading of a '[' at p: the class, or
 * NULL when it is not closed (then '[' is a literal). */
static const char *glob_class(const char *p, struct glob_token *t)
{
	const char *q = p + 1;
	t->negate = false;
	if (*q == '!') {
		t->negate = true;
		q++;
	}
	const char *start = q;
	if (*q == ']')
		q++;
	while (*q && *q != ']')
		q++;
	if (!*q)
		return NULL;
	t->type = GLOB_CLASS;
	t->set = start;
	t->setlen = (size_t)(q - start);
	return q + 1;
}

static bool glob_token_match(const struct glob_token *t, char c)
{
	switch (t->type) {
	case GLOB_CHAR:
		return t->c == c;
	case GLOB_ANY:
		return true;
	case GLOB_CLASS:
		break;
	case GLOB_STAR:
		return false;
	}
	bool hit = false;
	const char *r = t->set, *end = t->set + t->setlen;
	for (; r < end && !hit; r++) {
		if (r + 2 < end && r[1] == '-') {
			hit = (unsigned char)c >= (unsigned char)r[0] &&
			      (unsigned char)c <= (unsigned char)r[2];
			r += 2;
		} else {
			hit = *r == c;
		}
	}
	return hit != t->negate;
}

bool glob_match(const char *pattern, const char *s)
{
	size_t cap = strlen(pattern) + 1, n = 0;
	struct glob_token *tok = mae_xcalloc(cap, sizeof(*tok));
	for (const char *p = pattern; *p;) {
		struct glob_token *t = &tok[n];
		if (*p == '*') {
			while (*p == '*')
				p++;
			t->type = GLOB_STAR;
			n++;
			continue;
		}
		const char *past = *p == '[' ? glob_class(p, t) : NULL;
		if (past) {
			p = past;
		} else if (*p == '?') {
			t->type = GLOB_ANY;
			p++;
		} else {
			t->type = GLOB_CHAR;
			t->c = *p++;
		}
		n++;
	}

	size_t ti = 0, si = 0, slen = strlen(s);
	long star = -1;
	size_t mark = 0;
	while (si < slen) {
		if (ti < n && tok[ti].type != GLOB_STAR &&
		    glob_token_match(&tok[ti], s[si])) {
			ti++;
			si++;
		} else if (ti < n && tok[ti].type == GLOB_STAR) {
			star = (long)ti++;
			mark = si;
		} else if (star >= 0) {
			ti = (size_t)star + 1;
			si = ++mark;
		} else {
			free(tok);
			return false;
		}
	}
	while (ti < n && tok[ti].type == GLOB_STAR)
		ti++;
	free(tok);
	return ti == n;
}

/* ------------------------------------------------------------------ */
/* Selection                                                            */

static int unknown_thing(const struct sgraph *g, const char *thing,
			 struct mae_error *e)
{
	size_t n = g->nservices + g->ninstances;
	const char **cands = mae_xcalloc(n + 1, sizeof(*cands));
	for (size_t i = 0; i < g->nservices; i++)
		cands[i] = g->services[i].name;
	for (size_t i = 0; i < g->ninstances; i++)
		cands[g->nservices + i] = g->instances[i].name;
	const char *hint = mae_suggest(thing, cands, n);
	if (hint)
		mae_error_set(e, MAE_ERR_INVALID,
			      "'%s' is neither a service nor a container (did you mean '%s'?)",
			      thing, hint);
	else
		mae_error_set(e, MAE_ERR_INVALID,
			      "'%s' is neither a service nor a container", thing);
	free(cands);
	return MAE_ERR_INVALID;
}

static int cmp_by_name(const void *a, const void *b, void *g)
{
	const struct sgraph *gr = g;
	return strcmp(gr->instances[*(const size_t *)a].name,
		      gr->instances[*(const size_t *)b].name);
}

int select_opts_for_action(struct select_opts *o, const char *action,
			   const char *const *things, size_t nthings,
			   bool with_deps_flag, bool ignore_deps_flag,
			   bool expand_flag, const char *container_glob,
			   const char *ship_glob, struct mae_error *e)
{
	static const char *const forward[] = { "start", "pull", "clean",
					       "status", "logs", "config" };
	static const char *const reverse[] = { "stop", "kill", "restart" };
	bool fwd = false, rev = false;
	for (size_t i = 0; i < sizeof(forward) / sizeof(*forward); i++)
		fwd |= strcmp(action, forward[i]) == 0;
	for (size_t i = 0; i < sizeof(reverse) / sizeof(*reverse); i++)
		rev |= strcmp(action, reverse[i]) == 0;
	if (!fwd && !rev)
		return mae_error_set(e, MAE_ERR_INVALID, "unknown action '%s'", action);
	memset(o, 0, sizeof(*o));
	o->things = things;
	o->nthings = nthings;
	o->direction = rev ? SELECT_DEPENDENTS : SELECT_DEPENDENCIES;
	o->expand = fwd || expand_flag;
	o->with_deps = with_deps_flag || (nthings == 0 && !ignore_deps_flag);
	o->include_omitted = strcmp(action, "status") == 0;
	o->container_glob = container_glob;
	o->ship_glob = ship_glob;
	return 0;
}

int select_instances(const struct sgraph *g, const struct select_opts *o,
		     size_t **ret, size_t *ret_n, struct mae_error *e)
{
	bool *inst = mae_xcalloc(g->ninstances + 1, sizeof(*inst));
	bool *svc = mae_xcalloc(g->nservices + 1, sizeof(*svc));
	int rc = 0;

	if (o->nthings == 0) {
		for (size_t s = 0; s < g->nservices; s++)
			if (!g->services[s].omit || o->include_omitted)
				for (size_t i = 0; i < g->services[s].ninstances; i++)
					inst[g->services[s].instances[i]] = true;
	}
	for (size_t t = 0; t < o->nthings; t++) {
		const char *thing = o->things[t];
		long i = sgraph_find_instance(g, thing);
		if (i >= 0) {
			inst[i] = true;
			continue;
		}
		long s = sgraph_find_service(g, thing);
		if (s < 0) {
			rc = unknown_thing(g, thing, e);
			goto out;
		}
		if (!o->expand) {
			rc = mae_error_set(e, MAE_ERR_INVALID,
					   "'%s' is a service but --expand-services was not specified",
					   thing);
			goto out;
		}
		for (size_t k = 0; k < g->services[s].ninstances; k++)
			inst[g->services[s].instances[k]] = true;
	}

	if (o->with_deps) {
		for (size_t i = 0; i < g->ninstances; i++)
			if (inst[i] && !svc[g->instances[i].service]) {
				svc[g->instances[i].service] = true;
			}
		bool *more = mae_xcalloc(g->nservices + 1, sizeof(*more));
		size_t *starts = mae_xcalloc(g->nservices + 1, sizeof(*starts));
		size_t nstarts = 0;
		for (size_t s = 0; s < g->nservices; s++)
			if (svc[s])
				starts[nstarts++] = s;
		sgraph_closure(g, starts, nstarts,
			       o->direction == SELECT_DEPENDENTS, more);
		free(starts);
		for (size_t s = 0; s < g->nservices; s++)
			if (more[s])
				for (size_t k = 0; k < g->services[s].ninstances; k++)
					inst[g->services[s].instances[k]] = true;
		free(more);
	}

	size_t n = 0;
	size_t *v = mae_xmalloc((g->ninstances + 1) * sizeof(*v));
	for (size_t i = 0; i < g->ninstances; i++) {
		if (!inst[i])
			continue;
		if (o->container_glob &&
		    !glob_match(o->container_glob, g->instances[i].name))
			continue;
		if (o->ship_glob &&
		    !glob_match(o->ship_glob, g->instances[i].ship))
			continue;
		v[n++] = i;
	}
	qsort_r(v, n, sizeof(*v), cmp_by_name, (void *)g);
	*ret = v;
	*ret_n = n;
out:
	free(inst);
	free(svc);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Dependency tree                                                      */

static int cmp_svc_name(const void *a, const void *b, void *g)
{
	const struct sgraph *gr = g;
	return strcmp(gr->services[*(const size_t *)a].name,
		      gr->services[*(const size_t *)b].name);
}

int deptree_roots(const struct sgraph *g, const char *const *things,
		  size_t nthings, size_t **ret, size_t *ret_n,
		  struct mae_error *e)
{
	bool *svc = mae_xcalloc(g->nservices + 1, sizeof(*svc));
	for (size_t s = 0; s < g->nservices && nthings == 0; s++)
		svc[s] = !g->services[s].omit;
	for (size_t t = 0; t < nthings; t++) {
		long i = sgraph_find_instance(g, things[t]);
		if (i >= 0) {
			svc[g->instances[i].service] = true;
			continue;
		}
		long s = sgraph_find_service(g, things[t]);
		if (s < 0) {
			free(svc);
			return unknown_thing(g, things[t], e);
		}
		svc[s] = true;
	}
	size_t n = 0;
	size_t *v = mae_xmalloc((g->nservices + 1) * sizeof(*v));
	for (size_t s = 0; s < g->nservices; s++)
		if (svc[s])
			v[n++] = s;
	qsort_r(v, n, sizeof(*v), cmp_svc_name, (void *)g);
	free(svc);
	*ret = v;
	*ret_n = n;
	return 0;
}
