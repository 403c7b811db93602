/*
 * test-audit.c - the auditors (executor/audit.c) against real things: a
 * real file for log, a real script for exec, and a small HTTP server on
 * 127.0.0.1 in a thread of this test, which records each request, for
 * http and slack (MAESTRO_SLACK_API points slack at it).  Ports
 * MaestroNG's AuditorConfigTest (_fail, and _fail with ignore_errors) and
 * covers the formats, levels, which events each auditor sends, an
 * endpoint that is down or never answers (a recorded failure, bounded by
 * the timeout) and secrets kept out of error texts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"

/* ------------------------------------------------------------------ */
/* A recording HTTP server                                              */

#define MAX_REQS 8

struct req {
	char method[16];
	char path[512];
	char head[4096];  /* the header lines */
	char body[8192];
};

static struct server {
	int fd;
	int port;
	pthread_t th;
	pthread_mutex_t mu;
	int status;           /* answered */
	const char *reply;    /* answered body */
	bool silent;          /* read the request, never answer */
	struct req reqs[MAX_REQS];
	int nreqs;
	volatile bool stop;
} srv;

static void sends(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void serve_one(int c)
{
	char buf[16384];
	size_t len = 0;
	char *end = NULL;
	while (len < sizeof(buf) - 1 && !end) {
		ssize_t r = recv(c, buf + len, sizeof(buf) - 1 - len, 0);
		if (r <= 0)
			return;
		len += (size_t)r;
		buf[len] = 0;
		end = strstr(buf, "\r\n\r\n");
	}
	if (!end)
		return;
	size_t hlen = (size_t)(end - buf) + 4;
	size_t clen = 0;
	const char *cl = strcasestr(buf, "\r\nContent-Length:");
	if (cl && cl < end)
		clen = strtoul(cl + 17, NULL, 10);
	while (len < hlen + clen && len < sizeof(buf) - 1) {
		ssize_t r = recv(c, buf + len, sizeof(buf) - 1 - len, 0);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = 0;
	pthread_mutex_lock(&srv.mu);
	if (srv.nreqs < MAX_REQS) {
		struct req *q = &srv.reqs[srv.nreqs++];
		sscanf(buf, "%15s %511s", q->method, q->path);
		snprintf(q->head, sizeof(q->head), "%.*s", (int)hlen, buf);
		snprintf(q->body, sizeof(q->body), "%s", buf + hlen);
	}
	int status = srv.status;
	const char *reply = srv.reply ? srv.reply : "";
	bool silent = srv.silent;
	pthread_mutex_unlock(&srv.mu);
	if (silent) {
		while (!srv.stop && recv(c, buf, sizeof(buf), 0) > 0)
			;
		return;
	}
	char head[256];
	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		 status, strlen(reply));
	sends(c, head);
	sends(c, reply);
}

static void *serve(void *ud)
{
	(void)ud;
	while (!srv.stop) {
		int c = accept(srv.fd, NULL, NULL);
		if (c < 0)
			break;
		if (!srv.stop)
			serve_one(c);
		close(c);
	}
	return NULL;
}

/* a listening socket on 127.0.0.1; its port in *port */
static int listen_local(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	socklen_t n = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int server_up(void **state)
{
	(void)state;
	memset(&srv, 0, sizeof(srv));
	pthread_mutex_init(&srv.mu, NULL);
	srv.fd = listen_local(&srv.port);
	srv.status = 200;
	pthread_create(&srv.th, NULL, serve, NULL);
	return 0;
}

static int server_down(void **state)
{
	(void)state;
	srv.stop = true;
	shutdown(srv.fd, SHUT_RDWR);
	pthread_join(srv.th, NULL);
	close(srv.fd);
	pthread_mutex_destroy(&srv.mu);
	return 0;
}

static int nreqs(void)
{
	pthread_mutex_lock(&srv.mu);
	int n = srv.nreqs;
	pthread_mutex_unlock(&srv.mu);
	return n;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static const struct audit_target targets[] = {
	{ "c1", "web", "s1", "10.0.0.1" },
	{ "c2", "web", "s1", "10.0.0.1" },
	{ "c3", "db", "s2", "10.0.0.2" },
	{ "c4", "db", "s2", "10.0.0.2" },
	{ "c5", "db", "s2", "10.0.0.2" },
	{ "c6", "db", "s2", "10.0.0.2" },
};

static struct audit_event event(enum audit_kind kind, enum audit_level level,
				size_t n)
{
	struct audit_event ev = {
		.kind = kind, .level = level, .action = "start",
		.targets = targets, .ntargets = n, .user = "alice",
	};
	return ev;
}

static struct audit_set *one(const char *type, enum audit_level level,
			     bool ignore, json_t *settings,
			     struct audit_config *c)
{
	*c = (struct audit_config){ type, level, ignore, settings };
	struct mae_error e;
	mae_error_clear(&e);
	struct audit_set *s = audit_set_new(c, 1, &e);
	if (!s)
		fail_msg("audit_set_new: %s", e.msg);
	return s;
}

/* the status of the only auditor of s for ev; its error in *err */
static enum audit_status emit1(struct audit_set *s, struct audit_event ev,
			       char **err, bool *abort)
{
	struct audit_outcome o;
	audit_emit(s, &ev, &o);
	assert_int_equal(o.n, 1);
	enum audit_status st = o.v[0].status;
	if (err)
		*err = o.v[0].error ? strdup(o.v[0].error) : NULL;
	if (abort)
		*abort = o.abort;
	audit_outcome_release(&o);
	return st;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("");
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return strdup(buf);
}

/* ------------------------------------------------------------------ */
/* MaestroNG's AuditorConfigTest, and the outcome rules                 */

static void test_fail_and_ignore_errors(void **state)
{
	(void)state;
	json_t *st = json_object();
	struct audit_config c[2] = {
		{ "_fail", AUDIT_INFO, false, st },
		{ "_fail", AUDIT_INFO, true, st },
	};
	struct mae_error e;
	mae_error_clear(&e);
	struct audit_set *s = audit_set_new(c, 2, &e);
	assert_non_null(s);
	struct audit_event ev = event(AUDIT_ACTION, AUDIT_INFO, 2);
	struct audit_outcome o;
	audit_emit(s, &ev, &o);
	assert_int_equal(o.v[0].status, AUDIT_FAILED);
	assert_int_equal(o.v[1].status, AUDIT_FAILED); /* still recorded */
	assert_string_equal(o.v[1].error, "auditor 2 (_fail): this auditor always fails");
	assert_true(o.abort);
	audit_outcome_release(&o);
	audit_set_free(s);

	/* the ignoring one alone does not abort */
	s = audit_set_new(c + 1, 1, &e);
	bool abort = true;
	assert_int_equal(emit1(s, ev, NULL, &abort), AUDIT_FAILED);
	assert_false(abort);
	audit_set_free(s);

	/* failures on later events never abort, nor a step's start */
	s = audit_set_new(c, 1, &e);
	static const struct { enum audit_kind k; enum audit_level l; } later[] = {
		{ AUDIT_SUCCESS, AUDIT_INFO }, { AUDIT_ERROR, AUDIT_INFO },
		{ AUDIT_ERROR, AUDIT_DEBUG },
	};
	for (size_t i = 0; i < 3; i++) {
		abort = true;
		assert_int_equal(emit1(s, event(later[i].k, later[i].l, 1), NULL,
				       &abort), AUDIT_FAILED);
		assert_false(abort);
	}
	audit_set_free(s);
	json_decref(st);
}

static void test_sentences(void **state)
{
	(void)state;
	struct audit_event ev = event(AUDIT_ACTION, AUDIT_INFO, 2);
	char *s = audit_sentence(&ev, true);
	assert_string_equal(s, "alice is starting c1, c2.");
	free(s);
	ev.action = "stop";
	s = audit_sentence(&ev, true);
	assert_string_equal(s, "alice is stopping c1, c2.");
	free(s);
	ev.action = "clean";
	ev.ntargets = 5;
	s = audit_sentence(&ev, true);
	assert_string_equal(s, "alice is cleaning 5 containers.");
	free(s);
	s = audit_sentence(&ev, false);
	assert_string_equal(s, "alice is cleaning c1, c2, c3, c4, c5.");
	free(s);
	ev.ntargets = 4;
	ev.kind = AUDIT_SUCCESS;
	ev.action = "restart";
	s = audit_sentence(&ev, true);
	assert_string_equal(s, "Restart of c1, c2, c3, c4 succeeded.");
	free(s);
	ev.kind = AUDIT_ERROR;
	ev.ntargets = 1;
	s = audit_sentence(&ev, true);
	assert_string_equal(s, "Failed to restart c1!");
	free(s);
	ev.message = "boom";
	s = audit_sentence(&ev, true);
	assert_string_equal(s, "Failed to restart c1! (message: boom)");
	free(s);
}

/* ------------------------------------------------------------------ */
/* log                                                                  */

static void test_log(void **state)
{
	(void)state;
	char dir[] = "/tmp/mae-audit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	json_t *st = json_pack("{s:s, s:s}", "type", "log", "file", path);
	struct audit_config c;
	struct audit_set *s = one("log", AUDIT_INFO, false, st, &c);
	assert_int_equal(emit1(s, event(AUDIT_ACTION, AUDIT_INFO, 6), NULL, NULL),
			 AUDIT_OK);
	/* below its level: not written */
	assert_int_equal(emit1(s, event(AUDIT_ACTION, AUDIT_DEBUG, 1), NULL, NULL),
			 AUDIT_NOT_SENT);
	assert_int_equal(emit1(s, event(AUDIT_SUCCESS, AUDIT_DEBUG, 1), NULL, NULL),
			 AUDIT_NOT_SENT);
	/* errors always */
	struct audit_event ev = event(AUDIT_ERROR, AUDIT_DEBUG, 1);
	ev.message = "no such image";
	assert_int_equal(emit1(s, ev, NULL, NULL), AUDIT_OK);
	assert_int_equal(emit1(s, event(AUDIT_SUCCESS, AUDIT_INFO, 2), NULL, NULL),
			 AUDIT_OK);
	audit_set_free(s);

	/* a debug auditor appends the steps' events too */
	s = one("log", AUDIT_DEBUG, false, st, &c);
	assert_int_equal(emit1(s, event(AUDIT_ACTION, AUDIT_DEBUG, 1), NULL, NULL),
			 AUDIT_OK);
	audit_set_free(s);

	char *text = slurp(path);
	regex_t re;
	assert_int_equal(regcomp(&re,
		"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3} "
		"INFO: alice is starting c1, c2, c3, c4, c5, c6\\.\n"
		"[0-9-]{10} [0-9:]{8},[0-9]{3} "
		"ERROR: Failed to start c1! \\(message: no such image\\)\n"
		"[0-9-]{10} [0-9:]{8},[0-9]{3} INFO: Start of c1, c2 succeeded\\.\n"
		"[0-9-]{10} [0-9:]{8},[0-9]{3} DEBUG: alice is starting c1\\.\n$",
		REG_EXTENDED), 0);
	if (regexec(&re, text, 0, NULL, 0) != 0)
		fail_msg("log file:\n%s", text);
	regfree(&re);
	free(text);
	unlink(path);
	rmdir(dir);

	/* a file that cannot be opened: a failure, saying why */
	json_object_set_new(st, "file", json_string("/nonexistent-dir/a.log"));
	s = one("log", AUDIT_INFO, false, st, &c);
	char *err;
	bool abort;
	assert_int_equal(emit1(s, event(AUDIT_ACTION, AUDIT_INFO, 1), &err, &abort),
			 AUDIT_FAILED);
	assert_true(abort);
	assert_string_equal(err, "auditor 1 (log): cannot open "
			    "'/nonexistent-dir/a.log': No such file or directory");
	free(err);
	audit_set_free(s);
	json_decref(st);
}

/* ------------------------------------------------------------------ */
/* http                                                                 */

static void test_http(void **state)
{
	(void)state;
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", srv.port);
	json_t *st = json_pack(
		"{s:s, s:s, s:{s:s, s:s, s:s, s:i, s:[s, s]}, s:{s:s}}",
		"type", "http", "endpoint", url,
		"payload", "text", "{who} does {action} to {what}",
		"msg", "{message}", "gone", "{nothing}x", "n", 3,
		"list", "{{literal}}", "",
		"headers", "X-Token", "abc");
	/* {nothing} is not a field: refused when the set is made */
	struct audit_config c = { "http", AUDIT_INFO, false, st };
	struct mae_error e;
	mae_error_clear(&e);
	assert_null(audit_set_new(&c, 1, &e));
	assert_string_equal(e.msg, "auditor 1: payload: unknown field "
			    "'{nothing}' in '{nothing}x' (one of {what}, "
			    "{action}, {who}, {message})");
	json_object_set_new(json_object_get(st, "payload"), "gone",
			    json_string("{who}"));

	struct audit_event ev = event(AUDIT_ACTION, AUDIT_INFO, 6);
	ev.user = "";  /* "{who}" formats to "": dropped */
	struct audit_set *s = one("http", AUDIT_INFO, false, st, &c);
	assert_int_equal(emit1(s, ev, NULL, NULL), AUDIT_OK);
	/* only action events are sent */
	assert_int_equal(emit1(s, event(AUDIT_SUCCESS, AUDIT_INFO, 1), NULL, NULL),
			 AUDIT_NOT_SENT);
	assert_int_equal(emit1(s, event(AUDIT_ERROR, AUDIT_INFO, 1), NULL, NULL),
			 AUDIT_NOT_SENT);
	assert_int_equal(nreqs(), 1);
	struct req *q = &srv.reqs[0];
	assert_string_equal(q->method, "POST");
	assert_string_equal(q->path, "/hook");
	assert_non_null(strstr(q->head, "\r\nContent-Type: application/json; "
			       "charset=utf-8\r\n"));
	assert_non_null(strstr(q->head, "\r\nX-Token: abc\r\n"));
	json_t *body = json_loads(q->body, 0, NULL);
	assert_non_null(body);
	json_t *want = json_pack(
		"{s:s, s:s, s:i, s:[s]}",
		"text", " does start to c1, c2, c3, c4, c5, c6",
		"msg", " is starting c1, c2, c3, c4, c5, c6.", "n", 3,
		"list", "{literal}");
	if (!json_equal(body, want))
		fail_msg("body: %s", q->body);
	json_decref(body);
	json_decref(want);
	audit_set_free(s);

	/* GET, an empty payload (JSON null), headers over the default */
	json_t *st2 = json_pack("{s:s, s:s, s:s, s:{s:s}}", "type", "http",
				"endpoint", url, "method", "get", "headers",
				"content-type", "text/plain");
	s = one("http", AUDIT_INFO, false, st2, &c);
	assert_int_equal(emit1(s, event(AUDIT_ACTION, AUDIT_INFO, 1), NULL, NULL),
			 AUDIT_OK);
	assert_int_equal(nreqs(), 2);
	q = &srv.reqs[1];
	assert_string_equal(q->method, "GET");
	assert_string_equal(q->body, "null");
	assert_non_null(strstr(q->head, "\r\ncontent-type: text/plain\r\n"));
	assert_null(strstr(q->head, "application/json"));
	audit_set_free(s);

	json_object_set_new(st2, "method", json_string("PUT"));
	c.settings = st2;
	assert_null(audit_set_new(&c, 1, &e));
	assert_string_equal(e.msg, "auditor 1: invalid HTTP method 'PUT' "
			    "(GET or POST)");
	json_decref(st2);

	/* an error status: failed, and the URL's secrets are not said */
	pthread_mutex_lock(&srv.mu);
	srv.status = 500;
	pthread_mutex_unlock(&srv.mu);
	char secret_url[160];
	snprintf(secret_url, sizeof(secret_url),
		 "http://bob:hunter22@127.0.0.1:%d/hook/SECRETPATH?key=k3y", srv.port);
	json_object_set_new(st, "endpoint", json_string(secret_url));
	s = one("http", AUDIT_INFO, false, st, &c);
	char *err;
	bool abort;
	assert_int_equal(emit1(s, event(AUDIT_ACTION, AUDIT_INFO, 1), &err, &abort),
			 AUDIT_FAILED);
	assert_true(abort);
	char want_err[128];
	snprintf(want_err, sizeof(want_err),
		 "auditor 1 (http): http://127.0.0.1:%d answered HTTP 500", srv.port);
	assert_string_equal(err, want_err);
	free(err);
	q = &srv.reqs[2];
	assert_string_equal(q->path, "/hook/SECRETPATH?key=k3y");
	assert_non_null(strstr(q->head, "\r\nAuthorization: Basic "));
	audit_set_free(s);
	pthread_mutex_lock(&srv.mu);
	srv.status = 200;
	pthread_mutex_unlock(&srv.mu);
	json_decref(st);
}

static void test_http_down_and_silent(void **state)
{
	(void)state;
	/* a port nothing listens on */
	int port;
	int fd = listen_local(&port);
	close(fd);
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", port);
	json_t *st = json_pack("{s:s, s:s, s:f}", "type", "http", "endpoint", url,
			       "timeout", 0.5);
	struct audit_config c;
	struct audit_set *s = one("http", AUDIT_INFO, false, st, &c);
	char *err;
	bool abort;
	assert_int_equal(emit1(s, event(AUDIT_ACTION, AUDIT_INFO, 1), &err, &abort),
			 AUDIT_FAILED);
	assert_true(abort);
	char want[128];
	snprintf(want, sizeof(want), "auditor 1 (http): cannot reach "
		 "http://127.0.0.1:%d: ", port);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("error: %s", err);
	free(err);
	audit_set_free(s);

	/* one that accepts and never answers: bounded by the timeout */
	pthread_mutex_lock(&srv.mu);
	srv.silent = true;
	pthread_mutex_unlock(&srv.mu);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", srv.port);
	json_object_set_new(st, "endpoint", json_string(url));
	s = one("http", AUDIT_INFO, true, st, &c);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(emit1(s, event(AUDIT_ACTION, AUDIT_INFO, 1), &err, &abort),
			 AUDIT_FAILED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs >= 0.4 && secs < 3);
	assert_false(abort); /* ignore_errors */
	snprintf(want, sizeof(want), "auditor 1 (http): no answer from "
		 "http://127.0.0.1:%d within 500 ms", srv.port);
	assert_string_equal(err, want);
	free(err);
	audit_set_free(s);
	pthread_mutex_lock(&srv.mu);
	srv.silent = false;
	srv.nreqs = 0;
	pthread_mutex_unlock(&srv.mu);
	json_decref(st);
}

/* ------------------------------------------------------------------ */
/* slack                                                                */

static void test_slack(void **state)
{
	(void)state;
	pthread_mutex_lock(&srv.mu);
	srv.nreqs = 0;
	srv.reply = "{\"ok\": true}";
	pthread_mutex_unlock(&srv.mu);
	char api[128];
	snprintf(api, sizeof(api), "http://127.0.0.1:%d/api/", srv.port);
	setenv(AUDIT_SLACK_API_ENV, api, 1);
	json_t *st = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "slack",
			       "channel", "#ops", "token", "xoxb-SECRET-1",
			       "name", "bot", "icon", "http://i/x.png");
	struct audit_config c;
	struct audit_set *s = one("slack", AUDIT_DEBUG, false, st, &c);
	assert_int_equal(emit1(s, event(AUDIT_ACTION, AUDIT_INFO, 6), NULL, NULL),
			 AUDIT_OK);
	struct audit_event ev = event(AUDIT_ERROR, AUDIT_DEBUG, 1);
	ev.message = "exit 1";
	assert_int_equal(emit1(s, ev, NULL, NULL), AUDIT_OK);
	assert_int_equal(emit1(s, event(AUDIT_SUCCESS, AUDIT_DEBUG, 2), NULL, NULL),
			 AUDIT_OK);
	assert_int_equal(nreqs(), 3);
	struct req *q = &srv.reqs[0];
	assert_string_equal(q->method, "POST");
	assert_string_equal(q->path, "/api/chat.postMessage");
	assert_non_null(strstr(q->head, "\r\nAuthorization: Bearer xoxb-SECRET-1\r\n"));
	json_t *got = json_loads(q->body, 0, NULL);
	json_t *want = json_pack(
		"{s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:[{s:s, s:s, s:b}]}]}",
		"channel", "#ops", "username", "bot", "icon_url", "http://i/x.png",
		"text", "", "attachments", "fallback", "alice is starting 6 containers.",
		"text", "alice is starting 6 containers.", "color", "#1dc7d3",
		"fields", "title", "Targets", "value", "c1, c2, c3, c4, c5, c6",
		"short", 0);
	if (!json_equal(got, want))
		fail_msg("slack body: %s", q->body);
	json_decref(got);
	json_decref(want);
	got = json_loads(srv.reqs[1].body, 0, NULL);
	json_t *att = json_array_get(json_object_get(got, "attachments"), 0);
	assert_string_equal(json_string_value(json_object_get(att, "color")), "danger");
	assert_string_equal(json_string_value(json_object_get(att, "text")),
			    "Failed to start c1! (message: exit 1)");
	json_t *f0 = json_array_get(json_object_get(att, "fields"), 0);
	assert_string_equal(json_string_value(json_object_get(f0, "title")), "Error");
	assert_string_equal(json_string_value(json_object_get(f0, "value")), "exit 1");
	json_decref(got);
	got = json_loads(srv.reqs[2].body, 0, NULL);
	att = json_array_get(json_object_get(got, "attachments"), 0);
	assert_string_equal(json_string_value(json_object_get(att, "color")), "good");
	assert_int_equal(json_array_size(json_object_get(att, "fields")), 0);
	json_decref(got);

	/* the API refuses: failed with its reason, the token not said */
	pthread_mutex_lock(&srv.mu);
	srv.reply = "{\"ok\": false, \"error\": \"invalid_auth xoxb-SECRET-1\"}";
	pthread_mutex_unlock(&srv.mu);
	char *err;
	bool abort;
	assert_int_equal(emit1(s, event(AUDIT_ACTION, AUDIT_INFO, 1), &err, &abort),
			 AUDIT_FAILED);
	assert_true(abort);
	assert_string_equal(err, "auditor 1 (slack): slack refused the message: "
			    "invalid_auth ***");
	free(err);
	audit_set_free(s);
	json_decref(st);

	/* a webhook: its URL, no token, the channel optional */
	pthread_mutex_lock(&srv.mu);
	srv.nreqs = 0;
	srv.reply = "ok";
	pthread_mutex_unlock(&srv.mu);
	char hook[128];
	snprintf(hook, sizeof(hook), "http://127.0.0.1:%d/services/T0/B0/HOOKSECRET",
		 srv.port);
	st = json_pack("{s:s, s:s}", "type", "slack", "webhook", hook);
	s = one("slack", AUDIT_INFO, false, st, &c);
	assert_int_equal(emit1(s, event(AUDIT_SUCCESS, AUDIT_INFO, 1), NULL, NULL),
			 AUDIT_OK);
	assert_int_equal(nreqs(), 1);
	q = &srv.reqs[0];
	assert_string_equal(q->path, "/services/T0/B0/HOOKSECRET");
	assert_null(strstr(q->head, "Authorization"));
	got = json_loads(q->body, 0, NULL);
	assert_null(json_object_get(got, "channel"));
	assert_string_equal(json_string_value(json_object_get(got, "username")),
			    "maestro-ng");
	json_decref(got);
	pthread_mutex_lock(&srv.mu);
	srv.status = 404;
	pthread_mutex_unlock(&srv.mu);
	assert_int_equal(emit1(s, event(AUDIT_SUCCESS, AUDIT_INFO, 1), &err, NULL),
			 AUDIT_FAILED);
	assert_null(strstr(err, "HOOKSECRET"));
	free(err);
	pthread_mutex_lock(&srv.mu);
	srv.status = 200;
	srv.reply = NULL;
	pthread_mutex_unlock(&srv.mu);
	audit_set_free(s);
	json_decref(st);
	unsetenv(AUDIT_SLACK_API_ENV);
}

/* ------------------------------------------------------------------ */
/* exec, hipchat                                                        */

static void test_exec(void **state)
{
	(void)state;
	char dir[] = "/tmp/mae-audit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char script[128], out[160];
	snprintf(script, sizeof(script), "%s/hook.sh", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	FILE *f = fopen(script, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\nfor a in \"$@\"; do echo \"[$a]\"; done >'%s'\n"
		"cat >>'%s'\n[ \"$1\" != fail ]\n", out, out);
	fclose(f);
	chmod(script, 0755);
	json_t *st = json_pack("{s:s, s:s, s:s}", "type", "exec", "script", script,
			       "args", "  {action}  by:{who} {what} ");
	struct audit_config c;
	struct audit_set *s = one("exec", AUDIT_DEBUG, false, st, &c);
	/* only a run's success runs it */
	assert_int_equal(emit1(s, event(AUDIT_ACTION, AUDIT_INFO, 1), NULL, NULL),
			 AUDIT_NOT_SENT);
	assert_int_equal(emit1(s, event(AUDIT_SUCCESS, AUDIT_DEBUG, 1), NULL, NULL),
			 AUDIT_NOT_SENT);
	assert_int_equal(emit1(s, event(AUDIT_ERROR, AUDIT_INFO, 1), NULL, NULL),
			 AUDIT_NOT_SENT);
	assert_int_equal(access(out, F_OK), -1);
	assert_int_equal(emit1(s, event(AUDIT_SUCCESS, AUDIT_INFO, 3), NULL, NULL),
			 AUDIT_OK);
	char *text = slurp(out);
	assert_string_equal(text,
		"[start]\n[by:alice]\n[c1, c2, c3]\n"
		"{\"c1\":{\"service\":\"web\",\"ship\":\"10.0.0.1\"},"
		"\"c2\":{\"service\":\"web\",\"ship\":\"10.0.0.1\"},"
		"\"c3\":{\"service\":\"db\",\"ship\":\"10.0.0.2\"}}");
	free(text);
	audit_set_free(s);

	/* a non-zero exit: failed, saying so */
	json_object_set_new(st, "args", json_string("fail"));
	s = one("exec", AUDIT_INFO, false, st, &c);
	char *err;
	bool abort;
	assert_int_equal(emit1(s, event(AUDIT_SUCCESS, AUDIT_INFO, 1), &err, &abort),
			 AUDIT_FAILED);
	assert_false(abort);
	char want[256];
	snprintf(want, sizeof(want), "auditor 1 (exec): '%s' exited with status 1",
		 script);
	assert_string_equal(err, want);
	free(err);
	audit_set_free(s);
	unlink(out);

	/* one that does not end: stopped at its timeout */
	f = fopen(script, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\nsleep 5\necho late\n");
	fclose(f);
	json_t *slow = json_pack("{s:s, s:s, s:f}", "type", "exec", "script",
				 script, "timeout", 0.3);
	s = one("exec", AUDIT_INFO, false, slow, &c);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(emit1(s, event(AUDIT_SUCCESS, AUDIT_INFO, 1), &err, NULL),
			 AUDIT_FAILED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 3);
	snprintf(want, sizeof(want), "auditor 1 (exec): '%s' did not end within "
		 "300 ms", script);
	assert_string_equal(err, want);
	free(err);
	audit_set_free(s);
	json_decref(slow);
	unlink(script);
	rmdir(dir);

	/* a script that is not there */
	json_object_set_new(st, "script", json_string("/nonexistent/hook"));
	s = one("exec", AUDIT_INFO, false, st, &c);
	assert_int_equal(emit1(s, event(AUDIT_SUCCESS, AUDIT_INFO, 1), &err, NULL),
			 AUDIT_FAILED);
	assert_non_null(strstr(err, "cannot run '/nonexistent/hook'"));
	free(err);
	audit_set_free(s);
	json_decref(st);
}

static void test_hipchat_and_config(void **state)
{
	(void)state;
	json_t *st = json_pack("{s:s, s:s, s:s}", "type", "hipchat", "room", "r",
			       "token", "t");
	struct audit_config c;
	struct audit_set *s = one("hipchat", AUDIT_INFO, false, st, &c);
	char *err;
	bool abort;
	assert_int_equal(emit1(s, event(AUDIT_ACTION, AUDIT_INFO, 1), &err, &abort),
			 AUDIT_SKIPPED);
	assert_false(abort);
	assert_string_equal(err, "auditor 1: hipchat auditor skipped: the "
			    "HipChat service is gone");
	free(err);
	audit_set_free(s);
	json_decref(st);

	static const struct { const char *type; const char *json; const char *err; }
	bad[] = {
		{ "nope", "{}", "auditor 1: unknown auditor type 'nope'" },
		{ "log", "{}", "auditor 1: missing 'file'" },
		{ "http", "{}", "auditor 1: missing 'endpoint'" },
		{ "exec", "{}", "auditor 1: missing 'script'" },
		{ "slack", "{\"channel\": \"c\"}", "auditor 1: missing 'token' or 'webhook'" },
		{ "slack", "{\"token\": \"t\"}", "auditor 1: missing 'channel'" },
		{ "http", "{\"endpoint\": \"http://h\", \"timeout\": \"3\"}",
		  "auditor 1: 'timeout' must be a number of seconds between 0 and 3600" },
		{ "http", "{\"endpoint\": \"http://h\", \"payload\": \"x\"}",
		  "auditor 1: 'payload' must be a mapping or a list" },
		{ "http", "{\"endpoint\": \"http://h\", \"headers\": {\"a\": \"x\\ny\"}}",
		  "auditor 1: header 'a' must be one line of text" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = json_loads(bad[i].json, 0, NULL);
		struct audit_config bc = { bad[i].type, AUDIT_INFO, false, j };
		struct mae_error e;
		mae_error_clear(&e);
		assert_null(audit_set_new(&bc, 1, &e));
		assert_string_equal(e.msg, bad[i].err);
		json_decref(j);
	}
}

int main(void)
{
	/* the server is on 127.0.0.1: no proxy in between */
	static const char *const proxies[] = { "http_proxy", "HTTP_PROXY",
		"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" };
	for (size_t i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++)
		unsetenv(proxies[i]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_and_ignore_errors),
		cmocka_unit_test(test_sentences),
		cmocka_unit_test(test_log),
		cmocka_unit_test_setup_teardown(test_http, server_up, server_down),
		cmocka_unit_test_setup_teardown(test_http_down_and_silent,
						server_up, server_down),
		cmocka_unit_test_setup_teardown(test_slack, server_up, server_down),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_hipchat_and_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
