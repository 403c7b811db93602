/*
 * test-client.c - the ship client against a tiny fake daemon on loopback,
 * for what a real dockerd never does: accept and never answer, a
 * truncated or non-JSON or non-HTTP answer, a pull stream that ends
 * without success or with an error line, split output frames.  Also the
 * error shape, API version negotiation and pins, proxies being ignored,
 * cancellation and settings refused up front.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "client-int.h"
#include "executor.h"

/* ------------------------------------------------------------------ */
/* The fake daemon                                                      */

struct fake;
typedef void (*answer_fn)(struct fake *f, int fd, const char *path);

struct fake {
	int lfd;
	int port;
	pthread_t t;
	int stop;             /* atomic */
	answer_fn answer;
	const char *api;      /* what /version says */
	char last_path[1024];
	char last_auth[256];
	int held[16];         /* connections kept open, never answered */
	int nheld;
	pthread_mutex_t mu;
};

static void sendall(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
		if (k <= 0)
			return;
		s += k;
		n -= (size_t)k;
	}
}

static void sends(int fd, const char *s)
{
	sendall(fd, s, strlen(s));
}

static void answer_json(int fd, int status, const char *reason,
			const char *body)
{
	char head[256];
	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 status, reason, strlen(body));
	sends(fd, head);
	sends(fd, body);
}

/* reads one request's head (and ignores its body); false on EOF */
static bool read_request(struct fake *f, int fd, char *path, size_t n)
{
	char buf[8192];
	size_t len = 0;
	while (len < sizeof(buf) - 1) {
		ssize_t k = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (k <= 0)
			return false;
		len += (size_t)k;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	char method[16];
	if (sscanf(buf, "%15s %1000s", method, path) != 2)
		return false;
	(void)n;
	pthread_mutex_lock(&f->mu);
	snprintf(f->last_path, sizeof(f->last_path), "%s", path);
	const char *a = strstr(buf, "X-Registry-Auth: ");
	if (a) {
		a += strlen("X-Registry-Auth: ");
		size_t k = strcspn(a, "\r\n");
		snprintf(f->last_auth, sizeof(f->last_auth), "%.*s", (int)k, a);
	}
	pthread_mutex_unlock(&f->mu);
	return true;
}

static void *fake_run(void *arg)
{
	struct fake *f = arg;
	while (!__atomic_load_n(&f->stop, __ATOMIC_SEQ_CST)) {
		struct pollfd p = { .fd = f->lfd, .events = POLLIN };
		if (poll(&p, 1, 50) <= 0)
			continue;
		int fd = accept(f->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		char path[1024];
		if (!read_request(f, fd, path, sizeof(path))) {
			close(fd);
			continue;
		}
		if (strcmp(path, "/version") == 0 && f->api) {
			char body[128];
			snprintf(body, sizeof(body),
				 "{\"ApiVersion\":\"%s\",\"Version\":\"99.0\"}",
				 f->api);
			answer_json(fd, 200, "OK", body);
			close(fd);
			continue;
		}
		f->answer(f, fd, path);
		if (f->nheld && f->held[f->nheld - 1] == fd)
			continue;
		close(fd);
	}
	for (int i = 0; i < f->nheld; i++)
		close(f->held[i]);
	return NULL;
}

static struct fake *fake_start(answer_fn answer, const char *api)
{
	struct fake *f = calloc(1, sizeof(*f));
	f->answer = answer;
	f->api = api;
	pthread_mutex_init(&f->mu, NULL);
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(f->lfd, 64), 0);
	socklen_t al = sizeof(a);
	getsockname(f->lfd, (struct sockaddr *)&a, &al);
	f->port = ntohs(a.sin_port);
	pthread_create(&f->t, NULL, fake_run, f);
	return f;
}

static void fake_stop(struct fake *f)
{
	__atomic_store_n(&f->stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(f->t, NULL);
	close(f->lfd);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

static struct ship_client *client_to(int port, double timeout_s,
				     const char *api)
{
	struct ship_conn c = { .transport = SHIP_TCP, .port = port,
			       .timeout_s = timeout_s };
	c.name = "fake";
	c.endpoint = "127.0.0.1";
	c.api_version = (char *)api;
	struct ship_client *cl = NULL;
	struct mae_error e;
	if (ship_client_new(&c, &cl, &e))
		fail_msg("%s", e.msg);
	return cl;
}

static void expect(int rc, int code, const struct mae_error *e,
		   const char *want)
{
	if (rc != code || strcmp(e->msg, want) != 0)
		fail_msg("got %d '%s', want %d '%s'", rc, e->msg, code, want);
}

static void expect_prefix(int rc, int code, const struct mae_error *e,
			  const char *want)
{
	if (rc != code || !mae_startswith(e->msg, want))
		fail_msg("got %d '%s', want %d '%s...'", rc, e->msg, code,
			 want);
}

/* ------------------------------------------------------------------ */
/* Answers                                                              */

static void hold(struct fake *f, int fd, const char *path)
{
	(void)path;
	if (f->nheld < 16)
		f->held[f->nheld++] = fd;
}

static void truncated(struct fake *f, int fd, const char *path)
{
	(void)f;
	(void)path;
	sends(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		  "Content-Length: 100\r\n\r\n{\"Id\": \"abc");
}

static void not_json(struct fake *f, int fd, const char *path)
{
	(void)f;
	(void)path;
	answer_json(fd, 200, "OK", "<html>hello</html>");
}

static void not_http(struct fake *f, int fd, const char *path)
{
	(void)f;
	(void)path;
	sends(fd, "SSH-2.0-OpenSSH_9.2\r\nnot http at all\r\n\r\n");
}

static void conflict(struct fake *f, int fd, const char *path)
{
	(void)f;
	(void)path;
	answer_json(fd, 409, "Conflict",
		    "{\"message\":\"container name already in use\"}\n");
}

static void boom(struct fake *f, int fd, const char *path)
{
	(void)f;
	(void)path;
	sends(fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n"
		  "Connection: close\r\n\r\nboom\n");
}

static void ok_empty(struct fake *f, int fd, const char *path)
{
	(void)f;
	if (strcmp(path, "/_ping") == 0) {
		sends(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
			  "Connection: close\r\n\r\nOK");
		return;
	}
	answer_json(fd, 200, "OK", "{}");
}

/* a progress stream without Content-Length, ended by closing */
static void pull_head(int fd)
{
	sends(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		  "Connection: close\r\n\r\n");
	sends(fd, "{\"status\":\"Pulling from repo/x\",\"id\":\"1\"}\r\n");
	sends(fd, "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},"
		  "\"id\":\"aaa\"}\r\n");
	sends(fd, "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},"
		  "\"id\":\"bbb\"}\r\n");
	sends(fd, "{\"status\":\"Downloading\",\"progressDetail\":"
		  "{\"current\":100,\"total\":400},\"id\":\"aaa\"}\r\n");
	usleep(20000);
	sends(fd, "{\"status\":\"Downloading\",\"progressDetail\":"
		  "{\"current\":50,\"total\":200},\"id\":\"bbb\"}\r\n");
	sends(fd, "{\"status\":\"Download complete\",\"progressDetail\":{},"
		  "\"id\":\"aaa\"}\r\n");
}

static void pull_no_success(struct fake *f, int fd, const char *path)
{
	(void)f;
	(void)path;
	pull_head(fd);
}

static void pull_error(struct fake *f, int fd, const char *path)
{
	(void)f;
	(void)path;
	pull_head(fd);
	sends(fd, "{\"errorDetail\":{\"message\":\"manifest unknown\"},"
		  "\"error\":\"manifest unknown\"}\r\n");
}

static void pull_ok(struct fake *f, int fd, const char *path)
{
	(void)f;
	(void)path;
	pull_head(fd);
	sends(fd, "{\"status\":\"Pull complete\",\"id\":\"bbb\"}\r\n"
		  "{\"status\":\"Digest: sha256:00\"}\r\n"
		  "{\"status\":\"Status: Downloaded newer image for repo/x:1\"}");
}

/* progress, then silence with the connection open */
static void pull_stall(struct fake *f, int fd, const char *path)
{
	pull_head(fd);
	hold(f, fd, path);
}

static void pull_garbage(struct fake *f, int fd, const char *path)
{
	(void)f;
	(void)path;
	pull_head(fd);
	sends(fd, "<<not json>>\r\n");
}

/* a container "c1" (no tty) whose logs come in awkward pieces */
static void logs(struct fake *f, int fd, const char *path)
{
	(void)f;
	if (mae_startswith(path, "/v1.41/containers/c1/json")) {
		answer_json(fd, 200, "OK",
			    "{\"Id\":\"c1id\",\"Config\":{\"Tty\":false},"
			    "\"State\":{\"Running\":false}}");
		return;
	}
	sends(fd, "HTTP/1.1 200 OK\r\nContent-Type: "
		  "application/vnd.docker.raw-stream\r\nConnection: close\r\n\r\n");
	static const unsigned char frames[] = {
		1, 0, 0, 0, 0, 0, 0, 6, 'h', 'e', 'l', 'l', 'o', '\n',
		2, 0, 0, 0, 0, 0, 0, 5, 'o', 'o', 'p', 's', '\n',
		1, 0, 0, 0, 0, 0, 0, 3, 'b', 'y', 'e',
	};
	/* split inside a header and inside a payload */
	size_t cuts[] = { 3, 11, 17, 30, sizeof(frames) };
	size_t at = 0;
	for (size_t i = 0; i < 5; i++) {
		sendall(fd, (const char *)frames + at, cuts[i] - at);
		at = cuts[i];
		usleep(10000);
	}
}

/* a frame cut short by the end of the connection */
static void logs_cut(struct fake *f, int fd, const char *path)
{
	(void)f;
	if (mae_startswith(path, "/v1.41/containers/c1/json")) {
		answer_json(fd, 200, "OK",
			    "{\"Id\":\"c1id\",\"Config\":{\"Tty\":false}}");
		return;
	}
	sends(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
	sendall(fd, "\1\0\0\0\0\0\0\x10half", 12);
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */

static void test_never_answers(void **st)
{
	(void)st;
	struct fake *f = fake_start(hold, "1.41");
	struct ship_client *cl = client_to(f->port, 1, NULL);
	struct mae_error e;
	int64_t t0 = mae_now_ms();
	int rc = ship_ping(cl, &e);
	int64_t dt = mae_now_ms() - t0;
	char want[128];
	snprintf(want, sizeof(want),
		 "fake: ping: no answer from 127.0.0.1:%d within 1 s", f->port);
	expect(rc, MAE_ERR_TIMEOUT, &e, want);
	assert_true(dt >= 900 && dt < 3000);
	ship_client_free(cl);
	fake_stop(f);
}

/* a timeout below 1 ms is 1 ms, not "no limit" (it was 0 for libcurl) */
static void test_tiny_timeout(void **st)
{
	(void)st;
	struct fake *f = fake_start(hold, "1.41");
	struct ship_client *cl = client_to(f->port, 0.0001, NULL);
	struct mae_error e;
	int64_t t0 = mae_now_ms();
	int rc = ship_ping(cl, &e);
	assert_int_equal(rc, MAE_ERR_TIMEOUT);
	assert_true(mae_now_ms() - t0 < 3000);
	ship_client_free(cl);
	fake_stop(f);

	assert_int_equal(ship_limit_ms(0.0001), 1);
	assert_int_equal(ship_limit_ms(0.0015), 2);
	assert_int_equal(ship_limit_ms(5), 5000);
	assert_int_equal(ship_limit_ms(0), 1);
	assert_int_equal(ship_limit_ms(1e30), (long)(SHIP_TIMEOUT_MAX_S * 1000));
	assert_true(ship_timeout_norm(0, 5) == 5);
	assert_true(ship_timeout_norm(-1, 5) == 5);
	assert_true(ship_timeout_norm(NAN, 5) == 5);
	assert_true(ship_timeout_norm(INFINITY, 5) == 5);
	assert_true(ship_timeout_norm(1e-9, 5) == 0.001);
	assert_true(ship_timeout_norm(1e30, 5) == SHIP_TIMEOUT_MAX_S);
}

static void test_truncated(void **st)
{
	(void)st;
	struct fake *f = fake_start(truncated, "1.41");
	struct ship_client *cl = client_to(f->port, 2, NULL);
	struct mae_error e;
	json_t *j = NULL;
	int rc = ship_container_inspect(cl, "web", &j, &e);
	char want[128];
	snprintf(want, sizeof(want),
		 "fake: inspect 'web': connection to 127.0.0.1:%d lost before "
		 "the answer was complete: ",
		 f->port);
	expect_prefix(rc, MAE_ERR_CONNECT, &e, want);
	assert_null(j);
	ship_client_free(cl);
	fake_stop(f);
}

/* ------------------------------------------------------------------ */
/* Hostile answers: budgets of size, values and depth                   */

static size_t hostile_list_bytes; /* of `[{},{},...]` for container lists */

static void send_repeated(int fd, const char *head, const char *unit,
			  const char *sep, size_t bytes, const char *tail)
{
	char hdr[256];
	size_t per = strlen(unit) + strlen(sep);
	size_t count = (bytes - strlen(head) - strlen(tail)) / per;
	size_t len = strlen(head) + count * per - (count ? strlen(sep) : 0) +
		     strlen(tail);
	snprintf(hdr, sizeof(hdr),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
	sends(fd, hdr);
	sends(fd, head);
	struct mae_buf b = MAE_BUF_INIT;
	for (size_t i = 0; i < count; i++) {
		mae_buf_adds(&b, unit);
		if (i + 1 < count)
			mae_buf_adds(&b, sep);
		if (b.len > 60000 || i + 1 == count) {
			sendall(fd, mae_buf_str(&b), b.len);
			mae_buf_reset(&b);
		}
	}
	mae_buf_release(&b);
	sends(fd, tail);
}

static void hostile(struct fake *f, int fd, const char *path)
{
	(void)f;
	if (strcmp(path, "/_ping") == 0)
		send_repeated(fd, "", "O", "", 5000, "");
	else if (strcmp(path, "/version") == 0)
		send_repeated(fd, "{\"Version\":\"", "x", "", 100000, "\"}");
	else if (mae_startswith(path, "/v1.41/info"))
		send_repeated(fd, "", "[", "", 100, "");
	else if (mae_startswith(path, "/v1.41/containers/json"))
		send_repeated(fd, "[", "{}", ",", hostile_list_bytes, "]");
	else
		answer_json(fd, 404, "Not Found", "{\"message\":\"no\"}");
}

static long peak_rss_kb(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return u.ru_maxrss;
}

static void test_hostile_budgets(void **st)
{
	(void)st;
	struct fake *f = fake_start(hostile, NULL);
	struct ship_client *cl = client_to(f->port, 10, "1.41");
	struct mae_error e;
	json_t *j = NULL;
	expect(ship_ping(cl, &e), MAE_ERR_LIMIT, &e,
	       "fake: ping: the answer is larger than 4096 bytes");
	expect(ship_version(cl, &j, &e), MAE_ERR_LIMIT, &e,
	       "fake: version: the answer is larger than 65536 bytes");
	expect(ship_info(cl, &j, &e), MAE_ERR_LIMIT, &e,
	       "fake: info: the daemon's answer nests JSON deeper than 64 levels");

	/* 15 MiB of `[{},{},...]` (5 million values) under the 16 MiB cap:
	 * refused before jansson builds a tree (it took ~100 bytes a value) */
	const char *labels[] = { "maestro.environment=x" };
	hostile_list_bytes = (size_t)15 << 20;
	long before = peak_rss_kb();
	int64_t t0 = mae_now_ms();
	expect(ship_containers_by_labels(cl, labels, 1, &j, &e), MAE_ERR_LIMIT, &e,
	       "fake: list containers: the daemon's answer holds more than "
	       "1000000 JSON values");
	long grew_mb = (peak_rss_kb() - before) / 1024;
	print_message("# 15 MiB hostile list: %lld ms, peak RSS +%ld MB\n",
		      (long long)(mae_now_ms() - t0), grew_mb);
	assert_true(grew_mb < 200);
	/* past the cap: refused as it arrives */
	hostile_list_bytes = (size_t)17 << 20;
	expect(ship_containers_by_labels(cl, labels, 1, &j, &e), MAE_ERR_LIMIT, &e,
	       "fake: list containers: the answer is larger than 16777216 bytes");
	ship_client_free(cl);
	fake_stop(f);
}

/* ship_json_load: what is JSON, the budgets, and jansson out of memory */
static int jansson_fails; /* atomic: allocations fail while set */

static void *failing_malloc(size_t n)
{
	return __atomic_load_n(&jansson_fails, __ATOMIC_SEQ_CST) ? NULL : malloc(n);
}

static void test_json_load(void **st)
{
	(void)st;
	char why[160];
	json_t *j = NULL;
	static const char *const good[] = {
		"{}", "[]", " [1, -0.5e+3, true, false, null] ",
		"{\"a\":{\"b\":[\"c\\u00e9\\ud83d\\ude00\\n\"]}}", "[\"\xc3\xa9\"]",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(ship_json_load(good[i], strlen(good[i]), 0, &j, why,
						sizeof(why)), 0);
		json_decref(j);
	}
	static const char *const bad[] = {
		"", "1", "\"s\"", "[1,]", "{\"a\":}", "[01]", "[1.]", "[\"\\u0000\"]",
		"[\"\\ud83d\"]", "[\"\xc3\"]", "[1] x", "[1e400]", "[nul]", "{\"a\" 1}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = ship_json_load(bad[i], strlen(bad[i]), 0, &j, why, sizeof(why));
		if (rc != MAE_ERR_PROTOCOL || !mae_startswith(why, "is not JSON ("))
			fail_msg("'%s': %d %s", bad[i], rc, why);
		assert_null(j);
	}
	/* values: keys count, as jansson keeps them */
	assert_int_equal(ship_json_load("{\"a\":1,\"b\":2}", 13, 5, &j, why,
					sizeof(why)), 0);
	json_decref(j);
	assert_int_equal(ship_json_load("{\"a\":1,\"b\":2}", 13, 4, &j, why,
					sizeof(why)), MAE_ERR_LIMIT);
	assert_string_equal(why, "holds more than 4 JSON values");
	char deep[140];
	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	assert_int_equal(ship_json_load(deep, 130, 0, &j, why, sizeof(why)),
			 MAE_ERR_LIMIT);
	assert_string_equal(why, "nests JSON deeper than 64 levels");
	assert_int_equal(ship_json_load(deep + 1, 128, 0, &j, why, sizeof(why)), 0);
	json_decref(j);

	/* jansson out of memory is not "not JSON ()" */
	json_set_alloc_funcs(failing_malloc, free);
	__atomic_store_n(&jansson_fails, 1, __ATOMIC_SEQ_CST);
	int rc = ship_json_load("{\"a\":[1,2]}", 11, 0, &j, why, sizeof(why));
	__atomic_store_n(&jansson_fails, 0, __ATOMIC_SEQ_CST);
	json_set_alloc_funcs(malloc, free);
	assert_int_equal(rc, MAE_ERR_LIMIT);
	assert_string_equal(why, "could not be read: out of memory for 11 bytes of JSON");
}

static void test_not_json(void **st)
{
	(void)st;
	struct fake *f = fake_start(not_json, "1.41");
	struct ship_client *cl = client_to(f->port, 2, NULL);
	struct mae_error e;
	json_t *j = NULL;
	int rc = ship_container_inspect(cl, "web", &j, &e);
	expect_prefix(rc, MAE_ERR_PROTOCOL, &e,
		      "fake: inspect 'web': the daemon's answer is not JSON (");
	assert_non_null(strstr(e.msg, "'<html>hello</html>'"));
	ship_client_free(cl);
	fake_stop(f);
}

static void test_not_http(void **st)
{
	(void)st;
	struct fake *f = fake_start(not_http, "1.41");
	struct ship_client *cl = client_to(f->port, 2, NULL);
	struct mae_error e;
	int rc = ship_ping(cl, &e);
	char want[128];
	snprintf(want, sizeof(want),
		 "fake: ping: the answer from 127.0.0.1:%d is not HTTP: ",
		 f->port);
	expect_prefix(rc, MAE_ERR_PROTOCOL, &e, want);
	ship_client_free(cl);
	fake_stop(f);
}

/* statuses without a name of their own */
static void odd_status(struct fake *f, int fd, const char *path)
{
	(void)f;
	if (strcmp(path, "/_ping") == 0)
		sends(fd, "HTTP/1.1 999 OK\r\nContent-Length: 2\r\n"
			  "Connection: close\r\n\r\nOK");
	else if (mae_startswith(path, "/v1.41/info"))
		answer_json(fd, 418, "I'm a teapot", "{\"message\":\"short and stout\"}");
	else
		answer_json(fd, 599, "X", "");
}

static void test_error_shape(void **st)
{
	(void)st;
	struct fake *f = fake_start(conflict, "1.41");
	struct ship_client *cl = client_to(f->port, 2, NULL);
	struct mae_error e;
	json_t *body = json_pack("{s:s}", "Image", "kafka:2");
	int rc = ship_container_create(cl, "kafka-1", body, NULL, &e);
	json_decref(body);
	expect(rc, MAE_ERR_REMOTE, &e,
	       "fake: create 'kafka-1': 409 Conflict: container name already "
	       "in use");
	assert_int_equal(e.http_status, 409);
	ship_client_free(cl);
	fake_stop(f);

	f = fake_start(boom, "1.41");
	cl = client_to(f->port, 2, NULL);
	json_t *j = NULL;
	rc = ship_info(cl, &j, &e);
	expect(rc, MAE_ERR_REMOTE, &e, "fake: info: 500 Internal Server Error: boom");
	ship_client_free(cl);
	fake_stop(f);

	/* not "ping: 999: OK": what the status means, then Docker's message */
	f = fake_start(odd_status, "1.41");
	cl = client_to(f->port, 2, NULL);
	rc = ship_ping(cl, &e);
	expect(rc, MAE_ERR_REMOTE, &e, "fake: ping: 999 (not an HTTP status): OK");
	assert_int_equal(e.http_status, 999);
	rc = ship_info(cl, &j, &e);
	expect(rc, MAE_ERR_REMOTE, &e,
	       "fake: info: 418 (a client error): short and stout");
	rc = ship_container_inspect(cl, "web", &j, &e);
	expect(rc, MAE_ERR_REMOTE, &e,
	       "fake: inspect 'web': 599 (a server error): (no message)");
	ship_client_free(cl);
	fake_stop(f);
}

static void test_unreachable(void **st)
{
	(void)st;
	/* a port nobody listens on: bind one, then close it */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&a, sizeof(a));
	socklen_t al = sizeof(a);
	getsockname(s, (struct sockaddr *)&a, &al);
	int port = ntohs(a.sin_port);
	close(s);
	struct ship_client *cl = client_to(port, 1, NULL);
	struct mae_error e;
	int rc = ship_ping(cl, &e);
	char want[128];
	snprintf(want, sizeof(want),
		 "fake: unreachable: cannot connect to 127.0.0.1:%d: ", port);
	expect_prefix(rc, MAE_ERR_CONNECT, &e, want);
	ship_client_free(cl);

	struct ship_conn c = { .name = "sock", .transport = SHIP_UNIX,
			       .socket_path = "/nonexistent/docker.sock" };
	assert_int_equal(ship_client_new(&c, &cl, &e), 0);
	rc = ship_ping(cl, &e);
	expect(rc, MAE_ERR_CONNECT, &e,
	       "sock: unreachable: cannot connect to "
	       "unix:///nonexistent/docker.sock: No such file or directory");
	ship_client_free(cl);
}

/*
 * A daemon on a unix socket dying as a killed dockerd does: it answered
 * one ping keep-alive; the next ping goes on that kept connection, which
 * is lost without an answer; libcurl's own retry on a fresh connection
 * still gets through while the daemon is going away and is dropped too,
 * and then the daemon's socket refuses.  The client must say the daemon
 * is unreachable, not that an answer was cut short.
 */
struct dying {
	int lfd;
	int answered;   /* requests answered */
	int dropped;    /* requests read and never answered */
};

static void *dying_run(void *arg)
{
	struct dying *d = arg;
	struct fake f = { .answer = NULL };
	pthread_mutex_init(&f.mu, NULL);
	char path[1024];
	int fd = accept(d->lfd, NULL, NULL);
	if (fd >= 0 && read_request(&f, fd, path, sizeof(path))) {
		sends(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK");
		d->answered++;
		/* the next request arrives on the kept connection */
		if (read_request(&f, fd, path, sizeof(path)))
			d->dropped++;
	}
	if (fd >= 0)
		close(fd);
	/* a fresh connection, accepted while dying */
	struct pollfd p = { .fd = d->lfd, .events = POLLIN };
	if (poll(&p, 1, 2000) == 1) {
		fd = accept(d->lfd, NULL, NULL);
		if (fd >= 0 && read_request(&f, fd, path, sizeof(path)))
			d->dropped++;
		close(d->lfd);
		if (fd >= 0)
			close(fd);
	} else {
		close(d->lfd);
	}
	pthread_mutex_destroy(&f.mu);
	return NULL;
}

static void test_reused_connection_dies(void **st)
{
	(void)st;
	char dir[] = "/tmp/mae-client-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sock[64];
	snprintf(sock, sizeof(sock), "%s/docker.sock", dir);
	struct dying d = { .lfd = socket(AF_UNIX, SOCK_STREAM, 0) };
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
	assert_int_equal(bind(d.lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(d.lfd, 4), 0);
	pthread_t t;
	pthread_create(&t, NULL, dying_run, &d);

	struct ship_conn c = { .name = "sock", .transport = SHIP_UNIX,
			       .socket_path = sock, .timeout_s = 2 };
	struct ship_client *cl = NULL;
	struct mae_error e;
	assert_int_equal(ship_client_new(&c, &cl, &e), 0);
	if (ship_ping(cl, &e))
		fail_msg("first ping: %s", e.msg);
	int rc = ship_ping(cl, &e);
	pthread_join(t, NULL);
	assert_int_equal(d.answered, 1);
	assert_int_equal(d.dropped, 2);
	char want[128];
	snprintf(want, sizeof(want),
		 "sock: unreachable: cannot connect to unix://%s: "
		 "Connection refused", sock);
	expect(rc, MAE_ERR_CONNECT, &e, want);
	ship_client_free(cl);
	unlink(sock);
	rmdir(dir);
}

struct progress_seen {
	int calls;
	struct ship_pull_progress last;
};

static void on_progress(void *ud, const struct ship_pull_progress *p)
{
	struct progress_seen *s = ud;
	s->calls++;
	s->last = *p;
	s->last.status = NULL;
}

/* what cli hands on from schema's reading of the image */
static struct ship_pull_image pull_image(const char *image, const char *name,
					 const char *tag)
{
	return (struct ship_pull_image){ .image = image, .name = name,
					 .tag = tag, .host = "docker.io" };
}

static void test_pull(void **st)
{
	(void)st;
	struct mae_error e;
	const struct ship_pull_image rx = pull_image("repo/x:1", "repo/x", "1");
	const struct ship_pull_image ported =
		pull_image("reg.example:5000/a/b", "reg.example:5000/a/b", "latest");
	const struct ship_pull_image digest =
		pull_image("a/b@sha256:12", "a/b", "sha256:12");
	/* ends without success */
	struct fake *f = fake_start(pull_no_success, "1.41");
	struct ship_client *cl = client_to(f->port, 2, NULL);
	struct progress_seen seen = { 0 };
	int rc = ship_image_pull(cl, &rx, "c2VjcmV0", on_progress,
				 &seen, &e);
	expect(rc, MAE_ERR_PROTOCOL, &e,
	       "fake: pull 'repo/x:1': the pull stream ended without success; "
	       "last status: Download complete");
	assert_string_equal(f->last_path,
			    "/v1.41/images/create?fromImage=repo%2Fx&tag=1");
	assert_string_equal(f->last_auth, "c2VjcmV0");
	assert_int_equal(seen.last.layers, 2);
	assert_int_equal(seen.last.layers_done, 1);
	assert_int_equal(seen.last.bytes, 400 + 50);
	assert_int_equal(seen.last.bytes_total, 400 + 200);
	assert_null(strstr(e.msg, "c2VjcmV0"));
	ship_client_free(cl);
	fake_stop(f);

	/* an error line */
	f = fake_start(pull_error, "1.41");
	cl = client_to(f->port, 2, NULL);
	rc = ship_image_pull(cl, &rx, NULL, NULL, NULL, &e);
	expect(rc, MAE_ERR_REMOTE, &e, "fake: pull 'repo/x:1': manifest unknown");
	ship_client_free(cl);
	fake_stop(f);

	/* a line that is not JSON */
	f = fake_start(pull_garbage, "1.41");
	cl = client_to(f->port, 2, NULL);
	rc = ship_image_pull(cl, &rx, NULL, NULL, NULL, &e);
	expect(rc, MAE_ERR_PROTOCOL, &e,
	       "fake: pull 'repo/x:1': the daemon's stream holds a line that "
	       "is not a JSON object: '<<not json>>'");
	ship_client_free(cl);
	fake_stop(f);

	/* a stream that goes silent: bounded by progress, not a total */
	f = fake_start(pull_stall, "1.41");
	cl = client_to(f->port, 1, NULL);
	ship_client_set_idle_limit(cl, 2);
	int64_t t0 = mae_now_ms();
	rc = ship_image_pull(cl, &rx, NULL, NULL, NULL, &e);
	expect(rc, MAE_ERR_TIMEOUT, &e,
	       "fake: pull 'repo/x:1': no progress from the daemon for 2 s");
	assert_true(mae_now_ms() - t0 < 3 * 2000);
	ship_client_free(cl);
	fake_stop(f);

	/* success, the last line without a newline; references */
	f = fake_start(pull_ok, "1.41");
	cl = client_to(f->port, 2, NULL);
	memset(&seen, 0, sizeof(seen));
	rc = ship_image_pull(cl, &rx, NULL, on_progress, &seen, &e);
	assert_int_equal(rc, 0);
	assert_int_equal(seen.last.layers_done, 2);
	rc = ship_image_pull(cl, &ported, NULL, NULL, NULL, &e);
	assert_int_equal(rc, 0);
	assert_string_equal(f->last_path,
			    "/v1.41/images/create?fromImage=reg.example%3A5000%2Fa%2Fb"
			    "&tag=latest");
	rc = ship_image_pull(cl, &digest, NULL, NULL, NULL, &e);
	assert_int_equal(rc, 0);
	assert_string_equal(f->last_path,
			    "/v1.41/images/create?fromImage=a%2Fb&tag=sha256%3A12");
	ship_client_free(cl);
	fake_stop(f);
}

struct collected {
	struct mae_buf out, err;
};

static int collect(void *ud, enum ship_stream s, const char *p, size_t n)
{
	struct collected *c = ud;
	mae_buf_add(s == SHIP_STDERR ? &c->err : &c->out, p, n);
	return 0;
}

static void test_logs_demux(void **st)
{
	(void)st;
	struct fake *f = fake_start(logs, "1.41");
	struct ship_client *cl = client_to(f->port, 2, NULL);
	struct mae_error e;
	struct collected c = { MAE_BUF_INIT, MAE_BUF_INIT };
	struct ship_logs_opts o = { .tail = 10 };
	int rc = ship_container_logs(cl, "c1", &o, collect, &c, &e);
	assert_int_equal(rc, 0);
	assert_string_equal(mae_buf_str(&c.out), "hello\nbye");
	assert_string_equal(mae_buf_str(&c.err), "oops\n");
	assert_string_equal(f->last_path,
			    "/v1.41/containers/c1/logs?stdout=1&stderr=1"
			    "&follow=0&timestamps=0&tail=10");
	mae_buf_release(&c.out);
	mae_buf_release(&c.err);
	ship_client_free(cl);
	fake_stop(f);

	f = fake_start(logs_cut, "1.41");
	cl = client_to(f->port, 2, NULL);
	memset(&c, 0, sizeof(c));
	rc = ship_container_logs(cl, "c1", &o, collect, &c, &e);
	expect(rc, MAE_ERR_CONNECT, &e,
	       "fake: logs 'c1': the output stream ended in the middle of a "
	       "frame");
	mae_buf_release(&c.out);
	mae_buf_release(&c.err);
	ship_client_free(cl);
	fake_stop(f);
}

static void test_api_negotiation(void **st)
{
	(void)st;
	const char *daemon[] = { "1.43", "1.30", "1.41" };
	const char *pins[] = { NULL, "auto", "1.18" };
	const char *want[] = { "1.41", "1.30", "1.24" };
	for (int i = 0; i < 3; i++) {
		struct fake *f = fake_start(ok_empty, daemon[i]);
		struct ship_client *cl = client_to(f->port, 2, pins[i]);
		struct mae_error e;
		json_t *j = NULL;
		assert_int_equal(ship_info(cl, &j, &e), 0);
		json_decref(j);
		char path[64];
		snprintf(path, sizeof(path), "/v%s/info", want[i]);
		assert_string_equal(f->last_path, path);
		ship_client_free(cl);
		fake_stop(f);
	}
	struct fake *f = fake_start(ok_empty, "1.12");
	struct ship_client *cl = client_to(f->port, 2, NULL);
	struct mae_error e;
	json_t *j = NULL;
	int rc = ship_info(cl, &j, &e);
	expect(rc, MAE_ERR_REMOTE, &e,
	       "fake: version: the daemon speaks API 1.12, maestro needs at "
	       "least 1.24");
	ship_client_free(cl);
	fake_stop(f);
}

static void test_api_pin_check(void **st)
{
	(void)st;
	char out[16];
	assert_int_equal(ship_api_pin_check(NULL, out), SHIP_API_PIN_AUTO);
	assert_int_equal(ship_api_pin_check("auto", out), SHIP_API_PIN_AUTO);
	assert_int_equal(ship_api_pin_check("1.18", out), SHIP_API_PIN_RAISED);
	assert_string_equal(out, "1.24");
	/* YAML's 1.20 read as a float is "1.2": raised too */
	assert_int_equal(ship_api_pin_check("1.2", out), SHIP_API_PIN_RAISED);
	assert_string_equal(out, "1.24");
	assert_int_equal(ship_api_pin_check("1.24", out), SHIP_API_PIN_OK);
	assert_string_equal(out, "1.24");
	assert_int_equal(ship_api_pin_check("1.41", out), SHIP_API_PIN_OK);
	assert_string_equal(out, "1.41");
	assert_int_equal(ship_api_pin_check("1.45", out), SHIP_API_PIN_LOWERED);
	assert_string_equal(out, "1.41");
	const char *bad[] = { "2.0", "1.", "abc", "1.x", "", "1.2.3", "01.30" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ship_api_pin_check(bad[i], out),
				 SHIP_API_PIN_INVALID);
}

static void test_proxies_ignored(void **st)
{
	(void)st;
	struct fake *f = fake_start(ok_empty, "1.41");
	setenv("http_proxy", "http://127.0.0.1:9", 1);
	setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1);
	setenv("ALL_PROXY", "http://127.0.0.1:9", 1);
	struct ship_client *cl = client_to(f->port, 2, NULL);
	struct mae_error e;
	int rc = ship_ping(cl, &e);
	if (rc)
		fail_msg("%s", e.msg);
	unsetenv("http_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	ship_client_free(cl);
	fake_stop(f);
}

struct canceller {
	struct ship_client *cl;
	int *flag;
};

static void *cancel_later(void *arg)
{
	struct canceller *c = arg;
	usleep(300000);
	if (c->flag)
		__atomic_store_n(c->flag, 1, __ATOMIC_SEQ_CST);
	else
		ship_client_cancel(c->cl);
	return NULL;
}

static void test_cancel(void **st)
{
	(void)st;
	struct fake *f = fake_start(hold, "1.41");
	for (int way = 0; way < 2; way++) {
		struct ship_client *cl = client_to(f->port, 30, NULL);
		int flag = 0;
		struct canceller c = { .cl = cl, .flag = way ? &flag : NULL };
		ship_client_watch_flag(cl, &flag);
		pthread_t t;
		pthread_create(&t, NULL, cancel_later, &c);
		struct mae_error e;
		int64_t t0 = mae_now_ms();
		int status;
		int rc = ship_container_wait(cl, "w", &status, &e);
		pthread_join(t, NULL);
		expect(rc, MAE_ERR_CANCELLED, &e, "fake: wait 'w': cancelled");
		assert_true(mae_now_ms() - t0 < 5000);
		/* and later calls too */
		rc = ship_ping(cl, &e);
		expect(rc, MAE_ERR_CANCELLED, &e, "fake: ping: cancelled");
		ship_client_free(cl);
	}
	fake_stop(f);
}

static void test_settings_refused(void **st)
{
	(void)st;
	struct ship_client *cl = NULL;
	struct mae_error e;
	struct ship_conn c = { .name = "s1", .transport = SHIP_TCP, .port = 2375 };
	assert_int_equal(ship_client_new(&c, &cl, &e), MAE_ERR_INVALID);
	assert_string_equal(e.msg, "s1: no endpoint");
	c.endpoint = "10.0.0.1";
	c.port = 70000;
	assert_int_equal(ship_client_new(&c, &cl, &e), MAE_ERR_INVALID);
	assert_string_equal(e.msg, "s1: invalid port 70000");
	c.port = 2376;
	c.tls.cert = "cert.pem";
	assert_int_equal(ship_client_new(&c, &cl, &e), MAE_ERR_INVALID);
	assert_string_equal(e.msg, "s1: a TLS client certificate needs both "
				   "tls_cert and tls_key");
	c.tls.cert = NULL;
	c.api_version = "one.two";
	assert_int_equal(ship_client_new(&c, &cl, &e), MAE_ERR_INVALID);
	assert_string_equal(e.msg, "s1: invalid api_version 'one.two'");
	struct ship_conn u = { .name = "u", .transport = SHIP_UNIX };
	assert_int_equal(ship_client_new(&u, &cl, &e), MAE_ERR_INVALID);
	assert_string_equal(e.msg, "u: no socket path");

	/* TLS files that are not regular files: refused before libcurl and
	 * OpenSSL open them (a FIFO blocked them past every time limit) */
	c.api_version = NULL;
	char dir[] = "/tmp/maestro-tls-fifo.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *fifo = mae_xasprintf("%s/ca.pem", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	c.tls.ca_cert = fifo;
	assert_int_equal(ship_client_new(&c, &cl, &e), MAE_ERR_INVALID);
	char *want = mae_xasprintf("s1: tls_ca_cert '%s' is not a regular file (a FIFO)", fifo);
	assert_string_equal(e.msg, want);
	free(want);
	c.tls.ca_cert = NULL;
	c.tls.cert = dir;
	c.tls.key = fifo;
	assert_int_equal(ship_client_new(&c, &cl, &e), MAE_ERR_INVALID);
	want = mae_xasprintf("s1: tls_cert '%s' is not a regular file (a directory)", dir);
	assert_string_equal(e.msg, want);
	free(want);
	unlink(fifo);
	rmdir(dir);
	free(fifo);
}

static void test_concurrent_one_client(void **st);

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_never_answers),
		cmocka_unit_test(test_tiny_timeout),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_hostile_budgets),
		cmocka_unit_test(test_json_load),
		cmocka_unit_test(test_not_http),
		cmocka_unit_test(test_error_shape),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_reused_connection_dies),
		cmocka_unit_test(test_pull),
		cmocka_unit_test(test_logs_demux),
		cmocka_unit_test(test_api_negotiation),
		cmocka_unit_test(test_api_pin_check),
		cmocka_unit_test(test_proxies_ignored),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_settings_refused),
		cmocka_unit_test(test_concurrent_one_client),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* 8 threads at once on one client against a daemon that answers one
 * connection at a time, slowly: the calls queue up, none fails */
static void slow_ok(struct fake *f, int fd, const char *path)
{
	(void)f;
	(void)path;
	usleep(20000);
	answer_json(fd, 200, "OK", "{}");
}

struct pinger {
	struct ship_client *cl;
	int rc;
	struct mae_error e;
};

static void *pinger_run(void *arg)
{
	struct pinger *p = arg;
	json_t *j = NULL;
	for (int i = 0; i < 5 && !p->rc; i++) {
		p->rc = ship_info(p->cl, &j, &p->e);
		json_decref(j);
		j = NULL;
	}
	return NULL;
}

static void test_concurrent_one_client(void **st)
{
	(void)st;
	struct fake *f = fake_start(slow_ok, "1.41");
	struct ship_client *cl = client_to(f->port, 5, NULL);
	pthread_t t[8];
	struct pinger p[8];
	for (int i = 0; i < 8; i++) {
		p[i] = (struct pinger){ .cl = cl };
		pthread_create(&t[i], NULL, pinger_run, &p[i]);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 8; i++)
		if (p[i].rc)
			fail_msg("thread %d: %s", i, p[i].e.msg);
	ship_client_free(cl);
	fake_stop(f);
}
