/*
 * client-int.h - what the files of executor/ share about a ship client:
 * the structure, one HTTP request, and the error shape.  Private to
 * executor/; the only place besides client.c that sees libcurl is not
 * this header (it stays free of curl types).
 */
#ifndef MAESTRO_EXECUTOR_CLIENT_INT_H
#define MAESTRO_EXECUTOR_CLIENT_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "base.h"
#include "executor.h"
#include "ship-limits.h"

#define SHIP_NLOCKS 8 /* >= CURL_LOCK_DATA_LAST of libcurl 7.88 */

#define SHIP_POOL_MAX 16

struct ship_client {
	struct ship_conn conn;
	char *local_socket;   /* connect here (unix ship, SSH tunnel), or NULL */
	char *base_url;       /* "http://localhost", "https://10.0.0.2:2376" */
	char *where;          /* for messages: "unix:///run/docker.sock" */
	void *share;          /* CURLSH *: TLS sessions, DNS */
	/*
	 * Idle easy handles (CURL *), each with its own open connection:
	 * a request takes one, uses it alone, and gives it back when the
	 * request succeeded.  libcurl does not support one connection cache
	 * shared by concurrent threads; this pool reuses connections without.
	 */
	void *idle[SHIP_POOL_MAX];
	int nidle;
	pthread_mutex_t pool_mu;
	pthread_mutex_t locks[SHIP_NLOCKS];
	pthread_mutex_t api_mu;
	char api[16];         /* "1.41" once known */
	int cancelled;        /* atomic */
	const int *flag;      /* atomic reads; NULL: none */
	long idle_s;          /* a stream's longest silence; 0: the default */
	ship_trace_fn trace;  /* or NULL */
	void *trace_ud;
	/* SHIP_SSH: the tunnel, opened by the first request (tunnel_mu) */
	struct ssh_tunnel *tunnel;
	pthread_mutex_t tunnel_mu;
};

/* Why a sink stopped a stream. */
enum ship_sink_rc {
	SHIP_SINK_GO = 0,
	SHIP_SINK_STOP = 1,  /* the caller has what it wants: success */
	SHIP_SINK_FAIL = 2,  /* the sink set the request's error itself */
};

struct ship_req {
	const char *op;        /* "create" */
	const char *subject;   /* "kafka-1", or NULL */
	const char *method;    /* "GET" ... */
	const char *path;      /* "/containers/x/json?all=1" (after /vX.Y) */
	bool unversioned;      /* path used as it is (/_ping, /version) */
	const char *body;      /* JSON, or NULL */
	size_t body_len;
	const char *registry_auth; /* X-Registry-Auth, or NULL (secret) */
	size_t body_max;       /* largest answer; 0: SHIP_BODY_MAX */
	size_t json_max;       /* most JSON values in it; 0: SHIP_JSON_MAX */
	long timeout_ms;       /* whole call; 0: none */
	long idle_s;           /* fail when no byte arrives for this long; 0: none */
	/* Streaming: each piece of a 2xx body goes to sink (not collected). */
	enum ship_sink_rc (*sink)(void *ud, const char *p, size_t n);
	void *sink_ud;
};

/*
 * Budgets of one answer.  A hostile daemon's answer must not become
 * gigabytes: the body is capped as it arrives, and before jansson builds
 * a tree (about 100 bytes per value) the text is counted: values (every
 * '[', '{', ',' and ':' outside strings, plus one) and nesting depth.
 * Small calls take small budgets (ops.c).
 */
#define SHIP_BODY_MAX ((size_t)64 << 20)
#define SHIP_JSON_MAX ((size_t)1000000)
#define SHIP_JSON_DEPTH_MAX 64

/*
 * Parse the JSON text s[0, n) if it holds at most max_values values (0:
 * SHIP_JSON_MAX) nested at most SHIP_JSON_DEPTH_MAX deep.  Returns 0 and
 * *ret; MAE_ERR_LIMIT over a budget or when jansson ran out of memory, or
 * MAE_ERR_PROTOCOL when it is not JSON, with why (a phrase: "holds more
 * than 1000 JSON values", "is not JSON (...)") filled.
 */
int ship_json_load(const char *s, size_t n, size_t max_values,
		   struct json_t **ret, char *why, size_t why_n);

struct ship_resp {
	long status;
	struct mae_buf body;   /* the body when not streamed, or an error body */
};

/*
 * Run one request.  Returns 0 when the daemon answered 2xx (or 304), else
 * fills e in the one shape and returns the code; resp->status is set when
 * an answer came.  resp is initialised here; release resp->body after.
 */
int ship_request(struct ship_client *cl, const struct ship_req *r,
		 struct ship_resp *resp, struct mae_error *e);

/* The body of resp as JSON (a protocol error when it is not). */
int ship_resp_json(struct ship_client *cl, const struct ship_req *r,
		   const struct ship_resp *resp, struct json_t **ret,
		   struct mae_error *e);

/* Fill e as "SHIP: OP 'SUBJECT': MESSAGE" and return code. */
int ship_fail(struct ship_client *cl, const struct ship_req *r, int code,
	      struct mae_error *e, const char *fmt, ...) MAE_PRINTF(5, 6);

/* True once the client was cancelled (or its watched flag set). */
bool ship_client_cancelled(const struct ship_client *cl);

/* A URL-encoded copy of s, by libcurl (newly allocated: free()). */
char *ship_urlencode(const char *s);

/*
 * path + "&filters=" (or "?filters=" when path has no query) + the
 * URL-encoded JSON of filters, newly allocated; filters is taken.
 */
char *ship_filters_path(const char *path, struct json_t *filters);

/* What ship_stream_feed parses. */
enum ship_feed_kind {
	SHIP_FEED_OUTPUT,   /* multiplexed stdout/stderr frames */
	SHIP_FEED_PULL,     /* a pull's JSON progress stream */
	SHIP_FEED_EVENTS,   /* the daemon's event stream (a start awaited) */
	SHIP_FEED_TIME,     /* an RFC 3339 time, as `since` */
};

/*
 * For the fuzz target: give data to one of the stream parsers as if it
 * came from the daemon, in pieces of at most piece bytes (>= 1), and
 * finish as the request would.  Returns 0 or the error (in e).  No
 * network.
 */
int ship_stream_feed(struct ship_client *cl, enum ship_feed_kind kind,
		     const char *data, size_t n, size_t piece,
		     struct mae_error *e);

#endif
