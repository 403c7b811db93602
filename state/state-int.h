/*
 * state-int.h - private to state/: the open database and the small
 * helpers every file of state/ uses around SQLite.
 */
#ifndef MAESTRO_STATE_INT_H
#define MAESTRO_STATE_INT_H

#include <sqlite3.h>

#include "state.h"

struct state {
	sqlite3 *db;
	char *path;
	enum state_mode mode;
	int found_version;  /* user_version when opened */
	bool empty;         /* a reader on a file with no schema yet */
};

/*
 * Turn a failed SQLite call into MAE_ERR_STATE naming the file:
 * "state database 'P' is locked (...)", "... is corrupt", etc.  `what`
 * says what was being done ("storing plan 3"), or NULL.
 */
int state_fail(struct state *st, int src, const char *what,
	       struct mae_error *e);

/* Run SQL without results (several statements allowed). */
int state_exec(struct state *st, const char *sql, struct mae_error *e);
/* Prepare one statement. */
int state_prep(struct state *st, const char *sql, sqlite3_stmt **ret,
	       struct mae_error *e);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK (rollback never fails). */
int state_begin(struct state *st, struct mae_error *e);
int state_commit(struct state *st, struct mae_error *e);
void state_rollback(struct state *st);

/* A writer is needed (MAE_ERR_INTERNAL otherwise). */
int state_need_writer(struct state *st, struct mae_error *e);

/* Bind a string or NULL. */
int state_bind_str(sqlite3_stmt *s, int i, const char *v);
/* A column's text, or NULL; a copy of it (NULL stays NULL). */
const char *state_col_str(sqlite3_stmt *s, int i);
char *state_col_dup(sqlite3_stmt *s, int i);

/* The environment's row id; create it (writers) when asked. 0: none. */
int state_env_id(struct state *st, const char *name, bool create,
		 int64_t *id, struct mae_error *e);

/* Wall clock in ms since the epoch; RFC 3339 UTC text of it. */
int64_t state_now_ms(void);
void state_rfc3339(int64_t ms, char out[32]);

#endif
