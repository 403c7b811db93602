/*
 * checks.c - the lifecycle check engine (see checks.h): the attempt of
 * each check type, the budget and polling loop around it, and the runner
 * that runs a state's checks at once and watches the container.
 *
 * Must not: print; report a check command's output (it may hold a
 * secret); wait past a budget by more than one attempt's bound.
 */
#include <curl/curl.h>
#include <jansson.h>

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"
#include "curl-init.h"
#include "executor.h"
#include "proc.h"
#include "pyregex.h"

extern char **environ;

enum outcome {
	OUT_PASS,
	OUT_RETRY, /* failed; try again while the budget lasts */
	OUT_FINAL, /* failed; trying again cannot help */
};

/* One running check. */
struct one {
	const json_t *k;
	const char *type;
	const struct check_ctx *ctx;
	size_t index;
	int64_t deadline;       /* monotonic ms */
	const int *stop;        /* the runner's stop flag */
	pthread_mutex_t *report_mu;
	struct mae_regex *re;   /* http */
	char err[512];          /* the last attempt's error */
};

static bool stopped(const struct one *o)
{
	return __atomic_load_n(o->stop, __ATOMIC_ACQUIRE) ||
	       (o->ctx->cancel && __atomic_load_n(o->ctx->cancel, __ATOMIC_ACQUIRE));
}

static int64_t remaining(const struct one *o)
{
	int64_t r = o->deadline - mae_now_ms();
	return r > 0 ? r : 0;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep ms, waking early (false) when the check is stopped. */
static bool nap(const struct one *o, int64_t ms)
{
	int64_t until = mae_now_ms() + ms;
	for (;;) {
		if (stopped(o))
			return false;
		int64_t left = until - mae_now_ms();
		if (left <= 0)
			return true;
		if (left > 10)
			left = 10;
		struct timespec ts = { 0, (long)left * 1000000L };
		nanosleep(&ts, NULL);
	}
}

static void fail_text(struct one *o, const char *fmt, ...) MAE_PRINTF(2, 3);
static void fail_text(struct one *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->err, sizeof(o->err), fmt, ap);
	va_end(ap);
}

static const char *opt_str(const json_t *k, const char *key)
{
	return json_string_value(json_object_get(k, key));
}

int64_t check_next_interval(int64_t elapsed_ms, int64_t prev_ms)
{
	if (elapsed_ms < CHECK_FAST_FOR_MS)
		return CHECK_FAST_MS;
	int64_t n = prev_ms < CHECK_FAST_MS ? CHECK_FAST_MS : prev_ms;
	n += n / 2;
	return n > CHECK_SLOW_MS ? CHECK_SLOW_MS : n;
}

/* ------------------------------------------------------------------ */
/* tcp                                                                  */

static const char *target_host(const json_t *k)
{
	return json_string_value(json_object_get(json_object_get(k, "target"), "host"));
}

static long target_port(const json_t *k)
{
	return (long)json_integer_value(
		json_object_get(json_object_get(k, "target"), "port"));
}

/* Connect fd to ai within ms; 0 or an errno. */
static int connect_within(int fd, const struct addrinfo *ai, int ms)
{
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int r;
	while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	if (r == 0)
		return ETIMEDOUT;
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/*
 * After the connection is made: the peer closing or resetting it within
 * the window with no byte sent is docker-proxy with nothing behind it.
 */
static enum outcome tcp_window(struct one *o, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;
	while ((r = poll(&p, 1, CHECK_TCP_WINDOW_MS)) < 0 && errno == EINTR)
		;
	if (r == 0)
		return OUT_PASS;
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0)
		return OUT_PASS;
	if (n == 0) {
		fail_text(o, "connection closed by the peer within %d ms with no "
			     "data (docker-proxy with nothing listening behind it?)",
			  CHECK_TCP_WINDOW_MS);
		return OUT_RETRY;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return OUT_PASS;
	fail_text(o, "connection %s within %d ms with no data",
		  errno == ECONNRESET ? "reset by the peer" : strerror(errno),
		  CHECK_TCP_WINDOW_MS);
	return OUT_RETRY;
}

static enum outcome tcp_attempt(struct one *o)
{
	const char *host = target_host(o->k);
	long port = target_port(o->k);
	if (!host || port <= 0 || port > 65535) {
		fail_text(o, "no host and port to connect to");
		return OUT_FINAL;
	}
	char service[16];
	snprintf(service, sizeof(service), "%ld", port);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	int gr = getaddrinfo(host, service, &hints, &res);
	if (gr != 0) {
		fail_text(o, "cannot resolve '%s': %s", host, gai_strerror(gr));
		return OUT_RETRY;
	}
	enum outcome out = OUT_RETRY;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family,
				ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				ai->ai_protocol);
		if (fd < 0) {
			fail_text(o, "socket: %s", strerror(errno));
			continue;
		}
		int64_t ms = remaining(o);
		if (ms > 1000)
			ms = 1000;
		if (ms < 100)
			ms = 100;
		int err = connect_within(fd, ai, (int)ms);
		if (err == 0)
			out = tcp_window(o, fd);
		else if (err == ETIMEDOUT)
			fail_text(o, "no answer within %d ms", (int)ms);
		else
			fail_text(o, "%s", strerror(err));
		close(fd);
		if (out == OUT_PASS)
			break;
	}
	freeaddrinfo(res);
	return out;
}

/* ------------------------------------------------------------------ */
/* http                                                                 */

struct body {
	struct mae_buf b;
	bool capped;
};

static size_t body_write(char *p, size_t size, size_t n, void *ud)
{
	struct body *bd = ud;
	size_t len = size * n;
	size_t room = CHECK_HTTP_BODY_MAX - bd->b.len;
	if (len > room) {
		mae_buf_add(&bd->b, p, room);
		bd->capped = true;
		return 0; /* enough read: the transfer stops here */
	}
	mae_buf_add(&bd->b, p, len);
	return len;
}

static int http_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c,
			 curl_off_t d)
{
	(void)a, (void)b, (void)c, (void)d;
	return stopped(ud) ? 1 : 0;
}

static long seconds_ms(const json_t *v)
{
	return json_is_number(v) ? (long)(json_number_value(v) * 1000.0) : 0;
}

/* Set the request options of ropts on h; false (reason in o) if unusable. */
static bool http_options(struct one *o, CURL *h, const json_t *ropts,
			 bool head, struct curl_slist **hdrs, long *connect_ms,
			 long *total_ms)
{
	const json_t *v = json_object_get(ropts, "verify");
	if (json_is_false(v)) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (json_is_string(v)) {
		curl_easy_setopt(h, CURLOPT_CAINFO, json_string_value(v));
	}
	v = json_object_get(ropts, "allow_redirects");
	bool follow = v ? json_is_true(v) : !head;
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 30L); /* requests' limit */
	v = json_object_get(ropts, "timeout");
	if (json_is_array(v)) {
		*connect_ms = seconds_ms(json_array_get(v, 0));
		long read_ms = seconds_ms(json_array_get(v, 1));
		*total_ms = read_ms ? *connect_ms + read_ms : 0;
	} else if (json_is_number(v)) {
		*connect_ms = *total_ms = seconds_ms(v);
	}
	v = json_object_get(ropts, "auth");
	if (v && !json_is_null(v)) {
		const char *u = json_string_value(json_array_get(v, 0));
		const char *p = json_string_value(json_array_get(v, 1));
		if (!json_is_array(v) || json_array_size(v) != 2 || !u || !p) {
			fail_text(o, "requests_options auth must be [user, password]");
			return false;
		}
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, u);
		curl_easy_setopt(h, CURLOPT_PASSWORD, p);
	}
	v = json_object_get(ropts, "headers");
	const char *name;
	const json_t *hv;
	json_object_foreach((json_t *)v, name, hv) {
		char *line;
		if (json_is_string(hv))
			line = mae_xasprintf("%s: %s", name, json_string_value(hv));
		else
			continue;
		*hdrs = curl_slist_append(*hdrs, line);
		free(line);
	}
	if (*hdrs)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
	return true;
}

static enum outcome http_attempt(struct one *o)
{
	const char *url = json_string_value(
		json_object_get(json_object_get(o->k, "target"), "url"));
	if (!url) {
		fail_text(o, "no URL to request");
		return OUT_FINAL;
	}
	const char *m = opt_str(o->k, "method");
	char method[16] = "GET";
	if (m) {
		size_t i = 0;
		for (; m[i] && i + 1 < sizeof(method); i++)
			method[i] = (char)toupper((unsigned char)m[i]);
		method[i] = '\0';
	}
	bool head = strcmp(method, "HEAD") == 0;
	CURL *h = curl_easy_init();
	if (!h) {
		fail_text(o, "cannot make a libcurl handle");
		return OUT_RETRY;
	}
	struct body bd = { .b = MAE_BUF_INIT };
	struct curl_slist *hdrs = NULL;
	char cerr[CURL_ERROR_SIZE] = "";
	long connect_ms = 0, total_ms = 0;
	enum outcome out = OUT_RETRY;
	if (!http_options(o, h, json_object_get(o->k, "requests_options"), head,
			  &hdrs, &connect_ms, &total_ms)) {
		out = OUT_FINAL;
		goto out;
	}
	long left = (long)remaining(o);
	if (left < 100)
		left = 100;
	if (!total_ms || total_ms > left)
		total_ms = left;
	if (!connect_ms || connect_ms > total_ms)
		connect_ms = total_ms;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &bd);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, http_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, o);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "maestro/" MAESTRO_VERSION);
	if (head)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	CURLcode cc = curl_easy_perform(h);
	if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && bd.capped)) {
		fail_text(o, "%s", cerr[0] ? cerr : curl_easy_strerror(cc));
		goto out;
	}
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (o->re) {
		bool hit = false;
		struct mae_error rerr = { 0 };
		if (mae_regex_search(o->re, bd.b.s ? bd.b.s : "", bd.b.len, &hit,
				     &rerr) != 0)
			fail_text(o, "HTTP %ld: match_regex: %s", status, rerr.msg);
		else if (hit)
			out = OUT_PASS;
		else
			fail_text(o, "HTTP %ld: the body%s does not match '%s'",
				  status, bd.capped ? " (its first 1 MiB)" : "",
				  opt_str(o->k, "match_regex"));
	} else if (status == 200) {
		out = OUT_PASS;
	} else {
		fail_text(o, "HTTP %ld, not 200", status);
	}
out:
	curl_slist_free_all(hdrs);
	mae_buf_release(&bd.b);
	curl_easy_cleanup(h);
	return out;
}

/* ------------------------------------------------------------------ */
/* exec, rexec                                                          */

/* The command as a NULL-terminated argv borrowing k's strings, or NULL. */
static const char **command_argv(const json_t *k)
{
	const json_t *c = json_object_get(k, "command");
	size_t n = json_array_size(c);
	if (!n)
		return NULL;
	const char **v = mae_xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i] = json_string_value(json_array_get(c, i));
		if (!v[i]) {
			free(v);
			return NULL;
		}
	}
	return v;
}

static char *env_value(const json_t *v)
{
	if (json_is_string(v))
		return mae_xstrdup(json_string_value(v));
	return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* maestro's environment with the container's on top ("NAME=VALUE"). */
static char **exec_envp(const json_t *env)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **v = mae_xcalloc(n + json_object_size(env) + 1, sizeof(*v));
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		if (!eq)
			continue;
		char *name = mae_xstrndup(environ[i], (size_t)(eq - environ[i]));
		bool over = json_object_get(env, name) != NULL;
		free(name);
		if (!over)
			v[m++] = mae_xstrdup(environ[i]);
	}
	const char *name;
	const json_t *val;
	json_object_foreach((json_t *)env, name, val) {
		char *s = env_value(val);
		v[m++] = mae_xasprintf("%s=%s", name, s ? s : "");
		free(s);
	}
	return v;
}

static void envp_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++) {
		explicit_bzero(v[i], strlen(v[i]));
		free(v[i]);
	}
	free(v);
}

static enum outcome exec_attempt(struct one *o)
{
	const char **argv = command_argv(o->k);
	if (!argv) {
		fail_text(o, "no command to run");
		return OUT_FINAL;
	}
	const json_t *env = o->ctx->env;
	bool stdin_env = mae_streq(opt_str(o->k, "envfrom"), "stdin");
	char **envp = NULL;
	char *in = NULL;
	if (stdin_env && env)
		in = json_dumps(env, JSON_COMPACT);
	else if (stdin_env)
		in = mae_xstrdup("{}");
	else if (env)
		envp = exec_envp(env);
	int64_t left = remaining(o);
	struct proc_spec spec = {
		.argv = (char *const *)argv,
		.in = in,
		.in_len = in ? strlen(in) : 0,
		.out_max = 1u << 20,
		.timeout_ms = (int)(left < 1000 ? 1000 : left),
		.envp = envp,
		.stop = o->stop,
	};
	struct proc_result r;
	struct mae_error pe = { 0 };
	enum outcome out = OUT_RETRY;
	if (proc_run(&spec, &r, &pe) != 0) {
		fail_text(o, "%s", pe.msg);
	} else {
		switch (r.end) {
		case PROC_EXITED:
			if (r.status == 0)
				out = OUT_PASS;
			else
				fail_text(o, "exit status %d", r.status);
			break;
		case PROC_SIGNALED:
			fail_text(o, "killed by signal %d", r.status);
			break;
		case PROC_TIMED_OUT:
			if (stopped(o))
				fail_text(o, "stopped: killed");
			else
				fail_text(o, "still running after %d ms: killed",
					  spec.timeout_ms);
			break;
		case PROC_TOO_MUCH:
			fail_text(o, "more than 1 MiB of output: killed");
			break;
		}
		proc_result_release(&r);
	}
	if (in) {
		explicit_bzero(in, strlen(in));
		free(in);
	}
	envp_free(envp);
	free(argv);
	return out;
}

static int drop_output(void *ud, enum ship_stream s, const char *d, size_t n)
{
	(void)ud, (void)s, (void)d, (void)n;
	return 0;
}

static enum outcome rexec_attempt(struct one *o)
{
	if (!o->ctx->ship || !o->ctx->container) {
		fail_text(o, "no container to run the command in");
		return OUT_FINAL;
	}
	const json_t *cmd = json_object_get(o->k, "command");
	if (!json_array_size(cmd)) {
		fail_text(o, "no command to run");
		return OUT_FINAL;
	}
	json_t *body = json_pack("{s:O,s:b,s:b}", "Cmd", cmd, "AttachStdout", 1,
				 "AttachStderr", 1);
	struct mae_error e = { 0 };
	char *id = NULL;
	json_t *info = NULL;
	enum outcome out = OUT_RETRY;
	double left = (double)remaining(o) / 1000.0;
	if (ship_exec_create(o->ctx->ship, o->ctx->container, body, &id, &e) != 0 ||
	    ship_exec_start(o->ctx->ship, id, left < 1 ? 1 : left, drop_output,
			    NULL, &e) != 0 ||
	    ship_exec_inspect(o->ctx->ship, id, &info, &e) != 0) {
		fail_text(o, "%s", e.msg);
		goto out;
	}
	const json_t *code = json_object_get(info, "ExitCode");
	if (json_is_true(json_object_get(info, "Running")) || !json_is_integer(code))
		fail_text(o, "the command had not ended when its output did");
	else if (json_integer_value(code) == 0)
		out = OUT_PASS;
	else
		fail_text(o, "exit code %lld", (long long)json_integer_value(code));
out:
	json_decref(info);
	json_decref(body);
	free(id);
	return out;
}

/* ------------------------------------------------------------------ */
/* docker_health, sleep                                                 */

static enum outcome health_attempt(struct one *o)
{
	if (!o->ctx->ship || !o->ctx->container) {
		fail_text(o, "no container to inspect");
		return OUT_FINAL;
	}
	json_t *info = NULL;
	struct mae_error e = { 0 };
	if (ship_container_inspect(o->ctx->ship, o->ctx->container, &info, &e) != 0) {
		fail_text(o, "%s", e.msg);
		return OUT_RETRY;
	}
	enum outcome out = OUT_RETRY;
	const json_t *health = json_object_get(json_object_get(info, "State"), "Health");
	const char *status = json_string_value(json_object_get(health, "Status"));
	if (!status) {
		fail_text(o, "'%s' has no health status: its image has no "
			     "HEALTHCHECK", o->ctx->container);
		out = OUT_FINAL;
	} else if (strcmp(status, "healthy") == 0) {
		out = OUT_PASS;
	} else {
		fail_text(o, "health is '%s'", status);
	}
	json_decref(info);
	return out;
}

/* ------------------------------------------------------------------ */
/* One check                                                            */

/* What a check is against, for its failure ("10.0.0.1:4242"). */
static char *check_what(const struct one *o)
{
	const char *t = o->type;
	if (strcmp(t, "tcp") == 0)
		return mae_xasprintf("%s:%ld", target_host(o->k) ? target_host(o->k) : "?",
				     target_port(o->k));
	if (strcmp(t, "http") == 0) {
		const char *m = opt_str(o->k, "method");
		const char *u = json_string_value(json_object_get(
			json_object_get(o->k, "target"), "url"));
		struct mae_buf b = MAE_BUF_INIT;
		for (const char *p = m ? m : "get"; *p; p++)
			mae_buf_addc(&b, (char)toupper((unsigned char)*p));
		mae_buf_addf(&b, " %s", u ? u : "?");
		return mae_buf_detach(&b);
	}
	if (strcmp(t, "exec") == 0 || strcmp(t, "rexec") == 0) {
		struct mae_buf b = MAE_BUF_INIT;
		mae_buf_addc(&b, '\'');
		size_t i;
		const json_t *a;
		json_array_foreach(json_object_get(o->k, "command"), i, a)
			mae_buf_addf(&b, "%s%s", i ? " " : "",
				     json_string_value(a) ? json_string_value(a) : "");
		mae_buf_addc(&b, '\'');
		if (t[0] == 'r')
			mae_buf_addf(&b, " in '%s'", o->ctx->container ? o->ctx->container : "?");
		return mae_buf_detach(&b);
	}
	return mae_xasprintf("'%s'", o->ctx->container ? o->ctx->container : "?");
}

static void report(struct one *o, unsigned n, int64_t at, int64_t dur,
		   bool passed)
{
	if (!o->ctx->on_attempt)
		return;
	struct check_attempt a = {
		.check = o->index, .type = o->type, .n = n, .at_ms = at,
		.dur_ms = dur, .passed = passed, .error = passed ? NULL : o->err,
	};
	pthread_mutex_lock(o->report_mu);
	o->ctx->on_attempt(o->ctx->attempt_ud, &a);
	pthread_mutex_unlock(o->report_mu);
}

static int run_sleep(struct one *o, struct mae_error *e)
{
	int64_t at = wall_ms(), t0 = mae_now_ms();
	if (!nap(o, o->deadline - t0))
		return mae_error_set(e, MAE_ERR_CANCELLED, "sleep check stopped");
	report(o, 1, at, mae_now_ms() - t0, true);
	return 0;
}

static int run_one(struct one *o, struct mae_error *e)
{
	const json_t *b = json_object_get(o->k, "budget_s");
	if (!o->type || !json_is_number(b) || json_number_value(b) < 0)
		return mae_error_set(e, MAE_ERR_INVALID,
				     "a check needs a type and a budget_s");
	int64_t t0 = mae_now_ms();
	o->deadline = t0 + (int64_t)(json_number_value(b) * 1000.0);
	enum outcome (*attempt)(struct one *);
	if (strcmp(o->type, "tcp") == 0)
		attempt = tcp_attempt;
	else if (strcmp(o->type, "http") == 0)
		attempt = http_attempt;
	else if (strcmp(o->type, "exec") == 0)
		attempt = exec_attempt;
	else if (strcmp(o->type, "rexec") == 0)
		attempt = rexec_attempt;
	else if (strcmp(o->type, "docker_health") == 0)
		attempt = health_attempt;
	else if (strcmp(o->type, "sleep") == 0)
		return run_sleep(o, e);
	else
		return mae_error_set(e, MAE_ERR_INVALID, "unknown check type '%s'",
				     o->type);
	const char *rx = opt_str(o->k, "match_regex");
	if (attempt == http_attempt && rx) {
		struct mae_error re = { 0 };
		if (mae_regex_compile(rx, &o->re, &re) != 0)
			return mae_error_set(e, MAE_ERR_INVALID,
					     "http check: bad match_regex '%s': %s",
					     rx, re.msg);
	}
	unsigned n = 0;
	int64_t interval = 0;
	enum outcome out = OUT_RETRY;
	for (;;) {
		if (stopped(o))
			return mae_error_set(e, MAE_ERR_CANCELLED, "%s check stopped",
					     o->type);
		int64_t start = mae_now_ms(), at = wall_ms();
		o->err[0] = '\0';
		out = attempt(o);
		int64_t end = mae_now_ms();
		report(o, ++n, at, end - start, out == OUT_PASS);
		if (out != OUT_RETRY)
			break;
		interval = check_next_interval(start - t0, interval);
		int64_t next = start + interval;
		if (next >= o->deadline)
			break;
		if (!nap(o, next - end))
			return mae_error_set(e, MAE_ERR_CANCELLED, "%s check stopped",
					     o->type);
	}
	if (out == OUT_PASS)
		return 0;
	char *what = check_what(o);
	int rc;
	if (out == OUT_FINAL)
		rc = mae_error_set(e, MAE_ERR_INVALID, "%s check of %s failed: %s",
				   o->type, what, o->err);
	else
		rc = mae_error_set(e, MAE_ERR_TIMEOUT,
				   "%s check of %s failed after %g s and %u attempt%s: %s",
				   o->type, what, json_number_value(b), n,
				   n == 1 ? "" : "s", o->err);
	free(what);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The runner                                                           */

struct runner {
	pthread_mutex_t mu;      /* guards done, first; cond waits on it */
	pthread_cond_t cond;
	pthread_mutex_t report_mu;
	int stop;
	size_t done;
	long first;              /* index of the first failure, -1: none */
	struct mae_error first_err;
};

struct worker {
	struct runner *r;
	struct one o;
	pthread_t tid;
	bool started;
	int rc;
	struct mae_error e;
};

static void *worker_main(void *ud)
{
	struct worker *w = ud;
	w->rc = run_one(&w->o, &w->e);
	pthread_mutex_lock(&w->r->mu);
	w->r->done++;
	if (w->rc != 0 && w->rc != MAE_ERR_CANCELLED && w->r->first < 0) {
		w->r->first = (long)w->o.index;
		w->r->first_err = w->e;
		__atomic_store_n(&w->r->stop, 1, __ATOMIC_RELEASE);
	}
	pthread_cond_signal(&w->r->cond);
	pthread_mutex_unlock(&w->r->mu);
	return NULL;
}

static void wait_a_little(struct runner *r, int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&r->cond, &r->mu, &ts);
}

static int run_list(const json_t *const *ks, size_t n, bool prefix,
		    const struct check_ctx *ctx, size_t *ret_failed,
		    struct mae_error *e)
{
	struct runner r = { .first = -1 };
	pthread_mutex_init(&r.mu, NULL);
	pthread_mutex_init(&r.report_mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r.cond, &ca);
	pthread_condattr_destroy(&ca);
	struct worker *w = mae_xcalloc(n ? n : 1, sizeof(*w));
	size_t started = 0;
	for (size_t i = 0; i < n; i++) {
		w[i].r = &r;
		w[i].o = (struct one){
			.k = ks[i], .type = opt_str(ks[i], "type"), .ctx = ctx,
			.index = i, .stop = &r.stop, .report_mu = &r.report_mu,
		};
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0) {
			/* no thread: run it here, after the others */
			continue;
		}
		w[i].started = true;
		started++;
	}
	int rc = 0;
	struct mae_error gone = { 0 };
	bool dead = false, cancelled = false;
	int64_t next_alive = mae_now_ms() + CHECK_ALIVE_EVERY_MS;
	pthread_mutex_lock(&r.mu);
	while (r.done < started && r.first < 0) {
		wait_a_little(&r, 20);
		if (ctx->cancel && __atomic_load_n(ctx->cancel, __ATOMIC_ACQUIRE)) {
			cancelled = true;
			break;
		}
		if (ctx->alive && mae_now_ms() >= next_alive) {
			pthread_mutex_unlock(&r.mu);
			mae_error_clear(&gone);
			dead = ctx->alive(ctx->alive_ud, &gone) != 0;
			pthread_mutex_lock(&r.mu);
			if (dead)
				break;
			next_alive = mae_now_ms() + CHECK_ALIVE_EVERY_MS;
		}
	}
	__atomic_store_n(&r.stop, r.first >= 0 || dead || cancelled, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&r.mu);
	for (size_t i = 0; i < n; i++)
		if (w[i].started)
			pthread_join(w[i].tid, NULL);
	for (size_t i = 0; i < n && r.first < 0 && !dead && !cancelled; i++)
		if (!w[i].started)
			worker_main(&w[i]);
	size_t failed = n;
	if (r.first >= 0) {
		failed = (size_t)r.first;
		rc = r.first_err.code;
		if (e) {
			*e = r.first_err;
			if (prefix)
				mae_error_prefix(e, "check %zu of %zu", failed + 1, n);
		}
	} else if (dead) {
		rc = mae_error_set(e, MAE_ERR_STATE, "%s",
				   gone.msg[0] ? gone.msg : "the container is gone");
	} else if (cancelled) {
		rc = mae_error_set(e, MAE_ERR_CANCELLED, "checks cancelled");
	}
	if (rc && ret_failed)
		*ret_failed = failed;
	for (size_t i = 0; i < n; i++)
		mae_regex_free(w[i].o.re);
	free(w);
	pthread_cond_destroy(&r.cond);
	pthread_mutex_destroy(&r.mu);
	pthread_mutex_destroy(&r.report_mu);
	return rc;
}

int check_run(const json_t *check, const struct check_ctx *ctx,
	      struct mae_error *e)
{
	executor_curl_init();
	if (!json_is_object(check))
		return mae_error_set(e, MAE_ERR_INVALID, "a check must be an object");
	return run_list(&check, 1, false, ctx, NULL, e);
}

int checks_run(const json_t *checks, const struct check_ctx *ctx,
	       size_t *ret_failed, struct mae_error *e)
{
	executor_curl_init();
	size_t n = json_array_size(checks);
	const json_t **ks = mae_xcalloc(n ? n : 1, sizeof(*ks));
	for (size_t i = 0; i < n; i++) {
		ks[i] = json_array_get(checks, i);
		if (!json_is_object(ks[i])) {
			free(ks);
			if (ret_failed)
				*ret_failed = i;
			return mae_error_set(e, MAE_ERR_INVALID,
					     "check %zu of %zu: a check must be an object",
					     i + 1, n);
		}
	}
	int rc = run_list(ks, n, true, ctx, ret_failed, e);
	free(ks);
	return rc;
}
