/*
 * audit.c - MaestroNG's auditors (spec §7).  See audit.h.
 *
 * Events reach an auditor when their level is at least its own (errors
 * always); then: log writes every event, slack posts every event, http
 * sends only action events and exec runs only on a run's success, as
 * MaestroNG did.
 */
#include "audit.h"
#include "curl-init.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "proc.h"

#define AUDIT_HTTP_TIMEOUT_MS 3000    /* MaestroNG's http auditor */
#define AUDIT_SLACK_TIMEOUT_MS 10000
#define AUDIT_EXEC_TIMEOUT_MS 60000
#define AUDIT_REPLY_MAX (64 * 1024)   /* kept of an answer */
#define AUDIT_COMPACT_AT 5            /* "N containers" from this many */

enum audit_type {
	T_LOG, T_HTTP, T_EXEC, T_SLACK, T_HIPCHAT, T_FAIL,
};

static const char *const type_names[] = {
	"log", "http", "exec", "slack", "hipchat", "_fail", NULL,
};

struct auditor {
	enum audit_type type;
	const struct audit_config *c;
	const char *file;         /* log */
	const char *endpoint;     /* http: the URL; slack: the webhook */
	const char *token;        /* slack */
	const char *channel, *name, *icon;  /* slack */
	const json_t *payload;    /* http */
	const json_t *headers;    /* http */
	const char *method;       /* http: "GET" or "POST" */
	int timeout_ms;
	const char *script;       /* exec */
	const char *args;         /* exec */
	char *where;              /* scheme://host[:port] of endpoint, for errors */
};

struct audit_set {
	struct auditor *v;
	size_t n;
};

/* ------------------------------------------------------------------ */
/* Sentences                                                            */

/* MaestroNG's _format_what: names joined by ", ", or "N containers". */
static char *format_what(const struct audit_event *ev, bool compact)
{
	if (compact && ev->ntargets >= AUDIT_COMPACT_AT)
		return mae_xasprintf("%zu containers", ev->ntargets);
	struct mae_buf b;
	mae_buf_init(&b);
	for (size_t i = 0; i < ev->ntargets; i++) {
		if (i)
			mae_buf_adds(&b, ", ");
		mae_buf_adds(&b, ev->targets[i].name);
	}
	mae_buf_adds(&b, "");
	return mae_buf_detach(&b);
}

/* "start" -> "starting", "stop" -> "stopping" */
static char *gerund(const char *action)
{
	size_t n = strlen(action);
	if (strcmp(action, "stop") == 0)
		return mae_xstrdup("stopping");
	if (n > 1 && action[n - 1] == 'e')
		return mae_xasprintf("%.*sing", (int)(n - 1), action);
	return mae_xasprintf("%sing", action);
}

char *audit_sentence(const struct audit_event *ev, bool compact)
{
	char *what = format_what(ev, compact);
	const char *action = ev->action ? ev->action : "";
	char *s;
	if (ev->kind == AUDIT_ACTION) {
		char *g = gerund(action);
		s = mae_xasprintf("%s is %s %s.", ev->user ? ev->user : "someone",
				  g, what);
		free(g);
	} else if (ev->kind == AUDIT_SUCCESS) {
		s = mae_xasprintf("%c%s of %s succeeded.",
				  toupper((unsigned char)action[0]),
				  action[0] ? action + 1 : "", what);
	} else if (ev->message && *ev->message) {
		s = mae_xasprintf("Failed to %s %s! (message: %s)", action, what,
				  ev->message);
	} else {
		s = mae_xasprintf("Failed to %s %s!", action, what);
	}
	free(what);
	return s;
}

/* ------------------------------------------------------------------ */
/* Python's str.format, for the fields MaestroNG passes                 */

struct fields {
	const char *what, *action, *who, *message;
};

static const char *field(const struct fields *f, const char *name, size_t n)
{
	static const char *const names[] = { "what", "action", "who",
					     "message" };
	const char *const vals[] = { f->what, f->action, f->who, f->message };
	for (size_t i = 0; i < 4; i++)
		if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
			return vals[i] ? vals[i] : "";
	return NULL;
}

/* Format s into *ret (allocated); MAE_ERR_INVALID with e set otherwise. */
static int format_str(const char *s, const struct fields *f, char **ret,
		      struct mae_error *e)
{
	struct mae_buf b;
	mae_buf_init(&b);
	for (const char *p = s; *p; p++) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			mae_buf_addc(&b, *p++);
			continue;
		}
		if (*p == '}') {
			mae_buf_release(&b);
			return mae_error_set(e, MAE_ERR_INVALID,
					     "single '}' in '%s'", s);
		}
		if (*p != '{') {
			mae_buf_addc(&b, *p);
			continue;
		}
		const char *end = strchr(p, '}');
		if (!end) {
			mae_buf_release(&b);
			return mae_error_set(e, MAE_ERR_INVALID,
					     "single '{' in '%s'", s);
		}
		const char *v = field(f, p + 1, (size_t)(end - p - 1));
		if (!v) {
			mae_buf_release(&b);
			return mae_error_set(e, MAE_ERR_INVALID,
					     "unknown field '{%.*s}' in '%s' "
					     "(one of {what}, {action}, {who}, "
					     "{message})",
					     (int)(end - p - 1), p + 1, s);
		}
		mae_buf_adds(&b, v);
		p = end;
	}
	mae_buf_adds(&b, "");
	*ret = mae_buf_detach(&b);
	return 0;
}

static json_t *format_payload(const json_t *v, const struct fields *f,
			      struct mae_error *e);

/* x formatted into *ret, NULL when it became "" (dropped); -1 on error */
static int format_item(const json_t *x, const struct fields *f, json_t **ret,
		       struct mae_error *e)
{
	json_t *y = format_payload(x, f, e);
	if (!y)
		return -1;
	if (json_is_string(y) && !*json_string_value(y)) {
		json_decref(y);
		y = NULL;
	}
	*ret = y;
	return 0;
}

/*
 * The payload with every string formatted; strings that format to ""
 * dropped, as MaestroNG did; other leaves kept.  NULL with e set.
 */
static json_t *format_payload(const json_t *v, const struct fields *f,
			      struct mae_error *e)
{
	if (json_is_string(v)) {
		char *s;
		if (format_str(json_string_value(v), f, &s, e) < 0)
			return NULL;
		json_t *r = json_string(s);
		if (!r)
			mae_error_set(e, MAE_ERR_INVALID,
				      "a payload string is not UTF-8");
		free(s);
		return r;
	}
	if (json_is_object(v)) {
		json_t *r = json_object();
		const char *k;
		json_t *x, *y;
		json_object_foreach((json_t *)v, k, x) {
			if (format_item(x, f, &y, e) < 0) {
				json_decref(r);
				return NULL;
			}
			if (y)
				json_object_set_new(r, k, y);
		}
		return r;
	}
	if (json_is_array(v)) {
		json_t *r = json_array();
		size_t i;
		json_t *x, *y;
		json_array_foreach(v, i, x) {
			if (format_item(x, f, &y, e) < 0) {
				json_decref(r);
				return NULL;
			}
			if (y)
				json_array_append_new(r, y);
		}
		return r;
	}
	return json_deep_copy(v);
}

/* ------------------------------------------------------------------ */
/* Secrets out of error texts                                          */

/* Every occurrence of secret in *s replaced by "***". */
static void scrub_one(char **s, const char *secret)
{
	if (!secret || strlen(secret) < 4 || !strstr(*s, secret))
		return;
	size_t n = strlen(secret);
	struct mae_buf b;
	mae_buf_init(&b);
	for (const char *p = *s; *p;) {
		const char *q = strstr(p, secret);
		if (!q) {
			mae_buf_adds(&b, p);
			break;
		}
		mae_buf_add(&b, p, (size_t)(q - p));
		mae_buf_adds(&b, "***");
		p = q + n;
	}
	mae_buf_adds(&b, "");
	free(*s);
	*s = mae_buf_detach(&b);
}

static void scrub(const struct auditor *a, char **s)
{
	scrub_one(s, a->token);
	if (!a->endpoint)
		return;
	/* the URL (with or without its scheme) where it is more than
	 * scheme://host[:port], and its userinfo's password */
	if (!mae_streq(a->endpoint, a->where))
		scrub_one(s, a->endpoint);
	{
		const char *p = strstr(a->endpoint, "://");
		const char *wp = a->where ? strstr(a->where, "://") : NULL;
		if (p && wp && !mae_streq(p + 3, wp + 3))
			scrub_one(s, p + 3);
		const char *at = p ? strchr(p + 3, '@') : NULL;
		const char *colon = p ? strchr(p + 3, ':') : NULL;
		if (at && colon && colon < at) {
			char *pw = mae_xstrndup(colon + 1,
						(size_t)(at - colon - 1));
			scrub_one(s, pw);
			free(pw);
		}
	}
}

/* scheme://host[:port]: what an error may say of a URL */
static char *url_where(const char *url)
{
	char *host = mae_url_host(url);
	const char *p = strstr(url, "://");
	char *w = p ? mae_xasprintf("%.*s://%s", (int)(p - url), url, host)
		    : mae_xstrdup(host);
	free(host);
	return w;
}

/* ------------------------------------------------------------------ */
/* HTTP through libcurl                                                 */

static size_t reply_write(char *data, size_t size, size_t n, void *ud)
{
	struct mae_buf *b = ud;
	size_t len = size * n;
	if (b->len + len > AUDIT_REPLY_MAX)
		len = b->len < AUDIT_REPLY_MAX ? AUDIT_REPLY_MAX - b->len : 0;
	mae_buf_add(b, data, len);
	return size * n;
}

/*
 * One request; 0 with *status and reply (up to AUDIT_REPLY_MAX) filled,
 * or an error naming `where` only.
 */
static int http_call(const char *method, const char *url, const char *where,
		     struct curl_slist *headers, const char *body,
		     int timeout_ms, long *status, struct mae_buf *reply,
		     struct mae_error *e)
{
	executor_curl_init();
	CURL *h = curl_easy_init();
	if (!h)
		return mae_error_set(e, MAE_ERR_INTERNAL,
				     "cannot initialise libcurl");
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS,
			 (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, reply_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, reply);
	CURLcode rc = curl_easy_perform(h);
	int ret = 0;
	if (rc != CURLE_OK) {
		const char *detail = *errbuf ? errbuf : curl_easy_strerror(rc);
		int code = rc == CURLE_OPERATION_TIMEDOUT ? MAE_ERR_TIMEOUT
			 : rc == CURLE_COULDNT_CONNECT ||
			   rc == CURLE_COULDNT_RESOLVE_HOST ? MAE_ERR_CONNECT
			 : MAE_ERR_PROTOCOL;
		if (rc == CURLE_OPERATION_TIMEDOUT)
			ret = mae_error_set(e, code, "no answer from %s within %d ms",
					    where, timeout_ms);
		else
			ret = mae_error_set(e, code, "cannot reach %s: %s", where,
					    detail);
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	}
	curl_easy_cleanup(h);
	mae_buf_adds(reply, "");
	return ret;
}

/* ------------------------------------------------------------------ */
/* The auditors                                                         */

static void add_target_names(json_t *o, const struct audit_event *ev)
{
	for (size_t i = 0; i < ev->ntargets; i++) {
		const struct audit_target *t = &ev->targets[i];
		json_t *x = json_object();
		json_object_set_new(x, "ship", json_string(t->ship_ip ? t->ship_ip : ""));
		json_object_set_new(x, "service", json_string(t->service ? t->service : ""));
		json_object_set_new(o, t->name, x);
	}
}

static int do_log(const struct auditor *a, const struct audit_event *ev,
		  struct mae_error *e)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	time_t t = tv.tv_sec;
	localtime_r(&t, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	const char *lvl = ev->kind == AUDIT_ERROR ? "ERROR"
			: ev->level == AUDIT_INFO ? "INFO" : "DEBUG";
	char *msg = audit_sentence(ev, false);
	char *line = mae_xasprintf("%s,%03d %s: %s\n", stamp,
				   (int)(tv.tv_usec / 1000), lvl, msg);
	free(msg);
	int ret = 0;
	int fd = open(a->file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0) {
		ret = mae_error_set(e, MAE_ERR_IO, "cannot open '%s': %s",
				    a->file, strerror(errno));
	} else {
		size_t n = strlen(line), off = 0;
		while (off < n) {
			ssize_t w = write(fd, line + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				ret = mae_error_set(e, MAE_ERR_IO,
						    "cannot write '%s': %s", a->file,
						    strerror(errno));
				break;
			}
			off += (size_t)w;
		}
		if (close(fd) < 0 && !ret)
			ret = mae_error_set(e, MAE_ERR_IO, "cannot write '%s': %s",
					    a->file, strerror(errno));
	}
	free(line);
	return ret;
}

static int do_http(const struct auditor *a, const struct audit_event *ev,
		   struct mae_error *e)
{
	char *what = format_what(ev, false);
	char *message = audit_sentence(ev, false);
	const struct fields f = { what, ev->action, ev->user, message };
	json_t *payload = a->payload ? format_payload(a->payload, &f, e)
				     : json_object();
	free(what);
	free(message);
	if (!payload)
		return e->code;
	char *body;
	if ((json_is_object(payload) && json_object_size(payload) == 0) ||
	    (json_is_array(payload) && json_array_size(payload) == 0))
		body = mae_xstrdup("null");
	else
		body = json_dumps(payload, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(payload);

	struct curl_slist *hl = NULL;
	bool has_ct = false;
	const char *k;
	json_t *x;
	json_object_foreach((json_t *)a->headers, k, x) {
		if (strcasecmp(k, "content-type") == 0)
			has_ct = true;
		char *h = mae_xasprintf("%s: %s", k, json_string_value(x));
		hl = curl_slist_append(hl, h);
		free(h);
	}
	if (!has_ct)
		hl = curl_slist_append(hl, "Content-Type: application/json; "
					   "charset=utf-8");
	hl = curl_slist_append(hl, "Expect:");
	long status = 0;
	struct mae_buf reply;
	mae_buf_init(&reply);
	int ret = http_call(a->method, a->endpoint, a->where, hl, body,
			    a->timeout_ms, &status, &reply, e);
	if (!ret && (status < 200 || status >= 300))
		ret = mae_error_set(e, MAE_ERR_REMOTE, "%s answered HTTP %ld",
				    a->where, status);
	curl_slist_free_all(hl);
	mae_buf_release(&reply);
	free(body);
	return ret;
}

/* a JSON string of s, its bytes that are not UTF-8 replaced by '?' */
static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	char *t = mae_xstrdup(s);
	for (unsigned char *p = (unsigned char *)t; *p; p++)
		if (*p >= 0x80)
			*p = '?';
	j = json_string(t);
	free(t);
	return j;
}

static json_t *slack_field(const char *title, const char *value)
{
	json_t *f = json_object();
	json_object_set_new(f, "title", json_string(title));
	json_object_set_new(f, "value", jstr(value));
	json_object_set_new(f, "short", json_false());
	return f;
}

static int do_slack(const struct auditor *a, const struct audit_event *ev,
		    struct mae_error *e)
{
	static const char *const colors[] = { "#1dc7d3", "good", "danger" };
	char *text = audit_sentence(ev, true);
	json_t *fields = json_array();
	if (ev->kind == AUDIT_ERROR && ev->message && *ev->message)
		json_array_append_new(fields, slack_field("Error", ev->message));
	if (ev->ntargets >= AUDIT_COMPACT_AT) {
		char *all = format_what(ev, false);
		json_array_append_new(fields, slack_field("Targets", all));
		free(all);
	}
	json_t *att = json_object();
	json_object_set_new(att, "fallback", jstr(text));
	json_object_set_new(att, "text", jstr(text));
	json_object_set_new(att, "color", json_string(colors[ev->kind]));
	json_object_set_new(att, "fields", fields);
	json_t *msg = json_object();
	json_object_set_new(msg, "text", json_string(""));
	json_object_set_new(msg, "username", jstr(a->name));
	json_object_set_new(msg, "attachments", json_pack("[o]", att));
	free(text);
	if (a->channel)
		json_object_set_new(msg, "channel", jstr(a->channel));
	if (a->icon)
		json_object_set_new(msg, "icon_url", jstr(a->icon));
	char *body = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);

	struct curl_slist *hl = NULL;
	hl = curl_slist_append(hl, "Content-Type: application/json; charset=utf-8");
	hl = curl_slist_append(hl, "Expect:");
	char *url;
	const char *where;
	char *api_where = NULL;
	if (a->token) {
		char *auth = mae_xasprintf("Authorization: Bearer %s", a->token);
		hl = curl_slist_append(hl, auth);
		memset(auth, 0, strlen(auth));
		free(auth);
		const char *api = getenv(AUDIT_SLACK_API_ENV);
		if (!api || !*api)
			api = "https://slack.com/api";
		size_t n = strlen(api);
		url = mae_xasprintf("%.*s/chat.postMessage",
				    (int)(n && api[n - 1] == '/' ? n - 1 : n), api);
		api_where = url_where(url);
		where = api_where;
	} else {
		url = mae_xstrdup(a->endpoint);
		where = a->where;
	}
	long status = 0;
	struct mae_buf reply;
	mae_buf_init(&reply);
	int ret = http_call("POST", url, where, hl, body, a->timeout_ms, &status,
			    &reply, e);
	if (!ret && (status < 200 || status >= 300))
		ret = mae_error_set(e, MAE_ERR_REMOTE, "%s answered HTTP %ld",
				    where, status);
	if (!ret && a->token) {
		/* the Web API answers 200 with {"ok": false, "error": "..."} */
		json_t *r = json_loads(mae_buf_str(&reply), 0, NULL);
		json_t *ok = json_object_get(r, "ok");
		if (!json_is_true(ok)) {
			const char *why = json_string_value(json_object_get(r, "error"));
			ret = mae_error_set(e, MAE_ERR_REMOTE,
					    "slack refused the message: %s",
					    why ? why : "no 'ok' in its answer");
		}
		json_decref(r);
	}
	curl_slist_free_all(hl);
	mae_buf_release(&reply);
	free(api_where);
	free(url);
	free(body);
	return ret;
}

static int do_exec(const struct auditor *a, const struct audit_event *ev,
		   struct mae_error *e)
{
	char *what = format_what(ev, false);
	const struct fields f = { what, ev->action, ev->user, NULL };
	/* split as MaestroNG did (on whitespace), each word formatted */
	size_t cap = 2, n = 0;
	char **argv = mae_xcalloc(cap, sizeof(*argv));
	argv[n++] = mae_xstrdup(a->script);
	int ret = 0;
	const char *p = a->args ? a->args : "";
	while (*p && !ret) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		size_t len = 0;
		while (p[len] && !isspace((unsigned char)p[len]))
			len++;
		char *word = mae_xstrndup(p, len);
		p += len;
		if (n + 2 > cap) {
			cap *= 2;
			argv = mae_xrealloc(argv, cap * sizeof(*argv));
		}
		ret = format_str(word, &f, &argv[n], e);
		free(word);
		if (!ret)
			n++;
	}
	argv[n] = NULL;
	free(what);
	if (!ret) {
		json_t *in = json_object();
		add_target_names(in, ev);
		char *text = json_dumps(in, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(in);
		const struct proc_spec spec = {
			.argv = argv, .in = text, .in_len = strlen(text),
			.out_max = AUDIT_REPLY_MAX, .timeout_ms = a->timeout_ms,
		};
		struct proc_result r;
		ret = proc_run(&spec, &r, e);
		if (!ret) {
			if (r.end == PROC_EXITED && r.status != 0)
				ret = mae_error_set(e, MAE_ERR_REMOTE,
						    "'%s' exited with status %d",
						    a->script, r.status);
			else if (r.end == PROC_SIGNALED)
				ret = mae_error_set(e, MAE_ERR_REMOTE,
						    "'%s' was killed by signal %d",
						    a->script, r.status);
			else if (r.end == PROC_TIMED_OUT)
				ret = mae_error_set(e, MAE_ERR_TIMEOUT,
						    "'%s' did not end within %d ms",
						    a->script, a->timeout_ms);
			/* PROC_TOO_MUCH: its output is not ours to read */
			proc_result_release(&r);
		}
		free(text);
	}
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
	return ret;
}

/* Whether a sends ev at all. */
static bool wants(const struct auditor *a, const struct audit_event *ev)
{
	if (ev->kind != AUDIT_ERROR && ev->level < a->c->level)
		return false;
	switch (a->type) {
	case T_HTTP:
		return ev->kind == AUDIT_ACTION;
	case T_EXEC:
		return ev->kind == AUDIT_SUCCESS && ev->level == AUDIT_INFO;
	default:
		return true;
	}
}

void audit_emit(struct audit_set *s, const struct audit_event *ev,
		struct audit_outcome *ret)
{
	ret->n = s->n;
	ret->v = mae_xcalloc(s->n ? s->n : 1, sizeof(*ret->v));
	ret->abort = false;
	for (size_t i = 0; i < s->n; i++) {
		const struct auditor *a = &s->v[i];
		struct audit_result *r = &ret->v[i];
		if (!wants(a, ev)) {
			r->status = AUDIT_NOT_SENT;
			continue;
		}
		struct mae_error e;
		mae_error_clear(&e);
		int rc = 0;
		switch (a->type) {
		case T_LOG: rc = do_log(a, ev, &e); break;
		case T_HTTP: rc = do_http(a, ev, &e); break;
		case T_EXEC: rc = do_exec(a, ev, &e); break;
		case T_SLACK: rc = do_slack(a, ev, &e); break;
		case T_HIPCHAT:
			r->status = AUDIT_SKIPPED;
			r->error = mae_xasprintf("auditor %zu: hipchat auditor "
						 "skipped: the HipChat service "
						 "is gone", i + 1);
			continue;
		case T_FAIL:
			rc = mae_error_set(&e, MAE_ERR_INTERNAL,
					   "this auditor always fails");
			break;
		}
		if (rc == 0) {
			r->status = AUDIT_OK;
			continue;
		}
		r->status = AUDIT_FAILED;
		r->error = mae_xasprintf("auditor %zu (%s): %s", i + 1,
					 type_names[a->type], e.msg);
		scrub(a, &r->error);
		if (ev->kind == AUDIT_ACTION && ev->level == AUDIT_INFO &&
		    !a->c->ignore_errors)
			ret->abort = true;
	}
}

void audit_outcome_release(struct audit_outcome *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].error);
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

/* ------------------------------------------------------------------ */
/* Configuration                                                        */

static const char *setting(const struct audit_config *c, const char *key)
{
	return json_string_value(json_object_get(c->settings, key));
}

/* seconds (a number) as ms; dflt when absent; -1 when wrong */
static int timeout_ms(const struct audit_config *c, const char *key, int dflt)
{
	const json_t *v = json_object_get(c->settings, key);
	if (!v || json_is_null(v))
		return dflt;
	if (!json_is_number(v) || json_number_value(v) <= 0 ||
	    json_number_value(v) > 3600)
		return -1;
	double ms = json_number_value(v) * 1000;
	return ms < 1 ? 1 : (int)ms;
}

/* payload strings must format (with any values) */
static int check_payload(const json_t *p, struct mae_error *e)
{
	const struct fields f = { "w", "a", "u", "m" };
	json_t *r = format_payload(p, &f, e);
	if (!r)
		return e->code;
	json_decref(r);
	return 0;
}

static int configure(struct auditor *a, const struct audit_config *c,
		     size_t i, struct mae_error *e)
{
	a->c = c;
	int t = -1;
	for (int j = 0; type_names[j]; j++)
		if (mae_streq(type_names[j], c->type))
			t = j;
	if (t < 0)
		return mae_error_set(e, MAE_ERR_INVALID,
				     "auditor %zu: unknown auditor type '%s'", i + 1,
				     c->type ? c->type : "");
	a->type = (enum audit_type)t;
	const char *missing = NULL;
	switch (a->type) {
	case T_LOG:
		a->file = setting(c, "file");
		if (!a->file)
			missing = "file";
		break;
	case T_HTTP:
		a->endpoint = setting(c, "endpoint");
		if (!a->endpoint) {
			missing = "endpoint";
			break;
		}
		a->payload = json_object_get(c->settings, "payload");
		if (!a->payload || json_is_null(a->payload))
			a->payload = NULL;
		else if (!json_is_object(a->payload) && !json_is_array(a->payload))
			return mae_error_set(e, MAE_ERR_INVALID,
					     "auditor %zu: 'payload' must be a "
					     "mapping or a list", i + 1);
		else if (check_payload(a->payload, e) < 0) {
			mae_error_prefix(e, "auditor %zu: payload", i + 1);
			return e->code;
		}
		a->headers = json_object_get(c->settings, "headers");
		if (a->headers && !json_is_null(a->headers)) {
			const char *k;
			json_t *x;
			if (!json_is_object(a->headers))
				return mae_error_set(e, MAE_ERR_INVALID,
						     "auditor %zu: 'headers' must "
						     "be a mapping", i + 1);
			json_object_foreach((json_t *)a->headers, k, x)
				if (!json_is_string(x) || strpbrk(k, ":\r\n") ||
				    strpbrk(json_string_value(x), "\r\n"))
					return mae_error_set(e, MAE_ERR_INVALID,
							     "auditor %zu: header "
							     "'%s' must be one line "
							     "of text", i + 1, k);
		} else {
			a->headers = NULL;
		}
		a->method = setting(c, "method");
		if (!a->method || strcasecmp(a->method, "POST") == 0)
			a->method = "POST";
		else if (strcasecmp(a->method, "GET") == 0)
			a->method = "GET";
		else
			return mae_error_set(e, MAE_ERR_INVALID,
					     "auditor %zu: invalid HTTP method '%s' "
					     "(GET or POST)", i + 1, a->method);
		a->timeout_ms = timeout_ms(c, "timeout", AUDIT_HTTP_TIMEOUT_MS);
		break;
	case T_EXEC:
		a->script = setting(c, "script");
		if (!a->script)
			missing = "script";
		a->args = setting(c, "args");
		a->timeout_ms = timeout_ms(c, "timeout", AUDIT_EXEC_TIMEOUT_MS);
		break;
	case T_SLACK:
		a->token = setting(c, "token");
		a->endpoint = setting(c, "webhook");
		a->channel = setting(c, "channel");
		a->name = setting(c, "name");
		if (!a->name)
			a->name = "maestro-ng";
		a->icon = setting(c, "icon");
		if (a->token && a->endpoint)
			return mae_error_set(e, MAE_ERR_INVALID,
					     "auditor %zu: both 'token' and "
					     "'webhook' (one of them)", i + 1);
		if (!a->token && !a->endpoint)
			missing = "token' or 'webhook";
		else if (a->token && !a->channel)
			missing = "channel";
		a->timeout_ms = timeout_ms(c, "timeout", AUDIT_SLACK_TIMEOUT_MS);
		break;
	case T_HIPCHAT:
	case T_FAIL:
		break;
	}
	if (missing)
		return mae_error_set(e, MAE_ERR_INVALID, "auditor %zu: missing '%s'",
				     i + 1, missing);
	if (a->timeout_ms < 0)
		return mae_error_set(e, MAE_ERR_INVALID,
				     "auditor %zu: 'timeout' must be a number of "
				     "seconds between 0 and 3600", i + 1);
	if (a->endpoint)
		a->where = url_where(a->endpoint);
	return 0;
}

struct audit_set *audit_set_new(const struct audit_config *configs,
				size_t n, struct mae_error *e)
{
	struct audit_set *s = mae_xcalloc(1, sizeof(*s));
	s->v = mae_xcalloc(n ? n : 1, sizeof(*s->v));
	s->n = n;
	for (size_t i = 0; i < n; i++)
		if (configure(&s->v[i], &configs[i], i, e) < 0) {
			audit_set_free(s);
			return NULL;
		}
	return s;
}

void audit_set_free(struct audit_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].where);
	free(s->v);
	free(s);
}
