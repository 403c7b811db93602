/*
 * Unit tests for state/: where the database lives and its modes, plans
 * stored and loaded, refusals (newer, not a database, corrupt, locked,
 * read-only), migrations from every committed schema version, a kill -9
 * while a plan is written, pruning, runs, checks, realisations, the lock
 * and the secret_env key.
 *
 * The test looks into the file with SQLite itself, to see what the state
 * API deliberately hides (pragmas, rows); state/ is what it tests.
 *
 *   test-state --make-fixture PATH   writes the committed fixture of
 *   this schema version (tests/unit/state/make-fixture-db)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

#ifndef DATA_DIR
#error DATA_DIR
#endif

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-state-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	chmod(tmpdir, 0755);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = mae_xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

static char *tpath(const char *name)
{
	return mae_xasprintf("%s/%s", tmpdir, name);
}

/* a finished plan of n steps: a pull, then a chain of n - 1 */
static struct plan *sample_plan(const char *env, int n)
{
	struct plan *p = plan_new();
	plan_set_str(&p->environment, env);
	plan_set_str(&p->action, "start");
	plan_add_arg(p, "start");
	memset(p->model_hash, 'b', MAE_SHA256_HEX_LEN);
	struct ship_conn c = { 0 };
	c.name = "ship1";
	c.transport = SHIP_TCP;
	c.endpoint = "10.231.0.11";
	c.port = 2375;
	c.timeout_s = 5;
	plan_add_ship(p, &c);
	int prev = plan_add_step(p, STEP_PULL, "ship1", NULL,
				 json_pack("{ss}", "image", "busybox:1"));
	for (int i = 1; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "c-%d", i);
		int s = plan_add_step(p, STEP_CREATE, "ship1", name,
				      json_pack("{sssi}", "Image", "busybox:1",
						"i", i));
		struct plan_cond pre = { .state = PLAN_COND_ABSENT,
					 .observed = true };
		plan_step_set_pre(plan_step(p, s), &pre);
		plan_add_dep(p, s, prev, NULL);
		prev = s;
	}
	assert_int_equal(plan_finish(p, NULL), 0);
	return p;
}

static sqlite3 *raw(const char *path)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	int64_t v = -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static char *raw_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	char *v = NULL;
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		v = mae_xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return v;
}

static void file_sha(const char *path, char out[65])
{
	char *data;
	size_t len;
	assert_int_equal(mae_read_file(path, 1 << 28, &data, &len, NULL), 0);
	mae_sha256_hex(data, len, out);
	free(data);
}

/* ------------------------------------------------------------------ */

static void test_path(void **state)
{
	(void)state;
	char *p;
	assert_string_equal(p = state_path("x.db", "y.db", "a/m.yaml"), "x.db");
	free(p);
	assert_string_equal(p = state_path(NULL, "y.db", "a/m.yaml"), "y.db");
	free(p);
	assert_string_equal(p = state_path(NULL, "", "a/b/m.yaml"),
			    "a/b/.maestro/state.db");
	free(p);
	assert_string_equal(p = state_path(NULL, NULL, "m.yaml"),
			    ".maestro/state.db");
	free(p);
	assert_string_equal(p = state_path(NULL, NULL, "-"), ".maestro/state.db");
	free(p);
	assert_string_equal(p = state_path(NULL, NULL, "/m.yaml"),
			    "/.maestro/state.db");
	free(p);
}

static void test_create_modes(void **state)
{
	(void)state;
	char *path = tpath(".maestro/state.db");
	char *dir = tpath(".maestro");
	struct state *st;
	struct mae_error e;
	/* a reader creates nothing */
	assert_int_equal(state_open(path, STATE_READ, &st, &e), MAE_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "no state database '"));
	struct stat sb;
	assert_int_equal(stat(dir, &sb), -1);
	/* a writer makes the folder, its .gitignore and the file */
	assert_int_equal(state_open(path, STATE_WRITE, &st, &e), 0);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	char *gi = tpath(".maestro/.gitignore");
	char *data;
	size_t len;
	assert_int_equal(mae_read_file(gi, 100, &data, &len, NULL), 0);
	assert_string_equal(data, "*\n");
	free(data);
	struct plan *p = sample_plan("demo", 3);
	assert_int_equal(state_plan_store(st, p, NULL, &e), 0);
	/* WAL: the -wal file exists beside the open database, 0600 too */
	char *wal = tpath(".maestro/state.db-wal");
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0077, 0);
	sqlite3 *db = raw(path);
	char *jm = raw_text(db, "PRAGMA journal_mode");
	assert_string_equal(jm, "wal");
	free(jm);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), STATE_SCHEMA_VERSION);
	sqlite3_close(db);
	plan_free(p);
	state_close(st);
	/* --state elsewhere: a missing directory that is not .maestro is
	 * an error, not created */
	char *other = tpath("nodir/state.db");
	assert_int_equal(state_open(other, STATE_WRITE, &st, &e), MAE_ERR_STATE);
	assert_non_null(strstr(e.msg, "nodir"));
	free(other);
	free(wal);
	free(gi);
	free(dir);
	free(path);
}

static void test_store_load(void **state)
{
	(void)state;
	char *path = tpath("s.db");
	struct state *st;
	struct mae_error e;
	assert_int_equal(state_open(path, STATE_WRITE, &st, &e), 0);
	struct plan *p = sample_plan("demo", 6);
	char src[65];
	mae_sha256_hex("yaml", 4, src);
	assert_int_equal(state_plan_store(st, p, src, &e), 0);
	assert_int_equal(p->id, 1);
	assert_non_null(p->created_at);
	assert_non_null(strchr(p->created_by, '@'));
	struct plan *q = sample_plan("other", 2);
	assert_int_equal(state_plan_store(st, q, src, &e), 0);
	assert_int_equal(q->id, 2);
	struct plan *r = sample_plan("demo", 4);
	assert_int_equal(state_plan_store(st, r, src, &e), 0);
	/* an unfinished plan is refused, saying why, and nothing stored */
	struct plan *u = sample_plan("demo", 2);
	plan_add_step(u, STEP_WAIT, "ship1", NULL, NULL);
	assert_int_equal(state_plan_store(st, u, src, &e), MAE_ERR_INTERNAL);
	assert_non_null(strstr(e.msg, "plan to store: steps[2].key: '' is not a step key"));
	assert_int_equal(u->id, 0);
	plan_free(u);
	state_close(st);

	/* read back in a reader: the same document */
	assert_int_equal(state_open(path, STATE_READ, &st, &e), 0);
	struct plan *l = NULL;
	int rc = state_plan_load(st, 1, 0, &l, &e);
	if (rc)
		fail_msg("%s", e.msg);
	char *a = plan_to_text(p), *b = plan_to_text(l);
	assert_string_equal(a, b);
	free(a);
	free(b);
	plan_free(l);
	assert_int_equal(state_plan_load(st, 9, 0, &l, &e), MAE_ERR_NOTFOUND);
	int64_t id;
	assert_int_equal(state_plan_latest(st, "demo", &id, &e), 0);
	assert_int_equal(id, 3);
	assert_int_equal(state_plan_latest(st, "nope", &id, &e), 0);
	assert_int_equal(id, 0);
	struct state_plan_info *v;
	size_t n;
	assert_int_equal(state_plans_list(st, NULL, &v, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[1].environment, "other");
	assert_int_equal(v[0].nsteps, 6);
	assert_string_equal(v[0].source_sha256, src);
	assert_string_equal(v[0].hash, p->hash);
	assert_int_equal(v[0].nargs, 1);
	assert_null(v[0].last_outcome);
	state_plan_infos_free(v, n);
	assert_int_equal(state_plans_list(st, "demo", &v, &n, &e), 0);
	assert_int_equal(n, 2);
	state_plan_infos_free(v, n);
	/* a reader cannot write */
	assert_int_equal(state_plan_store(st, p, src, &e), MAE_ERR_INTERNAL);
	state_close(st);

	/* a step's spec altered in the file: the load names it */
	sqlite3 *db = raw(path);
	assert_int_equal(sqlite3_exec(db, "UPDATE steps SET spec = "
					  "'{\"Image\":\"evil\"}' WHERE plan_id "
					  "= 1 AND number = 2",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE steps SET kind = 'pul' "
					  "WHERE plan_id = 3 AND number = 1",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(state_open(path, STATE_READ, &st, &e), 0);
	assert_int_equal(state_plan_load(st, 1, 0, &l, &e), MAE_ERR_STATE);
	assert_non_null(strstr(e.msg, "plan 1: steps[1].key: "));
	assert_int_equal(state_plan_load(st, 3, 0, &l, &e), MAE_ERR_STATE);
	assert_non_null(strstr(e.msg, "plan 3: step 1: kind: unknown step kind 'pul'"));
	state_close(st);
	plan_free(p);
	plan_free(q);
	plan_free(r);
	free(path);
}

static void test_refusals(void **state)
{
	(void)state;
	struct state *st;
	struct mae_error e;
	char sha[65], sha2[65];
	/* from a newer maestro: refused in both modes, bytes untouched */
	char *newer = tpath("newer.db");
	assert_int_equal(state_open(newer, STATE_WRITE, &st, &e), 0);
	state_close(st);
	sqlite3 *db = raw(newer);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	file_sha(newer, sha);
	assert_int_equal(state_open(newer, STATE_WRITE, &st, &e), MAE_ERR_STATE);
	assert_non_null(strstr(e.msg, "is from a newer maestro (schema version 99"));
	assert_non_null(strstr(e.msg, newer));
	assert_int_equal(state_open(newer, STATE_READ, &st, &e), MAE_ERR_STATE);
	file_sha(newer, sha2);
	assert_string_equal(sha, sha2);

	/* not a database at all */
	char *junk = tpath("junk.db");
	FILE *f = fopen(junk, "w");
	for (int i = 0; i < 200; i++)
		fputs("this is not sqlite\n", f);
	fclose(f);
	file_sha(junk, sha);
	assert_int_equal(state_open(junk, STATE_WRITE, &st, &e), MAE_ERR_STATE);
	assert_non_null(strstr(e.msg, "is not a database"));
	assert_non_null(strstr(e.msg, junk));
	assert_int_equal(state_open(junk, STATE_READ, &st, &e), MAE_ERR_STATE);
	file_sha(junk, sha2);
	assert_string_equal(sha, sha2);

	/* somebody else's SQLite database */
	char *foreign = tpath("foreign.db");
	db = raw(foreign);
	sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL);
	sqlite3_close(db);
	assert_int_equal(state_open(foreign, STATE_WRITE, &st, &e), MAE_ERR_STATE);
	assert_non_null(strstr(e.msg, "is not a maestro state database"));

	/* corrupt: a page overwritten */
	char *bad = tpath("corrupt.db");
	assert_int_equal(state_open(bad, STATE_WRITE, &st, &e), 0);
	struct plan *p = sample_plan("demo", 400);
	assert_int_equal(state_plan_store(st, p, NULL, &e), 0);
	plan_free(p);
	state_close(st);
	int fd = open(bad, O_WRONLY);
	char garbage[4096];
	memset(garbage, 0x5a, sizeof(garbage));
	assert_int_equal(pwrite(fd, garbage, sizeof(garbage), 4096 * 3), 4096);
	close(fd);
	int rc = state_open(bad, STATE_READ, &st, &e);
	if (rc == 0) {
		struct plan *l = NULL;
		int r1 = state_plan_load(st, 1, 0, &l, &e);
		int r2 = r1 < 0 ? r1 : state_check_integrity(st, &e);
		assert_int_equal(r2, MAE_ERR_STATE);
		plan_free(l);
		state_close(st);
	} else {
		assert_int_equal(rc, MAE_ERR_STATE);
	}
	assert_non_null(strstr(e.msg, "corrupt"));
	assert_non_null(strstr(e.msg, bad));
	free(bad);
	free(foreign);
	free(junk);
	free(newer);
}

static void test_locked(void **state)
{
	(void)state;
	char *path = tpath("locked.db");
	struct state *st;
	struct mae_error e;
	assert_int_equal(state_open(path, STATE_WRITE, &st, &e), 0);
	state_close(st);
	sqlite3 *db = raw(path);
	assert_int_equal(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL),
			 SQLITE_OK);
	int64_t t0 = mae_now_ms();
	assert_int_equal(state_open(path, STATE_WRITE, &st, &e), MAE_ERR_STATE);
	assert_non_null(strstr(e.msg, "is locked by another maestro"));
	assert_non_null(strstr(e.msg, path));
	assert_true(mae_now_ms() - t0 < 10000);
	/* WAL: a reader still reads while a writer holds the lock */
	assert_int_equal(state_open(path, STATE_READ, &st, &e), 0);
	struct state_plan_info *v;
	size_t n;
	assert_int_equal(state_plans_list(st, NULL, &v, &n, &e), 0);
	state_close(st);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	free(path);
}

/*
 * Read-only: as root, a child that becomes nobody (the files stay
 * root's, readable by all); otherwise the modes are taken away.
 */
static void test_read_only(void **state)
{
	(void)state;
	char *dir = tpath("ro");
	mkdir(dir, 0755);
	char *path = tpath("ro/state.db");
	struct state *st;
	struct mae_error e;
	assert_int_equal(state_open(path, STATE_WRITE, &st, &e), 0);
	struct plan *p = sample_plan("demo", 5);
	assert_int_equal(state_plan_store(st, p, NULL, &e), 0);
	state_close(st); /* checkpoints: no -wal, no -shm left */
	char *wal = tpath("ro/state.db-wal");
	assert_int_equal(access(wal, F_OK), -1);
	chmod(path, 0644);
	bool root = geteuid() == 0;
	if (!root) {
		chmod(path, 0444);
		chmod(dir, 0555);
	}
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (root && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(10);
		int code = 0;
		if (state_open(path, STATE_READ, &st, &e) < 0) {
			fprintf(stderr, "reader: %s\n", e.msg);
			_exit(11);
		}
		struct plan *l = NULL;
		if (state_plan_load(st, 1, 0, &l, &e) < 0) {
			fprintf(stderr, "load: %s\n", e.msg);
			code = 12;
		} else if (l->nsteps != 5) {
			code = 13;
		}
		plan_free(l);
		state_close(st);
		if (state_open(path, STATE_WRITE, &st, &e) != MAE_ERR_STATE ||
		    !strstr(e.msg, "read-only")) {
			fprintf(stderr, "writer: %s\n", e.msg);
			code = 14;
		}
		_exit(code);
	}
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	chmod(dir, 0755);
	/* nothing was left behind by the reader */
	assert_int_equal(access(wal, F_OK), -1);
	plan_free(p);
	free(wal);
	free(path);
	free(dir);
}

/* ------------------------------------------------------------------ */
/* Every committed schema version opens, reads, and migrates forward   */

static void make_fixture(const char *path)
{
	struct state *st;
	struct mae_error e;
	unlink(path);
	if (state_open(path, STATE_WRITE, &st, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		exit(1);
	}
	struct plan *p = sample_plan("fixture", 4);
	plan_set_str(&p->created_at, "2026-12-04T20:00:00Z");
	plan_set_str(&p->created_by, "fixture@host");
	char src[65];
	mae_sha256_hex("fixture", 7, src);
	struct state_who w;
	memset(&w, 0, sizeof(w));
	strcpy(w.user, "fixture");
	strcpy(w.host, "host");
	w.pid = 1;
	int64_t run, at;
	if (state_plan_store(st, p, src, &e) < 0 ||
	    state_run_begin(st, p->id, &w, "{\"keep_going\":false}", &run, &e) < 0 ||
	    state_attempt_begin(st, run, 1, &at, &e) < 0 ||
	    state_attempt_finish(st, at, STEP_DONE, NULL, "{\"image\":\"sha256:1\"}", &e) < 0 ||
	    state_check_attempt(st, run, 2, 0, false, "refused", 1000, &e) < 0 ||
	    state_realise(st, "fixture", "ship1", p->steps[0].key, run, NULL, &e) < 0 ||
	    state_run_finish(st, run, STATE_RUN_FAILED, "a reason", &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		exit(1);
	}
	plan_free(p);
	state_close(st);
}

static void copy_file(const char *from, const char *to)
{
	char *data;
	size_t len;
	assert_int_equal(mae_read_file(from, 1 << 26, &data, &len, NULL), 0);
	FILE *f = fopen(to, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	free(data);
}

static void test_migrations(void **state)
{
	(void)state;
	for (int v = 1; v <= STATE_SCHEMA_VERSION; v++) {
		char *fixture = mae_xasprintf("%s/schema-v%d.db", DATA_DIR, v);
		char *path = tpath("old.db");
		copy_file(fixture, path);
		struct state *st;
		struct mae_error e;
		/* a reader reads it as it is, and changes nothing */
		char sha[65], sha2[65];
		file_sha(path, sha);
		int rc = state_open(path, STATE_READ, &st, &e);
		if (rc)
			fail_msg("v%d: %s", v, e.msg);
		assert_int_equal(state_found_version(st), v);
		struct plan *l = NULL;
		if (state_plan_load(st, 1, 0, &l, &e) < 0)
			fail_msg("v%d: %s", v, e.msg);
		assert_string_equal(l->environment, "fixture");
		assert_int_equal(l->nsteps, 4);
		assert_int_equal(l->steps[0].status, STEP_DONE);
		plan_free(l);
		state_close(st);
		file_sha(path, sha2);
		assert_string_equal(sha, sha2);
		/* a writer migrates it and can add to it */
		if (state_open(path, STATE_WRITE, &st, &e) < 0)
			fail_msg("v%d: %s", v, e.msg);
		struct plan *p = sample_plan("fixture", 3);
		assert_int_equal(state_plan_store(st, p, NULL, &e), 0);
		assert_int_equal(p->id, 2);
		assert_int_equal(state_check_integrity(st, &e), 0);
		char *res = NULL;
		assert_int_equal(state_plan_load(st, 1, 0, &l, &e), 0);
		assert_int_equal(state_realisation(st, "fixture", "ship1",
						   l->steps[0].key, &res, &e),
				 0);
		plan_free(l);
		plan_free(p);
		state_close(st);
		sqlite3 *db = raw(path);
		assert_int_equal(raw_int(db, "PRAGMA user_version"),
				 STATE_SCHEMA_VERSION);
		sqlite3_close(db);
		unlink(path);
		free(path);
		free(fixture);
	}
}

/* ------------------------------------------------------------------ */
/* kill -9 while a plan is written                                      */

/* large enough that a store takes a while (~0.1 s plain, more under
 * the sanitizers), small enough for 12 trials under them */
#define KILL_STEPS 5000

static void test_kill_during_store(void **state)
{
	(void)state;
	char *path = tpath("kill.db");
	struct plan *p = sample_plan("demo", KILL_STEPS);
	char *want = plan_to_text(p);
	struct state *st;
	struct mae_error e;
	/* how long one store takes here, to kill within it */
	assert_int_equal(state_open(path, STATE_WRITE, &st, &e), 0);
	int64_t t0 = mae_now_ms();
	assert_int_equal(state_plan_store(st, p, NULL, &e), 0);
	int64_t took = mae_now_ms() - t0 + 1;
	state_close(st);
	unlink(path);
	srand(12345);
	int whole = 0, none = 0;
	for (int trial = 0; trial < 12; trial++) {
		/* the child says when it starts storing ('o') and when the
		 * store returned ('s'); the kill comes at a random instant
		 * after 'o', within 1.2 times a store's duration, except in
		 * the last trial, which waits for 's' */
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			struct state *c;
			if (state_open(path, STATE_WRITE, &c, NULL) < 0)
				_exit(2);
			p->id = 0;
			if (write(fds[1], "o", 1) != 1)
				_exit(3);
			state_plan_store(c, p, NULL, NULL);
			if (write(fds[1], "s", 1) != 1)
				_exit(3);
			pause();
			_exit(0);
		}
		close(fds[1]);
		char ch = 0;
		assert_int_equal(read(fds[0], &ch, 1), 1);
		assert_int_equal(ch, 'o');
		if (trial == 11) {
			assert_int_equal(read(fds[0], &ch, 1), 1);
			assert_int_equal(ch, 's');
		} else {
			usleep((useconds_t)(rand() % (int)(took * 1200)));
		}
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		close(fds[0]);
		if (state_open(path, STATE_WRITE, &st, &e) < 0)
			fail_msg("trial %d: %s", trial, e.msg);
		assert_int_equal(state_check_integrity(st, &e), 0);
		struct state_plan_info *v;
		size_t n;
		assert_int_equal(state_plans_list(st, NULL, &v, &n, &e), 0);
		for (size_t i = 0; i < n; i++) {
			struct plan *l = NULL;
			if (state_plan_load(st, v[i].id, 0, &l, &e) < 0)
				fail_msg("trial %d: plan %lld: %s", trial,
					 (long long)v[i].id, e.msg);
			assert_int_equal(l->nsteps, KILL_STEPS);
			l->id = 0;
			free(l->created_at);
			free(l->created_by);
			l->created_at = l->created_by = NULL;
			char *got = plan_to_text(l);
			assert_string_equal(got, want);
			free(got);
			plan_free(l);
		}
		/* the steps table holds only whole plans */
		sqlite3 *db = raw(path);
		assert_int_equal(raw_int(db, "SELECT count(*) FROM steps"),
				 KILL_STEPS * (int64_t)n);
		sqlite3_close(db);
		if (n > (size_t)whole)
			whole++;
		else
			none++;
		state_plan_infos_free(v, n);
		state_close(st);
	}
	/* kills before the commit left nothing; the one after it, a plan */
	print_message("kill -9 during a store: %d plans whole, %d absent (one store: %lld ms)\n",
		      whole, none, (long long)took);
	assert_true(whole > 0 && none > 0);
	free(want);
	plan_free(p);
	free(path);
}

/* ------------------------------------------------------------------ */

static void test_runs_prune(void **state)
{
	(void)state;
	char *path = tpath("runs.db");
	struct state *st;
	struct mae_error e;
	assert_int_equal(state_open(path, STATE_WRITE, &st, &e), 0);
	struct state_who me;
	state_who_am_i(&me);
	int64_t ids[5], runs[5];
	for (int i = 0; i < 5; i++) {
		struct plan *p = sample_plan(i == 4 ? "other" : "demo", 3);
		assert_int_equal(state_plan_store(st, p, NULL, &e), 0);
		ids[i] = p->id;
		assert_int_equal(state_run_begin(st, p->id, &me, NULL, &runs[i], &e), 0);
		int64_t a;
		assert_int_equal(state_attempt_begin(st, runs[i], 1, &a, &e), 0);
		assert_int_equal(state_attempt_finish(st, a, STEP_FAILED, "boom", NULL, &e), 0);
		assert_int_equal(state_attempt_begin(st, runs[i], 1, &a, &e), 0);
		assert_int_equal(state_attempt_finish(st, a, STEP_DONE, NULL, NULL, &e), 0);
		assert_int_equal(state_attempt_begin(st, runs[i], 2, &a, &e), 0);
		assert_int_equal(state_run_note(st, runs[i], "audit", "down", &e), 0);
		assert_int_equal(state_realise(st, p->environment, "ship1",
					       p->steps[0].key, runs[i], "{}", &e),
				 0);
		assert_int_equal(state_run_finish(st, runs[i], STATE_RUN_DONE, NULL, &e), 0);
		plan_free(p);
	}
	/* statuses: the latest attempt of each step in the run */
	struct plan *l;
	assert_int_equal(state_plan_load(st, ids[0], 0, &l, &e), 0);
	assert_int_equal(l->steps[0].status, STEP_DONE);
	assert_int_equal(l->steps[1].status, STEP_RUNNING);
	assert_int_equal(l->steps[2].status, STEP_PENDING);
	plan_free(l);
	assert_int_equal(state_plan_load(st, ids[0], runs[1], &l, &e), MAE_ERR_NOTFOUND);

	/* runs: counted by each step's latest attempt */
	struct state_run_info *ri;
	size_t nr;
	assert_int_equal(state_runs_list(st, "demo", 0, &ri, &nr, &e), 0);
	assert_int_equal(nr, 4);
	assert_int_equal(ri[0].id, runs[0]);
	assert_int_equal(ri[0].plan_id, ids[0]);
	assert_string_equal(ri[0].action, "start");
	assert_int_equal(ri[0].outcome, STATE_RUN_DONE);
	assert_int_equal(ri[0].steps_done, 1);
	assert_int_equal(ri[0].steps_failed, 0);
	assert_true(ri[0].finished_ms >= ri[0].started_ms);
	assert_string_equal(ri[0].user, me.user);
	state_run_infos_free(ri, nr);
	assert_int_equal(state_runs_list(st, NULL, ids[4], &ri, &nr, &e), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(ri[0].environment, "other");
	state_run_infos_free(ri, nr);

	/* check attempts: identical failures are one row, counted */
	assert_int_equal(state_check_attempt(st, runs[3], 2, 0, false, "refused", 100, &e), 0);
	assert_int_equal(state_check_attempt(st, runs[3], 2, 0, false, "refused", 200, &e), 0);
	assert_int_equal(state_check_attempt(st, runs[3], 2, 1, false, "refused", 250, &e), 0);
	assert_int_equal(state_check_attempt(st, runs[3], 2, 0, false, "refused", 300, &e), 0);
	assert_int_equal(state_check_attempt(st, runs[3], 2, 0, false, "timeout", 400, &e), 0);
	assert_int_equal(state_check_attempt(st, runs[3], 2, 0, true, NULL, 500, &e), 0);
	assert_int_equal(state_check_attempt(st, runs[3], 2, 0, true, NULL, 600, &e), 0);
	struct state_check *ck;
	size_t nck;
	assert_int_equal(state_run_checks(st, runs[3], &ck, &nck, &e), 0);
	assert_int_equal(nck, 5);
	assert_int_equal(ck[0].check, 0);
	assert_false(ck[0].passed);
	assert_string_equal(ck[0].error, "refused");
	assert_int_equal(ck[0].count, 3);
	assert_int_equal(ck[0].first_ms, 100);
	assert_int_equal(ck[0].last_ms, 300);
	assert_int_equal(ck[1].check, 1);
	assert_string_equal(ck[2].error, "timeout");
	assert_true(ck[3].passed);
	assert_null(ck[3].error);
	assert_true(ck[4].passed); /* passes are never folded */
	state_checks_free(ck, nck);
	struct state_attempt *at;
	size_t nat;
	assert_int_equal(state_run_attempts(st, runs[0], &at, &nat, &e), 0);
	assert_int_equal(nat, 3);
	assert_int_equal(at[0].step, 1);
	assert_int_equal(at[0].attempt, 1);
	assert_int_equal(at[0].status, STEP_FAILED);
	assert_string_equal(at[0].detail, "boom");
	assert_int_equal(at[1].attempt, 2);
	assert_int_equal(at[1].status, STEP_DONE);
	assert_int_equal(at[2].status, STEP_RUNNING);
	assert_int_equal(at[2].finished_ms, 0);
	state_attempts_free(at, nat);
	struct state_note *nt;
	size_t nn;
	assert_int_equal(state_run_notes(st, runs[0], &nt, &nn, &e), 0);
	assert_int_equal(nn, 1);
	assert_string_equal(nt[0].kind, "audit");
	assert_string_equal(nt[0].message, "down");
	state_notes_free(nt, nn);
	sqlite3 *db = raw(path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM check_attempts WHERE check_index = 0"), 4);
	assert_int_equal(raw_int(db, "SELECT count FROM check_attempts WHERE check_index = 0 AND error = 'refused'"), 3);
	assert_int_equal(raw_int(db, "SELECT last_at - first_at FROM check_attempts WHERE check_index = 0 AND error = 'refused'"), 200);
	sqlite3_close(db);

	/* prune: demo keeps its newest 2, other its 1 */
	size_t removed;
	assert_int_equal(state_plans_prune(st, NULL, 2, &removed, &e), 0);
	assert_int_equal(removed, 2);
	assert_int_equal(state_plan_load(st, ids[0], 0, &l, &e), MAE_ERR_NOTFOUND);
	assert_int_equal(state_plan_load(st, ids[2], 0, &l, &e), 0);
	plan_free(l);
	assert_int_equal(state_check_integrity(st, &e), 0);
	db = raw(path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM steps"), 9);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM runs"), 3);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM step_attempts"), 9);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM run_notes"), 3);
	/* what was realised stays */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM realisations"), 2);
	sqlite3_close(db);
	char *res = NULL;
	assert_int_equal(state_realisation(st, "demo", "ship1", "nokey", &res, &e),
			 MAE_ERR_NOTFOUND);
	assert_int_equal(state_plans_prune(st, "demo", 0, &removed, &e), 0);
	assert_int_equal(removed, 2);
	state_close(st);

	/* secure_delete: what a prune removed is gone from the file */
	assert_int_equal(state_open(path, STATE_WRITE, &st, &e), 0);
	struct plan *m = sample_plan("marked", 3);
	json_object_set_new(m->steps[1].spec, "Marker",
			    json_string("MARKER-0123456789-MARKER"));
	assert_int_equal(plan_finish(m, NULL), 0);
	assert_int_equal(state_plan_store(st, m, NULL, &e), 0);
	plan_free(m);
	state_close(st);
	char *data;
	size_t len;
	assert_int_equal(mae_read_file(path, 1 << 26, &data, &len, NULL), 0);
	assert_non_null(memmem(data, len, "MARKER-0123456789", 17));
	free(data);
	assert_int_equal(state_open(path, STATE_WRITE, &st, &e), 0);
	assert_int_equal(state_plans_prune(st, "marked", 0, &removed, &e), 0);
	assert_int_equal(removed, 1);
	state_close(st);
	assert_int_equal(mae_read_file(path, 1 << 26, &data, &len, NULL), 0);
	assert_null(memmem(data, len, "MARKER-0123456789", 17));
	free(data);
	free(path);
}

static void test_lock(void **state)
{
	(void)state;
	char *path = tpath("lock.db");
	struct state *st;
	struct mae_error e;
	assert_int_equal(state_open(path, STATE_WRITE, &st, &e), 0);
	struct state_who me, other, dead, away;
	state_who_am_i(&me);
	assert_true(me.pid_start > 0);
	assert_true(me.boot_id[0]);
	assert_true(state_who_alive(&me));
	/* another live process of this host: our parent */
	other = me;
	other.pid = getppid();
	state_who_am_i(&dead);
	{
		char p[64], buf[1024];
		snprintf(p, sizeof(p), "/proc/%lld/stat", (long long)other.pid);
		FILE *f = fopen(p, "r");
		assert_non_null(f);
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		char *q = strrchr(buf, ')') + 1;
		for (int i = 2; i < 22; i++)
			q = strchr(q + 1, ' ');
		other.pid_start = strtoll(q + 1, NULL, 10);
	}
	assert_true(state_who_alive(&other));
	/* our own pid with another start time: a reused pid, gone */
	dead.pid_start = me.pid_start + 1;
	assert_false(state_who_alive(&dead));
	away = me;
	strcpy(away.host, "elsewhere.example");

	struct state_lock held;
	assert_int_equal(state_lock_acquire(st, "demo", &other, false, &held, &e),
			 STATE_LOCK_FREE);
	assert_int_equal(state_lock_acquire(st, "demo", &me, false, &held, &e),
			 MAE_ERR_STATE);
	assert_non_null(strstr(e.msg, "environment 'demo' is being applied by "));
	char pidtext[32];
	snprintf(pidtext, sizeof(pidtext), "(pid %lld, since ", (long long)other.pid);
	assert_non_null(strstr(e.msg, pidtext));
	assert_int_equal(held.who.pid, other.pid);
	/* releasing someone else's lock does nothing */
	assert_int_equal(state_lock_release(st, "demo", &me, &e), 0);
	assert_int_equal(state_lock_get(st, "demo", &held, &e), 0);
	assert_int_equal(held.who.pid, other.pid);
	assert_int_equal(state_lock_release(st, "demo", &other, &e), 0);
	assert_int_equal(state_lock_get(st, "demo", &held, &e), MAE_ERR_NOTFOUND);

	/* a holder of this host that is gone: taken over */
	assert_int_equal(state_lock_acquire(st, "demo", &dead, false, &held, &e), 0);
	assert_int_equal(state_lock_acquire(st, "demo", &me, false, &held, &e),
			 STATE_LOCK_TAKEN_OVER);
	assert_int_equal(held.who.pid_start, dead.pid_start);
	/* again by the holder: fine */
	assert_int_equal(state_lock_acquire(st, "demo", &me, false, &held, &e),
			 STATE_LOCK_FREE);
	int64_t run;
	struct plan *p = sample_plan("demo", 2);
	assert_int_equal(state_plan_store(st, p, NULL, &e), 0);
	assert_int_equal(state_run_begin(st, p->id, &me, NULL, &run, &e), 0);
	assert_int_equal(state_lock_set_run(st, "demo", run, &e), 0);
	/* the plan of the run holding the lock survives a prune */
	size_t removed;
	assert_int_equal(state_plans_prune(st, "demo", 0, &removed, &e), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(state_lock_release(st, "demo", &me, &e), 0);

	/* from another host: refused unless broken */
	assert_int_equal(state_lock_acquire(st, "demo", &away, false, &held, &e), 0);
	assert_int_equal(state_lock_acquire(st, "demo", &me, false, &held, &e),
			 MAE_ERR_STATE);
	assert_non_null(strstr(e.msg, "--break-lock"));
	assert_int_equal(state_lock_acquire(st, "demo", &me, true, &held, &e),
			 STATE_LOCK_BROKEN);
	assert_string_equal(held.who.host, "elsewhere.example");
	/* another environment has its own lock */
	assert_int_equal(state_lock_acquire(st, "other", &away, false, &held, &e), 0);
	plan_free(p);
	state_close(st);
	free(path);
}

static void test_secret_key(void **state)
{
	(void)state;
	char *path = tpath("k.db");
	struct state *st;
	struct mae_error e;
	assert_int_equal(state_open(path, STATE_WRITE, &st, &e), 0);
	unsigned char k1[STATE_KEY_LEN], k2[STATE_KEY_LEN];
	assert_int_equal(state_secret_key(st, false, k1, &e), MAE_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "k.db.key"));
	assert_int_equal(state_secret_key(st, true, k1, &e), 0);
	assert_int_equal(state_secret_key(st, true, k2, &e), 0);
	assert_memory_equal(k1, k2, STATE_KEY_LEN);
	char *kp = tpath("k.db.key");
	struct stat sb;
	assert_int_equal(stat(kp, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(sb.st_size, STATE_KEY_LEN);
	/* a damaged key is said so */
	truncate(kp, 5);
	assert_int_equal(state_secret_key(st, true, k2, &e), MAE_ERR_STATE);
	assert_non_null(strstr(e.msg, "is damaged"));
	state_close(st);
	free(kp);
	free(path);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--make-fixture")) {
		make_fixture(argv[2]);
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test_setup_teardown(test_create_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_during_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_key, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
