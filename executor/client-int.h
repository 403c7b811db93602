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

#define SHIP_NLOCKS 8 /* >= CURL_LOCK_DATA_LAST of libcurl 7.88 */

struct ship_client {
	struct ship_conn conn;
	char *local_socket;   /* connect here (unix ship, SSH tunnel), or NULL */
	char *base_url;       /* "http://localhost", "https://10.0.0.2:2376" */
	char *where;          /* for messages: "unix:///run/docker.sock" */
	void *share;          /* CURLSH *: connections, TLS sessions, DNS */
	pthread_mutex_t locks[SHIP_NLOCKS];
	pthread_mutex_t api_mu;
	char api[16];         /* "1.41" once known */
	int cancelled;        /* atomic */
	const int *flag;      /* atomic reads; NULL: none */
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
	long timeout_ms;       /* whole call; 0: none */
	long idle_s;           /* fail when no byte arrives for this long; 0: none */
	/* Streaming: each piece of a 2xx body goes to sink (not collected). */
	enum ship_sink_rc (*sink)(void *ud, const char *p, size_t n);
	void *sink_ud;
};

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

/* A URL-encoded copy of s (newly allocated). */
char *ship_urlencode(const char *s);

/*
 * path + "&filters=" (or "?filters=" when path has no query) + the
 * URL-encoded JSON of filters, newly allocated; filters is taken.
 */
char *ship_filters_path(const char *path, struct json_t *filters);

#endif
