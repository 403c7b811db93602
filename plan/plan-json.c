/*
 * plan-json.c - a plan to and from INTERFACES.md's JSON document, every
 * field of a document read back checked and named when wrong.
 */
#include "plan.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan-int.h"

/* ------------------------------------------------------------------ */
/* Writing                                                              */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *plan_cond_to_json(const struct plan_cond *c)
{
	if (c->state == PLAN_COND_NONE)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "state",
			    json_string(plan_cond_state_name(c->state)));
	json_object_set_new(o, "observed", json_boolean(c->observed));
	if (c->id)
		json_object_set_new(o, "id", json_string(c->id));
	if (c->not_id)
		json_object_set_new(o, "not_id", json_string(c->not_id));
	if (c->spec)
		json_object_set_new(o, "spec", json_string(c->spec));
	if (c->image)
		json_object_set_new(o, "image", json_string(c->image));
	if (c->image_id)
		json_object_set_new(o, "image_id", json_string(c->image_id));
	return o;
}

json_t *plan_step_to_json(const struct plan_step *s, bool with_status)
{
	json_t *o = json_object();
	json_object_set_new(o, "number", json_integer(s->number));
	json_object_set_new(o, "kind", json_string(step_kind_name(s->kind)));
	json_object_set_new(o, "ship", json_string(s->ship));
	json_object_set_new(o, "container", str_or_null(s->container));
	json_t *d = json_array();
	for (size_t i = 0; i < s->ndeps; i++)
		json_array_append_new(d, json_integer(s->depends_on[i]));
	json_object_set_new(o, "depends_on", d);
	json_object_set_new(o, "key", json_string(s->key));
	json_object_set(o, "spec", s->spec);
	json_object_set_new(o, "precondition", plan_cond_to_json(&s->pre));
	json_object_set_new(o, "postcondition", plan_cond_to_json(&s->post));
	if (with_status)
		json_object_set_new(o, "status",
				    json_string(step_status_name(s->status)));
	return o;
}

/* the document without "steps" */
static json_t *plan_to_json_header(const struct plan *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "plan", p->id ? json_integer(p->id) : json_null());
	json_object_set_new(o, "hash", json_string(p->hash));
	json_object_set_new(o, "environment", str_or_null(p->environment));
	json_object_set_new(o, "action", str_or_null(p->action));
	json_t *a = json_array();
	for (size_t i = 0; i < p->nargs; i++)
		json_array_append_new(a, json_string(p->args[i]));
	json_object_set_new(o, "args", a);
	json_object_set_new(o, "model_hash", json_string(p->model_hash));
	json_object_set_new(o, "created_at", str_or_null(p->created_at));
	json_object_set_new(o, "created_by", str_or_null(p->created_by));
	json_t *ships = json_object();
	for (size_t i = 0; i < p->nships; i++)
		json_object_set_new(ships, p->ships[i].name,
				    ship_conn_to_json(&p->ships[i]));
	json_object_set_new(o, "ships", ships);
	return o;
}

json_t *plan_to_json(const struct plan *p)
{
	json_t *o = plan_to_json_header(p);
	json_t *steps = json_array();
	for (size_t i = 0; i < p->nsteps; i++)
		json_array_append_new(steps,
				      plan_step_to_json(&p->steps[i], true));
	json_object_set_new(o, "steps", steps);
	return o;
}

char *plan_to_text(const struct plan *p)
{
	/* the header's canonical text, then the steps (the last key) */
	json_t *o = plan_to_json_header(p);
	struct mae_buf b = MAE_BUF_INIT;
	b.max = (size_t)1 << 30; /* plans of 10,000s of steps are ~100 MB */
	mae_json_canonical_add(&b, o);
	json_decref(o);
	b.s[--b.len] = '\0'; /* its closing brace */
	mae_buf_adds(&b, ",\"steps\":[");
	for (size_t i = 0; i < p->nsteps; i++) {
		if (i)
			mae_buf_addc(&b, ',');
		char *spec = mae_json_canonical(p->steps[i].spec);
		plan_step_text(&p->steps[i], spec, true, &b);
		free(spec);
	}
	mae_buf_adds(&b, "]}");
	return mae_buf_detach(&b);
}

/* ------------------------------------------------------------------ */
/* Reading                                                              */

static const char *const cond_keys[] = {
	"state", "observed", "id", "not_id", "spec", "image", "image_id", NULL,
};

static int opt_str(struct pj *r, const json_t *o, const char *k, char **out)
{
	const json_t *v = json_object_get(o, k);
	if (!v)
		return 0;
	if (!json_is_string(v) || !*json_string_value(v))
		return pj_fail(r, k, "%s where a non-empty string was expected",
			       pj_type_name(v));
	*out = mae_xstrdup(json_string_value(v));
	return 0;
}

static int cond_read(struct pj *r, const json_t *v, struct plan_cond *out)
{
	struct plan_cond c = { 0 };
	if (json_is_null(v)) {
		*out = c;
		return 0;
	}
	const char *st;
	if (pj_object(r, v, cond_keys) < 0 ||
	    pj_str(r, v, "state", false, &st) < 0)
		return r->rc;
	int s = plan_cond_state_parse(st);
	if (s <= PLAN_COND_NONE)
		return pj_fail(r, "state", "unknown condition '%s'", st);
	c.state = (enum plan_cond_state)s;
	if (pj_bool(r, v, "observed", &c.observed) < 0 ||
	    opt_str(r, v, "id", &c.id) < 0 ||
	    opt_str(r, v, "not_id", &c.not_id) < 0 ||
	    opt_str(r, v, "spec", &c.spec) < 0 ||
	    opt_str(r, v, "image", &c.image) < 0 ||
	    opt_str(r, v, "image_id", &c.image_id) < 0) {
		plan_cond_release(&c);
		return r->rc;
	}
	*out = c;
	return 0;
}

int plan_cond_from_json(const json_t *v, const char *where,
			struct plan_cond *out, struct mae_error *e)
{
	struct pj r;
	pj_init(&r, where, e);
	return cond_read(&r, v, out);
}

static const char *const step_keys[] = {
	"number", "kind", "ship", "container", "depends_on", "key", "spec",
	"precondition", "postcondition", "status", NULL,
};

/* one step into a new step of p; r's path is the step's */
static int step_read(struct pj *r, struct plan *p, const json_t *v)
{
	json_int_t num;
	const char *kind, *ship, *container;
	if (pj_object(r, v, step_keys) < 0 || pj_int(r, v, "number", &num) < 0 ||
	    pj_str(r, v, "kind", false, &kind) < 0 ||
	    pj_str(r, v, "ship", false, &ship) < 0 ||
	    pj_str(r, v, "container", true, &container) < 0)
		return r->rc;
	int k = step_kind_parse(kind);
	if (k < 0)
		return pj_fail(r, "kind", "unknown step kind '%s'", kind);
	if (num != (json_int_t)p->nsteps + 1)
		return pj_fail(r, "number", "%lld where %zu was expected",
			       (long long)num, p->nsteps + 1);
	const json_t *spec = pj_member(r, v, "spec");
	if (!spec)
		return r->rc;
	if (!json_is_object(spec))
		return pj_fail(r, "spec", "%s where an object was expected",
			       pj_type_name(spec));
	const json_t *deps = pj_member(r, v, "depends_on");
	if (!deps)
		return r->rc;
	if (!json_is_array(deps))
		return pj_fail(r, "depends_on",
			       "%s where an array was expected",
			       pj_type_name(deps));
	size_t nd = json_array_size(deps);
	for (size_t i = 0; i < nd; i++) {
		const json_t *d = json_array_get(deps, i);
		if (!json_is_integer(d))
			return pj_fail(r, "depends_on",
				       "%s where a step number was expected",
				       pj_type_name(d));
		json_int_t dn = json_integer_value(d);
		if (dn < 1 || dn >= num)
			return pj_fail(r, "depends_on",
				       "step %lld is not an earlier step",
				       (long long)dn);
		if (i && dn <= json_integer_value(json_array_get(deps, i - 1)))
			return pj_fail(r, "depends_on",
				       "not in increasing order");
	}
	char key[MAE_SHA256_HEX_LEN + 1];
	if (pj_hex64(r, v, "key", key) < 0)
		return r->rc;
	int status = STEP_PENDING;
	const json_t *sv = json_object_get(v, "status");
	if (sv) {
		if (!json_is_string(sv))
			return pj_fail(r, "status",
				       "%s where a string was expected",
				       pj_type_name(sv));
		status = step_status_parse(json_string_value(sv));
		if (status < 0)
			return pj_fail(r, "status", "unknown status '%s'",
				       json_string_value(sv));
	}
	struct plan_cond pre = { 0 }, post = { 0 };
	const json_t *cv = pj_member(r, v, "precondition");
	if (!cv)
		return r->rc;
	pj_push(r, "precondition");
	int rc = cond_read(r, cv, &pre);
	pj_pop(r);
	if (rc < 0)
		return rc;
	if (!(cv = pj_member(r, v, "postcondition"))) {
		plan_cond_release(&pre);
		return r->rc;
	}
	pj_push(r, "postcondition");
	rc = cond_read(r, cv, &post);
	pj_pop(r);
	if (rc < 0) {
		plan_cond_release(&pre);
		return rc;
	}
	int n = plan_add_step(p, (enum step_kind)k, ship, container,
			      json_deep_copy(spec));
	struct plan_step *s = plan_step(p, n);
	s->depends_on = mae_xmalloc((nd + 1) * sizeof(int));
	for (size_t i = 0; i < nd; i++)
		s->depends_on[i] = (int)json_integer_value(json_array_get(deps, i));
	s->ndeps = nd;
	memcpy(s->key, key, sizeof(key));
	s->status = (enum step_status)status;
	s->pre = pre;
	s->post = post;
	return 0;
}

int plan_step_from_json(struct plan *p, const json_t *v, const char *where,
			struct mae_error *e)
{
	struct pj r;
	pj_init(&r, where, e);
	return step_read(&r, p, v);
}

static const char *const plan_keys[] = {
	"plan", "hash", "environment", "action", "args", "model_hash",
	"created_at", "created_by", "ships", "steps", NULL,
};

int plan_from_json(const json_t *doc, const char *where, struct plan **ret,
		   struct mae_error *e)
{
	struct pj r;
	pj_init(&r, where, e);
	struct plan *p = plan_new();
	if (pj_object(&r, doc, plan_keys) < 0)
		goto fail;
	const json_t *id = pj_member(&r, doc, "plan");
	if (!id)
		goto fail;
	if (json_is_integer(id) && json_integer_value(id) > 0)
		p->id = json_integer_value(id);
	else if (!json_is_null(id)) {
		pj_fail(&r, "plan", "%s where a plan number was expected",
			pj_type_name(id));
		goto fail;
	}
	if (pj_hex64(&r, doc, "hash", p->hash) < 0 ||
	    pj_hex64(&r, doc, "model_hash", p->model_hash) < 0 ||
	    pj_strdup(&r, doc, "environment", true, &p->environment) < 0 ||
	    pj_strdup(&r, doc, "action", true, &p->action) < 0 ||
	    pj_strdup(&r, doc, "created_at", true, &p->created_at) < 0 ||
	    pj_strdup(&r, doc, "created_by", true, &p->created_by) < 0)
		goto fail;
	const json_t *args = pj_member(&r, doc, "args");
	if (!args)
		goto fail;
	if (!json_is_array(args)) {
		pj_fail(&r, "args", "%s where an array was expected",
			pj_type_name(args));
		goto fail;
	}
	for (size_t i = 0; i < json_array_size(args); i++) {
		const json_t *a = json_array_get(args, i);
		if (!json_is_string(a)) {
			pj_push(&r, "args");
			pj_push_index(&r, i);
			pj_fail(&r, NULL, "%s where a string was expected",
				pj_type_name(a));
			goto fail;
		}
		plan_add_arg(p, json_string_value(a));
	}
	const json_t *ships = pj_member(&r, doc, "ships");
	if (!ships)
		goto fail;
	if (!json_is_object(ships)) {
		pj_fail(&r, "ships", "%s where an object was expected",
			pj_type_name(ships));
		goto fail;
	}
	const char *name;
	json_t *sv;
	json_object_foreach((json_t *)ships, name, sv) {
		if (!*name) {
			pj_fail(&r, "ships", "a ship with an empty name");
			goto fail;
		}
		char *w = mae_xasprintf("%s: ships.%s", r.where, name);
		struct ship_conn c;
		int rc = ship_conn_from_json(sv, name, w, &c, e);
		free(w);
		if (rc < 0) {
			r.rc = rc;
			goto fail;
		}
		plan_add_ship(p, &c);
		ship_conn_release(&c);
	}
	const json_t *steps = pj_member(&r, doc, "steps");
	if (!steps)
		goto fail;
	if (!json_is_array(steps)) {
		pj_fail(&r, "steps", "%s where an array was expected",
			pj_type_name(steps));
		goto fail;
	}
	for (size_t i = 0; i < json_array_size(steps); i++) {
		pj_push(&r, "steps");
		pj_push_index(&r, i);
		if (step_read(&r, p, json_array_get(steps, i)) < 0)
			goto fail;
		pj_pop(&r);
		pj_pop(&r);
	}
	if (plan_verify(p, r.where, e) < 0)
		goto fail_verified;
	*ret = p;
	return 0;
fail:
	plan_free(p);
	return r.rc ? r.rc : MAE_ERR_INVALID;
fail_verified:
	plan_free(p);
	return MAE_ERR_INVALID;
}

int plan_from_text(const char *text, size_t len, const char *where,
		   struct plan **ret, struct mae_error *e)
{
	json_error_t je;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		int rc = mae_error_set(e, MAE_ERR_INVALID, "%s:%d:%d: %s",
				       where && *where ? where : "plan",
				       je.line, je.column, je.text);
		if (e) {
			e->line = je.line;
			e->col = je.column;
		}
		return rc;
	}
	int rc = plan_from_json(doc, where, ret, e);
	json_decref(doc);
	return rc;
}
