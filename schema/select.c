/*
 * select.c - the service graph: transitive closures,
 * the one selection function every command uses (spec §6.2) and the
 * fnmatch-style filters of -C/-S.  The model has already refused cycles.
 *
 * Unlike MaestroNG, the -C/-S filters always apply, with -d too (spec
 * §12 item 14), and a thing named twice is selected once.
 */
#include "compute.h"

#include <stdlib.h>
#include <string.h>

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

void sgraph_closure(const struct sgraph *g, size_t s, bool reverse,
		    bool *mark)
{
	size_t *todo = mae_xmalloc((g->nservices + 1) * sizeof(*todo));
	size_t n = 0;
	todo[n++] = s;
	while (n) {
		size_t cur = todo[--n];
		if (!reverse) {
			const struct sgraph_service *sv = &g->services[cur];
			for (size_t i = 0; i < sv->ndeps; i++) {
				if (!mark[sv->deps[i]]) {
					mark[sv->deps[i]] = true;
					todo[n++] = sv->deps[i];
				}
			}
			continue;
		}
		for (size_t o = 0; o < g->nservices; o++) {
			const struct sgraph_service *sv = &g->services[o];
			for (size_t i = 0; i < sv->ndeps; i++) {
				if (sv->deps[i] == cur && !mark[o]) {
					mark[o] = true;
					todo[n++] = o;
				}
			}
		}
	}
	free(todo);
}

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
		for (size_t s = 0; s < g->nservices; s++)
			if (svc[s])
				sgraph_closure(g, s,
					       o->direction == SELECT_DEPENDENTS,
					       more);
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

static void tree_level(const struct sgraph *g, size_t s, struct mae_buf *indent,
		       bool recursive, bool *shown, struct mae_buf *out)
{
	const struct sgraph_service *sv = &g->services[s];
	size_t *deps = mae_xmalloc((sv->ndeps + 1) * sizeof(*deps));
	size_t n = 0;
	for (size_t i = 0; i < sv->ndeps; i++)
		if (recursive || !shown[sv->deps[i]])
			deps[n++] = sv->deps[i];
	qsort_r(deps, n, sizeof(*deps), cmp_svc_name, (void *)g);
	/* MaestroNG marks the whole level shown before descending */
	for (size_t i = 0; i < n; i++)
		shown[deps[i]] = true;
	for (size_t i = 0; i < n; i++) {
		bool last = i + 1 == n;
		mae_buf_addf(out, "%s%s %s\n", mae_buf_str(indent),
			     last ? "\\-" : "+-", g->services[deps[i]].name);
		size_t keep = indent->len;
		mae_buf_adds(indent, last ? "  " : "|  ");
		tree_level(g, deps[i], indent, recursive, shown, out);
		indent->len = keep;
		indent->s[keep] = '\0';
	}
	free(deps);
}

void deptree_print(const struct sgraph *g, const size_t *roots, size_t n,
		   bool recursive, struct mae_buf *out)
{
	bool *shown = mae_xcalloc(g->nservices + 1, sizeof(*shown));
	for (size_t r = 0; r < n; r++) {
		memset(shown, 0, g->nservices * sizeof(*shown));
		mae_buf_addf(out, "%s\n", g->services[roots[r]].name);
		struct mae_buf indent = MAE_BUF_INIT;
		mae_buf_adds(&indent, " ");
		tree_level(g, roots[r], &indent, recursive, shown, out);
		mae_buf_release(&indent);
		if (r + 1 < n)
			mae_buf_adds(out, "\n");
	}
	free(shown);
}

static void dot_quote(struct mae_buf *out, const char *s)
{
	mae_buf_addc(out, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			mae_buf_addc(out, '\\');
		mae_buf_addc(out, *s);
	}
	mae_buf_addc(out, '"');
}

void deptree_print_dot(const struct sgraph *g, const size_t *roots,
		       size_t n, struct mae_buf *out)
{
	bool *in = mae_xcalloc(g->nservices + 1, sizeof(*in));
	for (size_t r = 0; r < n; r++) {
		in[roots[r]] = true;
		sgraph_closure(g, roots[r], false, in);
	}
	mae_buf_adds(out, "digraph deptree {\n");
	for (size_t s = 0; s < g->nservices; s++) {
		if (!in[s])
			continue;
		mae_buf_adds(out, "  ");
		dot_quote(out, g->services[s].name);
		mae_buf_adds(out, ";\n");
	}
	for (size_t s = 0; s < g->nservices; s++) {
		if (!in[s])
			continue;
		const struct sgraph_service *sv = &g->services[s];
		size_t *deps = mae_xmalloc((sv->ndeps + 1) * sizeof(*deps));
		if (sv->ndeps)
			memcpy(deps, sv->deps, sv->ndeps * sizeof(*deps));
		qsort_r(deps, sv->ndeps, sizeof(*deps), cmp_svc_name, (void *)g);
		for (size_t i = 0; i < sv->ndeps; i++) {
			mae_buf_adds(out, "  ");
			dot_quote(out, sv->name);
			mae_buf_adds(out, " -> ");
			dot_quote(out, g->services[deps[i]].name);
			mae_buf_adds(out, ";\n");
		}
		free(deps);
	}
	mae_buf_adds(out, "}\n");
	free(in);
}
