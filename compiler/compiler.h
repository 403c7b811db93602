/*
 * compiler.h - turn the model, an action, a selection and what the ships
 * hold into a plan (DESIGN.md "Steps", INTERFACES.md "Plans").
 *
 * The compiler is pure: no network, no database, no printing.  It takes
 * the validated model with every container's computed spec, the action
 * and MaestroNG's flags (plus maestro's), and the observed state of the
 * ships (plan/observed.h; NULL with `offline`), and builds a finished
 * struct plan: steps, dependencies, pre- and postconditions, numbered and
 * keyed by plan/.  What the header of `maestro plan` shows beside the
 * steps (drift and why, orphans, unmanaged and skipped containers) comes
 * back as notes.
 *
 * Errors (struct mae_error, one message):
 *   MAE_ERR_INVALID  usage: an unknown action or thing, contradictory
 *                    flags, stop/kill/restart with no things and no --all
 *                    (the command exits 2);
 *   MAE_ERR_STATE    a container of another environment holds the name of
 *                    a selected instance (exit 1; nothing is stored);
 *   MAE_ERR_CONNECT  a ship the plan needs could not be observed (exit 1).
 */
#ifndef MAESTRO_COMPILER_H
#define MAESTRO_COMPILER_H

#include <stdbool.h>
#include <stddef.h>

#include "base.h"

struct schema_env;
struct container_specs;
struct observed;
struct plan;

enum compile_action {
	ACTION_START,
	ACTION_STOP,
	ACTION_KILL,
	ACTION_RESTART,
	ACTION_PULL,
	ACTION_CLEAN,
};

/* "start", ...; compile_action_parse returns -1 for an unknown name. */
const char *compile_action_name(enum compile_action a);
int compile_action_parse(const char *name);

struct compile_opts {
	enum compile_action action;
	const char *const *things;   /* services and instances, as given */
	size_t nthings;
	bool with_deps;              /* -d */
	bool ignore_deps;            /* -i: also removes the ordering edges */
	bool expand;                 /* -s */
	bool all;                    /* -a (implies -s) */
	const char *container_glob;  /* -C, or NULL */
	const char *ship_glob;       /* -S, or NULL */
	bool refresh;                /* -r: pull even when present */
	bool reuse;                  /* --reuse */
	bool only_if_changed;        /* --only-if-changed (restart) */
	double step_delay;           /* --step-delay seconds, 0: none */
	double stop_start_delay;     /* --stop-start-delay seconds */
	unsigned batch;              /* --batch N, 0: no batches */
	bool batch_percent;          /* --batch N%: N percent of a service */
	bool no_recreate;            /* leave drifted running containers */
	bool recreate_unmanaged;     /* replace running unlabelled ones */
	bool orphans;                /* clean: also remove orphans */
	bool offline;                /* assume, do not look (observed NULL) */
	const char *cwd;             /* absolute; relative exec check
				      * commands are resolved against it */
	/* the state database's key for secret_env values: a plan holds
	 * each secret only as "hmac-sha256:HEX" under it (INTERFACES.md
	 * "Secrets"); needed when a container of the plan has secrets */
	const unsigned char *secret_key;
	size_t secret_key_len;
};

enum compile_note_kind {
	NOTE_DRIFT,      /* differs from its planned spec (detail: why) */
	NOTE_ORPHAN,     /* labelled for this environment, not described */
	NOTE_UNMANAGED,  /* no maestro labels, a described name */
	NOTE_SKIPPED,    /* selected, but left alone (detail: why) */
	NOTE_BOUND,      /* replaced because what it is bound to is */
};

/* "drift", "orphan", "unmanaged", "skipped", "bound". */
const char *compile_note_kind_name(enum compile_note_kind k);

struct compile_note {
	enum compile_note_kind kind;
	char *ship;
	char *container;
	char *detail;    /* never a secret; may be "" */
};

struct compile_result {
	struct plan *plan;
	struct compile_note *notes;  /* by kind, ship, container */
	size_t nnotes, cap;
};

/*
 * Compile.  env and specs are borrowed (specs parallel to
 * env->instances); observed may be NULL only with o->offline.  The plan
 * carries environment, action and model_hash from here; cli adds args,
 * ships' settings, times and the author.  On success *ret holds a plan
 * already finished (plan_finish: numbered, keyed, hashed).
 */
int compile_plan(const struct schema_env *env,
		 const struct container_specs *specs,
		 const struct compile_opts *o, const struct observed *observed,
		 struct compile_result *ret, struct mae_error *e);
void compile_result_release(struct compile_result *r);

/*
 * A ship of the model to its connection settings, as spec §2.4 says
 * MaestroNG chose a ship's transport.  Fill out (all strings newly
 * allocated; ship_conn_release frees them):
 *   - transport: ssh_tunnel, else socket_path (unix), else TCP - https
 *     (SHIP_TLS) when `tls` or `tls_verify` is set;
 *   - port: docker_port (the model's default: 2376 with `tls`, else 2375;
 *     `tls_verify` alone keeps 2375);
 *   - TLS: verification exactly when `tls_verify`; the CA, certificate
 *     and key paths as written;
 *   - timeout, api_version and the SSH settings as they are.
 */
struct schema_ship;
struct ship_conn;
void compile_ship_conn(const struct schema_ship *s, struct ship_conn *out);

#endif
