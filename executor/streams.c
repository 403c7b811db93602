/*
 * streams.c - the ship client's streaming calls: image pulls (a JSON
 * progress stream read to its end), logs and exec output (Docker's
 * stdout/stderr multiplexing), followed logs that survive a restart of the
 * container (by watching the daemon's events for its name).
 *
 * Streams are bounded by progress and by the connection, not by a total.
 */
#include "client-int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Line-delimited JSON streams                                          */

struct jsonl {
	struct mae_buf line;
	/* called per JSON object; returns a sink code */
	enum ship_sink_rc (*on_obj)(void *ud, json_t *obj);
	void *ud;
	struct ship_client *cl;
	const struct ship_req *r;
	struct mae_error *e;
};

static enum ship_sink_rc jsonl_line(struct jsonl *s, const char *p, size_t n)
{
	while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
		n--;
	if (!n)
		return SHIP_SINK_GO;
	json_t *j = NULL;
	char why[160];
	/* a progress or event line holds a few dozen values */
	int lrc = ship_json_load(p, n, 10000, &j, why, sizeof(why));
	if (lrc == MAE_ERR_LIMIT) {
		ship_fail(s->cl, s->r, lrc, s->e,
			  "a line of the daemon's stream %s", why);
		return SHIP_SINK_FAIL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		ship_fail(s->cl, s->r, MAE_ERR_PROTOCOL, s->e,
			  "the daemon's stream holds a line that is not a "
			  "JSON object: '%.*s'",
			  (int)(n > 60 ? 60 : n), p);
		return SHIP_SINK_FAIL;
	}
	enum ship_sink_rc rc = s->on_obj(s->ud, j);
	json_decref(j);
	return rc;
}

static enum ship_sink_rc jsonl_sink(void *ud, const char *p, size_t n)
{
	struct jsonl *s = ud;
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n') {
			mae_buf_addc(&s->line, p[i]);
			if (s->line.overflow) {
				ship_fail(s->cl, s->r, MAE_ERR_LIMIT, s->e,
					  "a line of the daemon's stream is "
					  "too long");
				return SHIP_SINK_FAIL;
			}
			continue;
		}
		enum ship_sink_rc rc =
			jsonl_line(s, mae_buf_str(&s->line), s->line.len);
		mae_buf_reset(&s->line);
		if (rc != SHIP_SINK_GO)
			return rc;
	}
	return SHIP_SINK_GO;
}

/* the last line when the stream ends without a newline */
static enum ship_sink_rc jsonl_finish(struct jsonl *s)
{
	enum ship_sink_rc rc = SHIP_SINK_GO;
	if (s->line.len)
		rc = jsonl_line(s, mae_buf_str(&s->line), s->line.len);
	mae_buf_release(&s->line);
	return rc;
}

static long stream_idle_s(const struct ship_client *cl)
{
	if (cl->idle_s > 0)
		return cl->idle_s;
	long t = (long)(cl->conn.timeout_s * 6);
	return t > 60 ? t : 60;
}

/*
 * Run r reading its answer as JSON lines, each object to on_obj, the last
 * line also when it has no newline.  Returns 0 or the error (in e).
 */
static int jsonl_request(struct ship_client *cl, struct ship_req *r,
			 enum ship_sink_rc (*on_obj)(void *ud, json_t *obj),
			 void *ud, struct mae_error *e)
{
	struct jsonl s = { .on_obj = on_obj, .ud = ud, .cl = cl, .r = r,
			   .e = e };
	mae_buf_init(&s.line);
	s.line.max = 1 << 20;
	r->sink = jsonl_sink;
	r->sink_ud = &s;
	struct ship_resp resp;
	int rc = ship_request(cl, r, &resp, e);
	if (!rc && jsonl_finish(&s) == SHIP_SINK_FAIL)
		rc = e && e->code ? e->code : MAE_ERR_PROTOCOL;
	mae_buf_release(&s.line);
	mae_buf_release(&resp.body);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Pull                                                                 */

struct layer {
	char id[80];
	int64_t current, total;
	bool done;
};

struct pull {
	struct layer *layers;
	size_t n;
	bool success;
	char status[256];
	ship_pull_fn progress;
	void *ud;
	struct ship_client *cl;
	const struct ship_req *r;
	struct mae_error *e;
};

static struct layer *pull_layer(struct pull *p, const char *id)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->layers[i].id, id) == 0)
			return &p->layers[i];
	if (p->n >= 4096)
		return NULL;
	p->layers = mae_xrealloc(p->layers, (p->n + 1) * sizeof(*p->layers));
	struct layer *l = &p->layers[p->n++];
	memset(l, 0, sizeof(*l));
	snprintf(l->id, sizeof(l->id), "%s", id);
	return l;
}

static enum ship_sink_rc pull_obj(void *ud, json_t *j)
{
	struct pull *p = ud;
	const char *err = json_string_value(json_object_get(j, "error"));
	if (err) {
		ship_fail(p->cl, p->r, MAE_ERR_REMOTE, p->e, "%s", err);
		return SHIP_SINK_FAIL;
	}
	const char *status = json_string_value(json_object_get(j, "status"));
	if (!status)
		return SHIP_SINK_GO;
	snprintf(p->status, sizeof(p->status), "%s", status);
	if (mae_startswith(status, "Status: Downloaded newer image") ||
	    mae_startswith(status, "Status: Image is up to date"))
		p->success = true;
	const char *id = json_string_value(json_object_get(j, "id"));
	/* per-layer lines carry a short id and no "Pulling from" */
	if (id && !mae_startswith(status, "Pulling from") &&
	    !strchr(id, ':')) {
		struct layer *l = pull_layer(p, id);
		if (l) {
			json_t *d = json_object_get(j, "progressDetail");
			if (strcmp(status, "Downloading") == 0) {
				json_t *c = json_object_get(d, "current");
				json_t *t = json_object_get(d, "total");
				if (json_is_integer(c))
					l->current = json_integer_value(c);
				if (json_is_integer(t))
					l->total = json_integer_value(t);
			} else if (strcmp(status, "Download complete") == 0 ||
				   strcmp(status, "Pull complete") == 0 ||
				   strcmp(status, "Already exists") == 0) {
				l->done = true;
				if (l->total)
					l->current = l->total;
			}
		}
	}
	if (p->progress) {
		struct ship_pull_progress pr = { .status = p->status };
		pr.layers = (int)p->n;
		for (size_t i = 0; i < p->n; i++) {
			pr.layers_done += p->layers[i].done;
			pr.bytes += p->layers[i].current;
			pr.bytes_total += p->layers[i].total;
		}
		p->progress(p->ud, &pr);
	}
	return SHIP_SINK_GO;
}

int ship_image_pull(struct ship_client *cl, const struct ship_pull_image *img,
		    const char *registry_auth, ship_pull_fn progress,
		    void *ud, struct mae_error *e)
{
	char *re = ship_urlencode(img->name);
	char *te = ship_urlencode(img->tag && *img->tag ? img->tag : "latest");
	char *path = mae_xasprintf("/images/create?fromImage=%s&tag=%s", re, te);
	struct ship_req r = { .op = "pull", .subject = img->image, .method = "POST",
			      .path = path, .registry_auth = registry_auth,
			      .idle_s = stream_idle_s(cl) };
	struct pull p = { .progress = progress, .ud = ud, .cl = cl, .r = &r,
			  .e = e };
	int rc = jsonl_request(cl, &r, pull_obj, &p, e);
	if (!rc && !p.success)
		rc = ship_fail(cl, &r, MAE_ERR_PROTOCOL, e,
			       "the pull stream ended without success%s%s",
			       p.status[0] ? "; last status: " : "", p.status);
	free(p.layers);
	free(path);
	free(re);
	free(te);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Multiplexed output                                                   */

struct demux {
	bool raw;              /* a tty: no frames */
	unsigned char hdr[8];
	size_t nhdr;
	size_t left;           /* payload bytes left in the current frame */
	enum ship_stream stream;
	ship_output_fn out;
	void *ud;
	struct ship_client *cl;
	const struct ship_req *r;
	struct mae_error *e;
	bool stopped;
};

static enum ship_sink_rc demux_sink(void *ud, const char *p, size_t n)
{
	struct demux *d = ud;
	if (d->raw) {
		if (d->out(d->ud, SHIP_STDOUT, p, n)) {
			d->stopped = true;
			return SHIP_SINK_STOP;
		}
		return SHIP_SINK_GO;
	}
	while (n) {
		if (d->left == 0) {
			size_t k = 8 - d->nhdr;
			if (k > n)
				k = n;
			memcpy(d->hdr + d->nhdr, p, k);
			d->nhdr += k;
			p += k;
			n -= k;
			if (d->nhdr < 8)
				break;
			d->nhdr = 0;
			unsigned t = d->hdr[0];
			if (t > 2 || d->hdr[1] || d->hdr[2] || d->hdr[3]) {
				ship_fail(d->cl, d->r, MAE_ERR_PROTOCOL, d->e,
					  "the daemon's output stream is not "
					  "framed as Docker's (byte 0x%02x)",
					  t);
				return SHIP_SINK_FAIL;
			}
			d->stream = t == 2 ? SHIP_STDERR : SHIP_STDOUT;
			d->left = (size_t)d->hdr[4] << 24 |
				  (size_t)d->hdr[5] << 16 |
				  (size_t)d->hdr[6] << 8 | d->hdr[7];
			continue;
		}
		size_t k = d->left < n ? d->left : n;
		if (d->out(d->ud, d->stream, p, k)) {
			d->stopped = true;
			return SHIP_SINK_STOP;
		}
		d->left -= k;
		p += k;
		n -= k;
	}
	return SHIP_SINK_GO;
}

static int demux_finish(struct demux *d)
{
	if (d->nhdr || d->left)
		return ship_fail(d->cl, d->r, MAE_ERR_CONNECT, d->e,
				 "the output stream ended in the middle of a "
				 "frame");
	return 0;
}

int ship_exec_start(struct ship_client *cl, const char *exec_id,
		    double timeout_s, ship_output_fn out, void *ud,
		    struct mae_error *e)
{
	json_t *info = NULL;
	int rc = ship_exec_inspect(cl, exec_id, &info, e);
	if (rc)
		return rc;
	bool tty = json_is_true(json_object_get(
		json_object_get(info, "ProcessConfig"), "tty"));
	json_decref(info);
	info = NULL;

	char *id = ship_urlencode(exec_id);
	char *path = mae_xasprintf("/exec/%s/start", id);
	const char *body = tty ? "{\"Detach\":false,\"Tty\":true}"
			       : "{\"Detach\":false,\"Tty\":false}";
	struct ship_req r = { .op = "exec start", .subject = exec_id,
			      .method = "POST", .path = path, .body = body,
			      .body_len = strlen(body),
			      .timeout_ms = timeout_s > 0
						    ? ship_limit_ms(timeout_s)
						    : -1 };
	struct demux d = { .raw = tty, .out = out, .ud = ud, .cl = cl,
			   .r = &r, .e = e };
	r.sink = demux_sink;
	r.sink_ud = &d;
	struct ship_resp resp;
	rc = ship_request(cl, &r, &resp, e);
	if (!rc && !d.stopped)
		rc = demux_finish(&d);
	/* The output comes without a length: its end is the connection's
	 * end, which a dying daemon also makes.  The command must be over. */
	if (!rc && !d.stopped) {
		rc = ship_exec_inspect(cl, exec_id, &info, e);
		if (!rc && json_is_true(json_object_get(info, "Running")))
			rc = ship_fail(cl, &r, MAE_ERR_CONNECT, e,
				       "the output ended while the command "
				       "still runs");
		json_decref(info);
	}
	mae_buf_release(&resp.body);
	free(path);
	free(id);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Logs                                                                 */

/*
 * "2026-11-24T22:10:00.123456789Z" -> "1795558200.123456789" (what the
 * logs' `since` takes); false when not such a time or before 1970.
 */
static bool rfc3339_to_since(const char *s, char out[40])
{
	struct tm tm = { 0 };
	if (!s)
		return false;
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return false;
	char frac[10] = "000000000";
	if (*p == '.') {
		p++;
		for (int i = 0; *p >= '0' && *p <= '9'; p++, i++)
			if (i < 9)
				frac[i] = *p;
	}
	if (*p != 'Z')
		return false; /* the daemon reports UTC */
	time_t t = timegm(&tm);
	if (t <= 0)
		return false;
	snprintf(out, 40, "%lld.%s", (long long)t, frac);
	return true;
}

/* one run of GET /containers/NAME/logs */
static int logs_once(struct ship_client *cl, const char *name,
		     const struct ship_logs_opts *o, bool tty,
		     const char *since, bool first, ship_output_fn out,
		     void *ud, bool *stopped, struct mae_error *e)
{
	bool so = o->stdout_on || !o->stderr_on;
	bool se = o->stderr_on || !o->stdout_on;
	struct mae_buf q = MAE_BUF_INIT;
	char *n = ship_urlencode(name);
	mae_buf_addf(&q, "/containers/%s/logs?stdout=%d&stderr=%d&follow=%d"
			 "&timestamps=%d",
		     n, so, se, o->follow, o->timestamps);
	if (first && o->tail >= 0)
		mae_buf_addf(&q, "&tail=%ld", o->tail);
	if (since)
		mae_buf_addf(&q, "&since=%s", since);
	struct ship_req r = { .op = "logs", .subject = name, .method = "GET",
			      .path = mae_buf_str(&q) };
	if (!o->follow)
		r.idle_s = stream_idle_s(cl);
	struct demux d = { .raw = tty, .out = out, .ud = ud, .cl = cl,
			   .r = &r, .e = e };
	r.sink = demux_sink;
	r.sink_ud = &d;
	struct ship_resp resp;
	int rc = ship_request(cl, &r, &resp, e);
	if (!rc && !d.stopped)
		rc = demux_finish(&d);
	*stopped = d.stopped;
	mae_buf_release(&resp.body);
	mae_buf_release(&q);
	free(n);
	return rc;
}

struct start_watch {
	char id[80];
	bool started;
};

static enum ship_sink_rc start_event(void *ud, json_t *j)
{
	struct start_watch *w = ud;
	const char *action = json_string_value(json_object_get(j, "Action"));
	if (!action || strcmp(action, "start") != 0)
		return SHIP_SINK_GO;
	const char *id = json_string_value(json_object_get(j, "id"));
	snprintf(w->id, sizeof(w->id), "%s", id ? id : "");
	w->started = true;
	return SHIP_SINK_STOP;
}

/*
 * Wait (no limit) for a container of that name to start, reading the
 * daemon's events from events_since (NULL: now); ret_id gets its id.
 */
static int wait_for_start(struct ship_client *cl, const char *name,
			  const char *events_since, char ret_id[80],
			  struct mae_error *e)
{
	json_t *f = json_pack("{s:[s], s:[s], s:[s]}", "container", name,
			      "type", "container", "event", "start");
	char *base = events_since ? mae_xasprintf("/events?since=%s",
						  events_since)
				  : mae_xstrdup("/events");
	char *path = ship_filters_path(base, f);
	struct ship_req r = { .op = "logs", .subject = name, .method = "GET",
			      .path = path };
	struct start_watch w = { .id = "" };
	int rc = jsonl_request(cl, &r, start_event, &w, e);
	if (!rc && !w.started)
		rc = ship_fail(cl, &r, MAE_ERR_CONNECT, e,
			       "the daemon's event stream ended");
	if (!rc)
		memcpy(ret_id, w.id, 80);
	free(path);
	free(base);
	return rc;
}

/*
 * Following goes on across restarts: when the stream ends (the container
 * stopped), wait for the next start of a container of that name and read
 * its logs from the moment the last run finished (the new run's output
 * can come before its start event, never before the old run's end); a
 * container made anew under that name is read from its beginning.
 */
int ship_container_logs(struct ship_client *cl, const char *name,
			const struct ship_logs_opts *o, ship_output_fn out,
			void *ud, struct mae_error *e)
{
	char since[40] = "", id[80] = "";
	bool first = true;
	for (;;) {
		json_t *info = NULL;
		int rc = ship_container_inspect(cl, name, &info, e);
		if (rc && !(rc == MAE_ERR_NOTFOUND && !first))
			return rc;
		char finished[40] = "";
		if (!rc) {
			bool tty = json_is_true(json_object_get(
				json_object_get(info, "Config"), "Tty"));
			const char *cid =
				json_string_value(json_object_get(info, "Id"));
			snprintf(id, sizeof(id), "%s", cid ? cid : "");
			bool stopped = false;
			rc = logs_once(cl, name, o, tty,
				       since[0] ? since : NULL, first, out, ud,
				       &stopped, e);
			json_decref(info);
			if (rc || stopped || !o->follow)
				return rc;
			/* the stream ended: the container stopped */
			json_t *again = NULL;
			if (ship_container_inspect(cl, name, &again, NULL) == 0) {
				json_t *st = json_object_get(again, "State");
				rfc3339_to_since(json_string_value(
					json_object_get(st, "FinishedAt")),
					finished);
				json_decref(again);
			}
		}
		first = false;
		char started_id[80];
		rc = wait_for_start(cl, name, finished[0] ? finished : NULL,
				    started_id, e);
		if (rc)
			return rc;
		if (strcmp(started_id, id) == 0)
			memcpy(since, finished, sizeof(since));
		else
			since[0] = '\0';
	}
}

/* ------------------------------------------------------------------ */
/* Feeding the parsers directly (fuzzing)                               */

static enum ship_sink_rc feed_pieces(enum ship_sink_rc (*sink)(void *,
								const char *,
								size_t),
				     void *ud, const char *data, size_t n,
				     size_t piece)
{
	enum ship_sink_rc rc = SHIP_SINK_GO;
	for (size_t at = 0; at < n && rc == SHIP_SINK_GO; at += piece)
		rc = sink(ud, data + at, n - at < piece ? n - at : piece);
	return rc;
}

static int feed_discard(void *ud, enum ship_stream s, const char *p,
			size_t n)
{
	(void)s;
	size_t *total = ud;
	/* touch every byte, so the sanitizers see a read past the end */
	for (size_t i = 0; i < n; i++)
		*total += (unsigned char)p[i];
	return 0;
}

int ship_stream_feed(struct ship_client *cl, enum ship_feed_kind kind,
		     const char *data, size_t n, size_t piece,
		     struct mae_error *e)
{
	struct ship_req r = { .op = "feed", .method = "GET", .path = "/" };
	int rc = 0;
	if (piece == 0)
		piece = 1;
	switch (kind) {
	case SHIP_FEED_OUTPUT: {
		size_t total = 0;
		struct demux d = { .out = feed_discard, .ud = &total, .cl = cl,
				   .r = &r, .e = e };
		enum ship_sink_rc s = feed_pieces(demux_sink, &d, data, n, piece);
		if (s == SHIP_SINK_FAIL)
			rc = e && e->code ? e->code : MAE_ERR_PROTOCOL;
		else if (s == SHIP_SINK_GO)
			rc = demux_finish(&d);
		break;
	}
	case SHIP_FEED_PULL:
	case SHIP_FEED_EVENTS: {
		struct pull p = { .cl = cl, .r = &r, .e = e };
		struct start_watch w = { .id = "" };
		struct jsonl s = { .cl = cl, .r = &r, .e = e };
		if (kind == SHIP_FEED_PULL) {
			s.on_obj = pull_obj;
			s.ud = &p;
		} else {
			s.on_obj = start_event;
			s.ud = &w;
		}
		mae_buf_init(&s.line);
		s.line.max = 1 << 20;
		enum ship_sink_rc sr = feed_pieces(jsonl_sink, &s, data, n, piece);
		if (sr == SHIP_SINK_GO)
			sr = jsonl_finish(&s);
		if (sr == SHIP_SINK_FAIL)
			rc = e && e->code ? e->code : MAE_ERR_PROTOCOL;
		else if (kind == SHIP_FEED_PULL && !p.success)
			rc = ship_fail(cl, &r, MAE_ERR_PROTOCOL, e,
				       "the pull stream ended without success");
		mae_buf_release(&s.line);
		free(p.layers);
		break;
	}
	case SHIP_FEED_TIME: {
		char *t = mae_xstrndup(data, n);
		char out[40];
		if (!rfc3339_to_since(t, out))
			rc = MAE_ERR_INVALID;
		free(t);
		break;
	}
	}
	return rc;
}
