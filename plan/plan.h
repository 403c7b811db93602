/*
 * plan.h - the plan every stage speaks (INTERFACES.md "Plans").
 *
 * A plan is a numbered DAG of small steps (struct plan_step) plus what
 * apply needs to reach the ships (struct ship_conn).  The compiler builds
 * one with plan_add_step()/plan_add_dep() and calls plan_finish(), which
 * numbers the steps, computes every step key and the plan hash; state/
 * stores it; the executor replays it.  Plans also go to and come back from
 * JSON: plan_to_json() writes INTERFACES.md's document, plan_from_json()
 * reads one back validating every field (a plan comes back from a
 * database, which may be damaged or from another maestro).
 *
 * Invariants of a plan (plan_verify() checks them on every load):
 *   - steps[i].number == i + 1;
 *   - a step's depends_on holds numbers of this plan, strictly increasing,
 *     each smaller than its own number once the plan is finished;
 *   - after plan_finish(): keys and the hash are those of the contents.
 *
 * Ownership: the plan owns everything it points to; spec, precondition
 * and postcondition JSON given to plan_add_step() is stolen.  This header
 * does not include jansson.h: JSON values appear as `struct json_t`
 * (callers that build them include <jansson.h>).
 *
 * What must not be here: anything of the model (schema/), the database,
 * the network, printing.  Secrets never enter a plan: the compiler masks
 * them before they reach a spec (INTERFACES.md "Secrets").
 */
#ifndef MAESTRO_PLAN_H
#define MAESTRO_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"

struct json_t;

/* ------------------------------------------------------------------ */
/* Ships' connection settings                                           */

/*
 * How to reach one ship's Docker daemon.  Filled by cli from the model
 * (or read back from a stored plan), storable as they are: endpoints,
 * ports and file paths, never key material or passwords.
 */
enum ship_transport {
	SHIP_UNIX,  /* socket_path on this machine */
	SHIP_TCP,   /* http://endpoint:port */
	SHIP_TLS,   /* https://endpoint:port */
	SHIP_SSH,   /* through an SSH session to endpoint, then to the
		     * daemon's unix socket (socket_path) or 127.0.0.1:port;
		     * with `tls` set, TLS runs inside the tunnel */
};

struct ship_ssh {
	char *user;            /* required */
	char *key;             /* identity file path, or NULL: ssh-agent */
	int port;              /* default 22 */
	char *known_hosts;     /* NULL: ~/.ssh/known_hosts */
	bool insecure_host_key;/* accept unknown/changed host keys (dangerous) */
	double timeout_s;      /* ssh_timeout: connecting; default = ship timeout */
};

struct ship_tls {
	bool verify;           /* verify the daemon's certificate */
	char *ca_cert;         /* paths, or NULL */
	char *cert;
	char *key;
};

struct ship_conn {
	char *name;            /* the ship's name in the description */
	enum ship_transport transport;
	char *endpoint;        /* host name or address the daemon (or sshd) is reached at */
	int port;              /* daemon TCP port (2375, 2376 with tls) */
	char *socket_path;     /* unix socket path, or NULL */
	bool tls_on;           /* https (also with SHIP_SSH) */
	struct ship_tls tls;
	bool has_ssh;
	struct ship_ssh ssh;
	double timeout_s;      /* connect and ordinary calls; default 5 */
	char *api_version;     /* NULL or "auto": negotiate; else a pin "1.xx" */
};

/* Free the strings of c (not c itself). NULL-safe. */
void ship_conn_release(struct ship_conn *c);
/* Deep copy. */
void ship_conn_copy(struct ship_conn *dst, const struct ship_conn *src);

/*
 * How a ship is addressed, as a URL (newly allocated): "unix:///path",
 * "http://endpoint:2375", "https://endpoint:2376", and for SSH
 * "ssh://user@endpoint:22" followed by the daemon's address there
 * ("ssh://u@h:22 -> unix:///var/run/docker.sock").  For messages and
 * `maestro ships`; never holds a secret.
 */
char *ship_conn_url(const struct ship_conn *c);

/* The transport's name: "unix", "tcp", "tls", "ssh". */
const char *ship_transport_name(enum ship_transport t);

/*
 * The settings as JSON (new reference), without the name:
 *   {"transport": "unix|tcp|tls|ssh", "endpoint": STR|null, "port": INT,
 *    "socket_path": STR|null, "timeout": NUMBER, "api_version": STR|null,
 *    "tls": {"verify": BOOL, "ca_cert", "cert", "key": STR|null} | null,
 *    "ssh": {"user": STR, "key": STR|null, "port": INT,
 *            "known_hosts": STR|null, "insecure_host_key": BOOL,
 *            "timeout": NUMBER} | null}
 * ("tls" is null exactly when tls_on is false, "ssh" when has_ssh is.)
 */
struct json_t *ship_conn_to_json(const struct ship_conn *c);
/*
 * Read settings back (name copied into out->name).  Every field is
 * checked; on error out is left empty and e says which field, prefixed
 * with `where` (e.g. "plan 3: ships.web1").
 */
int ship_conn_from_json(const struct json_t *v, const char *name,
			const char *where, struct ship_conn *out,
			struct mae_error *e);

/* ------------------------------------------------------------------ */
/* Steps                                                                */

/* In numbering order (INTERFACES.md "Plans", the kinds' list). */
enum step_kind {
	STEP_PULL,
	STEP_CREATE,
	STEP_START,
	STEP_CHECK,
	STEP_STOP,
	STEP_KILL,
	STEP_REMOVE,
	STEP_WAIT,
};
#define STEP_KIND_COUNT 8

/* "pull", "create", ...; step_kind_parse returns -1 for an unknown name. */
const char *step_kind_name(enum step_kind k);
int step_kind_parse(const char *name);

enum step_status {
	STEP_PENDING,
	STEP_RUNNING,
	STEP_DONE,
	STEP_FAILED,
	STEP_SKIPPED,
	STEP_STALE,
};
#define STEP_STATUS_COUNT 6

/* "pending", "running", ...; step_status_parse returns -1 if unknown. */
const char *step_status_name(enum step_status s);
int step_status_parse(const char *name);

/*
 * A pre- or postcondition: what one inspect of the step's container (or,
 * for a pull, its image) on the step's ship must show.  What each kind
 * uses is INTERFACES.md's table:
 *
 *   kind    precondition                        postcondition
 *   pull    none, or IMAGE_ABSENT (no -r)       IMAGE_PRESENT
 *   create  ABSENT (id: the container an        EXISTS with spec, not_id =
 *           earlier step removes, or NULL)      the id seen at plan time
 *   start   STOPPED, id (NULL: the one this     RUNNING, id
 *           plan creates)
 *   check   RUNNING                             PASSED (in this run)
 *   stop    RUNNING, id                         STOPPED, id
 *   kill    RUNNING, id                         STOPPED, id
 *   remove  STOPPED, id                         GONE, id
 *   wait    none                                WAITED (in this run)
 *
 * `observed` is false when the plan could not look (`--offline`): apply
 * then checks at apply time what the plan assumed.
 */
enum plan_cond_state {
	PLAN_COND_NONE = 0,   /* no condition (JSON null) */
	PLAN_COND_ABSENT,     /* no container of that name (but `id`, if set) */
	PLAN_COND_EXISTS,     /* a container of that name, any state */
	PLAN_COND_STOPPED,    /* the container exists and is not running */
	PLAN_COND_RUNNING,    /* the container is running */
	PLAN_COND_GONE,       /* no container of that name has `id` */
	PLAN_COND_IMAGE_ABSENT,
	PLAN_COND_IMAGE_PRESENT,
	PLAN_COND_PASSED,     /* a check step passed in this run */
	PLAN_COND_WAITED,     /* a wait step waited in this run */
};
#define PLAN_COND_STATE_COUNT 10

/* "none", "absent", ...; plan_cond_state_parse returns -1 if unknown. */
const char *plan_cond_state_name(enum plan_cond_state s);
int plan_cond_state_parse(const char *name);

struct plan_cond {
	enum plan_cond_state state;
	char *id;        /* the container id expected, or NULL */
	char *not_id;    /* an id the container must not have, or NULL */
	char *spec;      /* the expected maestro.spec label, or NULL */
	char *image;     /* the image reference (pull), or NULL */
	char *image_id;  /* the id the image resolved to at plan time, or NULL */
	bool observed;   /* seen at plan time (false: assumed, --offline) */
};

/*
 * JSON of a condition: null for PLAN_COND_NONE, else
 *   {"state": NAME, "observed": BOOL, and each of "id", "not_id", "spec",
 *    "image", "image_id" that is set (a string)}
 */
struct json_t *plan_cond_to_json(const struct plan_cond *c);
int plan_cond_from_json(const struct json_t *v, const char *where,
			struct plan_cond *out, struct mae_error *e);
void plan_cond_release(struct plan_cond *c);
void plan_cond_copy(struct plan_cond *dst, const struct plan_cond *src);

struct plan_step {
	int number;              /* 1..N: steps[number - 1] */
	enum step_kind kind;
	char *ship;              /* the ship's name */
	char *container;         /* the container's name, or NULL (pull, wait) */
	struct json_t *spec;     /* a JSON object: create body, check, ... */
	int *depends_on;         /* step numbers, strictly increasing */
	size_t ndeps;
	char key[MAE_SHA256_HEX_LEN + 1];  /* "" until plan_finish */
	struct plan_cond pre, post;
	enum step_status status; /* pending unless read from a run */
	/* the canonical JSON of spec, made once by plan_finish (NULL before)
	 * for the keys, the hash and the stored row: spec must not change
	 * after plan_finish */
	char *spec_text;
	/* for the builder's own bookkeeping; kept across plan_finish()'s
	 * renumbering, never stored or printed */
	uintptr_t tag;
};

/* ------------------------------------------------------------------ */
/* Plans                                                                */

struct plan {
	int64_t id;              /* the plan's number in the database; 0: not stored */
	char *environment;
	char *action;            /* start, stop, kill, restart, pull, clean */
	char **args;             /* the command's arguments, as given */
	size_t nargs;
	char model_hash[MAE_SHA256_HEX_LEN + 1];
	char hash[MAE_SHA256_HEX_LEN + 1]; /* "" until plan_finish */
	char *created_at;        /* RFC 3339 UTC, "2026-12-04T20:00:00Z" */
	char *created_by;        /* "user@host" */
	struct ship_conn *ships; /* sorted by name (plan_add_ship keeps it so) */
	size_t nships;
	struct plan_step *steps;
	size_t nsteps;
	size_t cap;
};

/* An empty plan (fields NULL/0).  plan_free is NULL-safe. */
struct plan *plan_new(void);
void plan_free(struct plan *p);

/* Set a string field (copied; NULL clears). */
void plan_set_str(char **field, const char *value);
/* Append an argument (copied). */
void plan_add_arg(struct plan *p, const char *arg);

/*
 * Add a ship's settings (deep copy), keeping ships sorted by name; the
 * same name again replaces the earlier settings.
 */
void plan_add_ship(struct plan *p, const struct ship_conn *c);
/* The settings of the ship named name (borrowed), or NULL. */
const struct ship_conn *plan_ship(const struct plan *p, const char *name);

/*
 * Append a step and return its number (steps[number - 1]).  ship and
 * container are copied (container may be NULL); spec is stolen (NULL
 * means an empty object).  Conditions start as none; status pending.
 * Pointers into p->steps are valid until the next plan_add_step.
 */
int plan_add_step(struct plan *p, enum step_kind kind, const char *ship,
		  const char *container, struct json_t *spec);
/* The step numbered n, or NULL. */
struct plan_step *plan_step(const struct plan *p, int n);
/*
 * Make step `n` depend on step `dep` (both numbers of p; duplicates are
 * ignored).  Returns MAE_ERR_INVALID for an unknown number or n == dep.
 */
int plan_add_dep(struct plan *p, int n, int dep, struct mae_error *e);
/* Set a step's condition (deep copy of c). */
void plan_step_set_pre(struct plan_step *s, const struct plan_cond *c);
void plan_step_set_post(struct plan_step *s, const struct plan_cond *c);

/*
 * Finish a built plan: refuse a dependency cycle (MAE_ERR_INTERNAL,
 * naming a step on it), number the steps in the order INTERFACES.md
 * defines (topological; ties by depth, ship, container with none first,
 * kind, canonical spec; then key), remapping depends_on, then compute
 * every step key and the plan hash.  Statuses are left as they are.
 */
int plan_finish(struct plan *p, struct mae_error *e);

/*
 * The numbering alone, for any DAG of n steps whose depends_on hold
 * positions + 1 (steps[d - 1] for each d): order gets the positions in
 * numbering order (order[0] is numbered 1), from ship, container, kind,
 * canonical spec and key of each step.  Returns MAE_ERR_INTERNAL on a
 * cycle or a dependency out of range.  plan_finish uses it; exposed for
 * tests.
 */
int plan_number_order(const struct plan_step *steps, size_t n,
		      size_t *order, struct mae_error *e);

/*
 * A step's key (INTERFACES.md): SHA-256 over kind (its name), ship,
 * container ("" for none), canonical spec and the sorted keys of its
 * dependencies, NUL-separated (Python: hashlib.sha256(b"\0".join(...))).
 * dep_keys are the dependencies' keys, in any order.
 */
void plan_step_key(const struct plan_step *s, const char *const *dep_keys,
		   size_t ndeps, char out[MAE_SHA256_HEX_LEN + 1]);

/* The plan hash: SHA-256 of the canonical steps array without status. */
void plan_hash(const struct plan *p, char out[MAE_SHA256_HEX_LEN + 1]);

/*
 * Check the invariants above, recomputing every key and the hash
 * (MAE_ERR_INVALID, the message starting with `where`).
 */
int plan_verify(const struct plan *p, const char *where,
		struct mae_error *e);
/*
 * The same invariants without recomputing keys, numbering and hash
 * (those must only be 64 hex digits): for a plan plan_finish made.
 */
int plan_check_shape(const struct plan *p, const char *where,
		     struct mae_error *e);

/* ------------------------------------------------------------------ */
/* JSON                                                                 */

/*
 * INTERFACES.md's document (new reference):
 *   {"plan", "hash", "environment", "action", "args", "model_hash",
 *    "created_at", "created_by", "ships": {NAME: ship_conn_to_json},
 *    "steps": [plan_step_to_json...]}
 * "plan" is the id (null when 0); null strings are JSON null.
 */
struct json_t *plan_to_json(const struct plan *p);
/*
 * One step: {"number", "kind", "ship", "container": STR|null,
 * "depends_on": [INT...], "key", "spec", "precondition", "postcondition",
 * and "status" when with_status}.  The hash covers the steps without it.
 */
struct json_t *plan_step_to_json(const struct plan_step *s, bool with_status);

/* The canonical text of plan_to_json (newly allocated). */
char *plan_to_text(const struct plan *p);

/*
 * Read a plan document back, every field validated and the keys and hash
 * recomputed (plan_verify).  Messages start with `where` and name the
 * field ("state.db: plan 3: steps[2].kind: unknown step kind 'pul'");
 * a JSON syntax error in plan_from_text is located LINE:COL in e.
 * *ret is set only on success.
 */
int plan_from_json(const struct json_t *doc, const char *where,
		   struct plan **ret, struct mae_error *e);
int plan_from_text(const char *text, size_t len, const char *where,
		   struct plan **ret, struct mae_error *e);
/*
 * Read one step (as plan_step_to_json wrote it; "status" optional,
 * default pending) into a new step appended to p; dependencies are
 * checked later by plan_verify.  For state/, which stores steps as rows.
 */
int plan_step_from_json(struct plan *p, const struct json_t *v,
			const char *where, struct mae_error *e);

#endif
