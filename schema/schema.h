/*
 * schema.h - the public header of schema/: read an environment description
 * (template pass, YAML reader, validation) into a typed model.
 *
 * The model (struct schema_env) holds every key MaestroNG 0.8.3 reads, at
 * every level, with the values checked and defaults filled in:
 *   - ships with `ship_defaults` applied (spec §2.4),
 *   - services and their instances, each instance carrying its *effective*
 *     options: service ports, limits and lifecycle checks merged as
 *     MaestroNG merges them, but on fresh copies (MaestroNG's bugs of
 *     mutating the service's copy, spec §12 items 16-18, are not repeated),
 *   - the service dependency graph (requires, wants_info, the requires
 *     implied by volumes_from, dependents), checked to be acyclic,
 *   - registries, audit entries.
 * Important keys keep their source position (struct schema_pos, already
 * mapped through the template's source map) for later messages.
 *
 * What is not done here: environment files are not read, container
 * environments and create bodies are not computed (the environment code
 * does that from this model); nothing talks to a ship.
 *
 * Ownership: one struct schema_env owns everything reachable from it (one
 * arena); every pointer in the model is borrowed from it and lives until
 * schema_env_free().  Strings are NUL-terminated UTF-8 as written.
 */
#ifndef MAESTRO_SCHEMA_H
#define MAESTRO_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"

/* ------------------------------------------------------------------ */
/* Positions and values                                                 */

/*
 * Where a key or value was written: the source file (template files
 * included) and its 1-based line and column.  file is NULL and line 0
 * when the thing was not written (a default).
 */
struct schema_pos {
	const char *file;
	int line, col;
};

/* Report a diagnostic at a model position (mae_diag_file underneath). */
void schema_diag(struct mae_diags *d, enum mae_severity sev,
		 const struct schema_pos *pos, const char *fmt, ...)
	MAE_PRINTF(4, 5);

enum schema_vkind {
	SCHEMA_V_SCALAR,
	SCHEMA_V_LIST,
	SCHEMA_V_MAP,
};

/* The type PyYAML gave a scalar. */
enum schema_stype {
	SCHEMA_S_NULL,
	SCHEMA_S_BOOL,
	SCHEMA_S_INT,
	SCHEMA_S_FLOAT,
	SCHEMA_S_STR,
};

struct schema_kv;

/*
 * A value as written, for the places where MaestroNG passed YAML values
 * through untouched (env values, command, requests_options, audit
 * options).  Scalars keep PyYAML's type and Python's str() of the value
 * (`str`: "None", "True", "42", "1.2", the string itself); lists stay
 * lists (nested lists too); maps keep their insertion order.
 */
struct schema_value {
	enum schema_vkind kind;
	struct schema_pos pos;

	/* SCHEMA_V_SCALAR */
	enum schema_stype type;
	const char *str;     /* Python's str() of the value; never NULL */
	size_t str_len;      /* may contain NUL bytes (YAML escapes) */
	bool b;              /* SCHEMA_S_BOOL */
	bool int_fits;       /* SCHEMA_S_INT: the value fits in i */
	int64_t i;           /* SCHEMA_S_INT when int_fits */
	double f;            /* SCHEMA_S_FLOAT */

	/* SCHEMA_V_LIST */
	struct schema_value *items;
	size_t nitems;

	/* SCHEMA_V_MAP */
	struct schema_kv *pairs;
	size_t npairs;
};

struct schema_kv {
	const char *key;     /* Python's str() of the key */
	struct schema_pos key_pos;
	bool key_secret;     /* the key came from the environment */
	struct schema_value value;
};

/* A map of user keys to raw values, insertion order kept. */
struct schema_map {
	struct schema_kv *v;
	size_t n;
};

/* The value of key in m, or NULL. */
const struct schema_value *schema_map_get(const struct schema_map *m,
					  const char *key);

/* A string with its position (names, paths, list items). */
struct schema_str {
	const char *s;
	struct schema_pos pos;
	bool secret;          /* from the environment: never in a message */
};

struct schema_strlist {
	struct schema_str *v;
	size_t n;
};

/* A key and a string value (links, labels, log_opt, extra_hosts, ...). */
struct schema_strpair {
	const char *key;
	const char *value;
	struct schema_pos pos;
};

struct schema_strpairs {
	struct schema_strpair *v;
	size_t n;
};

/* ------------------------------------------------------------------ */
/* Registries (spec §2.3)                                               */

struct schema_registry {
	const char *name;
	struct schema_pos pos;
	const char *registry;   /* URL, e.g. "https://quay.io/v1/"; NULL if absent */
	const char *username;   /* NULL if absent */
	const char *password;   /* NULL if absent; a secret: never print it */
	const char *email;      /* NULL if absent */
	int retry_attempts;     /* retry.attempts, default 3 */
	int *retry_when;        /* retry.when: HTTP statuses, default none */
	size_t nretry_when;
};

/* ------------------------------------------------------------------ */
/* Ships (spec §2.4, with ship_defaults applied)                        */

struct schema_ssh_tunnel {
	const char *user;             /* required */
	const char *key;              /* identity file, or NULL: ssh-agent */
	int port;                     /* default 22 */
	const char *known_hosts;      /* maestro's; NULL: ~/.ssh/known_hosts */
	bool insecure_host_key;       /* maestro's; default false */
	struct schema_pos pos;
};

/* The most ports an instance may have once its ranges are expanded
 * (each is an entry of the create body): every port, tcp and udp. */
#define SCHEMA_PORTS_EXPANDED_MAX 131070

/* The range of a ship's `timeout` and `ssh_timeout`, in seconds: at
 * least a millisecond (the executor counts in milliseconds), at most a
 * day. */
#define SCHEMA_TIMEOUT_MIN 0.001
#define SCHEMA_TIMEOUT_MAX 86400.0

struct schema_ship {
	const char *name;
	const char *qname;             /* for messages: 'web', or hidden when
					 the name came from the environment */
	struct schema_pos pos;
	const char *ip;               /* required */
	const char *endpoint;         /* default: ip */
	int docker_port;              /* default 2375, 2376 when tls */
	const char *socket_path;      /* NULL if absent */
	bool has_ssh_tunnel;
	struct schema_ssh_tunnel ssh_tunnel;
	double ssh_timeout_s;         /* the seed's ssh_timeout; default = timeout_s */
	bool tls;                     /* default false */
	bool tls_verify;              /* default false */
	const char *tls_ca_cert;      /* paths as written (relative to the CWD), or NULL */
	const char *tls_cert;
	const char *tls_key;
	double timeout_s;             /* default 5; SCHEMA_TIMEOUT_MIN..MAX */
	const char *api_version;      /* str() of the value; NULL if absent
				       * (MaestroNG's default was "1.18"; maestro
				       * negotiates) */
	const char *ssl_version;      /* accepted with a warning, unused */
};

/* ------------------------------------------------------------------ */
/* Ports, volumes, restart, limits, ulimits                             */

/*
 * One named port (spec §4.1).  exposed/external are "80/tcp" or
 * "1234-1236/udp"; lo == hi for a single port.
 */
struct schema_port {
	const char *name;
	struct schema_pos pos;        /* of the port's value */
	const char *exposed;          /* "80/tcp" */
	unsigned exposed_lo, exposed_hi;
	const char *external_ip;      /* default "0.0.0.0" */
	const char *external;         /* "8080/tcp" */
	unsigned external_lo, external_hi;
	const char *proto;            /* "tcp" or "udp" */
	bool from_service;            /* inherited from the service's ports */
};

/*
 * A bind mount (spec §4.2): host path -> target with mode.  Schema 1's
 * reversed map (container: host) is turned around here; its mode is "rw".
 */
struct schema_bind {
	const char *host;
	const char *target;
	const char *mode;             /* free-form, default "rw" */
	struct schema_pos pos;
};

/*
 * Restart policy (spec §4.3): name one of no, always, on-failure,
 * unless-stopped; retries (MaximumRetryCount).  Accepted forms: "name",
 * "name:N", {name, retries}, and maestro's extension {name,
 * maximum_retry_count} (the form of MaestroNG's own documentation,
 * which MaestroNG itself refused).
 */
struct schema_restart {
	const char *name;             /* default "no" */
	int retries;                  /* default 0 */
	struct schema_pos pos;
};

/* Limits (spec §4.4), merged service then instance per key; bytes. */
struct schema_limits {
	bool has_cpu, has_memory, has_swap;
	int64_t cpu;                  /* CpuShares */
	int64_t memory;               /* bytes */
	int64_t swap;                 /* bytes (Docker's MemorySwap) */
	struct schema_pos cpu_pos, memory_pos, swap_pos;
};

struct schema_ulimit {
	const char *name;
	int64_t soft, hard;           /* an int form sets both */
	struct schema_pos pos;
};

/* ------------------------------------------------------------------ */
/* Lifecycle checks (spec §5, plus maestro's docker_health)             */

enum schema_state {
	SCHEMA_STATE_PRE_START,
	SCHEMA_STATE_RUNNING,
	SCHEMA_STATE_PRE_STOP,
	SCHEMA_STATE_STOPPED,
	SCHEMA_NSTATES,
};

/* "pre-start", "running", "pre-stop", "stopped". */
const char *schema_state_name(enum schema_state s);

enum schema_check_type {
	SCHEMA_CHECK_TCP,
	SCHEMA_CHECK_HTTP,
	SCHEMA_CHECK_EXEC,
	SCHEMA_CHECK_REXEC,
	SCHEMA_CHECK_SLEEP,
	SCHEMA_CHECK_DOCKER_HEALTH,
};

/* "tcp", "http", "exec", "rexec", "sleep", "docker_health". */
const char *schema_check_type_name(enum schema_check_type t);

enum schema_envfrom {
	SCHEMA_ENVFROM_ENV,           /* the child's environment (default) */
	SCHEMA_ENVFROM_STDIN,         /* a JSON object on its stdin */
};

/*
 * One check, defaults filled in.  Which fields apply depends on the type:
 *   tcp:   port (a named TCP port of the instance), max_wait = attempts
 *          (default 180, 1 s apart)
 *   http:  port (a named port, or a literal number: port_number), host
 *          (NULL: the ship's ip), match_regex (NULL: status 200 wins),
 *          path (default "/", a leading '/' added), scheme ("http"),
 *          method (lower-cased, "get"), max_wait seconds (300),
 *          requests_options (raw map; `verify` is the one maestro honours)
 *   exec:  command (raw: string or list), attempts (180), envfrom
 *   rexec: command (raw), attempts (180)
 *   sleep: wait seconds (required)
 *   docker_health: max_wait seconds (300)
 */
struct schema_check {
	enum schema_check_type type;
	struct schema_pos pos;
	bool from_service;            /* written at the service level */

	const char *port;             /* tcp, http: the name as written */
	bool port_secret;             /* port came from the environment */
	struct schema_pos port_pos;
	const struct schema_port *port_ref; /* tcp, http: the named port, or NULL
					     * for an http literal port */
	int port_number;              /* http with a literal port, else 0 */
	double max_wait;              /* tcp (attempts), http, docker_health (s) */
	int attempts;                 /* exec, rexec */
	double wait;                  /* sleep */

	const char *host;             /* http */
	const char *match_regex;      /* http; Python syntax (pyregex.h) */
	const char *path;
	const char *scheme;
	const char *method;
	struct schema_map requests_options;

	const struct schema_value *command; /* exec, rexec */
	enum schema_envfrom envfrom;  /* exec */
};

struct schema_checks {
	struct schema_check *v;
	size_t n;
};

/* ------------------------------------------------------------------ */
/* Services and instances                                               */

struct schema_service;
struct schema_ship;

/*
 * One instance (container), with its effective options.  Fields for keys
 * that were not written are NULL / 0 / false / empty, except where a
 * default is said.
 */
struct schema_instance {
	const char *name;
	const char *qname;             /* for messages: 'web', or hidden when
					 the name came from the environment */
	struct schema_pos pos;
	struct schema_service *service;
	struct schema_ship *ship;
	struct schema_pos ship_pos;

	const char *image;                 /* instance image, else the service's */
	const struct schema_value *command;/* `command`, else `cmd`; raw string or
					    * list; NULL: the image's default */

	struct schema_map env;             /* the instance's own env (not merged
					    * with the service's: see service) */
	struct schema_strlist envfile;     /* instance envfiles, paths joined to
					    * base_dir, not read */

	struct schema_port *ports;         /* service ports, overridden by name,
					    * then the instance's new ones */
	size_t nports;

	struct schema_bind *volumes;       /* in the order written */
	size_t nvolumes;
	struct schema_strlist container_volumes;
	struct schema_strlist volumes_from_names;   /* as written */
	struct schema_instance **volumes_from;      /* resolved, same order */
	size_t nvolumes_from;
	struct schema_strpairs links;      /* name -> alias, as written */

	const char *username;
	const char *workdir;
	bool privileged;
	struct schema_strlist cap_add;
	struct schema_strlist cap_drop;
	struct schema_strpairs extra_hosts;/* host -> ip, `{ship: S}` resolved */
	const char *net;                   /* NULL: default (hostname = name) */
	struct schema_restart restart;     /* default {no, 0} */
	bool has_dns;
	struct schema_strlist dns;         /* a string becomes a one-item list */
	int stop_timeout;                  /* seconds, default 10 */
	struct schema_limits limits;       /* service's, overridden per key */
	const char *log_driver;            /* NULL: Docker's default */
	struct schema_strpairs log_opt;    /* values as str() */
	bool has_security_opt;
	struct schema_strlist security_opt;
	struct schema_ulimit *ulimits;
	size_t nulimits;
	bool has_labels;
	struct schema_strpairs labels;     /* a list gives label -> "" */
	struct schema_strpairs lxc_conf;   /* warned about; Docker ignores it */

	/* the service's checks first, then the instance's, per state */
	struct schema_checks lifecycle[SCHEMA_NSTATES];
	struct schema_strlist secret_env;  /* the instance's own secret_env keys
					    * (its service's apply too) */
};

struct schema_service {
	const char *name;
	const char *qname;             /* for messages: 'web', or hidden when
					 the name came from the environment */
	struct schema_pos pos;
	const char *image;
	struct schema_map env;             /* service-level env */
	struct schema_strlist envfile;     /* paths joined to base_dir */
	bool omit;
	struct schema_limits limits;       /* service-level, before merging */
	struct schema_port *ports;         /* service-level ports */
	size_t nports;
	struct schema_checks lifecycle[SCHEMA_NSTATES]; /* service-level */
	struct schema_strlist secret_env;  /* maestro's: env keys whose values
					    * are secrets (INTERFACES.md "Secrets") */

	struct schema_instance **instances;/* in the order written */
	size_t ninstances;

	/* The dependency graph; every list is free of duplicates. */
	struct schema_service **requires;  /* as written in `requires` */
	size_t nrequires;
	struct schema_service **wants_info;/* as written in `wants_info` */
	size_t nwants_info;
	struct schema_service **implied;   /* services an instance takes
					    * volumes_from, not already in
					    * requires, never itself */
	size_t nimplied;
	struct schema_service **dependents;/* services whose requires or implied
					    * hold this one, in model order */
	size_t ndependents;
};

/* ------------------------------------------------------------------ */
/* Audit (spec §7)                                                      */

struct schema_audit {
	const char *type;             /* log, hipchat, slack, http, exec, _fail */
	const char *level;            /* "info" (default) or "debug" */
	bool ignore_errors;
	struct schema_map options;    /* the whole entry, raw */
	struct schema_pos pos;
};

/* ------------------------------------------------------------------ */
/* The environment                                                      */

struct mae_arena;

struct schema_env {
	const char *name;
	int schema_version;           /* 1 (also when absent) or 2 */
	const char *file;             /* as named in messages: path or "<stdin>" */
	const char *base_dir;         /* the description's directory ("." when
				       * it has none, the CWD for stdin) */
	const char *source;           /* the file's bytes as read (before the
				       * template pass), in the arena */
	size_t source_len;
	char source_sha256[MAE_SHA256_HEX_LEN + 1]; /* "" until
				       * schema_env_source_sha256() */

	struct schema_registry *registries;
	size_t nregistries;
	struct schema_ship *ships;
	size_t nships;
	struct schema_service *services;
	size_t nservices;
	struct schema_instance *instances; /* every instance, service by
					    * service, in the order written */
	size_t ninstances;
	struct schema_audit *audit;
	size_t naudit;

	struct mae_arena *arena;   /* private */
	struct mae_map ships_ix;  /* private: lookups by name */
	struct mae_map services_ix;
	struct mae_map instances_ix;
	struct mae_map registries_ix;
};

/*
 * Read the environment description at path ("-": standard input, named
 * "<stdin>" in messages): template pass with envp as `env`, YAML reader,
 * model.  Every problem goes to d (d->file is set to the display name for
 * the duration).  Returns 0 and the model when there was no error
 * (warnings may be in d), else a negative code and *ret NULL.  An
 * unreadable file is one located error in d, MAE_ERR_IO.
 */
int schema_load(const char *path, char *const *envp, struct schema_env **ret,
		struct mae_diags *d);

/*
 * The same from text in memory: name is the display name, base_dir the
 * directory includes and envfiles resolve against ("" or "." for the
 * current directory).
 */
int schema_load_text(const char *name, const char *text, size_t len,
		     const char *base_dir, char *const *envp,
		     struct schema_env **ret, struct mae_diags *d);

/* Free a model and everything it owns. NULL-safe. */
void schema_env_free(struct schema_env *env);
/* The SHA-256 of the file's bytes as read, computed on the first call. */
const char *schema_env_source_sha256(struct schema_env *env);

/* Lookups by name (NULL when absent). Borrowed. */
struct schema_ship *schema_env_ship(const struct schema_env *env,
				    const char *name);
struct schema_service *schema_env_service(const struct schema_env *env,
					  const char *name);
struct schema_instance *schema_env_instance(const struct schema_env *env,
					    const char *name);

/* A port of an instance by name, or NULL. */
const struct schema_port *schema_instance_port(const struct schema_instance *c,
					       const char *name);

/*
 * The transitive closure of svc's dependencies: every service reachable
 * through `requires` (and, with implied, through the requires volumes_from
 * implies), svc itself excluded, in a dependency-first order: a depth-first
 * post-order that follows requires as written, then implied ones.  The array is
 * newly allocated (free() it; the services are borrowed); *ret_n its
 * length.
 */
struct schema_service **schema_service_requires_closure(
	const struct schema_env *env, const struct schema_service *svc,
	bool implied, size_t *ret_n);

/*
 * The same in the other direction: every service that depends on svc
 * (through requires and implied), dependents-first post-order.
 */
struct schema_service **schema_service_dependents_closure(
	const struct schema_env *env, const struct schema_service *svc,
	size_t *ret_n);

#endif
