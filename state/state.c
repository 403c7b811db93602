/*
 * state.c - where the database lives, opening it (modes, pragmas, the
 * schema and its forward migrations), errors that name the file, the
 * secret_env key file.  The only code of maestro, with the rest of
 * state/, that includes sqlite3.h.
 */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "state-int.h"

/* 'MAES': tells maestro's databases from any other SQLite file */
#define STATE_APPLICATION_ID 0x4d414553
#define STATE_BUSY_MS 3000

/* ------------------------------------------------------------------ */
/* The schema: migrations[v] brings version v to v + 1                  */

static const char *const migrations[STATE_SCHEMA_VERSION] = {
	/* 0 -> 1 */
	"CREATE TABLE environments (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE,\n"
	"  created_at INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE plans (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  environment_id INTEGER NOT NULL REFERENCES environments(id),\n"
	"  hash TEXT NOT NULL,\n"
	"  source_sha256 TEXT NOT NULL,\n"
	"  model_sha256 TEXT NOT NULL,\n"
	"  action TEXT,\n"
	"  args TEXT NOT NULL,\n"          /* JSON array */
	"  created_at TEXT,\n"             /* RFC 3339 */
	"  created_by TEXT,\n"             /* user@host */
	"  ships TEXT NOT NULL,\n"         /* JSON: name -> connection settings */
	"  nsteps INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX plans_by_environment ON plans(environment_id, id);\n"
	"CREATE TABLE steps (\n"
	"  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,\n"
	"  number INTEGER NOT NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  ship TEXT NOT NULL,\n"
	"  container TEXT,\n"
	"  key TEXT NOT NULL,\n"
	"  spec TEXT NOT NULL,\n"          /* canonical JSON */
	"  precondition TEXT,\n"           /* JSON, NULL: none */
	"  postcondition TEXT,\n"
	"  PRIMARY KEY (plan_id, number)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE step_deps (\n"
	"  plan_id INTEGER NOT NULL,\n"
	"  number INTEGER NOT NULL,\n"
	"  depends_on INTEGER NOT NULL,\n"
	"  PRIMARY KEY (plan_id, number, depends_on),\n"
	"  FOREIGN KEY (plan_id, number) REFERENCES steps(plan_id, number)\n"
	"    ON DELETE CASCADE,\n"
	"  FOREIGN KEY (plan_id, depends_on) REFERENCES steps(plan_id, number)\n"
	"    ON DELETE CASCADE\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE runs (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,\n"
	"  started_at INTEGER NOT NULL,\n"  /* ms since the epoch */
	"  finished_at INTEGER,\n"
	"  outcome TEXT NOT NULL CHECK (outcome IN ('running', 'done',\n"
	"    'failed', 'interrupted', 'refused')),\n"
	"  reason TEXT,\n"
	"  user TEXT NOT NULL,\n"
	"  host TEXT NOT NULL,\n"
	"  pid INTEGER NOT NULL,\n"
	"  options TEXT\n"                 /* JSON of the apply's options */
	");\n"
	"CREATE INDEX runs_by_plan ON runs(plan_id, id);\n"
	"CREATE TABLE run_notes (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  at INTEGER NOT NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  message TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX run_notes_by_run ON run_notes(run_id);\n"
	"CREATE TABLE step_attempts (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  step INTEGER NOT NULL,\n"
	"  attempt INTEGER NOT NULL,\n"    /* 1, 2, ... within the run */
	"  started_at INTEGER NOT NULL,\n"
	"  finished_at INTEGER,\n"
	"  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed',\n"
	"    'skipped', 'stale')),\n"
	"  detail TEXT,\n"
	"  result TEXT\n"                  /* JSON: container id, image id */
	");\n"
	"CREATE INDEX step_attempts_by_run ON step_attempts(run_id, step);\n"
	"CREATE TABLE check_attempts (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  step INTEGER NOT NULL,\n"
	"  check_index INTEGER NOT NULL,\n"
	"  passed INTEGER NOT NULL,\n"
	"  error TEXT,\n"
	"  count INTEGER NOT NULL DEFAULT 1,\n" /* identical failures in a row */
	"  first_at INTEGER NOT NULL,\n"
	"  last_at INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX check_attempts_by_run ON check_attempts(run_id, step,\n"
	"  check_index);\n"
	"CREATE TABLE realisations (\n"
	"  environment_id INTEGER NOT NULL REFERENCES environments(id),\n"
	"  ship TEXT NOT NULL,\n"
	"  key TEXT NOT NULL,\n"
	"  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,\n"
	"  result TEXT,\n"
	"  realised_at INTEGER NOT NULL,\n"
	"  PRIMARY KEY (environment_id, ship, key)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE apply_lock (\n"
	"  environment_id INTEGER PRIMARY KEY REFERENCES environments(id),\n"
	"  user TEXT NOT NULL,\n"
	"  host TEXT NOT NULL,\n"
	"  pid INTEGER NOT NULL,\n"
	"  pid_start INTEGER NOT NULL,\n"
	"  boot_id TEXT NOT NULL,\n"
	"  since INTEGER NOT NULL,\n"
	"  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL\n"
	");\n",
	/* 1 -> 2: step_deps without its two foreign keys into steps (two
	 * index searches per row made them most of a plan's store); a
	 * plan's dependencies are written with its steps, in one
	 * transaction, and go with the plan (ON DELETE CASCADE) */
	"CREATE TABLE step_deps_v2 (\n"
	"  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,\n"
	"  number INTEGER NOT NULL,\n"
	"  depends_on INTEGER NOT NULL,\n"
	"  PRIMARY KEY (plan_id, number, depends_on)\n"
	") WITHOUT ROWID;\n"
	"INSERT INTO step_deps_v2 SELECT plan_id, number, depends_on\n"
	"  FROM step_deps;\n"
	"DROP TABLE step_deps;\n"
	"ALTER TABLE step_deps_v2 RENAME TO step_deps;\n",
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

int64_t state_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void state_rfc3339(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int state_fail(struct state *st, int src, const char *what,
	       struct mae_error *e)
{
	const char *p = st->path;
	const char *detail = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(src);
	char during[160] = "";
	if (what)
		snprintf(during, sizeof(during), " (%s)", what);
	switch (src & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return mae_error_set(e, MAE_ERR_STATE,
				     "state database '%s' is locked by another "
				     "maestro%s; try again when it is done",
				     p, during);
	case SQLITE_READONLY:
		return mae_error_set(e, MAE_ERR_STATE,
				     "state database '%s' is read-only%s", p,
				     during);
	case SQLITE_CORRUPT:
		return mae_error_set(e, MAE_ERR_STATE,
				     "state database '%s' is corrupt%s: %s", p,
				     during, detail);
	case SQLITE_NOTADB:
		return mae_error_set(e, MAE_ERR_STATE,
				     "'%s' is not a database%s", p, during);
	case SQLITE_FULL:
		return mae_error_set(e, MAE_ERR_STATE,
				     "state database '%s': disk full%s", p,
				     during);
	case SQLITE_CANTOPEN:
		return mae_error_set(e, MAE_ERR_STATE,
				     "cannot open state database '%s'%s: %s", p,
				     during, detail);
	case SQLITE_IOERR:
		return mae_error_set(e, MAE_ERR_STATE,
				     "state database '%s': I/O error%s: %s", p,
				     during, detail);
	default:
		return mae_error_set(e, MAE_ERR_STATE,
				     "state database '%s'%s: %s", p, during,
				     detail);
	}
}

int state_exec(struct state *st, const char *sql, struct mae_error *e)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : state_fail(st, rc, NULL, e);
}

int state_prep(struct state *st, const char *sql, sqlite3_stmt **ret,
	       struct mae_error *e)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, ret, NULL);
	return rc == SQLITE_OK ? 0 : state_fail(st, rc, NULL, e);
}

int state_begin(struct state *st, struct mae_error *e)
{
	return state_exec(st, "BEGIN IMMEDIATE", e);
}

int state_commit(struct state *st, struct mae_error *e)
{
	int rc = state_exec(st, "COMMIT", e);
	if (rc < 0)
		state_rollback(st);
	return rc;
}

void state_rollback(struct state *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int state_need_writer(struct state *st, struct mae_error *e)
{
	if (st->mode != STATE_WRITE)
		return mae_error_set(e, MAE_ERR_INTERNAL,
				     "state database '%s' was opened for "
				     "reading only",
				     st->path);
	return 0;
}

int state_bind_str(sqlite3_stmt *s, int i, const char *v)
{
	return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT)
		 : sqlite3_bind_null(s, i);
}

const char *state_col_str(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

char *state_col_dup(sqlite3_stmt *s, int i)
{
	const char *v = state_col_str(s, i);
	return mae_xstrdup_or_null(v);
}

int state_env_id(struct state *st, const char *name, bool create,
		 int64_t *id, struct mae_error *e)
{
	*id = 0;
	if (st->empty || !name)
		return 0;
	sqlite3_stmt *s;
	int rc = state_prep(st, "SELECT id FROM environments WHERE name = ?", &s, e);
	if (rc < 0)
		return rc;
	state_bind_str(s, 1, name);
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	else if (src != SQLITE_DONE)
		rc = state_fail(st, src, NULL, e);
	sqlite3_finalize(s);
	if (rc < 0 || *id || !create)
		return rc;
	if ((rc = state_prep(st, "INSERT INTO environments (name, created_at) "
				 "VALUES (?, ?)",
			     &s, e)) < 0)
		return rc;
	state_bind_str(s, 1, name);
	sqlite3_bind_int64(s, 2, state_now_ms());
	src = sqlite3_step(s);
	sqlite3_finalize(s);
	if (src != SQLITE_DONE)
		return state_fail(st, src, NULL, e);
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Location                                                             */

char *state_path(const char *opt, const char *env_value,
		 const char *env_file)
{
	if (opt && *opt)
		return mae_xstrdup(opt);
	if (env_value && *env_value)
		return mae_xstrdup(env_value);
	if (!env_file || !strcmp(env_file, "-"))
		return mae_xstrdup(".maestro/state.db");
	const char *slash = strrchr(env_file, '/');
	if (!slash)
		return mae_xstrdup(".maestro/state.db");
	if (slash == env_file)
		return mae_xstrdup("/.maestro/state.db");
	return mae_xasprintf("%.*s/.maestro/state.db", (int)(slash - env_file),
			     env_file);
}

/* the directory part of path, "." when none (newly allocated) */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return mae_xstrdup(".");
	if (slash == path)
		return mae_xstrdup("/");
	return mae_xstrndup(path, (size_t)(slash - path));
}

static bool is_maestro_dir(const char *dir)
{
	const char *base = strrchr(dir, '/');
	base = base ? base + 1 : dir;
	return !strcmp(base, ".maestro");
}

/*
 * For a writer: the directory (when it is a `.maestro` folder that does
 * not exist yet: 0700 with a .gitignore of "*") and the file (0600).
 */
static int create_file(const char *path, struct mae_error *e)
{
	struct stat sb;
	if (stat(path, &sb) == 0)
		return 0;
	char *dir = dir_of(path);
	int rc = 0;
	if (stat(dir, &sb) < 0) {
		if (errno != ENOENT || !is_maestro_dir(dir)) {
			rc = mae_error_set(e, MAE_ERR_STATE,
					   "cannot create state database '%s': "
					   "directory '%s': %s",
					   path, dir, strerror(errno));
			goto out;
		}
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			rc = mae_error_set(e, MAE_ERR_STATE,
					   "cannot create directory '%s': %s",
					   dir, strerror(errno));
			goto out;
		}
		char *gi = mae_xasprintf("%s/.gitignore", dir);
		int fd = open(gi, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			bool ok = write(fd, "*\n", 2) == 2;
			ok = close(fd) == 0 && ok;
			if (!ok)
				rc = mae_error_set(e, MAE_ERR_STATE,
						   "cannot write '%s': %s", gi,
						   strerror(errno));
		} else if (errno != EEXIST) {
			rc = mae_error_set(e, MAE_ERR_STATE,
					   "cannot create '%s': %s", gi,
					   strerror(errno));
		}
		free(gi);
		if (rc < 0)
			goto out;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST) {
		rc = mae_error_set(e, MAE_ERR_STATE,
				   "cannot create state database '%s': %s",
				   path, strerror(errno));
		goto out;
	}
	if (fd >= 0)
		close(fd);
out:
	free(dir);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Opening                                                              */

static int pragma_int(struct state *st, const char *sql, int *out,
		      struct mae_error *e)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return state_fail(st, rc, NULL, e);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		*out = 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_OK ? 0 : state_fail(st, rc, NULL, e);
}

/* a file: URI for path, for the immutable fallback of readers */
static char *uri_of(const char *path)
{
	struct mae_buf b = MAE_BUF_INIT;
	mae_buf_adds(&b, "file:");
	for (const char *p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			mae_buf_addf(&b, "%%%02x", (unsigned char)*p);
		else
			mae_buf_addc(&b, *p);
	}
	mae_buf_adds(&b, "?immutable=1");
	return mae_buf_detach(&b);
}

/* What is in the file: version, and whether it is ours at all. */
static int inspect(struct state *st, struct mae_error *e)
{
	int app, version, tables;
	int rc;
	if ((rc = pragma_int(st, "PRAGMA application_id", &app, e)) < 0 ||
	    (rc = pragma_int(st, "PRAGMA user_version", &version, e)) < 0 ||
	    (rc = pragma_int(st, "SELECT count(*) FROM sqlite_master", &tables,
			     e)) < 0)
		return rc;
	if (app != STATE_APPLICATION_ID && (app != 0 || tables > 0 || version))
		return mae_error_set(e, MAE_ERR_STATE,
				     "'%s' is not a maestro state database",
				     st->path);
	if (version > STATE_SCHEMA_VERSION)
		return mae_error_set(e, MAE_ERR_STATE,
				     "state database '%s' is from a newer "
				     "maestro (schema version %d; this maestro "
				     "knows up to %d): left as it is",
				     st->path, version, STATE_SCHEMA_VERSION);
	st->found_version = version;
	st->empty = version == 0;
	return 0;
}

static int migrate(struct state *st, struct mae_error *e)
{
	int rc = state_begin(st, e);
	if (rc < 0)
		return rc;
	/* read again inside the write transaction: another maestro may
	 * have migrated in between */
	int version;
	if ((rc = pragma_int(st, "PRAGMA user_version", &version, e)) < 0)
		goto fail;
	if (version > STATE_SCHEMA_VERSION) {
		rc = mae_error_set(e, MAE_ERR_STATE,
				   "state database '%s' is from a newer maestro "
				   "(schema version %d; this maestro knows up "
				   "to %d): left as it is",
				   st->path, version, STATE_SCHEMA_VERSION);
		goto fail;
	}
	for (int v = version; v < STATE_SCHEMA_VERSION; v++) {
		if ((rc = state_exec(st, migrations[v], e)) < 0)
			goto fail;
	}
	if (version < STATE_SCHEMA_VERSION) {
		char *sql = mae_xasprintf("PRAGMA application_id = %d; "
					  "PRAGMA user_version = %d",
					  STATE_APPLICATION_ID,
					  STATE_SCHEMA_VERSION);
		rc = state_exec(st, sql, e);
		free(sql);
		if (rc < 0)
			goto fail;
	}
	return state_commit(st, e);
fail:
	state_rollback(st);
	return rc;
}

int state_open(const char *path, enum state_mode mode, struct state **ret,
	       struct mae_error *e)
{
	struct state *st = mae_xcalloc(1, sizeof(*st));
	st->path = mae_xstrdup(path);
	st->mode = mode;
	int rc = 0;
	struct stat sb;
	if (mode == STATE_READ) {
		if (stat(path, &sb) < 0) {
			rc = errno == ENOENT
				     ? mae_error_set(e, MAE_ERR_NOTFOUND,
						     "no state database '%s'",
						     path)
				     : mae_error_set(e, MAE_ERR_STATE,
						     "cannot open state database "
						     "'%s': %s",
						     path, strerror(errno));
			goto fail;
		}
	} else if ((rc = create_file(path, e)) < 0) {
		goto fail;
	}
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		rc = mae_error_set(e, MAE_ERR_STATE,
				   "state database '%s' is not a file", path);
		goto fail;
	}
	int flags = mode == STATE_READ ? SQLITE_OPEN_READONLY
				       : SQLITE_OPEN_READWRITE;
	flags |= SQLITE_OPEN_NOMUTEX;
	int src = sqlite3_open_v2(path, &st->db, flags, NULL);
	if (src != SQLITE_OK) {
		rc = state_fail(st, src, NULL, e);
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STATE_BUSY_MS);
	if (mode == STATE_WRITE && sqlite3_db_readonly(st->db, "main") == 1) {
		rc = mae_error_set(e, MAE_ERR_STATE,
				   "state database '%s' is read-only", path);
		goto fail;
	}
	struct mae_error first;
	mae_error_clear(&first);
	rc = inspect(st, &first);
	char *dir = dir_of(path);
	bool writable = access(path, W_OK) == 0 && access(dir, W_OK) == 0;
	free(dir);
	if (rc < 0 && mode == STATE_READ && !writable &&
	    (sqlite3_errcode(st->db) & 0xff) != SQLITE_NOTADB) {
		/* a WAL database whose -shm cannot be made here (read-only
		 * file or directory): read it as an immutable file */
		sqlite3_close(st->db);
		st->db = NULL;
		char *uri = uri_of(path);
		src = sqlite3_open_v2(uri, &st->db,
				      SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
					      SQLITE_OPEN_NOMUTEX,
				      NULL);
		free(uri);
		if (src != SQLITE_OK) {
			rc = state_fail(st, src, NULL, e);
			goto fail;
		}
		rc = inspect(st, e);
	} else if (rc < 0 && e) {
		*e = first;
	}
	if (rc < 0)
		goto fail;
	if ((rc = state_exec(st, "PRAGMA foreign_keys = ON; "
				 "PRAGMA secure_delete = ON",
			     e)) < 0)
		goto fail;
	if (mode == STATE_WRITE) {
		if ((rc = state_exec(st, "PRAGMA journal_mode = WAL; "
					 "PRAGMA synchronous = NORMAL",
				     e)) < 0)
			goto fail;
		if ((rc = migrate(st, e)) < 0)
			goto fail;
		st->empty = false;
	}
	*ret = st;
	return 0;
fail:
	state_close(st);
	return rc;
}

void state_close(struct state *st)
{
	if (!st)
		return;
	if (st->db)
		sqlite3_close_v2(st->db);
	free(st->path);
	free(st);
}

const char *state_file(const struct state *st)
{
	return st->path;
}

int state_found_version(const struct state *st)
{
	return st->found_version;
}

int state_check_integrity(struct state *st, struct mae_error *e)
{
	sqlite3_stmt *s;
	int rc = state_prep(st, "PRAGMA integrity_check", &s, e);
	if (rc < 0)
		return rc;
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		const char *v = state_col_str(s, 0);
		if (!v || strcmp(v, "ok"))
			rc = mae_error_set(e, MAE_ERR_STATE,
					   "state database '%s' is corrupt: %s",
					   st->path, v ? v : "?");
	} else {
		rc = state_fail(st, src, "integrity check", e);
	}
	sqlite3_finalize(s);
	if (rc == 0) {
		/* and every foreign key holds */
		if ((rc = state_prep(st, "PRAGMA foreign_key_check", &s, e)) < 0)
			return rc;
		if (sqlite3_step(s) == SQLITE_ROW)
			rc = mae_error_set(e, MAE_ERR_STATE,
					   "state database '%s' is corrupt: a "
					   "row of '%s' refers to nothing",
					   st->path, state_col_str(s, 0));
		sqlite3_finalize(s);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* The secret_env key                                                   */

int state_secret_key(const struct state *st, bool create,
		     unsigned char key[STATE_KEY_LEN], struct mae_error *e)
{
	char *path = mae_xasprintf("%s.key", st->path);
	int rc = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		unsigned char fresh[STATE_KEY_LEN];
		if (RAND_bytes(fresh, sizeof(fresh)) != 1) {
			rc = mae_error_set(e, MAE_ERR_INTERNAL,
					   "no random bytes for '%s'", path);
			goto out;
		}
		/* written under a temporary name and linked, so a reader
		 * never sees half a key and two writers agree on one */
		char *tmp = mae_xasprintf("%s.%ld.tmp", path, (long)getpid());
		int w = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		bool ok = w >= 0 && write(w, fresh, sizeof(fresh)) ==
					    (ssize_t)sizeof(fresh);
		ok = w >= 0 && fsync(w) == 0 && ok;
		if (w >= 0)
			ok = close(w) == 0 && ok;
		if (ok && link(tmp, path) < 0 && errno != EEXIST)
			ok = false;
		int saved = errno;
		unlink(tmp);
		free(tmp);
		if (!ok) {
			rc = mae_error_set(e, MAE_ERR_STATE,
					   "cannot write key file '%s': %s",
					   path, strerror(saved));
			goto out;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		rc = errno == ENOENT
			     ? mae_error_set(e, MAE_ERR_NOTFOUND,
					     "no key file '%s' (plans holding "
					     "secrets cannot be applied without "
					     "it: plan again)",
					     path)
			     : mae_error_set(e, MAE_ERR_STATE,
					     "cannot read key file '%s': %s",
					     path, strerror(errno));
		goto out;
	}
	unsigned char buf[STATE_KEY_LEN + 1];
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != STATE_KEY_LEN) {
		rc = mae_error_set(e, MAE_ERR_STATE,
				   "key file '%s' is damaged (%zd bytes where "
				   "%d were expected)",
				   path, n, STATE_KEY_LEN);
		goto out;
	}
	memcpy(key, buf, STATE_KEY_LEN);
out:
	free(path);
	return rc;
}
