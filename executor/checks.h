/*
 * checks.h - the lifecycle check engine: runs the checks of a plan's check
 * step (the objects `maestro config --json` shows under `lifecycle`:
 * {"type", its options, "budget_s", "target": {"host", "port", "url"}})
 * to pass or fail.
 *
 * Budgets.  A check has budget_s seconds (MaestroNG's max_wait, or its
 * attempts x 1 s) from its first attempt; at least one attempt is always
 * made and none begins after the budget.  Attempts begin every 50 ms for
 * the first 2 s, then at intervals growing by half up to 1 s (MaestroNG
 * polled once a second), so a port that opens 50 ms after the start is
 * seen at the next attempt.
 *
 * Types:
 *   tcp     connect to target host:port (1 s per attempt at most).  A
 *           connection the peer closes or resets within CHECK_TCP_WINDOW_MS
 *           with no byte read fails the attempt: docker-proxy accepts on a
 *           published port even when nothing listens in the container and
 *           then closes at once (MaestroNG #53).  Open and silent for the
 *           window, or sending data, passes.
 *   http    target.url with method (HEAD reads no body), passing when the
 *           body (the first CHECK_HTTP_BODY_MAX bytes) matches match_regex
 *           (Python syntax, searched with DOTALL, base/pyregex.h) or, with
 *           no regex, when the status is 200.  requests_options: verify
 *           (false, or a CA bundle path), timeout (seconds, or [connect,
 *           read]), auth ([user, password], basic), headers (a map),
 *           allow_redirects (default true, false for HEAD); other options
 *           are ignored here (validate warns of them).
 *   exec    command (an argv list) run on this machine, exit 0 passes;
 *           envfrom "env": maestro's environment plus the container's,
 *           "stdin": the container's environment as a JSON object on its
 *           standard input.  Its output is never reported (it may hold a
 *           secret).
 *   rexec   command run inside the container through Docker's exec API,
 *           exit code 0 passes.
 *   sleep   waits budget_s seconds, then passes.
 *   docker_health  the container's State.Health.Status is "healthy"; a
 *           container whose image has no HEALTHCHECK fails at once.
 *
 * The definitions must hold real values: cli hands the engine the checks
 * with their secrets (an http auth password) in place, not the plan's
 * masked copy.
 *
 * Must not: print, open the database, read the description.
 */
#ifndef MAESTRO_EXECUTOR_CHECKS_H
#define MAESTRO_EXECUTOR_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"

struct json_t;
struct ship_client;

#define CHECK_TCP_WINDOW_MS 100        /* docker-proxy's close is seen within */
#define CHECK_HTTP_BODY_MAX (1u << 20) /* bytes of a body read, the rest dropped */
#define CHECK_FAST_MS 50               /* attempt interval for the first 2 s */
#define CHECK_FAST_FOR_MS 2000
#define CHECK_SLOW_MS 1000             /* the longest interval */
#define CHECK_ALIVE_EVERY_MS 200       /* how often alive() is asked */

/* One attempt of one check, as the journal records it. */
struct check_attempt {
	size_t check;      /* the check's index in its list (0 for check_run) */
	const char *type;  /* "tcp", ... (borrowed) */
	unsigned n;        /* 1, 2, ... */
	int64_t at_ms;     /* when it began: milliseconds since the epoch */
	int64_t dur_ms;    /* how long it took */
	bool passed;
	const char *error; /* why it failed; NULL when it passed (borrowed) */
};

/*
 * Called after every attempt.  Calls are serialised (never two at once),
 * from the threads that run the checks.
 */
typedef void (*check_attempt_fn)(void *ud, const struct check_attempt *a);

/*
 * Is the container still as the checks need it?  0: yes; non-zero: no,
 * with the reason in e (e.g. "'kafka-1' exited with status 1"); the checks
 * then fail at once with that reason.  Called every CHECK_ALIVE_EVERY_MS
 * from the thread that called check_run/checks_run.
 */
typedef int (*check_alive_fn)(void *ud, struct mae_error *e);

/* What the checks run against.  All borrowed; any may be NULL/0. */
struct check_ctx {
	struct ship_client *ship;   /* rexec, docker_health */
	const char *container;      /* the container's name */
	const struct json_t *env;   /* the container's environment (object) */
	check_attempt_fn on_attempt;
	void *attempt_ud;
	check_alive_fn alive;
	void *alive_ud;
	const int *cancel;          /* non-zero (read atomically): stop */
};

/*
 * Run one check definition to pass (0) or fail within its budget.  Fails
 * with MAE_ERR_TIMEOUT when the budget ran out ("tcp check of
 * 10.0.0.1:4242 failed after 180 s and 1800 attempts: connection refused"),
 * MAE_ERR_INVALID for a definition that cannot run (the reason at once),
 * MAE_ERR_STATE when alive() said no, MAE_ERR_CANCELLED on cancel.
 */
int check_run(const struct json_t *check, const struct check_ctx *ctx,
	      struct mae_error *e);

/*
 * Run every check of the array checks at once (one thread each).  0 when
 * all passed; else the first failure, its message prefixed "check N of M:
 * ", and the others stopped.  ret_failed (may be NULL) gets the index of
 * the failed check (the count of checks when alive() or cancel stopped
 * them all).
 */
int checks_run(const struct json_t *checks, const struct check_ctx *ctx,
	       size_t *ret_failed, struct mae_error *e);

/*
 * The interval between the beginnings of two attempts, elapsed_ms after
 * the first began, prev_ms being the previous interval (0 at first).
 */
int64_t check_next_interval(int64_t elapsed_ms, int64_t prev_ms);

#endif
