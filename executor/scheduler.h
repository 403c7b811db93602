/*
 * scheduler.h - the DAG scheduler of apply (DESIGN.md "The executor").
 *
 * A step starts as soon as every step it depends on is done, across all
 * ships at once, under two caps: steps in flight (`-c N`) and steps in
 * flight per ship (`--ship-concurrency N`).  The work of a step is a
 * callback run on a bounded pool of worker threads (never one thread per
 * step); "no cap" means as many in flight as the pool has workers, so a
 * step on record as started always has a thread doing it.  Every transition is handed to ONE owner thread - the caller of
 * sched_run(), which commits it to the journal - through a queue:
 *
 *   - SCHED_EV_STARTED is committed before the step's work is handed to a
 *     worker (a step is never running without its start on record);
 *   - SCHED_EV_DONE is committed before any step depending on it starts
 *     (dependents become ready only when commit() returned for it);
 *   - SCHED_EV_FAILED is committed, then every step depending on it
 *     (transitively) is reported SCHED_EV_SKIPPED, in step order.
 *
 * Failure policy: without keep_going, after the first failure nothing new
 * starts and running steps finish; with keep_going every branch that does
 * not depend on a failure runs (stop, kill and clean plans keep going by
 * default: sched_keep_going_default()).  A step never started stays
 * STEP_PENDING in the result ("never started").
 *
 * Interruption: sched_interrupt() once (the first SIGINT/SIGTERM): nothing
 * new starts, in-flight steps finish; twice: the cancel flag every work
 * callback is given is set too (wire it to ship_client_watch_flag()).
 *
 * Steps the plan already records as STEP_DONE (a resume that decided so)
 * count as done from the start and produce no event.
 *
 * Must not: touch the database, the network or print; it knows nothing
 * of what a step does.
 */
#ifndef MAESTRO_EXECUTOR_SCHEDULER_H
#define MAESTRO_EXECUTOR_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>

#include "base.h"
#include "plan.h"

#define SCHED_WORKERS_DEFAULT 64
#define SCHED_WORKERS_MAX 1024

struct sched_opts {
	int max_inflight;  /* -c N: steps in flight at once; 0: no cap */
	int per_ship;      /* --ship-concurrency N; 0: no cap */
	int workers;       /* the pool's size; 0: SCHED_WORKERS_DEFAULT */
	bool keep_going;   /* run every branch not depending on a failure */
};

/* True for the plans that keep going after a failure by default: stop,
 * kill and clean. */
bool sched_keep_going_default(const char *action);

/*
 * A step's work, on a worker thread.  cancel is the scheduler's cancel
 * flag (read it with __atomic_load_n; set on the second interrupt).
 * Returns 0 when the step is done, else a negative code with e filled.
 * Must not call back into the scheduler except sched_interrupt().
 */
typedef int (*sched_work_fn)(void *ud, const struct plan_step *step,
			     const int *cancel, struct mae_error *e);

enum sched_event_kind {
	SCHED_EV_STARTED,
	SCHED_EV_DONE,
	SCHED_EV_FAILED,
	SCHED_EV_SKIPPED,
};

struct sched_event {
	enum sched_event_kind kind;
	const struct plan_step *step;
	int rc;                      /* FAILED: the work's code */
	const struct mae_error *err; /* FAILED: the work's error */
	int cause;                   /* SKIPPED: the failed step's number */
};

/*
 * A transition, on the owner thread, in the order they happen.  Returns
 * 0, or a negative code when it could not be committed (e filled): the
 * scheduler then starts nothing new (a STARTED that was not committed
 * does not run), lets running steps finish, still reports their ends,
 * and sched_run returns that first error.
 */
typedef int (*sched_commit_fn)(void *ud, const struct sched_event *ev,
			       struct mae_error *e);

struct sched_result {
	enum step_status *status; /* per step (steps[i]): done, failed,
				   * skipped, or pending (never started) */
	size_t nsteps;
	size_t ndone, nfailed, nskipped, npending;
	bool interrupted;         /* sched_interrupt() was called */
	int threads;              /* worker threads the pool started */
	int peak_inflight;        /* most steps in flight at once */
};

void sched_result_release(struct sched_result *r);

struct sched;

/* A scheduler for plan p (borrowed, must outlive it).  Invalid options
 * (negative caps, workers over SCHED_WORKERS_MAX) give MAE_ERR_INVALID. */
int sched_new(const struct plan *p, const struct sched_opts *o,
	      struct sched **ret, struct mae_error *e);
void sched_free(struct sched *s);

/*
 * Run the plan to its end on the calling thread (the owner), calling
 * commit() for every transition there.  Returns 0 when it ran to the end
 * (res tells which steps failed or were skipped), or the first commit
 * error.  res is filled in both cases (release it).  Once per scheduler.
 */
int sched_run(struct sched *s, sched_work_fn work, sched_commit_fn commit,
	      void *ud, struct sched_result *res, struct mae_error *e);

/* From any thread (not a signal handler): the first call stops starting
 * new steps, the second sets the cancel flag. */
void sched_interrupt(struct sched *s);

#endif
