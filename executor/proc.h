/*
 * proc.h - run a program to its end, bounded: argv (argv[0] looked up on
 * PATH), bytes for its standard input, its standard output captured up to
 * a size cap, a time limit, and how it ended.  Its standard error goes to
 * /dev/null; it gets the environment envp, or inherits maestro's.  Used by
 * the credential helpers (registry-auth.c) and exec lifecycle checks
 * (checks.c).
 *
 * Private to executor/.  Safe from several threads at once: SIGPIPE from
 * a program that does not read its input is blocked for the calling
 * thread only, and the process's signal dispositions are left alone.
 */
#ifndef MAESTRO_EXECUTOR_PROC_H
#define MAESTRO_EXECUTOR_PROC_H

#include <stdbool.h>
#include <stddef.h>

#include "base.h"

struct proc_spec {
	char *const *argv;  /* NULL-terminated; argv[0] searched on PATH */
	const void *in;     /* standard input (NULL: empty), then closed */
	size_t in_len;
	size_t out_max;     /* more standard output than this: stopped */
	int timeout_ms;     /* > 0: stopped (SIGKILL) when it runs longer */
	char *const *envp;  /* "NAME=VALUE", NULL-terminated; NULL: inherit */
	const int *stop;    /* non-NULL: when *stop becomes non-zero (read
			     * atomically, within 20 ms) it is killed and ends
			     * as PROC_TIMED_OUT */
};

enum proc_end {
	PROC_EXITED,    /* status: the exit status */
	PROC_SIGNALED,  /* status: the signal that ended it */
	PROC_TIMED_OUT, /* killed after timeout_ms (or on *stop) */
	PROC_TOO_MUCH,  /* killed: more than out_max bytes of output */
};

struct proc_result {
	enum proc_end end;
	int status;
	char *out;      /* standard output (NUL-added; at most out_max) */
	size_t out_len;
};

/*
 * Run spec to its end (or its limit) and fill *ret.  Returns 0 when the
 * program ran, whatever became of it; MAE_ERR_IO (sys_errno set, e->msg
 * "cannot run 'PROG': REASON") when it could not be started.
 */
int proc_run(const struct proc_spec *spec, struct proc_result *ret,
	     struct mae_error *e);

/* Wipe (it may have held a secret) and free the output. NULL-safe. */
void proc_result_release(struct proc_result *r);

#endif
