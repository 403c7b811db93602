/*
 * audit.h - MaestroNG's auditors (spec §7): log, http, exec, slack,
 * hipchat (skipped: the service is gone) and _fail (tests).  A library:
 * the caller (cli, from the model) fills plain configurations, then
 * emits events — an action started, done or failed, for a run (level
 * info) or a top-level step (level debug) — and gets back one result per
 * auditor, for the journal.
 *
 * Secrets: an auditor's endpoint, webhook and token never appear in a
 * result's error text (only the endpoint's scheme://host[:port] does).
 *
 * For cli, which fills the configurations.  One audit_emit() at a time
 * per audit set; several sets may emit at once.
 */
#ifndef MAESTRO_EXECUTOR_AUDIT_H
#define MAESTRO_EXECUTOR_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "base.h"

struct json_t;

enum audit_level {
	AUDIT_DEBUG, /* per top-level step */
	AUDIT_INFO,  /* per run */
};

/* One `audit` entry of the description. */
struct audit_config {
	const char *type;       /* log, http, exec, slack, hipchat, _fail */
	enum audit_level level; /* the lowest event level it emits */
	bool ignore_errors;
	const struct json_t *settings; /* the whole entry as JSON (an object) */
};

enum audit_kind {
	AUDIT_ACTION,  /* started */
	AUDIT_SUCCESS, /* done */
	AUDIT_ERROR,   /* failed */
};

struct audit_target {
	const char *name;     /* container name */
	const char *service;
	const char *ship;     /* ship name */
	const char *ship_ip;
};

struct audit_event {
	enum audit_kind kind;
	enum audit_level level;     /* AUDIT_INFO: the run; AUDIT_DEBUG: a step */
	const char *action;         /* start, stop, kill, restart, pull, clean */
	const struct audit_target *targets;
	size_t ntargets;
	const char *user;           /* the local login name */
	const char *message;        /* AUDIT_ERROR: what failed (or NULL) */
};

enum audit_status {
	AUDIT_NOT_SENT, /* below its level, or an event it does not send */
	AUDIT_OK,
	AUDIT_SKIPPED,  /* hipchat: error holds the warning */
	AUDIT_FAILED,   /* error says why, without secrets */
};

struct audit_result {
	enum audit_status status;
	char *error;    /* AUDIT_FAILED, AUDIT_SKIPPED */
};

struct audit_outcome {
	struct audit_result *v; /* one per auditor, in order */
	size_t n;
	bool abort;     /* an auditor without ignore_errors failed on a run's
			 * action event: the run must not go on */
};

struct audit_set;

/*
 * Check configs (types, required settings, payload, method, timeout) and
 * make the set; NULL with e set (MAE_ERR_INVALID, "auditor N: ...") when
 * one is wrong.  configs and their settings must outlive the set.
 */
struct audit_set *audit_set_new(const struct audit_config *configs,
				size_t n, struct mae_error *e);
void audit_set_free(struct audit_set *s);

/*
 * Send ev to every auditor, in order, and fill *ret (release with
 * audit_outcome_release).  Bounded: each http or slack call by its
 * timeout, each exec by its own.
 */
void audit_emit(struct audit_set *s, const struct audit_event *ev,
		struct audit_outcome *ret);
void audit_outcome_release(struct audit_outcome *o);

/*
 * MaestroNG's sentences: "USER is starting WHAT.", "Start of WHAT
 * succeeded.", "Failed to start WHAT! (message: M)".  compact: five
 * targets or more are "N containers".  Allocated.
 */
char *audit_sentence(const struct audit_event *ev, bool compact);

/* The environment variable that replaces https://slack.com/api (tests). */
#define AUDIT_SLACK_API_ENV "MAESTRO_SLACK_API"

#endif
