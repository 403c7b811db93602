/*
 * client.c - a ship client's transport: a pool of libcurl easy handles
 * per ship, each holding its own connection (a request takes one for
 * itself, so calls from many threads reuse connections without sharing a
 * connection cache, which libcurl does not support across threads; DNS
 * answers and TLS sessions are shared), the SSH tunnel opened on the first
 * request, the API version, cancellation, timeouts, and the mapping of
 * every transport failure to one error shape.
 *
 * Must not: print, read the description, let a proxy variable apply, or
 * put a registry credential into an error.
 */
#include "client-int.h"
#include "curl-init.h"
#include "ssh-tunnel.h"

#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------ */
/* API versions                                                         */

/* "1.41" -> 1041; -1 when not "1.N" */
static int api_parse(const char *s)
{
	if (!s || s[0] != '1' || s[1] != '.' || !s[2])
		return -1;
	int minor = 0;
	for (const char *p = s + 2; *p; p++) {
		if (*p < '0' || *p > '9' || minor > 1000)
			return -1;
		minor = minor * 10 + (*p - '0');
	}
	return 1000 + minor;
}

static void api_format(int v, char out[16])
{
	snprintf(out, 16, "%d.%d", v / 1000, v % 1000);
}

enum ship_api_pin ship_api_pin_check(const char *pin, char out[16])
{
	if (!pin || strcmp(pin, "auto") == 0)
		return SHIP_API_PIN_AUTO;
	int v = api_parse(pin);
	if (v < 0)
		return SHIP_API_PIN_INVALID;
	int lo = api_parse(SHIP_API_MIN), hi = api_parse(SHIP_API_MAX);
	enum ship_api_pin r = SHIP_API_PIN_OK;
	if (v < lo) {
		v = lo;
		r = SHIP_API_PIN_RAISED;
	} else if (v > hi) {
		v = hi;
		r = SHIP_API_PIN_LOWERED;
	}
	if (out)
		api_format(v, out);
	return r;
}

/* ------------------------------------------------------------------ */
/* Clients                                                              */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access a,
		       void *ud)
{
	(void)h;
	(void)a;
	struct ship_client *cl = ud;
	pthread_mutex_lock(&cl->locks[(unsigned)data % SHIP_NLOCKS]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
	(void)h;
	struct ship_client *cl = ud;
	pthread_mutex_unlock(&cl->locks[(unsigned)data % SHIP_NLOCKS]);
}

/* "[::1]" for IPv6 literals in URLs */
static char *url_host(const char *host)
{
	if (strchr(host, ':') && host[0] != '[')
		return mae_xasprintf("[%s]", host);
	return mae_xstrdup(host);
}

static void set_route(struct ship_client *cl)
{
	const struct ship_conn *c = &cl->conn;
	free(cl->base_url);
	free(cl->where);
	if (cl->local_socket && c->transport != SHIP_UNIX) {
		/* through a local socket (an SSH tunnel), URLs name the
		 * daemon so that TLS checks the right name */
		char *h = url_host(c->endpoint ? c->endpoint : "localhost");
		cl->base_url = mae_xasprintf("%s://%s:%d",
					     c->tls_on ? "https" : "http", h,
					     c->port);
		cl->where = mae_xasprintf("%s:%d (through %s)", h, c->port,
					  cl->local_socket);
		free(h);
		return;
	}
	switch (c->transport) {
	case SHIP_UNIX:
		cl->base_url = mae_xstrdup(c->tls_on ? "https://localhost"
						     : "http://localhost");
		cl->where = mae_xasprintf("unix://%s", cl->local_socket);
		break;
	default: {
		char *h = url_host(c->endpoint);
		cl->base_url = mae_xasprintf("%s://%s:%d",
					     c->tls_on ? "https" : "http", h,
					     c->port);
		cl->where = mae_xasprintf("%s:%d", h, c->port);
		free(h);
		break;
	}
	}
}

int ship_client_new(const struct ship_conn *conn, struct ship_client **ret,
		    struct mae_error *e)
{
	const char *name = conn->name ? conn->name : "ship";
	switch (conn->transport) {
	case SHIP_UNIX:
		if (!conn->socket_path || !*conn->socket_path)
			return mae_error_set(e, MAE_ERR_INVALID,
					     "%s: no socket path", name);
		break;
	case SHIP_TCP:
	case SHIP_TLS:
	case SHIP_SSH:
		if (!conn->endpoint || !*conn->endpoint)
			return mae_error_set(e, MAE_ERR_INVALID,
					     "%s: no endpoint", name);
		if (conn->port <= 0 || conn->port > 65535)
			return mae_error_set(e, MAE_ERR_INVALID,
					     "%s: invalid port %d", name,
					     conn->port);
		break;
	default:
		return mae_error_set(e, MAE_ERR_INVALID,
				     "%s: unknown transport", name);
	}
	if (!conn->tls.cert != !conn->tls.key)
		return mae_error_set(e, MAE_ERR_INVALID,
				     "%s: a TLS client certificate needs both "
				     "tls_cert and tls_key", name);
	const struct { const char *setting, *path; } files[] = {
		{ "tls_ca_cert", conn->tls.ca_cert },
		{ "tls_cert", conn->tls.cert },
		{ "tls_key", conn->tls.key },
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int frc = ship_file_check(name, files[i].setting,
					  files[i].path, e);
		if (frc)
			return frc;
	}
	if (ship_api_pin_check(conn->api_version, NULL) ==
	    SHIP_API_PIN_INVALID)
		return mae_error_set(e, MAE_ERR_INVALID,
				     "%s: invalid api_version '%s'", name,
				     conn->api_version);
	executor_curl_init();

	struct ship_client *cl = mae_xcalloc(1, sizeof(*cl));
	ship_conn_copy(&cl->conn, conn);
	if (!cl->conn.name)
		cl->conn.name = mae_xstrdup(name);
	cl->conn.timeout_s = ship_timeout_norm(conn->timeout_s, 5);
	cl->conn.ssh.timeout_s = ship_timeout_norm(conn->ssh.timeout_s,
						   cl->conn.timeout_s);
	if (conn->transport == SHIP_UNIX)
		cl->local_socket = mae_xstrdup(conn->socket_path);
	for (int i = 0; i < SHIP_NLOCKS; i++)
		pthread_mutex_init(&cl->locks[i], NULL);
	pthread_mutex_init(&cl->api_mu, NULL);
	pthread_mutex_init(&cl->tunnel_mu, NULL);
	pthread_mutex_init(&cl->pool_mu, NULL);
	CURLSH *sh = curl_share_init();
	if (!sh) {
		ship_client_free(cl);
		return mae_error_set(e, MAE_ERR_INTERNAL,
				     "%s: cannot initialise libcurl", name);
	}
	curl_share_setopt(sh, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(sh, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(sh, CURLSHOPT_USERDATA, cl);
	/*
	 * DNS answers and TLS sessions are shared between the threads of a
	 * ship; the connection cache is not: libcurl does not support
	 * sharing connections between concurrent threads.  A request opens
	 * its own connection (a resumed TLS session keeps that cheap).
	 */
	curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	cl->share = sh;
	char pinned[16];
	if (ship_api_pin_check(conn->api_version, pinned) != SHIP_API_PIN_AUTO)
		memcpy(cl->api, pinned, sizeof(cl->api));
	set_route(cl);
	*ret = cl;
	return 0;
}

void ship_client_free(struct ship_client *cl)
{
	if (!cl)
		return;
	for (int i = 0; i < cl->nidle; i++)
		curl_easy_cleanup(cl->idle[i]);
	if (cl->share)
		curl_share_cleanup(cl->share);
	ssh_tunnel_close(cl->tunnel);
	for (int i = 0; i < SHIP_NLOCKS; i++)
		pthread_mutex_destroy(&cl->locks[i]);
	pthread_mutex_destroy(&cl->api_mu);
	pthread_mutex_destroy(&cl->tunnel_mu);
	pthread_mutex_destroy(&cl->pool_mu);
	ship_conn_release(&cl->conn);
	free(cl->local_socket);
	free(cl->base_url);
	free(cl->where);
	free(cl);
}

const char *ship_client_name(const struct ship_client *cl)
{
	return cl->conn.name;
}

void ship_client_set_trace(struct ship_client *cl, ship_trace_fn fn,
			   void *ud)
{
	cl->trace = fn;
	cl->trace_ud = ud;
}

void ship_client_set_idle_limit(struct ship_client *cl, long seconds)
{
	cl->idle_s = seconds > 0 ? seconds : 1;
}

void ship_client_cancel(struct ship_client *cl)
{
	__atomic_store_n(&cl->cancelled, 1, __ATOMIC_SEQ_CST);
}

void ship_client_watch_flag(struct ship_client *cl, const int *flag)
{
	cl->flag = flag;
}

bool ship_client_cancelled(const struct ship_client *cl)
{
	if (__atomic_load_n(&cl->cancelled, __ATOMIC_SEQ_CST))
		return true;
	return cl->flag && __atomic_load_n(cl->flag, __ATOMIC_SEQ_CST);
}

/* ------------------------------------------------------------------ */
/* Errors                                                               */

static const char *reason_phrase(long status)
{
	switch (status) {
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	/* what the status means when it has no name of its own */
	default:
		return status >= 400 && status < 500   ? "(a client error)"
		       : status >= 500 && status < 600 ? "(a server error)"
						       : "(not an HTTP status)";
	}
}

int ship_fail(struct ship_client *cl, const struct ship_req *r, int code,
	      struct mae_error *e, const char *fmt, ...)
{
	if (!e)
		return code;
	va_list ap;
	va_start(ap, fmt);
	char *msg = mae_xvasprintf(fmt, ap);
	va_end(ap);
	if (r && r->subject)
		mae_error_set(e, code, "%s: %s '%s': %s", cl->conn.name,
			      r->op, r->subject, msg);
	else if (r)
		mae_error_set(e, code, "%s: %s: %s", cl->conn.name, r->op, msg);
	else
		mae_error_set(e, code, "%s: %s", cl->conn.name, msg);
	free(msg);
	return code;
}

/* Docker's own message from an error body: {"message": ...} or the text */
static char *docker_message(const struct mae_buf *body)
{
	json_t *j = NULL;
	char why[160];
	(void)ship_json_load(mae_buf_str(body), body->len, 10000, &j, why,
			     sizeof(why));
	const char *m = json_is_object(j)
				? json_string_value(json_object_get(j, "message"))
				: NULL;
	char *out;
	if (m)
		out = mae_xstrdup(m);
	else
		out = mae_xstrndup(mae_buf_str(body),
				   body->len > 300 ? 300 : body->len);
	json_decref(j);
	size_t n = strlen(out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r' ||
		     out[n - 1] == ' '))
		out[--n] = '\0';
	return out;
}

static int http_fail(struct ship_client *cl, const struct ship_req *r,
		     const struct ship_resp *resp, struct mae_error *e)
{
	char *m = docker_message(&resp->body);
	const char *reason = reason_phrase(resp->status);
	int code = resp->status == 404 ? MAE_ERR_NOTFOUND : MAE_ERR_REMOTE;
	ship_fail(cl, r, code, e, "%ld %s: %s", resp->status, reason,
		  *m ? m : "(no message)");
	if (e)
		e->http_status = resp->status;
	free(m);
	return code;
}

static int secs(double s)
{
	return (int)(s + 0.999);
}

struct xfer {
	struct ship_client *cl;
	const struct ship_req *r;
	struct ship_resp *resp;
	CURL *h;
	bool got_header;
	enum ship_sink_rc sink_rc;
	struct mae_error *e;
	long os_errno;     /* of a failed connect */
	int64_t last_byte_ms; /* when the last byte (or the start) was */
	bool idle_expired;    /* r->idle_s passed without a byte */
};

static int curl_fail(struct xfer *x, CURLcode rc, const char *errbuf)
{
	struct ship_client *cl = x->cl;
	const struct ship_req *r = x->r;
	struct mae_error *e = x->e;
	const char *detail = *errbuf ? errbuf : curl_easy_strerror(rc);
	const struct ship_tls *t = &cl->conn.tls;
	switch (rc) {
	case CURLE_ABORTED_BY_CALLBACK:
		if (x->idle_expired)
			return ship_fail(cl, r, MAE_ERR_TIMEOUT, e,
					 "no progress from the daemon for %ld s",
					 r->idle_s);
		return ship_fail(cl, r, MAE_ERR_CANCELLED, e, "cancelled");
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		/* curl words a unix socket as "localhost port 80" */
		if (cl->local_socket && x->os_errno)
			detail = strerror((int)x->os_errno);
		return ship_fail(cl, NULL, MAE_ERR_CONNECT, e,
				 "unreachable: cannot connect to %s: %s",
				 cl->where, detail);
	case CURLE_OPERATION_TIMEDOUT:
		if (!x->got_header &&
		    (mae_startswith(detail, "Connection time") ||
		     mae_startswith(detail, "Failed to connect") ||
		     mae_startswith(detail, "Resolving timed out")))
			return ship_fail(cl, NULL, MAE_ERR_CONNECT, e,
					 "unreachable: no connection to %s "
					 "within %d s",
					 cl->where, secs(cl->conn.timeout_s));
		return ship_fail(cl, r, MAE_ERR_TIMEOUT, e,
				 "no answer from %s within %d s", cl->where,
				 secs((double)r->timeout_ms / 1000));
	case CURLE_PEER_FAILED_VERIFICATION:
		return ship_fail(cl, r, MAE_ERR_AUTH, e,
				 "TLS: the daemon's certificate is not trusted "
				 "(tls_ca_cert %s): %s",
				 t->ca_cert ? t->ca_cert : "not set", detail);
	case CURLE_SSL_CERTPROBLEM:
		return ship_fail(cl, r, MAE_ERR_INVALID, e,
				 "TLS: cannot use the client certificate "
				 "(tls_cert %s, tls_key %s): %s",
				 t->cert ? t->cert : "not set",
				 t->key ? t->key : "not set", detail);
	case CURLE_SSL_CACERT_BADFILE:
		return ship_fail(cl, r, MAE_ERR_INVALID, e,
				 "TLS: cannot read the CA certificate "
				 "(tls_ca_cert %s): %s",
				 t->ca_cert ? t->ca_cert : "not set", detail);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		/* With TLS 1.3 a refused client certificate shows only as a
		 * connection closed before any answer. */
		if (cl->conn.tls_on && !x->got_header) {
			if (!t->cert)
				return ship_fail(cl, r, MAE_ERR_AUTH, e,
						 "TLS handshake with %s failed "
						 "(it may require a client "
						 "certificate; tls_cert and "
						 "tls_key are not set): %s",
						 cl->where, detail);
			return ship_fail(cl, r, MAE_ERR_AUTH, e,
					 "TLS handshake with %s failed (does "
					 "it trust the CA of tls_cert %s?): %s",
					 cl->where, t->cert, detail);
		}
		/* fall through */
	case CURLE_PARTIAL_FILE:
		return ship_fail(cl, r, MAE_ERR_CONNECT, e,
				 "connection to %s lost before the answer "
				 "was complete: %s",
				 cl->where, detail);
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_BAD_CONTENT_ENCODING:
		return ship_fail(cl, r, MAE_ERR_PROTOCOL, e,
				 "the answer from %s is not HTTP: %s",
				 cl->where, detail);
	default:
		return ship_fail(cl, r, MAE_ERR_PROTOCOL, e, "%s", detail);
	}
}

/* ------------------------------------------------------------------ */
/* One request                                                          */

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	struct xfer *x = ud;
	x->got_header = true;
	x->last_byte_ms = mae_now_ms();
	return size * n;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	long status = 0;
	x->last_byte_ms = mae_now_ms();
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	if (x->r->sink && status >= 200 && status < 300) {
		x->sink_rc = x->r->sink(x->r->sink_ud, p, len);
		if (x->sink_rc != SHIP_SINK_GO)
			return 0; /* stops the transfer */
		return len;
	}
	mae_buf_add(&x->resp->body, p, len);
	if (x->resp->body.overflow)
		return 0;
	return len;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn,
		       curl_off_t ut, curl_off_t un)
{
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	struct xfer *x = ud;
	if (ship_client_cancelled(x->cl))
		return 1;
	/* a stream bounded by progress: no byte for idle_s ends it (curl's
	 * low-speed limit averages over a window, so it comes late) */
	if (x->r->idle_s > 0 &&
	    mae_now_ms() - x->last_byte_ms > x->r->idle_s * 1000) {
		x->idle_expired = true;
		return 1;
	}
	return 0;
}

static int ensure_api(struct ship_client *cl, const struct ship_req *r,
		      struct mae_error *e);

/*
 * An SSH ship: open its tunnel on the first request (once; every request
 * passes the mutex, so local_socket and the route are settled before any
 * of them reads them).  A lost session is not reopened: the calls of this
 * client fail with the reason.
 */
static int ensure_tunnel(struct ship_client *cl, struct mae_error *e)
{
	if (cl->conn.transport != SHIP_SSH)
		return 0;
	int rc = 0;
	struct mae_error te;
	mae_error_clear(&te);
	pthread_mutex_lock(&cl->tunnel_mu);
	if (!cl->tunnel) {
		rc = ssh_tunnel_open(&cl->conn, &cl->tunnel, &te);
		if (rc == 0) {
			free(cl->local_socket);
			cl->local_socket = mae_xstrdup(ssh_tunnel_path(cl->tunnel));
			set_route(cl);
		}
	} else {
		rc = ssh_tunnel_status(cl->tunnel, &te);
	}
	pthread_mutex_unlock(&cl->tunnel_mu);
	if (rc < 0) {
		ship_fail(cl, NULL, rc, e, "%s", te.msg);
		if (e)
			e->sys_errno = te.sys_errno;
		return rc;
	}
	return 0;
}

/* After a failed transfer: if the SSH session went away, say that. */
static int tunnel_fail(struct ship_client *cl, const struct ship_req *r,
		       int ret, struct mae_error *e)
{
	if (!cl->tunnel || ret == MAE_ERR_CANCELLED || ret == MAE_ERR_REMOTE ||
	    ret == MAE_ERR_NOTFOUND)
		return ret;
	struct mae_error te;
	mae_error_clear(&te);
	if (ssh_tunnel_status(cl->tunnel, &te) == 0)
		return ret;
	return ship_fail(cl, r, MAE_ERR_CONNECT, e, "%s", te.msg);
}

/* An easy handle for one request: an idle one (reset, its connection
 * kept) or a new one.  NULL only when libcurl cannot make one. */
static CURL *pool_take(struct ship_client *cl)
{
	CURL *h = NULL;
	pthread_mutex_lock(&cl->pool_mu);
	if (cl->nidle > 0)
		h = cl->idle[--cl->nidle];
	pthread_mutex_unlock(&cl->pool_mu);
	if (h) {
		curl_easy_reset(h);
		return h;
	}
	return curl_easy_init();
}

/* Give a handle back after a request; one that failed is closed, so a
 * broken or half-read connection is never reused. */
static void pool_give(struct ship_client *cl, CURL *h, bool ok)
{
	if (ok) {
		pthread_mutex_lock(&cl->pool_mu);
		if (cl->nidle < SHIP_POOL_MAX) {
			cl->idle[cl->nidle++] = h;
			h = NULL;
		}
		pthread_mutex_unlock(&cl->pool_mu);
	}
	if (h)
		curl_easy_cleanup(h);
}

/*
 * A connection lost before any answer began, on an idempotent request: a
 * pooled connection the daemon closed, or a daemon going away (a killed
 * dockerd drops what it accepted; libcurl's own retry of a dead reused
 * connection can land on it too).  Such a request is retried once more
 * on a fresh connection, so that a daemon that is gone reads as
 * unreachable, not as an answer cut short.
 */
static bool lost_before_answer(const struct xfer *x, CURLcode rc)
{
	if (x->got_header || ship_client_cancelled(x->cl))
		return false;
	if (rc != CURLE_GOT_NOTHING && rc != CURLE_RECV_ERROR &&
	    rc != CURLE_SEND_ERROR)
		return false;
	return strcmp(x->r->method, "GET") == 0 ||
	       strcmp(x->r->method, "HEAD") == 0;
}

int ship_request(struct ship_client *cl, const struct ship_req *r,
		 struct ship_resp *resp, struct mae_error *e)
{
	memset(resp, 0, sizeof(*resp));
	mae_buf_init(&resp->body);
	resp->body.max = r->body_max ? r->body_max : SHIP_BODY_MAX;
	if (ship_client_cancelled(cl))
		return ship_fail(cl, r, MAE_ERR_CANCELLED, e, "cancelled");
	int trc = ensure_tunnel(cl, e);
	if (trc)
		return trc;
	if (!r->unversioned) {
		int rc = ensure_api(cl, r, e);
		if (rc)
			return rc;
	}

	char *url = r->unversioned
			    ? mae_xasprintf("%s%s", cl->base_url, r->path)
			    : mae_xasprintf("%s/v%s%s", cl->base_url, cl->api,
					    r->path);
	CURL *h = pool_take(cl);
	if (!h) {
		free(url);
		return ship_fail(cl, r, MAE_ERR_INTERNAL, e,
				 "cannot initialise libcurl");
	}
	char errbuf[CURL_ERROR_SIZE] = "";
	struct xfer x = { .cl = cl, .r = r, .resp = resp, .h = h, .e = e };
	struct curl_slist *hdrs = NULL;
	char *auth = NULL;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_SHARE, cl->share);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	if (cl->local_socket)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, cl->local_socket);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 ship_limit_ms(cl->conn.timeout_s));
	if (r->timeout_ms > 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, r->timeout_ms);
	x.last_byte_ms = mae_now_ms();
	/* a daemon that vanishes without closing the connection */
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	long ka = (long)cl->conn.timeout_s > 0 ? (long)cl->conn.timeout_s : 1;
	curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, ka);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, ka);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "maestro/" MAESTRO_VERSION);

	if (cl->conn.tls_on) {
		const struct ship_tls *t = &cl->conn.tls;
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, t->verify ? 1L : 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, t->verify ? 2L : 0L);
		if (t->ca_cert)
			curl_easy_setopt(h, CURLOPT_CAINFO, t->ca_cert);
		if (t->cert) {
			curl_easy_setopt(h, CURLOPT_SSLCERT, t->cert);
			curl_easy_setopt(h, CURLOPT_SSLKEY, t->key);
		}
	}

	hdrs = curl_slist_append(hdrs, "Expect:");
	if (r->body) {
		hdrs = curl_slist_append(hdrs,
					 "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
	} else if (strcmp(r->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
	}
	if (r->registry_auth) {
		auth = mae_xasprintf("X-Registry-Auth: %s", r->registry_auth);
		hdrs = curl_slist_append(hdrs, auth);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);

	int64_t t0 = mae_now_ms();
	CURLcode rc = curl_easy_perform(h);
	long left_ms = r->timeout_ms - (long)(mae_now_ms() - t0);
	if (lost_before_answer(&x, rc) && (r->timeout_ms <= 0 || left_ms > 0)) {
		mae_buf_reset(&resp->body);
		errbuf[0] = '\0';
		x.last_byte_ms = mae_now_ms();
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
		if (r->timeout_ms > 0)
			curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left_ms);
		rc = curl_easy_perform(h);
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &x.os_errno);
	int ret = 0;
	if (rc == CURLE_WRITE_ERROR && x.sink_rc == SHIP_SINK_STOP) {
		ret = 0;
	} else if (rc == CURLE_WRITE_ERROR && x.sink_rc == SHIP_SINK_FAIL) {
		ret = e ? e->code : MAE_ERR_PROTOCOL;
		if (!ret)
			ret = MAE_ERR_PROTOCOL;
	} else if (rc == CURLE_WRITE_ERROR && resp->body.overflow) {
		ret = ship_fail(cl, r, MAE_ERR_LIMIT, e,
				"the answer is larger than %zu bytes",
				resp->body.max);
	} else if (rc != CURLE_OK) {
		ret = curl_fail(&x, rc, errbuf);
	} else if (resp->status == 304 ||
		   (resp->status >= 200 && resp->status < 300)) {
		ret = 0;
	} else if (resp->status >= 400) {
		ret = http_fail(cl, r, resp, e);
	} else {
		ret = ship_fail(cl, r, MAE_ERR_PROTOCOL, e,
				"unexpected answer %ld from %s", resp->status,
				cl->where);
	}
	if (ret)
		ret = tunnel_fail(cl, r, ret, e);
	if (ret && e && resp->status && !e->http_status)
		e->http_status = resp->status;
	if (cl->trace)
		cl->trace(cl->trace_ud, cl->conn.name, r->method,
			  url + strlen(cl->base_url), resp->status, ret,
			  mae_now_ms() - t0);
	curl_slist_free_all(hdrs);
	if (auth) {
		/* the credential does not linger in freed memory */
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	pool_give(cl, h, ret == 0);
	free(url);
	return ret;
}

int ship_resp_json(struct ship_client *cl, const struct ship_req *r,
		   const struct ship_resp *resp, json_t **ret,
		   struct mae_error *e)
{
	json_t *j = NULL;
	char why[160];
	int rc = ship_json_load(mae_buf_str(&resp->body), resp->body.len,
				r->json_max, &j, why, sizeof(why));
	if (rc == MAE_ERR_LIMIT)
		return ship_fail(cl, r, rc, e, "the daemon's answer %s", why);
	if (rc) {
		size_t n = resp->body.len > 60 ? 60 : resp->body.len;
		char *head = mae_xstrndup(mae_buf_str(&resp->body), n);
		for (char *p = head; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		rc = ship_fail(cl, r, rc, e, "the daemon's answer %s: '%s%s'",
			       why, head, resp->body.len > n ? "..." : "");
		free(head);
		return rc;
	}
	*ret = j;
	return 0;
}

static int ensure_api(struct ship_client *cl, const struct ship_req *r,
		      struct mae_error *e)
{
	(void)r;
	int rc = 0;
	pthread_mutex_lock(&cl->api_mu);
	if (cl->api[0])
		goto out;
	/* the budgets of ship_version() (ops.c) */
	struct ship_req vr = { .op = "version", .method = "GET",
			       .path = "/version", .unversioned = true,
			       .body_max = (size_t)64 << 10, .json_max = 10000,
			       .timeout_ms = ship_limit_ms(cl->conn.timeout_s) };
	struct ship_resp resp;
	rc = ship_request(cl, &vr, &resp, e);
	json_t *j = NULL;
	if (!rc)
		rc = ship_resp_json(cl, &vr, &resp, &j, e);
	mae_buf_release(&resp.body);
	if (rc)
		goto out;
	const char *v = json_string_value(json_object_get(j, "ApiVersion"));
	int daemon = api_parse(v);
	if (daemon < 0) {
		rc = ship_fail(cl, &vr, MAE_ERR_PROTOCOL, e,
			       "the daemon reports no usable ApiVersion");
	} else if (daemon < api_parse(SHIP_API_MIN)) {
		rc = ship_fail(cl, &vr, MAE_ERR_REMOTE, e,
			       "the daemon speaks API %s, maestro needs at "
			       "least %s",
			       v, SHIP_API_MIN);
	} else {
		int hi = api_parse(SHIP_API_MAX);
		api_format(daemon < hi ? daemon : hi, cl->api);
	}
	json_decref(j);
out:
	pthread_mutex_unlock(&cl->api_mu);
	return rc;
}

int ship_client_api_version(struct ship_client *cl, const char **ret,
			    struct mae_error *e)
{
	struct ship_req r = { .op = "version" };
	int rc = ensure_api(cl, &r, e);
	if (!rc)
		*ret = cl->api;
	return rc;
}

char *ship_urlencode(const char *s)
{
	/* libcurl's escaping (RFC 3986 unreserved kept), in our allocation */
	char *c = curl_easy_escape(NULL, s, 0);
	/* NULL only when out of memory: fatal, as every allocation is (an
	 * impossible size takes mae_xmalloc's out-of-memory exit) */
	char *ret = c ? mae_xstrdup(c) : mae_xmalloc(SIZE_MAX);
	curl_free(c);
	return ret;
}

char *ship_filters_path(const char *path, json_t *filters)
{
	char *f = json_dumps(filters, JSON_COMPACT);
	char *fe = ship_urlencode(f ? f : "{}");
	char *out = mae_xasprintf("%s%cfilters=%s", path,
				  strchr(path, '?') ? '&' : '?', fe);
	free(fe);
	free(f);
	json_decref(filters);
	return out;
}
