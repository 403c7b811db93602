/*
 * fault.c - the fault-injection seam (base.h MAE_FAULT), compiled only in
 * a test build (meson -Dfault_injection=true), as SQLite's
 * sqlite3FaultSim: a named point in production code asks whether the test
 * wants it to fail, or wants the process to die there.
 *
 * MAESTRO_FAULT holds comma-separated rules NAME:KIND[:N]: KIND is `fail`
 * (the point returns nonzero) or `die` (the process is killed with
 * SIGKILL on the spot: no atexit, no flush, as a crash or kill -9); N
 * makes the rule act on the Nth hit of the point only (1-based), else on
 * every hit.  MAESTRO_FAULT_TRACE=FILE appends each hit's name, one a
 * line, so a test can count the points a run passes before arming them
 * one by one.  Must not: exist in a default build.
 */
#include "base.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAULT_RULES_MAX 16

struct fault_rule {
	char name[64];
	bool die;
	unsigned long nth; /* 0: every hit */
	unsigned long hits;
};

static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static bool fault_parsed;
static struct fault_rule fault_rules[FAULT_RULES_MAX];
static size_t fault_nrules;
static int fault_trace_fd = -1;

static void fault_bad(const char *spec, const char *why)
{
	/* a test harness's mistake: stop loudly rather than test nothing */
	fprintf(stderr, "maestro: fatal: MAESTRO_FAULT '%s': %s\n", spec, why);
	abort();
}

static void fault_parse(void)
{
	const char *trace = getenv("MAESTRO_FAULT_TRACE");
	if (trace && *trace)
		fault_trace_fd = open(trace, O_WRONLY | O_CREAT | O_APPEND |
						     O_CLOEXEC, 0644);
	const char *env = getenv("MAESTRO_FAULT");
	if (!env || !*env)
		return;
	char *copy = mae_xstrdup(env), *save = NULL;
	for (char *r = strtok_r(copy, ",", &save); r;
	     r = strtok_r(NULL, ",", &save)) {
		if (fault_nrules == FAULT_RULES_MAX)
			fault_bad(env, "more than 16 rules");
		struct fault_rule *fr = &fault_rules[fault_nrules++];
		char *kind = strchr(r, ':');
		if (!kind || kind == r || (size_t)(kind - r) >= sizeof(fr->name))
			fault_bad(env, "expected NAME:fail or NAME:die[:N]");
		memcpy(fr->name, r, (size_t)(kind - r));
		kind++;
		char *nth = strchr(kind, ':');
		if (nth)
			*nth++ = '\0';
		if (strcmp(kind, "fail") == 0)
			fr->die = false;
		else if (strcmp(kind, "die") == 0)
			fr->die = true;
		else
			fault_bad(env, "the kind is 'fail' or 'die'");
		if (nth) {
			char *end;
			fr->nth = strtoul(nth, &end, 10);
			if (*nth < '1' || *nth > '9' || *end)
				fault_bad(env, "N is a positive number");
		}
	}
	free(copy);
}

int mae_fault_hit(const char *name)
{
	int rc = 0;
	pthread_mutex_lock(&fault_lock);
	if (!fault_parsed) {
		fault_parse();
		fault_parsed = true;
	}
	if (fault_trace_fd >= 0) {
		char line[80];
		int n = snprintf(line, sizeof(line), "%s\n", name);
		if (n > 0 && write(fault_trace_fd, line, (size_t)n) < 0) {
			/* a trace that cannot be written is only a trace */
		}
	}
	for (size_t i = 0; i < fault_nrules; i++) {
		struct fault_rule *fr = &fault_rules[i];
		if (strcmp(fr->name, name) != 0)
			continue;
		fr->hits++;
		if (fr->nth && fr->hits != fr->nth)
			continue;
		if (fr->die)
			kill(getpid(), SIGKILL);
		rc = 1;
	}
	pthread_mutex_unlock(&fault_lock);
	return rc;
}
