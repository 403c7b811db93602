/*
 * lock.c - the apply lock of an environment: one row naming its holder
 * (user, host, pid, the process's start time and the boot it ran in,
 * against pid reuse, and since when).  A holder of this host that is gone
 * is taken over; one of another host only when asked to break the lock.
 */
#include "state.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state-int.h"

/* field 22 of /proc/PID/stat: start time in clock ticks since boot */
static int64_t process_start(int64_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%lld/stat", (long long)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command name (field 2) may hold spaces and parentheses */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	for (int field = 2; field < 22 && p; field++) {
		p = strchr(p + 1, ' ');
	}
	if (!p)
		return -1;
	return strtoll(p + 1, NULL, 10);
}

static void boot_id(char out[40])
{
	out[0] = '\0';
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f)
		return;
	if (fgets(out, 40, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

void state_who_am_i(struct state_who *w)
{
	memset(w, 0, sizeof(*w));
	const char *user = getenv("USER");
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name)
		user = pw->pw_name;
	snprintf(w->user, sizeof(w->user), "%s", user ? user : "?");
	if (gethostname(w->host, sizeof(w->host) - 1) < 0)
		snprintf(w->host, sizeof(w->host), "localhost");
	w->pid = getpid();
	w->pid_start = process_start(w->pid);
	boot_id(w->boot_id);
}

static bool same_host(const struct state_who *w)
{
	struct state_who me;
	state_who_am_i(&me);
	return !strcmp(me.host, w->host);
}

bool state_who_alive(const struct state_who *w)
{
	char boot[40];
	boot_id(boot);
	if (strcmp(boot, w->boot_id))
		return false; /* it ran before this boot */
	if (w->pid <= 0 || (kill((pid_t)w->pid, 0) < 0 && errno == ESRCH))
		return false;
	return process_start(w->pid) == w->pid_start;
}

static bool same_holder(const struct state_who *a, const struct state_who *b)
{
	return !strcmp(a->host, b->host) && a->pid == b->pid &&
	       a->pid_start == b->pid_start && !strcmp(a->boot_id, b->boot_id);
}

static int read_lock(struct state *st, int64_t env, struct state_lock *out,
		     struct mae_error *e)
{
	sqlite3_stmt *s;
	int rc = state_prep(st, "SELECT user, host, pid, pid_start, boot_id, "
				"since, run_id FROM apply_lock WHERE "
				"environment_id = ?",
			    &s, e);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, env);
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		snprintf(out->who.user, sizeof(out->who.user), "%s",
			 state_col_str(s, 0) ? state_col_str(s, 0) : "");
		snprintf(out->who.host, sizeof(out->who.host), "%s",
			 state_col_str(s, 1) ? state_col_str(s, 1) : "");
		out->who.pid = sqlite3_column_int64(s, 2);
		out->who.pid_start = sqlite3_column_int64(s, 3);
		snprintf(out->who.boot_id, sizeof(out->who.boot_id), "%s",
			 state_col_str(s, 4) ? state_col_str(s, 4) : "");
		out->since_ms = sqlite3_column_int64(s, 5);
		out->run_id = sqlite3_column_int64(s, 6);
		rc = 1;
	} else if (src != SQLITE_DONE) {
		rc = state_fail(st, src, "reading the apply lock", e);
	}
	sqlite3_finalize(s);
	return rc;
}

static int held_error(const char *env, const struct state_lock *l,
		      bool other_host, struct mae_error *e)
{
	char since[32];
	state_rfc3339(l->since_ms, since);
	return mae_error_set(e, MAE_ERR_STATE,
			     "environment '%s' is being applied by %s@%s "
			     "(pid %lld, since %s)%s",
			     env, l->who.user, l->who.host,
			     (long long)l->who.pid, since,
			     other_host ? "; if that maestro is gone, "
					  "--break-lock takes the lock"
					: "");
}

int state_lock_acquire(struct state *st, const char *environment,
		       const struct state_who *who, bool break_lock,
		       struct state_lock *held, struct mae_error *e)
{
	int rc = state_need_writer(st, e);
	if (rc < 0 || (rc = state_begin(st, e)) < 0)
		return rc;
	int64_t env;
	struct state_lock cur;
	int taken = STATE_LOCK_FREE;
	if ((rc = state_env_id(st, environment, true, &env, e)) < 0 ||
	    (rc = read_lock(st, env, &cur, e)) < 0)
		goto fail;
	if (rc == 1) {
		if (held)
			*held = cur;
		if (same_holder(&cur.who, who)) {
			taken = STATE_LOCK_FREE;
		} else if (same_host(&cur.who)) {
			if (state_who_alive(&cur.who)) {
				rc = held_error(environment, &cur, false, e);
				goto fail;
			}
			taken = STATE_LOCK_TAKEN_OVER;
		} else if (break_lock) {
			taken = STATE_LOCK_BROKEN;
		} else {
			rc = held_error(environment, &cur, true, e);
			goto fail;
		}
	}
	sqlite3_stmt *s;
	if ((rc = state_prep(st, "INSERT OR REPLACE INTO apply_lock "
				 "(environment_id, user, host, pid, pid_start, "
				 "boot_id, since, run_id) VALUES (?, ?, ?, ?, "
				 "?, ?, ?, NULL)",
			     &s, e)) < 0)
		goto fail;
	sqlite3_bind_int64(s, 1, env);
	state_bind_str(s, 2, who->user);
	state_bind_str(s, 3, who->host);
	sqlite3_bind_int64(s, 4, who->pid);
	sqlite3_bind_int64(s, 5, who->pid_start);
	state_bind_str(s, 6, who->boot_id);
	sqlite3_bind_int64(s, 7, state_now_ms());
	int src = sqlite3_step(s);
	sqlite3_finalize(s);
	if (src != SQLITE_DONE) {
		rc = state_fail(st, src, "taking the apply lock", e);
		goto fail;
	}
	if ((rc = state_commit(st, e)) < 0)
		return rc;
	return taken;
fail:
	state_rollback(st);
	return rc;
}

int state_lock_set_run(struct state *st, const char *environment,
		       int64_t run_id, struct mae_error *e)
{
	int64_t env;
	int rc = state_need_writer(st, e);
	if (rc < 0 || (rc = state_env_id(st, environment, false, &env, e)) < 0)
		return rc;
	sqlite3_stmt *s;
	if ((rc = state_prep(st, "UPDATE apply_lock SET run_id = ? WHERE "
				 "environment_id = ?",
			     &s, e)) < 0)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, env);
	int src = sqlite3_step(s);
	sqlite3_finalize(s);
	return src == SQLITE_DONE ? 0 : state_fail(st, src, NULL, e);
}

int state_lock_release(struct state *st, const char *environment,
		       const struct state_who *who, struct mae_error *e)
{
	int64_t env;
	int rc = state_need_writer(st, e);
	if (rc < 0 || (rc = state_env_id(st, environment, false, &env, e)) < 0 ||
	    !env)
		return rc;
	sqlite3_stmt *s;
	if ((rc = state_prep(st, "DELETE FROM apply_lock WHERE environment_id "
				 "= ? AND host = ? AND pid = ? AND pid_start = ?",
			     &s, e)) < 0)
		return rc;
	sqlite3_bind_int64(s, 1, env);
	state_bind_str(s, 2, who->host);
	sqlite3_bind_int64(s, 3, who->pid);
	sqlite3_bind_int64(s, 4, who->pid_start);
	int src = sqlite3_step(s);
	sqlite3_finalize(s);
	return src == SQLITE_DONE ? 0 : state_fail(st, src, NULL, e);
}

int state_lock_get(struct state *st, const char *environment,
		   struct state_lock *out, struct mae_error *e)
{
	int64_t env;
	int rc = state_env_id(st, environment, false, &env, e);
	if (rc < 0)
		return rc;
	if (!env)
		return MAE_ERR_NOTFOUND;
	rc = read_lock(st, env, out, e);
	return rc == 1 ? 0 : rc < 0 ? rc : MAE_ERR_NOTFOUND;
}
