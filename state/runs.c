/*
 * runs.c - runs, their notes, step attempts, check attempts and the
 * realised-step table.  Each call is its own transaction, committed
 * before it returns (the executor's journal relies on that).
 */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state-int.h"

static const char *const outcome_names[] = {
	"running", "done", "failed", "interrupted", "refused",
};

const char *state_outcome_name(enum state_outcome o)
{
	return (unsigned)o < sizeof(outcome_names) / sizeof(*outcome_names)
		       ? outcome_names[o]
		       : "?";
}

/* one statement that changes rows, in its own transaction (autocommit) */
static int run_one(struct state *st, sqlite3_stmt *s, const char *what,
		   struct mae_error *e)
{
	int src = sqlite3_step(s);
	sqlite3_finalize(s);
	return src == SQLITE_DONE ? 0 : state_fail(st, src, what, e);
}

int state_run_begin(struct state *st, int64_t plan_id,
		    const struct state_who *who, const char *options,
		    int64_t *run_id, struct mae_error *e)
{
	int rc = state_need_writer(st, e);
	sqlite3_stmt *s;
	if (rc < 0 ||
	    (rc = state_prep(st, "INSERT INTO runs (plan_id, started_at, "
				 "outcome, user, host, pid, options) VALUES "
				 "(?, ?, 'running', ?, ?, ?, ?)",
			     &s, e)) < 0)
		return rc;
	sqlite3_bind_int64(s, 1, plan_id);
	sqlite3_bind_int64(s, 2, state_now_ms());
	state_bind_str(s, 3, who->user);
	state_bind_str(s, 4, who->host);
	sqlite3_bind_int64(s, 5, who->pid);
	state_bind_str(s, 6, options);
	if ((rc = run_one(st, s, "starting a run", e)) < 0)
		return rc;
	*run_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int state_run_finish(struct state *st, int64_t run_id,
		     enum state_outcome outcome, const char *reason,
		     struct mae_error *e)
{
	int rc = state_need_writer(st, e);
	sqlite3_stmt *s;
	if (rc < 0 ||
	    (rc = state_prep(st, "UPDATE runs SET outcome = ?, reason = ?, "
				 "finished_at = ? WHERE id = ?",
			     &s, e)) < 0)
		return rc;
	state_bind_str(s, 1, state_outcome_name(outcome));
	state_bind_str(s, 2, reason);
	if (outcome == STATE_RUN_RUNNING)
		sqlite3_bind_null(s, 3);
	else
		sqlite3_bind_int64(s, 3, state_now_ms());
	sqlite3_bind_int64(s, 4, run_id);
	return run_one(st, s, "finishing a run", e);
}

int state_run_note(struct state *st, int64_t run_id, const char *kind,
		   const char *message, struct mae_error *e)
{
	int rc = state_need_writer(st, e);
	sqlite3_stmt *s;
	if (rc < 0 ||
	    (rc = state_prep(st, "INSERT INTO run_notes (run_id, at, kind, "
				 "message) VALUES (?, ?, ?, ?)",
			     &s, e)) < 0)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, state_now_ms());
	state_bind_str(s, 3, kind);
	state_bind_str(s, 4, message ? message : "");
	return run_one(st, s, "noting on a run", e);
}

int state_attempt_begin(struct state *st, int64_t run_id, int step,
			int64_t *attempt_id, struct mae_error *e)
{
	int rc = state_need_writer(st, e);
	sqlite3_stmt *s;
	if (rc < 0 ||
	    (rc = state_prep(st, "INSERT INTO step_attempts (run_id, step, "
				 "attempt, started_at, status) VALUES (?1, ?2, "
				 "(SELECT count(*) + 1 FROM step_attempts WHERE "
				 "run_id = ?1 AND step = ?2), ?3, 'running')",
			     &s, e)) < 0)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int(s, 2, step);
	sqlite3_bind_int64(s, 3, state_now_ms());
	if ((rc = run_one(st, s, "recording a step", e)) < 0)
		return rc;
	*attempt_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int state_attempt_finish(struct state *st, int64_t attempt_id,
			 enum step_status status, const char *detail,
			 const char *result, struct mae_error *e)
{
	int rc = state_need_writer(st, e);
	sqlite3_stmt *s;
	if (rc < 0 ||
	    (rc = state_prep(st, "UPDATE step_attempts SET status = ?, "
				 "detail = ?, result = ?, finished_at = ? "
				 "WHERE id = ?",
			     &s, e)) < 0)
		return rc;
	state_bind_str(s, 1, step_status_name(status));
	state_bind_str(s, 2, detail);
	state_bind_str(s, 3, result);
	sqlite3_bind_int64(s, 4, state_now_ms());
	sqlite3_bind_int64(s, 5, attempt_id);
	return run_one(st, s, "recording a step", e);
}

int state_check_attempt(struct state *st, int64_t run_id, int step, int check,
			bool passed, const char *error, int64_t at_ms,
			struct mae_error *e)
{
	int rc = state_need_writer(st, e);
	if (rc < 0)
		return rc;
	sqlite3_stmt *s;
	if (!passed) {
		/* the same failure as the previous attempt: count it there */
		if ((rc = state_prep(st,
				     "UPDATE check_attempts SET count = count "
				     "+ 1, last_at = ?4 WHERE id = (SELECT id "
				     "FROM check_attempts WHERE run_id = ?1 AND "
				     "step = ?2 AND check_index = ?3 ORDER BY "
				     "id DESC LIMIT 1) AND passed = 0 AND "
				     "error IS ?5",
				     &s, e)) < 0)
			return rc;
		sqlite3_bind_int64(s, 1, run_id);
		sqlite3_bind_int(s, 2, step);
		sqlite3_bind_int(s, 3, check);
		sqlite3_bind_int64(s, 4, at_ms);
		state_bind_str(s, 5, error);
		if ((rc = run_one(st, s, "recording a check", e)) < 0)
			return rc;
		if (sqlite3_changes(st->db) > 0)
			return 0;
	}
	if ((rc = state_prep(st, "INSERT INTO check_attempts (run_id, step, "
				 "check_index, passed, error, first_at, "
				 "last_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			     &s, e)) < 0)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int(s, 2, step);
	sqlite3_bind_int(s, 3, check);
	sqlite3_bind_int(s, 4, passed);
	state_bind_str(s, 5, error);
	sqlite3_bind_int64(s, 6, at_ms);
	sqlite3_bind_int64(s, 7, at_ms);
	return run_one(st, s, "recording a check", e);
}

int state_realise(struct state *st, const char *environment, const char *ship,
		  const char *key, int64_t run_id, const char *result,
		  struct mae_error *e)
{
	int rc = state_need_writer(st, e);
	if (rc < 0 || (rc = state_begin(st, e)) < 0)
		return rc;
	int64_t env;
	sqlite3_stmt *s;
	if ((rc = state_env_id(st, environment, true, &env, e)) < 0 ||
	    (rc = state_prep(st, "INSERT OR REPLACE INTO realisations "
				 "(environment_id, ship, key, run_id, result, "
				 "realised_at) VALUES (?, ?, ?, ?, ?, ?)",
			     &s, e)) < 0)
		goto fail;
	sqlite3_bind_int64(s, 1, env);
	state_bind_str(s, 2, ship);
	state_bind_str(s, 3, key);
	if (run_id)
		sqlite3_bind_int64(s, 4, run_id);
	else
		sqlite3_bind_null(s, 4);
	state_bind_str(s, 5, result);
	sqlite3_bind_int64(s, 6, state_now_ms());
	if ((rc = run_one(st, s, "recording a realised step", e)) < 0)
		goto fail;
	return state_commit(st, e);
fail:
	state_rollback(st);
	return rc;
}

int state_realisation(struct state *st, const char *environment,
		      const char *ship, const char *key, char **result,
		      struct mae_error *e)
{
	*result = NULL;
	int64_t env;
	int rc = state_env_id(st, environment, false, &env, e);
	if (rc < 0)
		return rc;
	if (!env)
		return MAE_ERR_NOTFOUND;
	sqlite3_stmt *s;
	if ((rc = state_prep(st, "SELECT result FROM realisations WHERE "
				 "environment_id = ? AND ship = ? AND key = ?",
			     &s, e)) < 0)
		return rc;
	sqlite3_bind_int64(s, 1, env);
	state_bind_str(s, 2, ship);
	state_bind_str(s, 3, key);
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		*result = state_col_dup(s, 0);
	else if (src == SQLITE_DONE)
		rc = MAE_ERR_NOTFOUND;
	else
		rc = state_fail(st, src, NULL, e);
	sqlite3_finalize(s);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Listing                                                              */

void state_run_infos_free(struct state_run_info *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].environment);
		free(v[i].action);
		free(v[i].reason);
		free(v[i].options);
	}
	free(v);
}

static int outcome_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof(outcome_names) / sizeof(*outcome_names); i++)
		if (!strcmp(outcome_names[i], s))
			return (int)i;
	return -1;
}

int state_runs_list(struct state *st, const char *environment,
		    int64_t plan_id, struct state_run_info **ret, size_t *n,
		    struct mae_error *e)
{
	*ret = NULL;
	*n = 0;
	if (st->empty)
		return 0;
	sqlite3_stmt *s;
	/* a step counts by its latest attempt in the run */
	int rc = state_prep(st,
			    "WITH latest AS (SELECT a.run_id, a.status FROM "
			    " step_attempts a WHERE a.id = (SELECT max(b.id) "
			    " FROM step_attempts b WHERE b.run_id = a.run_id "
			    " AND b.step = a.step)) "
			    "SELECT r.id, r.plan_id, e.name, p.action, r.user, "
			    "r.host, r.pid, r.started_at, r.finished_at, "
			    "r.outcome, r.reason, r.options, "
			    "(SELECT count(*) FROM latest l WHERE l.run_id = "
			    " r.id AND l.status = 'done'), "
			    "(SELECT count(*) FROM latest l WHERE l.run_id = "
			    " r.id AND l.status IN ('failed', 'stale')) "
			    "FROM runs r JOIN plans p ON p.id = r.plan_id "
			    "JOIN environments e ON e.id = p.environment_id "
			    "WHERE (?1 IS NULL OR e.name = ?1) AND "
			    "(?2 = 0 OR r.plan_id = ?2) ORDER BY r.id",
			    &s, e);
	if (rc < 0)
		return rc;
	state_bind_str(s, 1, environment);
	sqlite3_bind_int64(s, 2, plan_id);
	struct state_run_info *v = NULL;
	size_t cnt = 0;
	int src;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		v = mae_xrealloc(v, (cnt + 1) * sizeof(*v));
		struct state_run_info *r = &v[cnt++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(s, 0);
		r->plan_id = sqlite3_column_int64(s, 1);
		r->environment = state_col_dup(s, 2);
		r->action = state_col_dup(s, 3);
		snprintf(r->user, sizeof(r->user), "%s",
			 state_col_str(s, 4) ? state_col_str(s, 4) : "");
		snprintf(r->host, sizeof(r->host), "%s",
			 state_col_str(s, 5) ? state_col_str(s, 5) : "");
		r->pid = sqlite3_column_int64(s, 6);
		r->started_ms = sqlite3_column_int64(s, 7);
		r->finished_ms = sqlite3_column_int64(s, 8);
		int o = outcome_parse(state_col_str(s, 9));
		r->outcome = o < 0 ? STATE_RUN_FAILED : (enum state_outcome)o;
		r->reason = state_col_dup(s, 10);
		r->options = state_col_dup(s, 11);
		r->steps_done = (size_t)sqlite3_column_int64(s, 12);
		r->steps_failed = (size_t)sqlite3_column_int64(s, 13);
	}
	if (src != SQLITE_DONE) {
		rc = state_fail(st, src, "listing runs", e);
		state_run_infos_free(v, cnt);
	} else {
		*ret = v;
		*n = cnt;
	}
	sqlite3_finalize(s);
	return rc;
}

/* ------------------------------------------------------------------ */
/* A run's story                                                        */

/* rows of one query bound to run_id, each read by `row` into v[i] */
static int rows(struct state *st, const char *sql, int64_t run_id,
		size_t size, void (*row)(sqlite3_stmt *, void *), void **ret,
		size_t *n, struct mae_error *e)
{
	*ret = NULL;
	*n = 0;
	if (st->empty)
		return 0;
	sqlite3_stmt *s;
	int rc = state_prep(st, sql, &s, e);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	char *v = NULL;
	size_t cnt = 0;
	int src;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		v = mae_xrealloc(v, (cnt + 1) * size);
		memset(v + cnt * size, 0, size);
		row(s, v + cnt * size);
		cnt++;
	}
	if (src != SQLITE_DONE)
		rc = state_fail(st, src, "reading a run", e);
	sqlite3_finalize(s);
	*ret = v;
	*n = cnt;
	return rc;
}

static void attempt_row(sqlite3_stmt *s, void *out)
{
	struct state_attempt *a = out;
	a->step = sqlite3_column_int(s, 0);
	a->attempt = sqlite3_column_int(s, 1);
	a->started_ms = sqlite3_column_int64(s, 2);
	a->finished_ms = sqlite3_column_int64(s, 3);
	int st = step_status_parse(state_col_str(s, 4));
	a->status = st < 0 ? STEP_FAILED : (enum step_status)st;
	a->detail = state_col_dup(s, 5);
	a->result = state_col_dup(s, 6);
}

int state_run_attempts(struct state *st, int64_t run_id,
		       struct state_attempt **ret, size_t *n,
		       struct mae_error *e)
{
	void *v;
	int rc = rows(st, "SELECT step, attempt, started_at, finished_at, "
			  "status, detail, result FROM step_attempts WHERE "
			  "run_id = ? ORDER BY id",
		      run_id, sizeof(**ret), attempt_row, &v, n, e);
	*ret = v;
	if (rc < 0) {
		state_attempts_free(*ret, *n);
		*ret = NULL;
		*n = 0;
	}
	return rc;
}

void state_attempts_free(struct state_attempt *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].detail);
		free(v[i].result);
	}
	free(v);
}

static void check_row(sqlite3_stmt *s, void *out)
{
	struct state_check *c = out;
	c->step = sqlite3_column_int(s, 0);
	c->check = sqlite3_column_int(s, 1);
	c->passed = sqlite3_column_int(s, 2) != 0;
	c->error = state_col_dup(s, 3);
	c->count = sqlite3_column_int64(s, 4);
	c->first_ms = sqlite3_column_int64(s, 5);
	c->last_ms = sqlite3_column_int64(s, 6);
}

int state_run_checks(struct state *st, int64_t run_id,
		     struct state_check **ret, size_t *n, struct mae_error *e)
{
	void *v;
	int rc = rows(st, "SELECT step, check_index, passed, error, count, "
			  "first_at, last_at FROM check_attempts WHERE "
			  "run_id = ? ORDER BY id",
		      run_id, sizeof(**ret), check_row, &v, n, e);
	*ret = v;
	if (rc < 0) {
		state_checks_free(*ret, *n);
		*ret = NULL;
		*n = 0;
	}
	return rc;
}

void state_checks_free(struct state_check *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].error);
	free(v);
}

static void note_row(sqlite3_stmt *s, void *out)
{
	struct state_note *nt = out;
	nt->at_ms = sqlite3_column_int64(s, 0);
	nt->kind = state_col_dup(s, 1);
	nt->message = state_col_dup(s, 2);
}

int state_run_notes(struct state *st, int64_t run_id, struct state_note **ret,
		    size_t *n, struct mae_error *e)
{
	void *v;
	int rc = rows(st, "SELECT at, kind, message FROM run_notes WHERE "
			  "run_id = ? ORDER BY id",
		      run_id, sizeof(**ret), note_row, &v, n, e);
	*ret = v;
	if (rc < 0) {
		state_notes_free(*ret, *n);
		*ret = NULL;
		*n = 0;
	}
	return rc;
}

void state_notes_free(struct state_note *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].kind);
		free(v[i].message);
	}
	free(v);
}
