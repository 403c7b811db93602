/*
 * test-checks.c - the lifecycle check engine (executor/checks.c) against
 * real servers on loopback and real programs, and MaestroNG's
 * LifecycleHelperTest cases that concern running a check (spec §10: http
 * status 200 passes and 500 fails, match_regex `abc[^d]` refuses "abcd"
 * and accepts "abce", DOTALL, exec environment values as strings,
 * `max_wait: 2` is a 2 s budget).  The definitions are written as
 * `maestro config --json` shows them; the ones MaestroNG refused while
 * reading (an unknown or UDP port, an unknown type) are validate's, in
 * tests/golden/diagnostics and test-model.c.
 *
 * Servers: a port that is bound and starts listening only after a delay;
 * one that accepts and closes at once (docker-proxy with nothing behind
 * it, MaestroNG #53); one that accepts and stays silent; a small HTTP
 * server answering by path (status, bodies, basic auth, redirects,
 * headers, a slow answer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "checks.h"

/* ------------------------------------------------------------------ */
/* Servers                                                              */

enum srv_kind { SRV_DELAYED, SRV_PROXY, SRV_SILENT, SRV_HTTP };

struct srv {
	enum srv_kind kind;
	int fd;
	int port;
	int delay_ms;
	int stop;
	pthread_t tid;
	int accepted;
};

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void http_answer(int c)
{
	char req[8192];
	size_t n = 0;
	while (n + 1 < sizeof(req)) {
		ssize_t r = recv(c, req + n, sizeof(req) - 1 - n, 0);
		if (r <= 0)
			return;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	char method[16] = "", path[256] = "";
	sscanf(req, "%15s %255s", method, path);
	int status = 200;
	const char *body = "hello", *extra = "";
	char buf[64];
	if (strcmp(path, "/fail") == 0) {
		status = 500;
		body = "oops";
	} else if (strcmp(path, "/abcd") == 0) {
		body = "xx abcd yy";
	} else if (strcmp(path, "/abce") == 0) {
		body = "xx abce yy";
	} else if (strcmp(path, "/lines") == 0) {
		status = 503;
		body = "first\nsecond\nready";
	} else if (strcmp(path, "/auth") == 0) {
		/* user:pass */
		if (!strstr(req, "Authorization: Basic dXNlcjpwYXNz")) {
			status = 401;
			body = "who are you";
		}
	} else if (strcmp(path, "/redir") == 0) {
		status = 302;
		body = "moved";
		extra = "Location: /\r\n";
	} else if (strcmp(path, "/header") == 0) {
		if (!strstr(req, "X-Probe: yes"))
			status = 400;
	} else if (strcmp(path, "/method") == 0) {
		snprintf(buf, sizeof(buf), "method %s", method);
		body = buf;
	} else if (strcmp(path, "/slow") == 0) {
		msleep(1500);
	}
	char out[512];
	int len = snprintf(out, sizeof(out),
			   "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n%s"
			   "Connection: close\r\n\r\n%s",
			   status, strlen(body), extra,
			   strcmp(method, "HEAD") == 0 ? "" : body);
	(void)!send(c, out, (size_t)len, MSG_NOSIGNAL);
}

static void *srv_main(void *ud)
{
	struct srv *s = ud;
	if (s->kind == SRV_DELAYED) {
		msleep(s->delay_ms);
		listen(s->fd, 16);
	}
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		if (poll(&p, 1, 20) <= 0)
			continue;
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		__atomic_add_fetch(&s->accepted, 1, __ATOMIC_RELEASE);
		if (s->kind == SRV_HTTP)
			http_answer(c);
		else if (s->kind == SRV_SILENT || s->kind == SRV_DELAYED)
			msleep(CHECK_TCP_WINDOW_MS + 100);
		close(c);
	}
	return NULL;
}

static void srv_start(struct srv *s, enum srv_kind kind, int delay_ms)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->delay_ms = delay_ms;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->fd >= 0);
	int one = 1;
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(a);
	getsockname(s->fd, (struct sockaddr *)&a, &len);
	s->port = ntohs(a.sin_port);
	if (kind != SRV_DELAYED)
		assert_int_equal(listen(s->fd, 16), 0);
	assert_int_equal(pthread_create(&s->tid, NULL, srv_main, s), 0);
}

static void srv_stop(struct srv *s)
{
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	pthread_join(s->tid, NULL);
	close(s->fd);
}

/* A port nothing listens on: bound (so nobody else takes it), never listening. */
static int dead_port(int *fd)
{
	*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bind(*fd, (struct sockaddr *)&a, sizeof(a));
	socklen_t len = sizeof(a);
	getsockname(*fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

/* ------------------------------------------------------------------ */
/* Definitions, as config --json shows them                            */

static json_t *tcp_check(int port, double budget)
{
	return json_pack("{s:s,s:s,s:f,s:f,s:{s:s,s:i,s:n}}", "type", "tcp",
			 "port", "server", "max_wait", budget, "budget_s", budget,
			 "target", "host", "127.0.0.1", "port", port, "url");
}

static json_t *http_check(int port, const char *path, const char *regex,
			  const char *method, double budget, json_t *ropts)
{
	char url[256];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	json_t *k = json_pack("{s:s,s:i,s:n,s:n,s:s,s:s,s:s,s:f,s:o,s:f,s:{s:s,s:i,s:s}}",
			      "type", "http", "port", port, "host", "match_regex",
			      "path", path, "scheme", "http", "method", method,
			      "max_wait", budget, "requests_options",
			      ropts ? ropts : json_object(), "budget_s", budget,
			      "target", "host", "127.0.0.1", "port", port, "url", url);
	if (regex)
		json_object_set_new(k, "match_regex", json_string(regex));
	return k;
}

static json_t *exec_check(const char *script, const char *envfrom, int attempts)
{
	return json_pack("{s:s,s:[s,s,s],s:i,s:s,s:i,s:n}", "type", "exec",
			 "command", "/bin/sh", "-c", script, "attempts", attempts,
			 "envfrom", envfrom, "budget_s", attempts, "target");
}

/* Attempts seen through the callback. */
struct seen {
	unsigned n, passed;
	int64_t last_dur;
	char last_error[512];
	bool serial_ok;
	int inside;
};

static void on_attempt(void *ud, const struct check_attempt *a)
{
	struct seen *s = ud;
	if (__atomic_add_fetch(&s->inside, 1, __ATOMIC_ACQ_REL) != 1)
		s->serial_ok = false;
	s->n++;
	s->passed += a->passed;
	s->last_dur = a->dur_ms;
	assert_true(a->at_ms > 1600000000000LL);
	assert_true(a->passed == (a->error == NULL));
	snprintf(s->last_error, sizeof(s->last_error), "%s",
		 a->error ? a->error : "");
	__atomic_sub_fetch(&s->inside, 1, __ATOMIC_ACQ_REL);
}

static int run1(json_t *k, struct seen *s, struct mae_error *e)
{
	memset(s, 0, sizeof(*s));
	s->serial_ok = true;
	struct check_ctx ctx = { .on_attempt = on_attempt, .attempt_ud = s,
				 .container = "web-1" };
	mae_error_clear(e);
	int rc = check_run(k, &ctx, e);
	json_decref(k);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The schedule                                                         */

static void test_schedule(void **state)
{
	(void)state;
	assert_int_equal(check_next_interval(0, 0), 50);
	assert_int_equal(check_next_interval(1999, 50), 50);
	int64_t i = check_next_interval(2000, 50);
	assert_int_equal(i, 75);
	int64_t t = 2000, prev = 0;
	for (int k = 0; k < 30; k++) {
		int64_t n = check_next_interval(t, i);
		assert_true(n >= i && n <= CHECK_SLOW_MS);
		prev = i;
		i = n;
		t += n;
	}
	assert_int_equal(i, CHECK_SLOW_MS);
	assert_int_equal(prev, CHECK_SLOW_MS);
}

/* ------------------------------------------------------------------ */
/* tcp                                                                  */

static void test_tcp_opens_late(void **state)
{
	(void)state;
	struct srv s;
	srv_start(&s, SRV_DELAYED, 300);
	struct seen seen;
	struct mae_error e;
	int64_t t0 = mae_now_ms();
	assert_int_equal(run1(tcp_check(s.port, 5), &seen, &e), 0);
	int64_t took = mae_now_ms() - t0;
	/* seen at the first attempt after 300 ms: 50 ms polling + the window */
	assert_true(took >= 300);
	assert_true(took < 300 + CHECK_FAST_MS + CHECK_TCP_WINDOW_MS + 150);
	assert_true(seen.n >= 3);
	assert_int_equal(seen.passed, 1);
	assert_true(seen.serial_ok);
	srv_stop(&s);
}

static void test_tcp_refused_budget(void **state)
{
	(void)state;
	int fd;
	int port = dead_port(&fd);
	struct seen seen;
	struct mae_error e;
	int64_t t0 = mae_now_ms();
	/* MaestroNG's max_wait: 2 → a 2 s budget */
	assert_int_equal(run1(tcp_check(port, 2), &seen, &e), MAE_ERR_TIMEOUT);
	int64_t took = mae_now_ms() - t0;
	assert_true(took >= 1900 && took < 2600);
	assert_true(seen.n >= 30); /* every 50 ms, not once a second */
	assert_int_equal(seen.passed, 0);
	char want[128];
	snprintf(want, sizeof(want), "tcp check of 127.0.0.1:%d failed after 2 s and %u attempts: ",
		 port, seen.n);
	assert_non_null(strstr(e.msg, want));
	assert_non_null(strstr(e.msg, "Connection refused"));
	close(fd);
}

static void test_tcp_docker_proxy(void **state)
{
	(void)state;
	struct srv s;
	srv_start(&s, SRV_PROXY, 0);
	struct seen seen;
	struct mae_error e;
	assert_int_equal(run1(tcp_check(s.port, 1), &seen, &e), MAE_ERR_TIMEOUT);
	assert_true(__atomic_load_n(&s.accepted, __ATOMIC_ACQUIRE) >= 2);
	assert_int_equal(seen.passed, 0);
	assert_non_null(strstr(e.msg, "closed by the peer"));
	assert_non_null(strstr(seen.last_error, "docker-proxy"));
	srv_stop(&s);
}

static void test_tcp_silent_passes(void **state)
{
	(void)state;
	struct srv s;
	srv_start(&s, SRV_SILENT, 0);
	struct seen seen;
	struct mae_error e;
	assert_int_equal(run1(tcp_check(s.port, 2), &seen, &e), 0);
	assert_int_equal(seen.n, 1);
	/* open and silent for the window: a pass, after the window */
	assert_true(seen.last_dur >= CHECK_TCP_WINDOW_MS - 5);
	srv_stop(&s);
}

static void test_tcp_no_port(void **state)
{
	(void)state;
	struct seen seen;
	struct mae_error e;
	json_t *k = tcp_check(1, 2);
	json_object_set_new(json_object_get(k, "target"), "port", json_null());
	int64_t t0 = mae_now_ms();
	assert_int_equal(run1(k, &seen, &e), MAE_ERR_INVALID);
	assert_true(mae_now_ms() - t0 < 500);
	assert_non_null(strstr(e.msg, "no host and port"));
}

/* ------------------------------------------------------------------ */
/* http                                                                 */

static int http_rc(struct srv *s, const char *path, const char *regex,
		   const char *method, double budget, json_t *ropts,
		   struct seen *seen, struct mae_error *e)
{
	return run1(http_check(s->port, path, regex, method, budget, ropts), seen, e);
}

static void test_http_status(void **state)
{
	(void)state;
	struct srv s;
	srv_start(&s, SRV_HTTP, 0);
	struct seen seen;
	struct mae_error e;
	assert_int_equal(http_rc(&s, "/", NULL, "get", 2, NULL, &seen, &e), 0);
	assert_int_equal(http_rc(&s, "/fail", NULL, "get", 0.3, NULL, &seen, &e),
			 MAE_ERR_TIMEOUT);
	assert_non_null(strstr(e.msg, "http check of GET http://127.0.0.1:"));
	assert_non_null(strstr(e.msg, "/fail failed after 0.3 s"));
	assert_non_null(strstr(e.msg, "HTTP 500, not 200"));
	assert_true(seen.n >= 3);
	srv_stop(&s);
}

static void test_http_regex(void **state)
{
	(void)state;
	struct srv s;
	srv_start(&s, SRV_HTTP, 0);
	struct seen seen;
	struct mae_error e;
	/* LifecycleHelperTest: abc[^d] refuses abcd, accepts abce */
	assert_int_equal(http_rc(&s, "/abcd", "abc[^d]", "get", 0.2, NULL, &seen, &e),
			 MAE_ERR_TIMEOUT);
	assert_non_null(strstr(e.msg, "does not match 'abc[^d]'"));
	assert_int_equal(http_rc(&s, "/abce", "abc[^d]", "get", 1, NULL, &seen, &e), 0);
	/* searched with DOTALL, whatever the status */
	assert_int_equal(http_rc(&s, "/lines", "first.second", "get", 1, NULL, &seen, &e), 0);
	assert_int_equal(http_rc(&s, "/lines", "^ready", "get", 0.2, NULL, &seen, &e),
			 MAE_ERR_TIMEOUT);
	/* a bad pattern fails at once, saying why */
	assert_int_equal(http_rc(&s, "/", "a**", "get", 5, NULL, &seen, &e), MAE_ERR_INVALID);
	assert_non_null(strstr(e.msg, "bad match_regex 'a**'"));
	assert_int_equal(seen.n, 0);
	srv_stop(&s);
}

static void test_http_options(void **state)
{
	(void)state;
	struct srv s;
	srv_start(&s, SRV_HTTP, 0);
	struct seen seen;
	struct mae_error e;
	/* basic auth */
	assert_int_equal(http_rc(&s, "/auth", NULL, "get", 0.2, NULL, &seen, &e),
			 MAE_ERR_TIMEOUT);
	assert_non_null(strstr(e.msg, "HTTP 401"));
	assert_int_equal(http_rc(&s, "/auth", NULL, "get", 1,
				 json_pack("{s:[s,s]}", "auth", "user", "pass"), &seen, &e), 0);
	assert_int_equal(http_rc(&s, "/auth", NULL, "get", 0.2,
				 json_pack("{s:s}", "auth", "***"), &seen, &e),
			 MAE_ERR_INVALID);
	/* redirects followed by default, not when refused */
	assert_int_equal(http_rc(&s, "/redir", NULL, "get", 1, NULL, &seen, &e), 0);
	assert_int_equal(http_rc(&s, "/redir", NULL, "get", 0.2,
				 json_pack("{s:b}", "allow_redirects", 0), &seen, &e),
			 MAE_ERR_TIMEOUT);
	assert_non_null(strstr(e.msg, "HTTP 302"));
	/* headers */
	assert_int_equal(http_rc(&s, "/header", NULL, "get", 0.2, NULL, &seen, &e),
			 MAE_ERR_TIMEOUT);
	assert_int_equal(http_rc(&s, "/header", NULL, "get", 1,
				 json_pack("{s:{s:s}}", "headers", "X-Probe", "yes"),
				 &seen, &e), 0);
	/* the method, lower-cased as MaestroNG keeps it, is sent upper-case */
	assert_int_equal(http_rc(&s, "/method", "method PUT", "put", 1, NULL, &seen, &e), 0);
	assert_int_equal(http_rc(&s, "/", NULL, "head", 1, NULL, &seen, &e), 0);
	/* timeout: an answer slower than it is a failed attempt */
	assert_int_equal(http_rc(&s, "/slow", NULL, "get", 0.8,
				 json_pack("{s:f}", "timeout", 0.3), &seen, &e),
			 MAE_ERR_TIMEOUT);
	assert_non_null(strstr(seen.last_error, "timed out"));
	assert_true(seen.last_dur < 1000);
	srv_stop(&s);
}

static void test_http_refused(void **state)
{
	(void)state;
	int fd;
	int port = dead_port(&fd);
	struct seen seen;
	struct mae_error e;
	assert_int_equal(run1(http_check(port, "/", NULL, "get", 0.3, NULL), &seen, &e),
			 MAE_ERR_TIMEOUT);
	assert_non_null(strstr(e.msg, "onnect"));
	close(fd);
}

/* verify: an HTTPS server with a self-signed certificate (openssl, python3) */
static void test_http_verify(void **state)
{
	(void)state;
	char dir[] = "/tmp/mae-checks-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-keyout %s/key.pem -out %s/cert.pem -days 1 -subj /CN=127.0.0.1 "
		 "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1", dir, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "no openssl: verify untested\n");
		skip();
	}
	snprintf(cmd, sizeof(cmd),
		 "exec python3 -c 'import http.server,ssl,os\n"
		 "s=http.server.HTTPServer((\"127.0.0.1\",0),http.server.SimpleHTTPRequestHandler)\n"
		 "c=ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER);c.load_cert_chain(\"%s/cert.pem\",\"%s/key.pem\")\n"
		 "s.socket=c.wrap_socket(s.socket,server_side=True)\n"
		 "print(os.getpid(),s.server_port,flush=True);s.serve_forever()' 2>/dev/null", dir, dir);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	int port = 0, pid = 0;
	if (fscanf(f, "%d %d", &pid, &port) != 2) {
		pclose(f);
		fprintf(stderr, "no python3 https server: verify untested\n");
		skip();
	}
	char url[128];
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/", port);
	struct seen seen;
	struct mae_error e;
	json_t *k = http_check(port, "/", NULL, "get", 0.5, NULL);
	json_object_set_new(json_object_get(k, "target"), "url", json_string(url));
	json_t *k2 = json_deep_copy(k), *k3 = json_deep_copy(k);
	/* not trusted by default */
	assert_int_equal(run1(k, &seen, &e), MAE_ERR_TIMEOUT);
	assert_non_null(strstr(e.msg, "certificate"));
	json_object_set_new(json_object_get(k2, "requests_options"), "verify", json_false());
	assert_int_equal(run1(k2, &seen, &e), 0);
	char ca[128];
	snprintf(ca, sizeof(ca), "%s/cert.pem", dir);
	json_object_set_new(json_object_get(k3, "requests_options"), "verify", json_string(ca));
	assert_int_equal(run1(k3, &seen, &e), 0);
	kill(pid, SIGTERM);
	pclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}

/* ------------------------------------------------------------------ */
/* exec, sleep, the ones that need a ship                               */

static void test_exec(void **state)
{
	(void)state;
	struct seen seen;
	struct mae_error e;
	assert_int_equal(run1(exec_check("exit 0", "env", 2), &seen, &e), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(run1(exec_check("exit 3", "env", 1), &seen, &e), MAE_ERR_TIMEOUT);
	assert_non_null(strstr(e.msg, "exec check of '/bin/sh -c exit 3' failed after 1 s"));
	assert_non_null(strstr(e.msg, "exit status 3"));
	assert_true(seen.n >= 10);
	/* a program that is not there */
	json_t *k = json_pack("{s:s,s:[s],s:i,s:s,s:i}", "type", "exec", "command",
			      "/nonexistent/probe", "attempts", 1, "envfrom", "env",
			      "budget_s", 1);
	assert_int_equal(run1(k, &seen, &e), MAE_ERR_TIMEOUT);
	assert_non_null(strstr(e.msg, "cannot run '/nonexistent/probe'"));
}

static void test_exec_env(void **state)
{
	(void)state;
	/* LifecycleHelperTest: the container's values reach the command as
	 * strings ('42'), added to maestro's environment */
	json_t *env = json_pack("{s:i,s:s}", "wid", 42, "HOME", "/container");
	setenv("MAESTRO_TEST_OUTER", "kept", 1);
	struct seen seen = { .serial_ok = true };
	struct check_ctx ctx = { .env = env, .on_attempt = on_attempt, .attempt_ud = &seen };
	struct mae_error e;
	json_t *k = exec_check("test \"$wid\" = 42 && test \"$HOME\" = /container && "
			       "test \"$MAESTRO_TEST_OUTER\" = kept", "env", 1);
	assert_int_equal(check_run(k, &ctx, &e), 0);
	json_decref(k);
	/* envfrom stdin: the environment as JSON on standard input */
	k = exec_check("grep -q '\"wid\":42' && test -z \"$wid\"", "stdin", 1);
	assert_int_equal(check_run(k, &ctx, &e), 0);
	json_decref(k);
	json_decref(env);
}

static void test_sleep(void **state)
{
	(void)state;
	struct seen seen;
	struct mae_error e;
	int64_t t0 = mae_now_ms();
	assert_int_equal(run1(json_pack("{s:s,s:f,s:f,s:n}", "type", "sleep", "wait", 0.3,
					"budget_s", 0.3, "target"), &seen, &e), 0);
	int64_t took = mae_now_ms() - t0;
	assert_true(took >= 300 && took < 500);
	assert_int_equal(seen.passed, 1);
}

static void test_needs_ship(void **state)
{
	(void)state;
	struct seen seen;
	struct mae_error e;
	assert_int_equal(run1(json_pack("{s:s,s:[s],s:i,s:i}", "type", "rexec", "command",
					"true", "attempts", 1, "budget_s", 1), &seen, &e),
			 MAE_ERR_INVALID);
	assert_non_null(strstr(e.msg, "no container to run the command in"));
	assert_int_equal(run1(json_pack("{s:s,s:i}", "type", "nope", "budget_s", 1),
			      &seen, &e), MAE_ERR_INVALID);
	assert_non_null(strstr(e.msg, "unknown check type 'nope'"));
}

/* ------------------------------------------------------------------ */
/* A list at once, the probe, cancel                                    */

static void test_list_concurrent(void **state)
{
	(void)state;
	struct srv a, b;
	srv_start(&a, SRV_DELAYED, 400);
	srv_start(&b, SRV_DELAYED, 400);
	json_t *l = json_pack("[o,o,o]", tcp_check(a.port, 3), tcp_check(b.port, 3),
			      json_pack("{s:s,s:f,s:f}", "type", "sleep", "wait", 0.4,
					"budget_s", 0.4));
	struct seen seen = { .serial_ok = true };
	struct check_ctx ctx = { .on_attempt = on_attempt, .attempt_ud = &seen };
	struct mae_error e;
	int64_t t0 = mae_now_ms();
	assert_int_equal(checks_run(l, &ctx, NULL, &e), 0);
	int64_t took = mae_now_ms() - t0;
	/* at once: about 400 ms, not 1200 */
	assert_true(took < 800);
	assert_int_equal(seen.passed, 3);
	assert_true(seen.serial_ok);
	json_decref(l);
	srv_stop(&a);
	srv_stop(&b);
}

static void test_list_first_failure(void **state)
{
	(void)state;
	int fd;
	int port = dead_port(&fd);
	json_t *l = json_pack("[o,o]", json_pack("{s:s,s:f,s:f}", "type", "sleep", "wait",
						 10.0, "budget_s", 10.0),
			      tcp_check(port, 0.3));
	struct check_ctx ctx = { 0 };
	struct mae_error e;
	size_t failed = 99;
	int64_t t0 = mae_now_ms();
	assert_int_equal(checks_run(l, &ctx, &failed, &e), MAE_ERR_TIMEOUT);
	/* the sleep is stopped, not waited for */
	assert_true(mae_now_ms() - t0 < 1000);
	assert_int_equal(failed, 1);
	assert_non_null(strstr(e.msg, "check 2 of 2: tcp check of 127.0.0.1:"));
	json_decref(l);
	close(fd);
}

/* A command still running when another check fails is killed, not waited for. */
static void test_list_stops_exec(void **state)
{
	(void)state;
	int fd;
	int port = dead_port(&fd);
	json_t *l = json_pack("[o,o]", exec_check("sleep 30", "env", 30),
			      tcp_check(port, 0.3));
	struct seen seen = { .serial_ok = true };
	struct check_ctx ctx = { .on_attempt = on_attempt, .attempt_ud = &seen };
	struct mae_error e;
	size_t failed = 99;
	int64_t t0 = mae_now_ms();
	assert_int_equal(checks_run(l, &ctx, &failed, &e), MAE_ERR_TIMEOUT);
	assert_true(mae_now_ms() - t0 < 1000);
	assert_int_equal(failed, 1);
	json_decref(l);
	close(fd);
}

struct probe {
	int64_t dies_at;
	int calls;
};

static int alive(void *ud, struct mae_error *e)
{
	struct probe *p = ud;
	p->calls++;
	if (mae_now_ms() < p->dies_at)
		return 0;
	return mae_error_set(e, MAE_ERR_STATE, "'web-1' exited with status 1");
}

static void test_container_exits(void **state)
{
	(void)state;
	int fd;
	int port = dead_port(&fd);
	json_t *l = json_pack("[o]", tcp_check(port, 30));
	struct probe p = { .dies_at = mae_now_ms() + 300 };
	struct check_ctx ctx = { .alive = alive, .alive_ud = &p };
	struct mae_error e;
	size_t failed = 0;
	int64_t t0 = mae_now_ms();
	assert_int_equal(checks_run(l, &ctx, &failed, &e), MAE_ERR_STATE);
	int64_t took = mae_now_ms() - t0;
	assert_true(took >= 300 && took < 300 + CHECK_ALIVE_EVERY_MS + 1100);
	assert_int_equal(failed, 1);
	assert_string_equal(e.msg, "'web-1' exited with status 1");
	assert_true(p.calls >= 1);
	json_decref(l);
	close(fd);
}

static int cancel_flag;

static void *cancel_later(void *ud)
{
	(void)ud;
	msleep(200);
	__atomic_store_n(&cancel_flag, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_cancel(void **state)
{
	(void)state;
	cancel_flag = 0;
	json_t *k = json_pack("{s:s,s:f,s:f}", "type", "sleep", "wait", 30.0,
			      "budget_s", 30.0);
	struct check_ctx ctx = { .cancel = &cancel_flag };
	struct mae_error e;
	pthread_t t;
	pthread_create(&t, NULL, cancel_later, NULL);
	int64_t t0 = mae_now_ms();
	assert_int_equal(check_run(k, &ctx, &e), MAE_ERR_CANCELLED);
	assert_true(mae_now_ms() - t0 < 600);
	pthread_join(t, NULL);
	json_decref(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_tcp_opens_late),
		cmocka_unit_test(test_tcp_refused_budget),
		cmocka_unit_test(test_tcp_docker_proxy),
		cmocka_unit_test(test_tcp_silent_passes),
		cmocka_unit_test(test_tcp_no_port),
		cmocka_unit_test(test_http_status),
		cmocka_unit_test(test_http_regex),
		cmocka_unit_test(test_http_options),
		cmocka_unit_test(test_http_refused),
		cmocka_unit_test(test_http_verify),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_exec_env),
		cmocka_unit_test(test_sleep),
		cmocka_unit_test(test_needs_ship),
		cmocka_unit_test(test_list_concurrent),
		cmocka_unit_test(test_list_first_failure),
		cmocka_unit_test(test_list_stops_exec),
		cmocka_unit_test(test_container_exits),
		cmocka_unit_test(test_cancel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
