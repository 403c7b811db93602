/*
 * plan.c - building a plan, numbering its steps, step keys, the plan hash
 * and the invariants a loaded plan is checked against.
 */
#include "plan.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "plan-int.h"

/* ------------------------------------------------------------------ */
/* Names                                                                */

static const char *const kind_names[STEP_KIND_COUNT] = {
	"pull", "create", "start", "check", "stop", "kill", "remove", "wait",
};

static const char *const status_names[STEP_STATUS_COUNT] = {
	"pending", "running", "done", "failed", "skipped", "stale",
};

static const char *const cond_names[PLAN_COND_STATE_COUNT] = {
	"none", "absent", "exists", "stopped", "running", "gone",
	"image_absent", "image_present", "passed", "waited",
};

static int parse_name(const char *const *names, int n, const char *name)
{
	for (int i = 0; name && i < n; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

const char *step_kind_name(enum step_kind k)
{
	return (unsigned)k < STEP_KIND_COUNT ? kind_names[k] : "?";
}

int step_kind_parse(const char *name)
{
	return parse_name(kind_names, STEP_KIND_COUNT, name);
}

const char *step_status_name(enum step_status s)
{
	return (unsigned)s < STEP_STATUS_COUNT ? status_names[s] : "?";
}

int step_status_parse(const char *name)
{
	return parse_name(status_names, STEP_STATUS_COUNT, name);
}

const char *plan_cond_state_name(enum plan_cond_state s)
{
	return (unsigned)s < PLAN_COND_STATE_COUNT ? cond_names[s] : "?";
}

int plan_cond_state_parse(const char *name)
{
	return parse_name(cond_names, PLAN_COND_STATE_COUNT, name);
}

/* ------------------------------------------------------------------ */
/* Conditions                                                           */

void plan_cond_release(struct plan_cond *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->not_id);
	free(c->spec);
	free(c->image);
	free(c->image_id);
	memset(c, 0, sizeof(*c));
}

void plan_cond_copy(struct plan_cond *dst, const struct plan_cond *src)
{
	*dst = *src;
	dst->id = mae_xstrdup_or_null(src->id);
	dst->not_id = mae_xstrdup_or_null(src->not_id);
	dst->spec = mae_xstrdup_or_null(src->spec);
	dst->image = mae_xstrdup_or_null(src->image);
	dst->image_id = mae_xstrdup_or_null(src->image_id);
}

/* ------------------------------------------------------------------ */
/* Plans and steps                                                      */

struct plan *plan_new(void)
{
	return mae_xcalloc(1, sizeof(struct plan));
}

static void step_release(struct plan_step *s)
{
	free(s->ship);
	free(s->container);
	json_decref(s->spec);
	free(s->spec_text);
	free(s->depends_on);
	plan_cond_release(&s->pre);
	plan_cond_release(&s->post);
	memset(s, 0, sizeof(*s));
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	free(p->environment);
	free(p->action);
	for (size_t i = 0; i < p->nargs; i++)
		free(p->args[i]);
	free(p->args);
	free(p->created_at);
	free(p->created_by);
	for (size_t i = 0; i < p->nships; i++)
		ship_conn_release(&p->ships[i]);
	free(p->ships);
	for (size_t i = 0; i < p->nsteps; i++)
		step_release(&p->steps[i]);
	free(p->steps);
	free(p);
}

void plan_set_str(char **field, const char *value)
{
	free(*field);
	*field = mae_xstrdup_or_null(value);
}

void plan_add_arg(struct plan *p, const char *arg)
{
	p->args = mae_xrealloc(p->args, (p->nargs + 1) * sizeof(*p->args));
	p->args[p->nargs++] = mae_xstrdup(arg);
}

void plan_add_ship(struct plan *p, const struct ship_conn *c)
{
	size_t i = 0;
	while (i < p->nships && strcmp(p->ships[i].name, c->name) < 0)
		i++;
	if (i < p->nships && !strcmp(p->ships[i].name, c->name)) {
		ship_conn_release(&p->ships[i]);
		ship_conn_copy(&p->ships[i], c);
		return;
	}
	p->ships = mae_xrealloc(p->ships, (p->nships + 1) * sizeof(*p->ships));
	memmove(&p->ships[i + 1], &p->ships[i],
		(p->nships - i) * sizeof(*p->ships));
	ship_conn_copy(&p->ships[i], c);
	p->nships++;
}

const struct ship_conn *plan_ship(const struct plan *p, const char *name)
{
	size_t lo = 0, hi = p->nships;
	while (name && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(p->ships[mid].name, name);
		if (!c)
			return &p->ships[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int plan_add_step(struct plan *p, enum step_kind kind, const char *ship,
		  const char *container, json_t *spec)
{
	if (p->nsteps == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->steps = mae_xrealloc(p->steps, p->cap * sizeof(*p->steps));
	}
	struct plan_step *s = &p->steps[p->nsteps++];
	memset(s, 0, sizeof(*s));
	s->number = (int)p->nsteps;
	s->kind = kind;
	s->ship = mae_xstrdup(ship ? ship : "");
	s->container = mae_xstrdup_or_null(container);
	s->spec = spec ? spec : json_object();
	s->status = STEP_PENDING;
	return s->number;
}

struct plan_step *plan_step(const struct plan *p, int n)
{
	if (n < 1 || (size_t)n > p->nsteps)
		return NULL;
	return &p->steps[n - 1];
}

/*
 * insert d into the sorted set s->depends_on: appended when larger than
 * the last (how builders add them), else found by bisection (a step may
 * wait for 10,000 pulls)
 */
static void dep_insert(struct plan_step *s, int d)
{
	size_t i = s->ndeps;
	if (i && s->depends_on[i - 1] >= d) {
		size_t lo = 0, hi = s->ndeps;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (s->depends_on[mid] < d)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
		if (s->depends_on[i] == d)
			return;
	}
	s->depends_on = mae_xrealloc(s->depends_on,
				     (s->ndeps + 1) * sizeof(int));
	memmove(&s->depends_on[i + 1], &s->depends_on[i],
		(s->ndeps - i) * sizeof(int));
	s->depends_on[i] = d;
	s->ndeps++;
}

int plan_add_dep(struct plan *p, int n, int dep, struct mae_error *e)
{
	struct plan_step *s = plan_step(p, n);
	if (!s || !plan_step(p, dep) || n == dep)
		return mae_error_set(e, MAE_ERR_INVALID,
				     "step %d cannot depend on step %d", n,
				     dep);
	dep_insert(s, dep);
	return 0;
}

void plan_step_set_pre(struct plan_step *s, const struct plan_cond *c)
{
	plan_cond_release(&s->pre);
	plan_cond_copy(&s->pre, c);
}

void plan_step_set_post(struct plan_step *s, const struct plan_cond *c)
{
	plan_cond_release(&s->post);
	plan_cond_copy(&s->post, c);
}

/* ------------------------------------------------------------------ */
/* Keys and the hash                                                    */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char **plan_spec_texts(const struct plan_step *steps, size_t n)
{
	char **t = mae_xmalloc((n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		t[i] = mae_json_canonical(steps[i].spec);
	return t;
}

void plan_texts_free(char **texts, size_t n)
{
	for (size_t i = 0; texts && i < n; i++)
		free(texts[i]);
	free(texts);
}

void plan_key_text(const struct plan_step *s, const char *spec,
		   const char *const *dep_keys, size_t ndeps,
		   char out[MAE_SHA256_HEX_LEN + 1])
{
	struct mae_sha256 h;
	mae_sha256_init(&h);
	const char *kind = step_kind_name(s->kind);
	const char *container = s->container ? s->container : "";
	mae_sha256_update(&h, kind, strlen(kind) + 1);
	mae_sha256_update(&h, s->ship, strlen(s->ship) + 1);
	mae_sha256_update(&h, container, strlen(container) + 1);
	mae_sha256_update(&h, spec, strlen(spec));
	const char **sorted = mae_xmalloc((ndeps + 1) * sizeof(char *));
	if (ndeps) {
		memcpy(sorted, dep_keys, ndeps * sizeof(char *));
		qsort(sorted, ndeps, sizeof(char *), cmp_str);
	}
	for (size_t i = 0; i < ndeps; i++) {
		mae_sha256_update(&h, "", 1);
		mae_sha256_update(&h, sorted[i], strlen(sorted[i]));
	}
	free(sorted);
	mae_sha256_final_hex(&h, out);
}

void plan_step_key(const struct plan_step *s, const char *const *dep_keys,
		   size_t ndeps, char out[MAE_SHA256_HEX_LEN + 1])
{
	char *spec = mae_json_canonical(s->spec);
	plan_key_text(s, spec, dep_keys, ndeps, out);
	free(spec);
}

void plan_hash_texts(const struct plan *p, char *const *spec_texts,
		     char out[MAE_SHA256_HEX_LEN + 1])
{
	struct mae_sha256 h;
	mae_sha256_init(&h);
	mae_sha256_update(&h, "[", 1);
	struct mae_buf b = MAE_BUF_INIT;
	for (size_t i = 0; i < p->nsteps; i++) {
		mae_buf_reset(&b);
		if (i)
			mae_buf_addc(&b, ',');
		char *own = spec_texts ? NULL : mae_json_canonical(p->steps[i].spec);
		plan_step_text(&p->steps[i], spec_texts ? spec_texts[i] : own,
			       false, &b);
		free(own);
		mae_sha256_update(&h, b.s, b.len);
	}
	mae_buf_release(&b);
	mae_sha256_update(&h, "]", 1);
	mae_sha256_final_hex(&h, out);
}

void plan_hash(const struct plan *p, char out[MAE_SHA256_HEX_LEN + 1])
{
	plan_hash_texts(p, NULL, out);
}

/* ------------------------------------------------------------------ */
/* Topological order and numbering                                      */

/*
 * Kahn's algorithm over depends_on (positions + 1): topo gets the
 * positions, dependencies first, and depth each one's longest path of
 * dependencies.  On a cycle, returns MAE_ERR_INTERNAL naming a step on it.
 */
static int topo_sort(const struct plan_step *steps, size_t n, size_t *topo,
		     size_t *depth, struct mae_error *e)
{
	size_t *indeg = mae_xcalloc(n + 1, sizeof(size_t));
	size_t *nrev = mae_xcalloc(n + 1, sizeof(size_t));
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < steps[i].ndeps; j++) {
			int d = steps[i].depends_on[j];
			if (d < 1 || (size_t)d > n || (size_t)d == i + 1) {
				rc = mae_error_set(e, MAE_ERR_INTERNAL,
						   "step %zu depends on step %d, "
						   "which is not in the plan",
						   i + 1, d);
				goto out;
			}
			nrev[d - 1]++;
		}
		indeg[i] = steps[i].ndeps;
	}
	/* dependents of each step, as offsets into one array */
	size_t *off = mae_xcalloc(n + 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		off[i + 1] = off[i] + nrev[i];
	size_t *rev = mae_xmalloc((off[n] + 1) * sizeof(size_t));
	size_t *fill = mae_xcalloc(n + 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < steps[i].ndeps; j++) {
			size_t d = (size_t)steps[i].depends_on[j] - 1;
			rev[off[d] + fill[d]++] = i;
		}
	size_t head = 0, tail = 0;
	for (size_t i = 0; i < n; i++) {
		depth[i] = 0;
		if (!indeg[i])
			topo[tail++] = i;
	}
	while (head < tail) {
		size_t i = topo[head++];
		for (size_t k = off[i]; k < off[i + 1]; k++) {
			size_t t = rev[k];
			if (depth[t] < depth[i] + 1)
				depth[t] = depth[i] + 1;
			if (!--indeg[t])
				topo[tail++] = t;
		}
	}
	if (tail < n) {
		/* walk back along unfinished dependencies until one repeats */
		size_t at = 0;
		while (!indeg[at])
			at++;
		unsigned char *seen = mae_xcalloc(n, 1);
		while (!seen[at]) {
			seen[at] = 1;
			for (size_t j = 0; j < steps[at].ndeps; j++) {
				size_t d = (size_t)steps[at].depends_on[j] - 1;
				if (indeg[d]) {
					at = d;
					break;
				}
			}
		}
		free(seen);
		rc = mae_error_set(e, MAE_ERR_INTERNAL,
				   "dependency cycle through step %zu (%s '%s' "
				   "on '%s')",
				   at + 1, step_kind_name(steps[at].kind),
				   steps[at].container ? steps[at].container : "",
				   steps[at].ship);
	}
	free(off);
	free(rev);
	free(fill);
out:
	free(indeg);
	free(nrev);
	return rc;
}

struct order_item {
	size_t pos;
	size_t depth;
	const struct plan_step *s;
	const char *spec;
};

static int cmp_item(const void *a, const void *b)
{
	const struct order_item *x = a, *y = b;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	int c = strcmp(x->s->ship, y->s->ship);
	if (c)
		return c;
	if (!x->s->container != !y->s->container)
		return x->s->container ? 1 : -1;
	if (x->s->container && (c = strcmp(x->s->container, y->s->container)))
		return c;
	if (x->s->kind != y->s->kind)
		return x->s->kind < y->s->kind ? -1 : 1;
	if ((c = strcmp(x->spec, y->spec)))
		return c;
	if ((c = strcmp(x->s->key, y->s->key)))
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int plan_order_texts(const struct plan_step *steps, size_t n,
		     char *const *spec_texts, size_t *order,
		     struct mae_error *e)
{
	size_t *topo = mae_xmalloc((n + 1) * sizeof(size_t));
	size_t *depth = mae_xmalloc((n + 1) * sizeof(size_t));
	int rc = topo_sort(steps, n, topo, depth, e);
	if (rc < 0)
		goto out;
	/* depth grows along every edge, so sorting by it first is a
	 * topological order */
	struct order_item *it = mae_xmalloc((n + 1) * sizeof(*it));
	for (size_t i = 0; i < n; i++) {
		it[i].pos = i;
		it[i].depth = depth[i];
		it[i].s = &steps[i];
		it[i].spec = spec_texts[i];
	}
	if (n)
		qsort(it, n, sizeof(*it), cmp_item);
	for (size_t i = 0; i < n; i++)
		order[i] = it[i].pos;
	free(it);
out:
	free(topo);
	free(depth);
	return rc;
}

int plan_number_order(const struct plan_step *steps, size_t n, size_t *order,
		      struct mae_error *e)
{
	char **texts = plan_spec_texts(steps, n);
	int rc = plan_order_texts(steps, n, texts, order, e);
	plan_texts_free(texts, n);
	return rc;
}

/* keys in topological order: each step's after its dependencies' */
static void compute_keys(struct plan_step *steps, size_t n,
			 const size_t *topo, char *const *texts)
{
	const char **dk = NULL;
	size_t cap = 0;
	for (size_t t = 0; t < n; t++) {
		struct plan_step *s = &steps[topo[t]];
		if (s->ndeps > cap) {
			cap = s->ndeps;
			dk = mae_xrealloc(dk, cap * sizeof(char *));
		}
		for (size_t j = 0; j < s->ndeps; j++)
			dk[j] = steps[s->depends_on[j] - 1].key;
		plan_key_text(s, texts[topo[t]], dk, s->ndeps, s->key);
	}
	free(dk);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int plan_finish(struct plan *p, struct mae_error *e)
{
	size_t n = p->nsteps;
	size_t *topo = mae_xmalloc((n + 1) * sizeof(size_t));
	size_t *depth = mae_xmalloc((n + 1) * sizeof(size_t));
	size_t *order = mae_xmalloc((n + 1) * sizeof(size_t));
	char **texts = plan_spec_texts(p->steps, n);
	int rc = topo_sort(p->steps, n, topo, depth, e);
	if (rc < 0)
		goto out;
	compute_keys(p->steps, n, topo, texts);
	rc = plan_order_texts(p->steps, n, texts, order, e);
	if (rc < 0)
		goto out;
	int *newnum = mae_xmalloc((n + 1) * sizeof(int));
	for (size_t i = 0; i < n; i++)
		newnum[order[i]] = (int)i + 1;
	struct plan_step *ns = mae_xmalloc((p->cap + 1) * sizeof(*ns));
	char **nt = mae_xmalloc((n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		ns[i] = p->steps[order[i]];
		nt[i] = texts[order[i]];
		ns[i].number = (int)i + 1;
		for (size_t j = 0; j < ns[i].ndeps; j++)
			ns[i].depends_on[j] = newnum[ns[i].depends_on[j] - 1];
		if (ns[i].ndeps)
			qsort(ns[i].depends_on, ns[i].ndeps, sizeof(int),
			      cmp_int);
	}
	free(newnum);
	free(p->steps);
	p->steps = ns;
	free(texts);
	texts = NULL;
	/* each step keeps its text: the store writes it as it is */
	for (size_t i = 0; i < n; i++) {
		free(ns[i].spec_text);
		ns[i].spec_text = nt[i];
	}
	plan_hash_texts(p, nt, p->hash);
	free(nt);
out:
	plan_texts_free(texts, n);
	free(topo);
	free(depth);
	free(order);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Invariants                                                           */

static bool is_hex64(const char *s)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == MAE_SHA256_HEX_LEN;
}

static bool kind_has_container(enum step_kind k)
{
	return k != STEP_PULL && k != STEP_WAIT;
}

/* deep: recompute keys, numbering and hash too */
static int verify(const struct plan *p, const char *where, bool deep,
		  struct mae_error *e)
{
	struct pj r;
	pj_init(&r, where, e);
	int rc = 0;
	size_t n = p->nsteps;
	char **texts = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!json_is_object(p->steps[i].spec)) {
			pj_push(&r, "steps");
			pj_push_index(&r, i);
			return pj_fail(&r, "spec", "not an object");
		}
	}
	if (deep)
		texts = plan_spec_texts(p->steps, n);
	for (size_t i = 0; i < n; i++) {
		const struct plan_step *s = &p->steps[i];
		pj_push(&r, "steps");
		pj_push_index(&r, i);
		if (s->number != (int)i + 1)
			rc = pj_fail(&r, "number", "%d where %zu was expected",
				     s->number, i + 1);
		else if ((unsigned)s->kind >= STEP_KIND_COUNT)
			rc = pj_fail(&r, "kind", "unknown step kind");
		else if (!s->ship || !*s->ship)
			rc = pj_fail(&r, "ship", "empty ship name");
		else if (!plan_ship(p, s->ship))
			rc = pj_fail(&r, "ship",
				     "ship '%s' has no connection settings in "
				     "the plan",
				     s->ship);
		else if (kind_has_container(s->kind) && !s->container)
			rc = pj_fail(&r, "container", "a %s step needs a container",
				     step_kind_name(s->kind));
		else if (!kind_has_container(s->kind) && s->container)
			rc = pj_fail(&r, "container",
				     "a %s step has no container",
				     step_kind_name(s->kind));
		else if (s->container && !*s->container)
			rc = pj_fail(&r, "container", "empty container name");
		else if ((unsigned)s->status >= STEP_STATUS_COUNT)
			rc = pj_fail(&r, "status", "unknown status");
		for (size_t j = 0; !rc && j < s->ndeps; j++) {
			int d = s->depends_on[j];
			if (d < 1 || d >= s->number)
				rc = pj_fail(&r, "depends_on",
					     "step %d is not an earlier step", d);
			else if (j && d <= s->depends_on[j - 1])
				rc = pj_fail(&r, "depends_on",
					     "not in increasing order");
		}
		if (!rc && !deep && !is_hex64(s->key))
			rc = pj_fail(&r, "key", "'%s' is not a step key", s->key);
		if (!rc && deep) {
			const char **dk =
				mae_xmalloc((s->ndeps + 1) * sizeof(char *));
			for (size_t j = 0; j < s->ndeps; j++)
				dk[j] = p->steps[s->depends_on[j] - 1].key;
			char key[MAE_SHA256_HEX_LEN + 1];
			plan_key_text(s, texts[i], dk, s->ndeps, key);
			free(dk);
			if (strcmp(key, s->key))
				rc = pj_fail(&r, "key",
					     "'%s' is not the step's key (%s)",
					     s->key, key);
		}
		pj_pop(&r);
		pj_pop(&r);
		if (rc)
			goto out;
	}
	if (!deep) {
		if (!is_hex64(p->hash))
			rc = pj_fail(&r, "hash", "'%s' is not a plan hash",
				     p->hash);
		else if (!is_hex64(p->model_hash))
			rc = pj_fail(&r, "model_hash", "not a SHA-256");
		goto out;
	}
	/* the numbering must be the one plan_finish gives */
	size_t *order = mae_xmalloc((n + 1) * sizeof(size_t));
	rc = plan_order_texts(p->steps, n, texts, order, e);
	for (size_t i = 0; !rc && i < n; i++)
		if (order[i] != i)
			rc = pj_fail(&r, NULL,
				     "step %zu is numbered out of order "
				     "(%zu expected there)",
				     i + 1, order[i] + 1);
	free(order);
	if (rc)
		goto out;
	char h[MAE_SHA256_HEX_LEN + 1];
	plan_hash_texts(p, texts, h);
	if (!is_hex64(p->hash) || strcmp(h, p->hash))
		rc = pj_fail(&r, "hash", "'%s' is not the plan's hash (%s)",
			     p->hash, h);
	else if (!is_hex64(p->model_hash))
		rc = pj_fail(&r, "model_hash", "not a SHA-256");
out:
	plan_texts_free(texts, n);
	return rc;
}

int plan_verify(const struct plan *p, const char *where, struct mae_error *e)
{
	return verify(p, where, true, e);
}

int plan_check_shape(const struct plan *p, const char *where,
		     struct mae_error *e)
{
	return verify(p, where, false, e);
}

/* ------------------------------------------------------------------ */
/* A step's canonical text (plan-int.h)                                */

/* a JSON string as the canonical writer writes it */
static void add_str(struct mae_buf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (u[i] >= 0x20 && u[i] != '"' && u[i] != '\\')
		i++;
	if (!u[i]) {
		mae_buf_addc(b, '"');
		mae_buf_add(b, s, i);
		mae_buf_addc(b, '"');
		return;
	}
	json_t *j = json_string_nocheck(s);
	mae_json_canonical_add(b, j);
	json_decref(j);
}

static void add_opt_str(struct mae_buf *b, const char *key, const char *v)
{
	if (!v)
		return;
	mae_buf_addf(b, "\"%s\":", key);
	add_str(b, v);
	mae_buf_addc(b, ',');
}

/* plan_cond_to_json's canonical text: keys in code-point order */
static void add_cond(struct mae_buf *b, const struct plan_cond *c)
{
	if (c->state == PLAN_COND_NONE) {
		mae_buf_adds(b, "null");
		return;
	}
	mae_buf_addc(b, '{');
	add_opt_str(b, "id", c->id);
	add_opt_str(b, "image", c->image);
	add_opt_str(b, "image_id", c->image_id);
	add_opt_str(b, "not_id", c->not_id);
	mae_buf_addf(b, "\"observed\":%s,", c->observed ? "true" : "false");
	add_opt_str(b, "spec", c->spec);
	mae_buf_addf(b, "\"state\":\"%s\"}", plan_cond_state_name(c->state));
}

void plan_step_text(const struct plan_step *s, const char *spec,
		    bool with_status, struct mae_buf *b)
{
	mae_buf_adds(b, "{\"container\":");
	if (s->container)
		add_str(b, s->container);
	else
		mae_buf_adds(b, "null");
	mae_buf_adds(b, ",\"depends_on\":[");
	for (size_t i = 0; i < s->ndeps; i++)
		mae_buf_addf(b, i ? ",%d" : "%d", s->depends_on[i]);
	mae_buf_adds(b, "],\"key\":");
	add_str(b, s->key);
	mae_buf_addf(b, ",\"kind\":\"%s\",\"number\":%d,\"postcondition\":",
		     step_kind_name(s->kind), s->number);
	add_cond(b, &s->post);
	mae_buf_adds(b, ",\"precondition\":");
	add_cond(b, &s->pre);
	mae_buf_adds(b, ",\"ship\":");
	add_str(b, s->ship);
	mae_buf_adds(b, ",\"spec\":");
	mae_buf_adds(b, spec);
	if (with_status)
		mae_buf_addf(b, ",\"status\":\"%s\"", step_status_name(s->status));
	mae_buf_addc(b, '}');
}
