/*
 * resume.c - the pre/postcondition table of INTERFACES.md "Plans" and
 * the per-container chain rule (resume.h), and the chains of a plan.
 *
 * Each row names, per step kind, the test that says its postcondition
 * holds and the one that says its precondition holds; the tests are
 * small predicates over the step's recorded condition and the fresh
 * observation.  Id conditions are about that id: "that id is not
 * running" holds when no container of the name has it.
 *
 * Must not: observe anything itself, touch the database or print.
 */
#include "resume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cond_test {
	T_ALWAYS,
	T_IN_RUN,         /* done in this run (check, wait, forced pull) */
	T_IMAGE_PRESENT,
	T_IMAGE_ABSENT,
	T_NO_CONTAINER,   /* none of that name, or only the one cond.id
			   * that an earlier step of the plan removes */
	T_CREATED,        /* of that name, cond.spec, an id other than
			   * cond.not_id */
	T_ID_RUNNING,     /* the expected id exists and runs */
	T_ID_STOPPED,     /* the expected id exists and does not run */
	T_ID_NOT_RUNNING, /* the expected id does not run (or is not there) */
	T_ID_GONE,        /* no container of that name has the expected id */
};

struct resume_rule {
	enum cond_test post; /* postcondition holds -> done */
	enum cond_test pre;  /* precondition holds -> run; else stale */
};

/* INTERFACES.md's table; a pull without a precondition (-r) is the last
 * row: it is done only once pulled in this run. */
#define ROW_PULL_FORCED STEP_KIND_COUNT
static const struct resume_rule rules[STEP_KIND_COUNT + 1] = {
	[STEP_PULL]       = { T_IMAGE_PRESENT,  T_IMAGE_ABSENT },
	[STEP_CREATE]     = { T_CREATED,        T_NO_CONTAINER },
	[STEP_START]      = { T_ID_RUNNING,     T_ID_STOPPED },
	[STEP_CHECK]      = { T_IN_RUN,         T_ID_RUNNING },
	[STEP_STOP]       = { T_ID_NOT_RUNNING, T_ID_RUNNING },
	[STEP_KILL]       = { T_ID_NOT_RUNNING, T_ID_RUNNING },
	[STEP_REMOVE]     = { T_ID_GONE,        T_ID_STOPPED },
	[STEP_WAIT]       = { T_IN_RUN,         T_ALWAYS },
	[ROW_PULL_FORCED] = { T_IN_RUN,         T_ALWAYS },
};

const char *resume_verdict_name(enum resume_verdict v)
{
	switch (v) {
	case RESUME_DONE: return "done";
	case RESUME_RUN: return "run";
	case RESUME_STALE: return "stale";
	case RESUME_LATER: return "later";
	}
	return "?";
}

static const struct resume_rule *rule_of(const struct plan_step *s)
{
	if (s->kind == STEP_PULL && s->pre.state == PLAN_COND_NONE)
		return &rules[ROW_PULL_FORCED];
	return &rules[s->kind];
}

struct ctx {
	const struct plan_step *s;
	const struct resume_obs *o;
	bool in_run;
	const char *created_id;
};

static bool same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The id a condition expects: its own, else the one this plan created;
 * NULL: whichever container has the name. */
static const char *want_id(const struct ctx *c, const struct plan_cond *cond)
{
	return cond->id ? cond->id : c->created_id;
}

static bool is_expected(const struct ctx *c, const struct plan_cond *cond)
{
	const char *id = want_id(c, cond);
	return c->o->exists && (!id || same(c->o->id, id));
}

static bool holds(const struct ctx *c, enum cond_test t,
		  const struct plan_cond *cond)
{
	const struct resume_obs *o = c->o;
	switch (t) {
	case T_ALWAYS:
		return true;
	case T_IN_RUN:
		return c->in_run;
	case T_IMAGE_PRESENT:
		return o->exists;
	case T_IMAGE_ABSENT:
		return !o->exists;
	case T_NO_CONTAINER:
		return !o->exists || same(o->id, cond->id);
	case T_CREATED:
		return o->exists && same(o->spec, cond->spec) &&
		       !same(o->id, cond->not_id);
	case T_ID_RUNNING:
		return is_expected(c, cond) && o->running;
	case T_ID_STOPPED:
		return is_expected(c, cond) && !o->running;
	case T_ID_NOT_RUNNING:
		return !is_expected(c, cond) || !o->running;
	case T_ID_GONE:
		return !is_expected(c, cond);
	}
	return false;
}

static const char *short_id(const char *id)
{
	static const char none[] = "(none)";
	return id ? id : none;
}

/* What is there instead of what the precondition wants. */
static void say_stale(const struct ctx *c, enum cond_test pre,
		      const struct plan_cond *cond, char *why, size_t n)
{
	const struct resume_obs *o = c->o;
	const char *name = c->s->container ? c->s->container : "";
	const char *id = want_id(c, cond);
	if (pre == T_NO_CONTAINER) {
		snprintf(why, n, "container '%s' exists (%.12s, %s%s)", name,
			 short_id(o->id), o->running ? "running" : "not running",
			 same(o->spec, c->s->post.spec) ? "" : ", another spec");
	} else if (!o->exists) {
		snprintf(why, n, "no container '%s'", name);
	} else if (id && !same(o->id, id)) {
		snprintf(why, n, "container '%s' is %.12s, the plan expects %.12s",
			 name, short_id(o->id), id);
	} else {
		snprintf(why, n, "container '%s' is %s", name,
			 o->running ? "running" : "not running");
	}
}

void resume_decide(const struct plan_step *s, const struct resume_obs *o,
		   bool in_run, const char *created_id,
		   struct resume_decision *out)
{
	static const struct resume_obs nothing = { 0 };
	struct ctx c = { .s = s, .o = o ? o : &nothing, .in_run = in_run,
			 .created_id = created_id };
	const struct resume_rule *r = rule_of(s);
	out->why[0] = '\0';
	if (holds(&c, r->post, &s->post)) {
		out->verdict = RESUME_DONE;
	} else if (holds(&c, r->pre, &s->pre)) {
		out->verdict = RESUME_RUN;
	} else {
		out->verdict = RESUME_STALE;
		say_stale(&c, r->pre, &s->pre, out->why, sizeof(out->why));
	}
}

void resume_chain(const struct resume_link *chain, size_t n,
		  const struct resume_obs *o, const char *created_id,
		  struct resume_decision *out)
{
	static const struct resume_obs nothing = { 0 };
	if (!o)
		o = &nothing;
	/* a create of the chain whose postcondition holds made what is
	 * there: the steps after it expect that id */
	const char *cid = created_id;
	for (size_t k = 0; k < n; k++) {
		const struct plan_step *s = chain[k].step;
		struct ctx c = { .s = s, .o = o, .in_run = chain[k].in_run };
		if (s->kind == STEP_CREATE && holds(&c, T_CREATED, &s->post))
			cid = o->id;
	}

	/* the latest attempted step whose postcondition holds now */
	size_t first = 0;
	for (size_t k = n; k-- > 0;) {
		const struct plan_step *s = chain[k].step;
		struct ctx c = { .s = s, .o = o, .in_run = chain[k].in_run,
				 .created_id = cid };
		if (chain[k].attempted && holds(&c, rule_of(s)->post, &s->post)) {
			first = k + 1;
			break;
		}
	}
	for (size_t k = 0; k < first; k++) {
		out[k].verdict = RESUME_DONE;
		out[k].why[0] = '\0';
	}
	size_t k = first;
	for (; k < n; k++) {
		resume_decide(chain[k].step, o, chain[k].in_run, cid, &out[k]);
		if (out[k].verdict != RESUME_DONE) {
			k++;
			break;
		}
	}
	for (; k < n; k++) {
		out[k].verdict = RESUME_LATER;
		out[k].why[0] = '\0';
	}
}

/* Chains by (ship, container), then by step: one sort of positions. */
static int by_chain(const void *a, const void *b, void *ud)
{
	const struct plan *p = ud;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct plan_step *x = &p->steps[i], *y = &p->steps[j];
	/* a step without a container sorts as its own group */
	if (x->container && y->container) {
		int c = strcmp(x->ship ? x->ship : "", y->ship ? y->ship : "");
		if (!c)
			c = strcmp(x->container, y->container);
		if (c)
			return c;
	} else if (x->container || y->container) {
		return x->container ? 1 : -1;
	}
	return i < j ? -1 : i > j;
}

static bool same_chain(const struct plan *p, size_t i, size_t j)
{
	const struct plan_step *x = &p->steps[i], *y = &p->steps[j];
	return x->container && y->container &&
	       strcmp(x->ship ? x->ship : "", y->ship ? y->ship : "") == 0 &&
	       strcmp(x->container, y->container) == 0;
}

static int by_first(const void *a, const void *b)
{
	const size_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

void resume_chains_of(const struct plan *p, struct resume_chains *out)
{
	size_t n = p->nsteps;
	size_t *pos = mae_xcalloc(n ? n : 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		pos[i] = i;
	qsort_r(pos, n, sizeof(size_t), by_chain, (void *)p);
	/* groups as (first step, start in pos, length), put in the order
	 * of their first step */
	size_t (*g)[3] = mae_xcalloc(n ? n : 1, sizeof(*g));
	size_t ng = 0;
	for (size_t k = 0; k < n; k++) {
		if (k == 0 || !same_chain(p, pos[k - 1], pos[k])) {
			g[ng][0] = pos[k];
			g[ng][1] = k;
			ng++;
		}
		g[ng - 1][2]++;
	}
	qsort(g, ng, sizeof(*g), by_first);
	out->n = ng;
	out->step = mae_xcalloc(n ? n : 1, sizeof(size_t));
	out->off = mae_xcalloc(ng + 1, sizeof(size_t));
	size_t w = 0;
	for (size_t c = 0; c < ng; c++) {
		out->off[c] = w;
		for (size_t k = 0; k < g[c][2]; k++)
			out->step[w++] = pos[g[c][1] + k];
	}
	out->off[ng] = w;
	free(g);
	free(pos);
}

void resume_chains_release(struct resume_chains *c)
{
	if (!c)
		return;
	free(c->step);
	free(c->off);
	memset(c, 0, sizeof(*c));
}
