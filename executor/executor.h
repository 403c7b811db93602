/*
 * executor.h - the executor's public interface: a Docker Engine API client
 * for one ship (struct ship_client) over a unix socket, TCP or TLS (and
 * SSH, through a local socket that forwards to the daemon).
 *
 * A client is made from a ship's connection settings (plan.h) and
 * does no network work until its first call: connections are made lazily
 * and reused.  Every call is safe from several threads at once (at least
 * 8 concurrent calls per ship are served), and every pending call can be
 * cancelled.  The ship's timeout bounds connecting and each ordinary call;
 * a stop waits its stop timeout plus the ship's timeout; pulls, followed
 * logs and waits are bounded by progress (a stream that stops moving, a
 * connection that dies), not by a fixed total.
 *
 * Every failure fills struct mae_error with one shape:
 *
 *     ship2: create 'kafka-1': 409 Conflict: <Docker's own message>
 *     ship2: unreachable: cannot connect to 10.231.0.12:2375: ...
 *
 * and sets its code (MAE_ERR_CONNECT, _TIMEOUT, _PROTOCOL, _REMOTE,
 * _NOTFOUND for a 404, _AUTH for TLS trust problems, _CANCELLED) and
 * http_status.  Results in JSON are jansson values owned by the caller
 * (json_decref); this header does not include jansson.h.
 *
 * An answer has budgets (client-int.h): 64 MiB and a million JSON values
 * at most, far less for small calls (/_ping 4 KiB, /version 64 KiB, /info
 * 4 MiB, filtered container lists 16 MiB); past one the call fails with
 * MAE_ERR_LIMIT saying which.
 *
 * What must not be here: reading the description, printing.
 */
#ifndef MAESTRO_EXECUTOR_H
#define MAESTRO_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "plan.h"

struct json_t;
struct ship_client;

/* ------------------------------------------------------------------ */
/* API versions                                                         */

#define SHIP_API_MIN "1.24" /* never below: older daemons are refused */
#define SHIP_API_MAX "1.41" /* the field names maestro writes */

enum ship_api_pin {
	SHIP_API_PIN_AUTO = 0, /* NULL or "auto": negotiated with the daemon */
	SHIP_API_PIN_OK,       /* a pin within [MIN, MAX], used as it is */
	SHIP_API_PIN_RAISED,   /* below MIN (MaestroNG's 1.18): MIN is used */
	SHIP_API_PIN_LOWERED,  /* above MAX: MAX is used */
	SHIP_API_PIN_INVALID,  /* not "1.N": refused */
};

/*
 * What becomes of a ship's `api_version` setting: the enum above, and in
 * out (when not NULL and not AUTO/INVALID) the version that will be used.
 * For `validate`, which notes a raised pin once.
 */
enum ship_api_pin ship_api_pin_check(const char *pin, char out[16]);

/* ------------------------------------------------------------------ */
/* Clients                                                              */

/*
 * A client for the ship described by conn (deep-copied).  No connection is
 * made here; settings that cannot work are refused (MAE_ERR_INVALID): no
 * endpoint for TCP/TLS, no socket path for a unix ship, a TLS client
 * certificate without its key, an invalid api_version pin.
 */
int ship_client_new(const struct ship_conn *conn, struct ship_client **ret,
		    struct mae_error *e);
/* Cancels what is pending, waits for nothing.  NULL-safe. */
void ship_client_free(struct ship_client *cl);

/* The ship's name (borrowed). */
const char *ship_client_name(const struct ship_client *cl);

/*
 * A trace of every request (for --debug): the ship's name, the method,
 * the path as sent (query included; headers, which may hold a registry
 * credential, never), the HTTP status (0 when none came), the outcome (0
 * or an error code) and the time taken.  Called from the calling thread,
 * after each request.  fn NULL: no trace.
 */
typedef void (*ship_trace_fn)(void *ud, const char *ship, const char *method,
			      const char *path, long status, int rc,
			      int64_t ms);
void ship_client_set_trace(struct ship_client *cl, ship_trace_fn fn,
			   void *ud);

/*
 * How long a pull's progress stream may stay silent before the pull fails
 * (whole seconds, >= 1); the default is max(60 s, 6 x the ship's timeout).
 */
void ship_client_set_idle_limit(struct ship_client *cl, long seconds);

/*
 * Make every pending and later call of cl fail with MAE_ERR_CANCELLED
 * (within about a second).  Thread-safe, async-signal-unsafe.
 */
void ship_client_cancel(struct ship_client *cl);
/*
 * Also cancel when *flag becomes non-zero (read atomically; e.g. set by a
 * SIGINT handler).  flag is borrowed and must outlive cl.  NULL: none.
 */
void ship_client_watch_flag(struct ship_client *cl, const int *flag);

/*
 * The API version in use ("1.41"), negotiating it first if needed (GET
 * /version).  Borrowed, valid as long as cl.
 */
int ship_client_api_version(struct ship_client *cl, const char **ret,
			    struct mae_error *e);

/* ------------------------------------------------------------------ */
/* The daemon                                                           */

/* GET /_ping answered "OK". */
int ship_ping(struct ship_client *cl, struct mae_error *e);
/* GET /version, GET /info (JSON objects). */
int ship_version(struct ship_client *cl, struct json_t **ret,
		 struct mae_error *e);
int ship_info(struct ship_client *cl, struct json_t **ret,
	      struct mae_error *e);

/* ------------------------------------------------------------------ */
/* Containers                                                           */

/*
 * Containers (all states) named exactly name, or carrying every label of
 * labels ("key=value" or "key"): the JSON array of GET /containers/json.
 */
int ship_containers_by_name(struct ship_client *cl, const char *name,
			    struct json_t **ret, struct mae_error *e);
int ship_containers_by_labels(struct ship_client *cl,
			      const char *const *labels, size_t nlabels,
			      struct json_t **ret, struct mae_error *e);

/* GET /containers/NAME/json; MAE_ERR_NOTFOUND when there is none. */
int ship_container_inspect(struct ship_client *cl, const char *name,
			   struct json_t **ret, struct mae_error *e);
/*
 * POST /containers/create?name=NAME with body (the full create body);
 * ret_id (may be NULL) gets the new container's id, newly allocated.
 */
int ship_container_create(struct ship_client *cl, const char *name,
			  const struct json_t *body, char **ret_id,
			  struct mae_error *e);
/* Start; a container already running is success. */
int ship_container_start(struct ship_client *cl, const char *name,
			 struct mae_error *e);
/*
 * Stop, giving it timeout_s seconds before Docker kills it; the call waits
 * timeout_s plus the ship's timeout.  A stopped container is success.
 */
int ship_container_stop(struct ship_client *cl, const char *name,
			int timeout_s, struct mae_error *e);
/* Send a signal (NULL: KILL). */
int ship_container_kill(struct ship_client *cl, const char *name,
			const char *signal, struct mae_error *e);
/* Remove, with its anonymous volumes when volumes; force kills first. */
int ship_container_remove(struct ship_client *cl, const char *name,
			  bool volumes, bool force, struct mae_error *e);
/*
 * Wait until the container is not running; ret_status (may be NULL) gets
 * its exit status.  No time limit: it ends with the container, an error,
 * a lost connection or a cancel.
 */
int ship_container_wait(struct ship_client *cl, const char *name,
			int *ret_status, struct mae_error *e);

/* ------------------------------------------------------------------ */
/* Output of logs and execs                                             */

enum ship_stream {
	SHIP_STDOUT = 1,
	SHIP_STDERR = 2,
};

/*
 * Receives demultiplexed output, a piece at a time (not split by lines).
 * Return 0 to go on, non-zero to stop (the call then returns 0).
 */
typedef int (*ship_output_fn)(void *ud, enum ship_stream stream,
			      const char *data, size_t n);

struct ship_logs_opts {
	bool stdout_on, stderr_on; /* both false: both */
	long tail;                 /* last N lines; < 0: all */
	bool follow;               /* keep following, also across restarts
				    * of a container of that name, until the
				    * callback stops or the call is cancelled */
	bool timestamps;
};

/* A container's logs, demultiplexed (or raw, for a container with a tty). */
int ship_container_logs(struct ship_client *cl, const char *name,
			const struct ship_logs_opts *o, ship_output_fn out,
			void *ud, struct mae_error *e);

/*
 * Exec: create (body as Docker's, e.g. {"Cmd": [...], "AttachStdout":
 * true, "AttachStderr": true}; ret_id newly allocated), start (output to
 * out until the command ends; timeout_s > 0 bounds the whole run, 0 means
 * no bound), inspect (ExitCode, Running).
 */
int ship_exec_create(struct ship_client *cl, const char *container,
		     const struct json_t *body, char **ret_id,
		     struct mae_error *e);
int ship_exec_start(struct ship_client *cl, const char *exec_id,
		    double timeout_s, ship_output_fn out, void *ud,
		    struct mae_error *e);
int ship_exec_inspect(struct ship_client *cl, const char *exec_id,
		      struct json_t **ret, struct mae_error *e);

/* ------------------------------------------------------------------ */
/* Images                                                               */

/* GET /images/NAME/json (MAE_ERR_NOTFOUND when absent), GET /images/json. */
int ship_image_inspect(struct ship_client *cl, const char *image,
		       struct json_t **ret, struct mae_error *e);
int ship_image_list(struct ship_client *cl, struct json_t **ret,
		    struct mae_error *e);

struct ship_pull_progress {
	int layers;            /* layers seen so far */
	int layers_done;       /* downloaded (or already there) */
	int64_t bytes;         /* downloaded so far, over all layers */
	int64_t bytes_total;   /* announced sizes, over the layers seen */
	const char *status;    /* the last status line (borrowed) */
};

typedef void (*ship_pull_fn)(void *ud, const struct ship_pull_progress *p);

/*
 * An image to pull, as schema read it (schema/image-ref.h) and cli hands
 * it on: the executor parses no image reference.  All borrowed.
 */
struct ship_pull_image {
	const char *image;    /* as written, for messages */
	const char *name;     /* Docker's name, without tag or digest */
	const char *tag;      /* the digest, else the tag, else "latest" */
	const char *host;     /* the registry host ("docker.io", "reg:5000") */
	const char *registry; /* the name of the `registries` entry schema
			       * matched to the image, NULL: none */
};

/*
 * Pull img (POST /images/create?fromImage=NAME&tag=TAG), reading the
 * progress stream to its end: an `error` in the stream is an error, and so
 * is a stream that ends without saying the image is there.  registry_auth
 * (may be NULL) is the X-Registry-Auth header value; it never appears in
 * an error.  progress (may be NULL) is called as the stream goes.  Bounded
 * by progress: the stream must not stay silent longer than
 * max(60 s, 6 x the ship's timeout).
 */
int ship_image_pull(struct ship_client *cl, const struct ship_pull_image *img,
		    const char *registry_auth, ship_pull_fn progress,
		    void *ud, struct mae_error *e);

/* ------------------------------------------------------------------ */
/* Registries (docs/registries.md)                                      */

/* retry: {attempts, when} of a registries entry (spec §2.3). */
struct registry_retry {
	int attempts;  /* total attempts, >= 1 (default 3) */
	long *when;    /* HTTP statuses worth another attempt (owned) */
	size_t n_when; /* 0: never retry */
};

/* One `registries` entry, as cli fills it from the model.  All owned. */
struct registry_entry {
	char *name;
	char *registry; /* URL, e.g. "https://quay.io/v1/" */
	char *username; /* NULL: ask the Docker client configuration */
	char *password;
	char *email;
	struct registry_retry retry;
};

struct registry_list {
	struct registry_entry *v;
	size_t n;
};

/* Free the entries' strings (and wipe the passwords) and the array. */
void registry_list_release(struct registry_list *l);

/*
 * Pull img on the ship of cl with the credentials of the entry of l that
 * img->registry names (l may be NULL), else of the Docker client
 * configuration for img->host, reporting progress (layers, bytes) through
 * progress as ship_image_pull() does.  A failure whose HTTP status is in
 * the entry's retry.when is tried again after a second, up to
 * retry.attempts in all; running out of attempts is an error that says how
 * many were made.  A registry that refuses the credentials (the daemon
 * answers 500 "unauthorized", "authentication required", "no basic auth
 * credentials" or "denied") is MAE_ERR_AUTH, naming the user and where the
 * credentials came from, never the password.
 */
int registry_pull(struct ship_client *cl, const struct ship_pull_image *img,
		  const struct registry_list *l, ship_pull_fn progress,
		  void *ud, struct mae_error *e);

#endif
