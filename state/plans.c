/*
 * plans.c - storing, loading, listing and pruning plans.  A plan is
 * written in one transaction; loading checks every field (plan_verify).
 */
#include "state.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "state-int.h"

static json_t *args_json(char *const *args, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(args[i]));
	return a;
}

static char *canonical_new(json_t *v)
{
	char *s = mae_json_canonical(v);
	json_decref(v);
	return s;
}

static int step_rows(struct state *st, int64_t id, const struct plan *p,
		     struct mae_error *e)
{
	sqlite3_stmt *s = NULL, *d = NULL;
	int rc;
	if ((rc = state_prep(st, "INSERT INTO steps (plan_id, number, kind, "
				 "ship, container, key, spec, precondition, "
				 "postcondition) VALUES (?, ?, ?, ?, ?, ?, ?, "
				 "?, ?)",
			     &s, e)) < 0 ||
	    (rc = state_prep(st, "INSERT INTO step_deps (plan_id, number, "
				 "depends_on) VALUES (?, ?, ?)",
			     &d, e)) < 0)
		goto out;
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct plan_step *ps = &p->steps[i];
		/* plan_finish's canonical text, else made here */
		char *own = ps->spec_text ? NULL : mae_json_canonical(ps->spec);
		const char *spec = ps->spec_text ? ps->spec_text : own;
		char *pre = ps->pre.state ? canonical_new(plan_cond_to_json(&ps->pre))
					  : NULL;
		char *post = ps->post.state
				     ? canonical_new(plan_cond_to_json(&ps->post))
				     : NULL;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int(s, 2, ps->number);
		state_bind_str(s, 3, step_kind_name(ps->kind));
		state_bind_str(s, 4, ps->ship);
		state_bind_str(s, 5, ps->container);
		state_bind_str(s, 6, ps->key);
		/* the text outlives the step: no copy */
		sqlite3_bind_text(s, 7, spec, -1, SQLITE_STATIC);
		state_bind_str(s, 8, pre);
		state_bind_str(s, 9, post);
		int src = sqlite3_step(s);
		sqlite3_reset(s);
		free(own);
		free(pre);
		free(post);
		if (src != SQLITE_DONE) {
			rc = state_fail(st, src, "storing a plan", e);
			goto out;
		}
		for (size_t j = 0; j < ps->ndeps; j++) {
			sqlite3_bind_int64(d, 1, id);
			sqlite3_bind_int(d, 2, ps->number);
			sqlite3_bind_int(d, 3, ps->depends_on[j]);
			src = sqlite3_step(d);
			sqlite3_reset(d);
			if (src != SQLITE_DONE) {
				rc = state_fail(st, src, "storing a plan", e);
				goto out;
			}
		}
	}
out:
	sqlite3_finalize(s);
	sqlite3_finalize(d);
	return rc;
}

int state_plan_store(struct state *st, struct plan *p,
		     const char *source_sha256, struct mae_error *e)
{
	int rc = state_need_writer(st, e);
	if (rc < 0)
		return rc;
	if (!p->environment || !*p->environment)
		return mae_error_set(e, MAE_ERR_INTERNAL,
				     "a plan to store needs its environment");
	if (!p->created_at) {
		char t[32];
		state_rfc3339(state_now_ms(), t);
		plan_set_str(&p->created_at, t);
	}
	if (!p->created_by) {
		struct state_who w;
		state_who_am_i(&w);
		char *by = mae_xasprintf("%s@%s", w.user, w.host);
		plan_set_str(&p->created_by, by);
		free(by);
	}
	/* only a finished plan is stored (plan_finish made its keys and
	 * hash; recomputing them here would cost a fifth of the store) */
	struct mae_error ve;
	if (plan_check_shape(p, "plan to store", &ve) < 0)
		return mae_error_set(e, MAE_ERR_INTERNAL, "%s", ve.msg);
	json_t *ships = json_object();
	for (size_t i = 0; i < p->nships; i++)
		json_object_set_new(ships, p->ships[i].name,
				    ship_conn_to_json(&p->ships[i]));
	char *ships_text = canonical_new(ships);
	char *args_text = canonical_new(args_json(p->args, p->nargs));
	sqlite3_stmt *s = NULL;
	if ((rc = state_begin(st, e)) < 0)
		goto out;
	int64_t env;
	if ((rc = state_env_id(st, p->environment, true, &env, e)) < 0)
		goto fail;
	if ((rc = state_prep(st, "INSERT INTO plans (environment_id, hash, "
				 "source_sha256, model_sha256, action, args, "
				 "created_at, created_by, ships, nsteps) "
				 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			     &s, e)) < 0)
		goto fail;
	sqlite3_bind_int64(s, 1, env);
	state_bind_str(s, 2, p->hash);
	state_bind_str(s, 3, source_sha256 ? source_sha256 : "");
	state_bind_str(s, 4, p->model_hash);
	state_bind_str(s, 5, p->action);
	state_bind_str(s, 6, args_text);
	state_bind_str(s, 7, p->created_at);
	state_bind_str(s, 8, p->created_by);
	state_bind_str(s, 9, ships_text);
	sqlite3_bind_int64(s, 10, (sqlite3_int64)p->nsteps);
	int src = sqlite3_step(s);
	if (src != SQLITE_DONE) {
		rc = state_fail(st, src, "storing a plan", e);
		goto fail;
	}
	int64_t id = sqlite3_last_insert_rowid(st->db);
	if ((rc = step_rows(st, id, p, e)) < 0)
		goto fail;
	if ((rc = state_commit(st, e)) < 0)
		goto out;
	p->id = id;
	goto out;
fail:
	state_rollback(st);
out:
	sqlite3_finalize(s);
	free(ships_text);
	free(args_text);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Loading                                                              */

/* JSON text of a column (NULL when SQL NULL); a bad text is an error */
static int col_json(struct state *st, sqlite3_stmt *s, int i,
		    const char *where, json_t **out, struct mae_error *e)
{
	const char *t = state_col_str(s, i);
	*out = NULL;
	if (!t)
		return 0;
	json_error_t je;
	*out = json_loads(t, JSON_REJECT_DUPLICATES, &je);
	if (!*out)
		return mae_error_set(e, MAE_ERR_STATE,
				     "state database '%s': %s: not JSON: %s",
				     st->path, where, je.text);
	return 0;
}

static int load_steps(struct state *st, struct plan *p, const char *where,
		      struct mae_error *e)
{
	sqlite3_stmt *s = NULL, *d = NULL;
	int rc;
	if ((rc = state_prep(st, "SELECT number, kind, ship, container, key, "
				 "spec, precondition, postcondition FROM steps "
				 "WHERE plan_id = ? ORDER BY number",
			     &s, e)) < 0 ||
	    (rc = state_prep(st, "SELECT number, depends_on FROM step_deps "
				 "WHERE plan_id = ? ORDER BY number, depends_on",
			     &d, e)) < 0)
		goto out;
	sqlite3_bind_int64(s, 1, p->id);
	int src;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		char w[300];
		snprintf(w, sizeof(w), "%s: step %d", where,
			 sqlite3_column_int(s, 0));
		json_t *o = json_object();
		json_object_set_new(o, "number",
				    json_integer(sqlite3_column_int64(s, 0)));
		const char *kind = state_col_str(s, 1);
		const char *ship = state_col_str(s, 2);
		const char *container = state_col_str(s, 3);
		const char *key = state_col_str(s, 4);
		json_object_set_new(o, "kind", kind ? json_string(kind) : json_null());
		json_object_set_new(o, "ship", ship ? json_string(ship) : json_null());
		json_object_set_new(o, "container",
				    container ? json_string(container) : json_null());
		json_object_set_new(o, "key", key ? json_string(key) : json_null());
		json_object_set_new(o, "depends_on", json_array());
		json_t *spec, *pre, *post;
		if ((rc = col_json(st, s, 5, w, &spec, e)) < 0 ||
		    (rc = col_json(st, s, 6, w, &pre, e)) < 0 ||
		    (rc = col_json(st, s, 7, w, &post, e)) < 0) {
			json_decref(o);
			goto out;
		}
		json_object_set_new(o, "spec", spec ? spec : json_null());
		json_object_set_new(o, "precondition", pre ? pre : json_null());
		json_object_set_new(o, "postcondition", post ? post : json_null());
		/* dependencies come from their own table, below */
		rc = plan_step_from_json(p, o, w, e);
		json_decref(o);
		if (rc < 0)
			goto out;
	}
	if (src != SQLITE_DONE) {
		rc = state_fail(st, src, "reading a plan", e);
		goto out;
	}
	sqlite3_bind_int64(d, 1, p->id);
	while ((src = sqlite3_step(d)) == SQLITE_ROW) {
		int n = sqlite3_column_int(d, 0), dep = sqlite3_column_int(d, 1);
		struct plan_step *ps = plan_step(p, n);
		if (!ps || dep < 1 || dep >= n) {
			rc = mae_error_set(e, MAE_ERR_STATE,
					   "%s: step %d: dependency on step %d "
					   "is not an earlier step",
					   where, n, dep);
			goto out;
		}
		ps->depends_on = mae_xrealloc(ps->depends_on,
					      (ps->ndeps + 1) * sizeof(int));
		ps->depends_on[ps->ndeps++] = dep;
	}
	if (src != SQLITE_DONE)
		rc = state_fail(st, src, "reading a plan", e);
out:
	sqlite3_finalize(s);
	sqlite3_finalize(d);
	return rc;
}

/* each step's status: its latest attempt in the run */
static int load_statuses(struct state *st, struct plan *p, int64_t run,
			 struct mae_error *e)
{
	sqlite3_stmt *s;
	int rc;
	if (!run) {
		if ((rc = state_prep(st, "SELECT max(id) FROM runs WHERE "
					 "plan_id = ?",
				     &s, e)) < 0)
			return rc;
		sqlite3_bind_int64(s, 1, p->id);
		if (sqlite3_step(s) == SQLITE_ROW)
			run = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		if (!run)
			return 0;
	} else {
		if ((rc = state_prep(st, "SELECT 1 FROM runs WHERE id = ? AND "
					 "plan_id = ?",
				     &s, e)) < 0)
			return rc;
		sqlite3_bind_int64(s, 1, run);
		sqlite3_bind_int64(s, 2, p->id);
		int src = sqlite3_step(s);
		sqlite3_finalize(s);
		if (src != SQLITE_ROW)
			return mae_error_set(e, MAE_ERR_NOTFOUND,
					     "no run %lld of plan %lld",
					     (long long)run, (long long)p->id);
	}
	if ((rc = state_prep(st, "SELECT step, status FROM step_attempts "
				 "WHERE run_id = ? ORDER BY id",
			     &s, e)) < 0)
		return rc;
	sqlite3_bind_int64(s, 1, run);
	int src;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		struct plan_step *ps = plan_step(p, sqlite3_column_int(s, 0));
		int status = step_status_parse(state_col_str(s, 1));
		if (ps && status >= 0)
			ps->status = (enum step_status)status;
	}
	if (src != SQLITE_DONE)
		rc = state_fail(st, src, "reading a run", e);
	sqlite3_finalize(s);
	return rc;
}

int state_plan_load(struct state *st, int64_t id, int64_t run,
		    struct plan **ret, struct mae_error *e)
{
	if (st->empty)
		return mae_error_set(e, MAE_ERR_NOTFOUND, "no plan %lld",
				     (long long)id);
	sqlite3_stmt *s;
	int rc = state_prep(st, "SELECT e.name, p.hash, p.model_sha256, "
				"p.action, p.args, p.created_at, p.created_by, "
				"p.ships, p.nsteps FROM plans p JOIN "
				"environments e ON e.id = p.environment_id "
				"WHERE p.id = ?",
			    &s, e);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	int src = sqlite3_step(s);
	if (src != SQLITE_ROW) {
		rc = src == SQLITE_DONE
			     ? mae_error_set(e, MAE_ERR_NOTFOUND, "no plan %lld",
					     (long long)id)
			     : state_fail(st, src, "reading a plan", e);
		sqlite3_finalize(s);
		return rc;
	}
	char *where = mae_xasprintf("state database '%s': plan %lld", st->path,
				    (long long)id);
	/* the plan's row as the plan document, then its steps */
	json_t *doc = json_object();
	json_object_set_new(doc, "plan", json_integer(id));
	static const char *const cols[] = {
		"environment", "hash", "model_hash", "action", NULL, "created_at",
		"created_by",
	};
	for (int i = 0; i < 7; i++) {
		if (!cols[i])
			continue;
		const char *v = state_col_str(s, i);
		json_object_set_new(doc, cols[i], v ? json_string(v) : json_null());
	}
	json_t *args = NULL, *ships = NULL;
	if ((rc = col_json(st, s, 4, where, &args, e)) < 0 ||
	    (rc = col_json(st, s, 7, where, &ships, e)) < 0) {
		json_decref(args);
		goto out;
	}
	int64_t nsteps = sqlite3_column_int64(s, 8);
	json_object_set_new(doc, "args", args ? args : json_null());
	json_object_set_new(doc, "ships", ships ? ships : json_null());
	json_object_set_new(doc, "steps", json_array());
	/* the hash is checked once the steps are in */
	const char *hash = json_string_value(json_object_get(doc, "hash"));
	char *saved_hash = mae_xstrdup_or_null(hash);
	struct plan *p = NULL;
	/* read the header through plan_from_json as a plan of no steps
	 * (whose hash is that of "[]") */
	char empty[MAE_SHA256_HEX_LEN + 1];
	mae_sha256_hex("[]", 2, empty);
	json_object_set_new(doc, "hash", json_string(empty));
	rc = plan_from_json(doc, where, &p, e);
	if (rc < 0) {
		free(saved_hash);
		rc = MAE_ERR_STATE;
		goto out;
	}
	snprintf(p->hash, sizeof(p->hash), "%s", saved_hash ? saved_hash : "");
	free(saved_hash);
	if ((rc = load_steps(st, p, where, e)) < 0 ||
	    (rc = load_statuses(st, p, run, e)) < 0)
		goto fail;
	if ((int64_t)p->nsteps != nsteps) {
		rc = mae_error_set(e, MAE_ERR_STATE,
				   "%s: %zu steps where %lld were stored", where,
				   p->nsteps, (long long)nsteps);
		goto fail;
	}
	if ((rc = plan_verify(p, where, e)) < 0) {
		rc = MAE_ERR_STATE;
		goto fail;
	}
	*ret = p;
	goto out;
fail:
	if (rc == MAE_ERR_INVALID)
		rc = MAE_ERR_STATE;
	plan_free(p);
out:
	json_decref(doc);
	sqlite3_finalize(s);
	free(where);
	return rc;
}

int state_plan_latest(struct state *st, const char *environment, int64_t *id,
		      struct mae_error *e)
{
	*id = 0;
	int64_t env;
	int rc = state_env_id(st, environment, false, &env, e);
	if (rc < 0 || !env)
		return rc;
	sqlite3_stmt *s;
	if ((rc = state_prep(st, "SELECT max(id) FROM plans WHERE "
				 "environment_id = ?",
			     &s, e)) < 0)
		return rc;
	sqlite3_bind_int64(s, 1, env);
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	else
		rc = state_fail(st, src, NULL, e);
	sqlite3_finalize(s);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Listing and pruning                                                  */

void state_plan_infos_free(struct state_plan_info *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].environment);
		free(v[i].action);
		for (size_t j = 0; j < v[i].nargs; j++)
			free(v[i].args[j]);
		free(v[i].args);
		free(v[i].created_at);
		free(v[i].created_by);
		free(v[i].last_outcome);
	}
	free(v);
}

static void copy_hex(char out[MAE_SHA256_HEX_LEN + 1], const char *v)
{
	snprintf(out, MAE_SHA256_HEX_LEN + 1, "%s", v ? v : "");
}

int state_plans_list(struct state *st, const char *environment,
		     struct state_plan_info **ret, size_t *n,
		     struct mae_error *e)
{
	*ret = NULL;
	*n = 0;
	if (st->empty)
		return 0;
	sqlite3_stmt *s;
	int rc = state_prep(st,
			    "SELECT p.id, e.name, p.action, p.args, p.hash, "
			    "p.model_sha256, p.source_sha256, p.created_at, "
			    "p.created_by, p.nsteps, "
			    "(SELECT count(*) FROM runs r WHERE r.plan_id = p.id), "
			    "(SELECT outcome FROM runs r WHERE r.plan_id = p.id "
			    " ORDER BY r.id DESC LIMIT 1) "
			    "FROM plans p JOIN environments e ON "
			    "e.id = p.environment_id WHERE ?1 IS NULL OR "
			    "e.name = ?1 ORDER BY p.id",
			    &s, e);
	if (rc < 0)
		return rc;
	state_bind_str(s, 1, environment);
	struct state_plan_info *v = NULL;
	size_t cnt = 0;
	int src;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		v = mae_xrealloc(v, (cnt + 1) * sizeof(*v));
		struct state_plan_info *it = &v[cnt++];
		memset(it, 0, sizeof(*it));
		it->id = sqlite3_column_int64(s, 0);
		it->environment = state_col_dup(s, 1);
		it->action = state_col_dup(s, 2);
		json_t *a = json_loads(state_col_str(s, 3) ? state_col_str(s, 3) : "",
				       0, NULL);
		for (size_t i = 0; json_is_array(a) && i < json_array_size(a); i++) {
			const char *x = json_string_value(json_array_get(a, i));
			it->args = mae_xrealloc(it->args,
						(it->nargs + 1) * sizeof(char *));
			it->args[it->nargs++] = mae_xstrdup(x ? x : "");
		}
		json_decref(a);
		copy_hex(it->hash, state_col_str(s, 4));
		copy_hex(it->model_hash, state_col_str(s, 5));
		copy_hex(it->source_sha256, state_col_str(s, 6));
		it->created_at = state_col_dup(s, 7);
		it->created_by = state_col_dup(s, 8);
		it->nsteps = (size_t)sqlite3_column_int64(s, 9);
		it->nruns = (size_t)sqlite3_column_int64(s, 10);
		it->last_outcome = state_col_dup(s, 11);
	}
	if (src != SQLITE_DONE) {
		rc = state_fail(st, src, "listing plans", e);
		state_plan_infos_free(v, cnt);
	} else {
		*ret = v;
		*n = cnt;
	}
	sqlite3_finalize(s);
	return rc;
}

int state_plans_prune(struct state *st, const char *environment, size_t keep,
		      size_t *removed, struct mae_error *e)
{
	if (removed)
		*removed = 0;
	int rc = state_need_writer(st, e);
	if (rc < 0)
		return rc;
	if ((rc = state_begin(st, e)) < 0)
		return rc;
	/* the plans beyond the newest `keep` of their environment, except
	 * one whose run holds the lock */
	sqlite3_stmt *s;
	if ((rc = state_prep(st,
			     "DELETE FROM plans WHERE id IN ("
			     " SELECT p.id FROM plans p JOIN environments e"
			     " ON e.id = p.environment_id"
			     " WHERE (?1 IS NULL OR e.name = ?1)"
			     " AND (SELECT count(*) FROM plans q WHERE"
			     "  q.environment_id = p.environment_id AND"
			     "  q.id > p.id) >= ?2"
			     " AND NOT EXISTS (SELECT 1 FROM apply_lock l JOIN"
			     "  runs r ON r.id = l.run_id WHERE"
			     "  r.plan_id = p.id))",
			     &s, e)) < 0)
		goto fail;
	state_bind_str(s, 1, environment);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)keep);
	int src = sqlite3_step(s);
	sqlite3_finalize(s);
	if (src != SQLITE_DONE) {
		rc = state_fail(st, src, "pruning plans", e);
		goto fail;
	}
	size_t n = (size_t)sqlite3_changes(st->db);
	if ((rc = state_commit(st, e)) < 0)
		return rc;
	if (removed)
		*removed = n;
	return 0;
fail:
	state_rollback(st);
	return rc;
}
