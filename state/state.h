/*
 * state.h - the state database: plans, runs, every step attempt, check
 * attempts, the realised-step table and the apply lock of each
 * environment, in one file (docs/state.md).
 *
 * Nothing of the storage shows here: no handles, no SQL.  One struct
 * state is one open database, used from one thread at a time.  Opened
 * for reading, nothing is ever created or changed (no `.maestro/`, no
 * migration, no WAL switch) and a read-only file works; opened for
 * writing, the directory and the file are created with their modes and
 * the schema is brought up to date.
 *
 * Every failure of the database itself (locked, read-only for a writer,
 * corrupt, not a maestro database, from a newer maestro) is
 * MAE_ERR_STATE (exit 4) with a message naming the file; a plan or run
 * that does not exist is MAE_ERR_NOTFOUND.
 *
 * What must not be here: printing, the network, the model.  Secrets never
 * reach the database: plans hold them masked (INTERFACES.md "Secrets").
 */
#ifndef MAESTRO_STATE_H
#define MAESTRO_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "plan.h"

struct state;

/* The schema version this maestro writes (PRAGMA user_version). */
#define STATE_SCHEMA_VERSION 2

/* ------------------------------------------------------------------ */
/* Location and opening                                                 */

/*
 * The database's path (newly allocated), as INTERFACES.md says:
 * opt (--state) if set, else env_value (MAESTRO_STATE) if set and not
 * empty, else `.maestro/state.db` in the directory of env_file (the
 * current directory for NULL or "-").
 */
char *state_path(const char *opt, const char *env_value,
		 const char *env_file);

enum state_mode {
	STATE_READ,   /* never creates or alters anything */
	STATE_WRITE,  /* creates `.maestro/` (0700, .gitignore) and the file (0600) */
};

/*
 * Open the database at path.  STATE_READ on a missing file is
 * MAE_ERR_NOTFOUND ("no state database 'PATH'").  A database of an older
 * schema opened for reading is read as it is (no migration); one from a
 * newer maestro is refused in both modes, never altered.
 */
int state_open(const char *path, enum state_mode mode, struct state **ret,
	       struct mae_error *e);
/* NULL-safe. */
void state_close(struct state *st);
/* The file's path (borrowed). */
const char *state_file(const struct state *st);
/* The schema version found in the file (before any migration). */
int state_found_version(const struct state *st);

/* `PRAGMA integrity_check` (MAE_ERR_STATE with its first complaint). */
int state_check_integrity(struct state *st, struct mae_error *e);

/* ------------------------------------------------------------------ */
/* Plans                                                                */

/*
 * Store a finished plan (p->id is set to its new number) in one
 * transaction: a kill at any instant leaves either the whole plan or
 * none.  source_sha256 is the SHA-256 of the environment file's bytes.
 */
int state_plan_store(struct state *st, struct plan *p,
		     const char *source_sha256, struct mae_error *e);

/*
 * Load plan id, every field validated (plan_verify); each step's status
 * is its outcome in run `run` (0: the plan's latest run; pending when
 * the plan has no run or the step no attempt).
 */
int state_plan_load(struct state *st, int64_t id, int64_t run,
		    struct plan **ret, struct mae_error *e);

/* The newest plan of an environment (*id = 0 when there is none). */
int state_plan_latest(struct state *st, const char *environment,
		      int64_t *id, struct mae_error *e);

struct state_plan_info {
	int64_t id;
	char *environment;
	char *action;
	char **args;
	size_t nargs;
	char hash[MAE_SHA256_HEX_LEN + 1];
	char model_hash[MAE_SHA256_HEX_LEN + 1];
	char source_sha256[MAE_SHA256_HEX_LEN + 1];
	char *created_at;
	char *created_by;
	size_t nsteps;
	size_t nruns;
	char *last_outcome;  /* of the latest run, or NULL */
};

/*
 * The stored plans, oldest first, of one environment (or all when
 * environment is NULL).  Free with state_plan_infos_free.
 */
int state_plans_list(struct state *st, const char *environment,
		     struct state_plan_info **ret, size_t *n,
		     struct mae_error *e);
void state_plan_infos_free(struct state_plan_info *v, size_t n);

/*
 * Remove all but the newest `keep` plans of each environment (of one
 * when environment is not NULL) with their runs and attempts; what was
 * realised stays (for resume and a lost plan).  *removed (if not NULL)
 * gets the number of plans removed.  A plan whose run holds the apply
 * lock is kept.
 */
int state_plans_prune(struct state *st, const char *environment,
		      size_t keep, size_t *removed, struct mae_error *e);

/* ------------------------------------------------------------------ */
/* Runs, attempts, checks, realisations                                 */

/* Who runs: filled by state_who_am_i (user, host, pid and its start). */
struct state_who {
	char user[64];
	char host[256];
	int64_t pid;
	int64_t pid_start;   /* the process's start time (clock ticks since
			      * boot, /proc/PID/stat), against pid reuse */
	char boot_id[40];    /* this boot, so a start time is not compared
			      * across reboots */
};

void state_who_am_i(struct state_who *w);

enum state_outcome {
	STATE_RUN_RUNNING,
	STATE_RUN_DONE,
	STATE_RUN_FAILED,
	STATE_RUN_INTERRUPTED,
	STATE_RUN_REFUSED,
};
/* "running", "done", "failed", "interrupted", "refused" */
const char *state_outcome_name(enum state_outcome o);

/*
 * A new run of plan_id, outcome running.  options is a JSON text of the
 * apply's options (-c, --keep-going, --break-lock ...) or NULL.
 */
int state_run_begin(struct state *st, int64_t plan_id,
		    const struct state_who *who, const char *options,
		    int64_t *run_id, struct mae_error *e);
/* End a run with its outcome and, for failed/refused/interrupted, why. */
int state_run_finish(struct state *st, int64_t run_id,
		     enum state_outcome outcome, const char *reason,
		     struct mae_error *e);
/*
 * A note on a run (an auditor's failure, a warning): kind is a short word
 * ("audit", "warning", "lock").
 */
int state_run_note(struct state *st, int64_t run_id, const char *kind,
		   const char *message, struct mae_error *e);

/* A step attempt begins (status running); *attempt_id identifies it. */
int state_attempt_begin(struct state *st, int64_t run_id, int step,
			int64_t *attempt_id, struct mae_error *e);
/*
 * It ends: done, failed, skipped or stale, with a detail (Docker's
 * message, why skipped) and a result (JSON text: the container id, the
 * image id), both optional.
 */
int state_attempt_finish(struct state *st, int64_t attempt_id,
			 enum step_status status, const char *detail,
			 const char *result, struct mae_error *e);

/*
 * One attempt of one check of a check step: check is the index of the
 * check in the step's spec.  A failure identical (same error) to the
 * previous attempt of the same check is counted into that row (count,
 * last time) instead of a new one.
 */
int state_check_attempt(struct state *st, int64_t run_id, int step,
			int check, bool passed, const char *error,
			int64_t at_ms, struct mae_error *e);

struct state_run_info {
	int64_t id;
	int64_t plan_id;
	char *environment;
	char *action;
	char user[64];
	char host[256];
	int64_t pid;
	int64_t started_ms, finished_ms;  /* finished 0: not finished */
	enum state_outcome outcome;
	char *reason;
	char *options;          /* JSON text, or NULL */
	size_t steps_done;      /* steps whose latest attempt is done */
	size_t steps_failed;    /* ... failed or stale */
};

/*
 * The runs, oldest first, of one environment (all when NULL), of one plan
 * when plan_id is not 0.  Free with state_run_infos_free.
 */
int state_runs_list(struct state *st, const char *environment,
		    int64_t plan_id, struct state_run_info **ret, size_t *n,
		    struct mae_error *e);
void state_run_infos_free(struct state_run_info *v, size_t n);

/* What a run recorded, for `show` and `runs`: its attempts, in order. */
struct state_attempt {
	int step;
	int attempt;             /* 1, 2, ... per step within the run */
	int64_t started_ms, finished_ms;  /* finished 0: never finished */
	enum step_status status;
	char *detail;            /* or NULL */
	char *result;            /* JSON text, or NULL */
};
int state_run_attempts(struct state *st, int64_t run_id,
		       struct state_attempt **ret, size_t *n,
		       struct mae_error *e);
void state_attempts_free(struct state_attempt *v, size_t n);

/* Its check attempts, in order (a row may count identical failures). */
struct state_check {
	int step;
	int check;
	bool passed;
	char *error;             /* or NULL */
	int64_t count;
	int64_t first_ms, last_ms;
};
int state_run_checks(struct state *st, int64_t run_id,
		     struct state_check **ret, size_t *n,
		     struct mae_error *e);
void state_checks_free(struct state_check *v, size_t n);

/* Its notes, in order. */
struct state_note {
	int64_t at_ms;
	char *kind;
	char *message;
};
int state_run_notes(struct state *st, int64_t run_id, struct state_note **ret,
		    size_t *n, struct mae_error *e);
void state_notes_free(struct state_note *v, size_t n);

/* Record that a step's key is realised on a ship, with its result. */
int state_realise(struct state *st, const char *environment,
		  const char *ship, const char *key, int64_t run_id,
		  const char *result, struct mae_error *e);
/*
 * The result recorded for key on ship (newly allocated JSON text, or
 * NULL for none) or MAE_ERR_NOTFOUND when the key is not realised.
 */
int state_realisation(struct state *st, const char *environment,
		      const char *ship, const char *key, char **result,
		      struct mae_error *e);

/* ------------------------------------------------------------------ */
/* The apply lock                                                       */

struct state_lock {
	struct state_who who;
	int64_t since_ms;    /* wall clock, ms since the epoch */
	int64_t run_id;      /* 0: none yet */
};

enum state_lock_taken {
	STATE_LOCK_FREE = 0,     /* it was free */
	STATE_LOCK_TAKEN_OVER,   /* its holder, of this host, is gone */
	STATE_LOCK_BROKEN,       /* held from another host; broken as asked */
};

/*
 * Take the environment's apply lock for `who`.  Held by a live process
 * (or from another host without break_lock): MAE_ERR_STATE, *held filled
 * (if not NULL) so the caller can name the holder.  Otherwise returns the
 * enum above (>= 0), *held then describing a previous holder when there
 * was one.
 */
int state_lock_acquire(struct state *st, const char *environment,
		       const struct state_who *who, bool break_lock,
		       struct state_lock *held, struct mae_error *e);
/* Attach the run to the held lock (shown to whoever is refused). */
int state_lock_set_run(struct state *st, const char *environment,
		       int64_t run_id, struct mae_error *e);
/* Release it if `who` holds it (no error when it does not). */
int state_lock_release(struct state *st, const char *environment,
		       const struct state_who *who, struct mae_error *e);
/* The current holder (MAE_ERR_NOTFOUND when free). */
int state_lock_get(struct state *st, const char *environment,
		   struct state_lock *out, struct mae_error *e);
/* Whether a holder is a live process (only knowable on its own host). */
bool state_who_alive(const struct state_who *w);

/* ------------------------------------------------------------------ */
/* The secret_env key                                                   */

#define STATE_KEY_LEN 32

/*
 * The key that digests secret values (INTERFACES.md "Secrets"): 32 random
 * bytes in the 0600 file `PATH.key` beside the database.  create: make it
 * when missing (writers).  A missing key without create is
 * MAE_ERR_NOTFOUND; a damaged one MAE_ERR_STATE.
 */
int state_secret_key(const struct state *st, bool create,
		     unsigned char key[STATE_KEY_LEN], struct mae_error *e);

#endif
