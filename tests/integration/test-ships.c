/*
 * test-ships.c - the ship client against the real daemons of the test
 * fleet (run under tests/fleet/fleet): every transport through a
 * container's life, 20 parallel lives per transport, TLS refusals, the
 * error shape, exec, wait, kill, logs followed across a restart.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "fleet-env.h"

static struct ship_client *client_for(int n, enum fleet_way way)
{
	struct ship_conn c;
	struct ship_client *cl = NULL;
	struct mae_error e;
	fleet_conn(&c, n, way);
	int rc = ship_client_new(&c, &cl, &e);
	if (rc)
		fail_msg("%s", e.msg);
	ship_conn_release(&c);
	return cl;
}

static int ship_unix(void)
{
	return 1;
}

static int ship_tls(void)
{
	return fleet_ship_of_kind("tls");
}

static int ship_tcp(void)
{
	return fleet_ship_of_kind("tcp");
}

/* collects output */
struct outbuf {
	struct mae_buf out, err;
	pthread_mutex_t mu;
};

static int collect(void *ud, enum ship_stream s, const char *p, size_t n)
{
	struct outbuf *o = ud;
	pthread_mutex_lock(&o->mu);
	mae_buf_add(s == SHIP_STDERR ? &o->err : &o->out, p, n);
	pthread_mutex_unlock(&o->mu);
	return 0;
}

static void outbuf_init(struct outbuf *o)
{
	mae_buf_init(&o->out);
	mae_buf_init(&o->err);
	pthread_mutex_init(&o->mu, NULL);
}

static void outbuf_release(struct outbuf *o)
{
	mae_buf_release(&o->out);
	mae_buf_release(&o->err);
	pthread_mutex_destroy(&o->mu);
}

static void check(int rc, const struct mae_error *e)
{
	if (rc)
		fail_msg("unexpected error %d: %s", rc, e->msg);
}

/* ------------------------------------------------------------------ */

static void lifecycle(struct ship_client *cl, const char *way)
{
	struct mae_error e;
	char name[64];
	snprintf(name, sizeof(name), "life-%s", way);

	check(ship_ping(cl, &e), &e);
	const char *api = NULL;
	check(ship_client_api_version(cl, &api, &e), &e);
	assert_string_equal(api, "1.41"); /* dockerd 20.10 speaks 1.41 */

	json_t *body = fleet_body("echo to-out; echo to-err >&2; "
				  "while :; do sleep 1; done");
	char *id = NULL;
	check(ship_container_create(cl, name, body, &id, &e), &e);
	json_decref(body);
	assert_int_equal(strlen(id), 64);
	check(ship_container_start(cl, name, &e), &e);
	/* starting a running container is not an error */
	check(ship_container_start(cl, name, &e), &e);

	json_t *info = NULL;
	check(ship_container_inspect(cl, name, &info, &e), &e);
	assert_string_equal(json_string_value(json_object_get(info, "Id")), id);
	assert_true(json_is_true(
		json_object_get(json_object_get(info, "State"), "Running")));
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(info, "Config"), "Image")),
			    "tiny:1");
	json_decref(info);

	json_t *list = NULL;
	check(ship_containers_by_name(cl, name, &list, &e), &e);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	const char *labels[] = { "maestro.test=fleet" };
	check(ship_containers_by_labels(cl, labels, 1, &list, &e), &e);
	assert_true(json_array_size(list) >= 1);
	json_decref(list);

	/* the output may take a moment to reach the log */
	struct outbuf o;
	outbuf_init(&o);
	struct ship_logs_opts lo = { .tail = -1 };
	for (int i = 0; i < 50; i++) {
		mae_buf_reset(&o.out);
		mae_buf_reset(&o.err);
		check(ship_container_logs(cl, name, &lo, collect, &o, &e), &e);
		if (strstr(mae_buf_str(&o.err), "to-err"))
			break;
		usleep(100000);
	}
	assert_string_equal(mae_buf_str(&o.out), "to-out\n");
	assert_string_equal(mae_buf_str(&o.err), "to-err\n");
	/* tail 0 gives nothing, stdout only leaves stderr out */
	mae_buf_reset(&o.out);
	mae_buf_reset(&o.err);
	struct ship_logs_opts only_out = { .stdout_on = true, .tail = -1 };
	check(ship_container_logs(cl, name, &only_out, collect, &o, &e), &e);
	assert_string_equal(mae_buf_str(&o.out), "to-out\n");
	assert_string_equal(mae_buf_str(&o.err), "");
	struct ship_logs_opts tail0 = { .tail = 0 };
	mae_buf_reset(&o.out);
	check(ship_container_logs(cl, name, &tail0, collect, &o, &e), &e);
	assert_string_equal(mae_buf_str(&o.out), "");
	outbuf_release(&o);

	check(ship_container_stop(cl, name, 5, &e), &e);
	check(ship_container_stop(cl, name, 5, &e), &e); /* already stopped */
	check(ship_container_inspect(cl, name, &info, &e), &e);
	assert_false(json_is_true(
		json_object_get(json_object_get(info, "State"), "Running")));
	json_decref(info);
	check(ship_container_remove(cl, name, true, false, &e), &e);
	int rc = ship_container_inspect(cl, name, &info, &e);
	assert_int_equal(rc, MAE_ERR_NOTFOUND);
	free(id);
}

static void test_lifecycle_unix(void **st)
{
	(void)st;
	struct ship_client *cl = client_for(ship_unix(), FLEET_UNIX);
	lifecycle(cl, "unix");
	ship_client_free(cl);
}

static void test_lifecycle_tcp(void **st)
{
	(void)st;
	struct ship_client *cl = client_for(ship_tcp(), FLEET_TCP);
	lifecycle(cl, "tcp");
	ship_client_free(cl);
}

static void test_lifecycle_tls(void **st)
{
	(void)st;
	struct ship_client *cl = client_for(ship_tls(), FLEET_TLS);
	lifecycle(cl, "tls");
	ship_client_free(cl);
}

/* ------------------------------------------------------------------ */
/* 20 lives at once, from 10 threads sharing one client                */

#define NTHREADS 10
#define PER_THREAD 2

struct worker {
	struct ship_client *cl;
	const char *way;
	int idx;
	int rc;
	struct mae_error e;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	for (int k = 0; k < PER_THREAD && !w->rc; k++) {
		char name[64];
		snprintf(name, sizeof(name), "par-%s-%d-%d", w->way, w->idx, k);
		json_t *body = fleet_body("while :; do sleep 1; done");
		w->rc = ship_container_create(w->cl, name, body, NULL, &w->e);
		json_decref(body);
		if (!w->rc)
			w->rc = ship_container_start(w->cl, name, &w->e);
		json_t *info = NULL;
		if (!w->rc)
			w->rc = ship_container_inspect(w->cl, name, &info, &w->e);
		if (!w->rc && !json_is_true(json_object_get(
				      json_object_get(info, "State"), "Running")))
			w->rc = mae_error_set(&w->e, MAE_ERR_STATE,
					      "%s is not running", name);
		json_decref(info);
		if (!w->rc)
			w->rc = ship_container_remove(w->cl, name, true, true,
						      &w->e);
	}
	return NULL;
}

static void parallel(struct ship_client *cl, const char *way)
{
	pthread_t t[NTHREADS];
	struct worker w[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .cl = cl, .way = way, .idx = i };
		pthread_create(&t[i], NULL, worker_run, &w[i]);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < NTHREADS; i++)
		if (w[i].rc)
			fail_msg("worker %d: %s", i, w[i].e.msg);
	/* nothing left behind */
	json_t *list = NULL;
	struct mae_error e;
	char name[32];
	snprintf(name, sizeof(name), "par-%s-0-0", way);
	check(ship_containers_by_name(cl, name, &list, &e), &e);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
}

static void test_parallel_unix(void **st)
{
	(void)st;
	struct ship_client *cl = client_for(ship_unix(), FLEET_UNIX);
	parallel(cl, "unix");
	ship_client_free(cl);
}

static void test_parallel_tcp(void **st)
{
	(void)st;
	struct ship_client *cl = client_for(ship_tcp(), FLEET_TCP);
	parallel(cl, "tcp");
	ship_client_free(cl);
}

static void test_parallel_tls(void **st)
{
	(void)st;
	struct ship_client *cl = client_for(ship_tls(), FLEET_TLS);
	parallel(cl, "tls");
	ship_client_free(cl);
}

/* ------------------------------------------------------------------ */
/* TLS refusals                                                         */

static void tls_expect_fail(void (*tweak)(struct ship_conn *c, int n),
			    const char *want)
{
	int n = ship_tls();
	struct ship_conn c;
	fleet_conn(&c, n, FLEET_TLS);
	tweak(&c, n);
	struct ship_client *cl = NULL;
	struct mae_error e;
	check(ship_client_new(&c, &cl, &e), &e);
	int64_t t0 = mae_now_ms();
	int rc = ship_ping(cl, &e);
	int64_t dt = mae_now_ms() - t0;
	if (rc != MAE_ERR_AUTH)
		fail_msg("code %d: %s", rc, e.msg);
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "ship%d: ping: TLS", n);
	if (!mae_startswith(e.msg, prefix) || !strstr(e.msg, want))
		fail_msg("unexpected message: %s", e.msg);
	assert_true(dt < 3 * 5000);
	ship_client_free(cl);
	ship_conn_release(&c);
}

static void wrong_ca(struct ship_conn *c, int n)
{
	free(c->tls.ca_cert);
	c->tls.ca_cert = mae_xstrdup(fleet_var("SHIP%d_TLS_OTHER_CA", n));
}

static void no_client_cert(struct ship_conn *c, int n)
{
	(void)n;
	free(c->tls.cert);
	free(c->tls.key);
	c->tls.cert = c->tls.key = NULL;
}

static void foreign_client_cert(struct ship_conn *c, int n)
{
	free(c->tls.cert);
	free(c->tls.key);
	c->tls.cert = mae_xstrdup(fleet_var("SHIP%d_TLS_OTHER_CERT", n));
	c->tls.key = mae_xstrdup(fleet_var("SHIP%d_TLS_OTHER_KEY", n));
}

static void test_tls_wrong_ca(void **st)
{
	(void)st;
	tls_expect_fail(wrong_ca, "not trusted");
}

static void test_tls_no_client_cert(void **st)
{
	(void)st;
	tls_expect_fail(no_client_cert, "client certificate");
}

static void test_tls_foreign_client_cert(void **st)
{
	(void)st;
	tls_expect_fail(foreign_client_cert, "does it trust the CA of tls_cert");
}

static void test_tls_plain_http_to_tls_port(void **st)
{
	(void)st;
	/* http:// to the TLS port: the daemon answers 400, said clearly */
	int n = ship_tls();
	struct ship_conn c;
	fleet_conn(&c, n, FLEET_TLS);
	c.tls_on = false;
	c.transport = SHIP_TCP;
	struct ship_client *cl = NULL;
	struct mae_error e;
	check(ship_client_new(&c, &cl, &e), &e);
	int rc = ship_ping(cl, &e);
	assert_true(rc < 0);
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "ship%d: ping: ", n);
	if (!mae_startswith(e.msg, prefix))
		fail_msg("unexpected message: %s", e.msg);
	ship_client_free(cl);
	ship_conn_release(&c);
}

/* ------------------------------------------------------------------ */
/* Errors, versions, exec, wait, kill, images                           */

static void test_error_shape(void **st)
{
	(void)st;
	struct ship_client *cl = client_for(ship_unix(), FLEET_UNIX);
	struct mae_error e;
	json_t *body = fleet_body("sleep 1");
	check(ship_container_create(cl, "dup", body, NULL, &e), &e);
	int rc = ship_container_create(cl, "dup", body, NULL, &e);
	assert_int_equal(rc, MAE_ERR_REMOTE);
	assert_int_equal(e.http_status, 409);
	/* Docker's own message follows the status */
	if (!mae_startswith(e.msg, "ship1: create 'dup': 409 Conflict: ") ||
	    !strstr(e.msg, "is already in use"))
		fail_msg("unexpected message: %s", e.msg);
	check(ship_container_remove(cl, "dup", true, true, &e), &e);

	rc = ship_container_start(cl, "no-such", &e);
	assert_int_equal(rc, MAE_ERR_NOTFOUND);
	assert_string_equal(e.msg, "ship1: start 'no-such': 404 Not Found: "
				   "No such container: no-such");

	/* an invalid body: Docker's 400 with its message */
	json_t *bad = json_pack("{s:s, s:{s:i}}", "Image", "tiny:1",
				"HostConfig", "Memory", 1);
	rc = ship_container_create(cl, "bad-mem", bad, NULL, &e);
	json_decref(bad);
	assert_true(rc == MAE_ERR_REMOTE);
	if (!mae_startswith(e.msg, "ship1: create 'bad-mem': "))
		fail_msg("unexpected message: %s", e.msg);
	ship_container_remove(cl, "bad-mem", true, true, NULL);

	rc = ship_image_inspect(cl, "absent/image:9", NULL, &e);
	assert_int_equal(rc, MAE_ERR_NOTFOUND);
	if (!mae_startswith(e.msg, "ship1: image inspect 'absent/image:9': "
				   "404 Not Found: "))
		fail_msg("unexpected message: %s", e.msg);
	json_decref(body);
	ship_client_free(cl);
}

static void test_api_pins(void **st)
{
	(void)st;
	struct ship_conn c;
	fleet_conn(&c, ship_unix(), FLEET_UNIX);
	const char *pins[] = { "1.30", "1.18", "auto" };
	const char *want[] = { "1.30", "1.24", "1.41" };
	for (int i = 0; i < 3; i++) {
		free(c.api_version);
		c.api_version = mae_xstrdup(pins[i]);
		struct ship_client *cl = NULL;
		struct mae_error e;
		check(ship_client_new(&c, &cl, &e), &e);
		const char *api = NULL;
		check(ship_client_api_version(cl, &api, &e), &e);
		assert_string_equal(api, want[i]);
		json_t *info = NULL;
		check(ship_info(cl, &info, &e), &e);
		assert_string_equal(json_string_value(json_object_get(info, "Name")),
				    "ship1");
		json_decref(info);
		ship_client_free(cl);
	}
	ship_conn_release(&c);
}

static void test_exec_wait_kill(void **st)
{
	(void)st;
	struct ship_client *cl = client_for(ship_tcp(), FLEET_TCP);
	struct mae_error e;
	json_t *body = fleet_body("while :; do sleep 1; done");
	check(ship_container_create(cl, "ewk", body, NULL, &e), &e);
	json_decref(body);
	check(ship_container_start(cl, "ewk", &e), &e);

	json_t *eb = json_pack("{s:b, s:b, s:[s,s,s]}", "AttachStdout", 1,
			       "AttachStderr", 1, "Cmd", "sh", "-c",
			       "echo out; echo err >&2; exit 7");
	char *xid = NULL;
	check(ship_exec_create(cl, "ewk", eb, &xid, &e), &e);
	json_decref(eb);
	struct outbuf o;
	outbuf_init(&o);
	check(ship_exec_start(cl, xid, 30, collect, &o, &e), &e);
	assert_string_equal(mae_buf_str(&o.out), "out\n");
	assert_string_equal(mae_buf_str(&o.err), "err\n");
	outbuf_release(&o);
	json_t *xi = NULL;
	check(ship_exec_inspect(cl, xid, &xi, &e), &e);
	assert_int_equal(json_integer_value(json_object_get(xi, "ExitCode")), 7);
	json_decref(xi);
	free(xid);

	check(ship_container_kill(cl, "ewk", "KILL", &e), &e);
	int status = -1;
	check(ship_container_wait(cl, "ewk", &status, &e), &e);
	assert_int_equal(status, 137);
	int rc = ship_container_kill(cl, "ewk", NULL, &e);
	assert_int_equal(rc, MAE_ERR_REMOTE);
	assert_int_equal(e.http_status, 409);
	check(ship_container_remove(cl, "ewk", true, false, &e), &e);

	/* wait returns the exit status of a container that ends by itself */
	json_t *b3 = json_pack("{s:s, s:[s,s,s]}", "Image", "tiny:1", "Cmd",
			       "sh", "-c", "sleep 1; exit 3");
	check(ship_container_create(cl, "exit3", b3, NULL, &e), &e);
	json_decref(b3);
	check(ship_container_start(cl, "exit3", &e), &e);
	check(ship_container_wait(cl, "exit3", &status, &e), &e);
	assert_int_equal(status, 3);
	check(ship_container_remove(cl, "exit3", true, false, &e), &e);
	ship_client_free(cl);
}

/* a stop waits the stop timeout plus the ship's, not the ship's alone */
static void test_stop_longer_than_timeout(void **st)
{
	(void)st;
	struct ship_conn c;
	fleet_conn(&c, ship_tcp(), FLEET_TCP);
	c.timeout_s = 1;
	struct ship_client *cl = NULL;
	struct mae_error e;
	check(ship_client_new(&c, &cl, &e), &e);
	ship_conn_release(&c);
	/* sleep as PID 1 ignores TERM: Docker waits the whole 3 s, then kills */
	json_t *b = json_pack("{s:s, s:[s,s]}", "Image", "tiny:1", "Cmd",
			      "sleep", "1000");
	check(ship_container_create(cl, "slow-stop", b, NULL, &e), &e);
	json_decref(b);
	check(ship_container_start(cl, "slow-stop", &e), &e);
	check(ship_container_stop(cl, "slow-stop", 3, &e), &e);
	json_t *info = NULL;
	check(ship_container_inspect(cl, "slow-stop", &info, &e), &e);
	json_t *state = json_object_get(info, "State");
	assert_false(json_is_true(json_object_get(state, "Running")));
	assert_int_equal(json_integer_value(json_object_get(state, "ExitCode")),
			 137);
	json_decref(info);
	check(ship_container_remove(cl, "slow-stop", true, false, &e), &e);
	ship_client_free(cl);
}

static void test_images(void **st)
{
	(void)st;
	struct ship_client *cl = client_for(ship_tls(), FLEET_TLS);
	struct mae_error e;
	json_t *img = NULL;
	check(ship_image_inspect(cl, "tiny:1", &img, &e), &e);
	assert_true(mae_startswith(
		json_string_value(json_object_get(img, "Id")), "sha256:"));
	json_decref(img);
	json_t *list = NULL;
	check(ship_image_list(cl, &list, &e), &e);
	bool found = false;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		json_t *tags = json_object_get(v, "RepoTags");
		for (size_t k = 0; k < json_array_size(tags); k++)
			if (mae_streq(json_string_value(json_array_get(tags, k)),
				      "tiny:1"))
				found = true;
	}
	assert_true(found);
	json_decref(list);

	/* a registry that is not there: Docker's error, with the image named;
	 * the bridge address has nothing listening on this port */
	char *ref = mae_xasprintf("%s:5999/none/such:1",
				  fleet_var("FLEET_BRIDGE_IP%.0d", 0));
	int64_t t0 = mae_now_ms();
	char *name = mae_xstrndup(ref, strlen(ref) - 2);
	const struct ship_pull_image pi = { .image = ref, .name = name,
					    .tag = "1", .host = ref };
	int rc = ship_image_pull(cl, &pi, "eyJ1c2VybmFtZSI6InUifQ==", NULL,
				 NULL, &e);
	assert_true(rc == MAE_ERR_REMOTE);
	char *prefix = mae_xasprintf("ship%d: pull '%s': ", ship_tls(), ref);
	if (!mae_startswith(e.msg, prefix))
		fail_msg("unexpected message: %s", e.msg);
	/* the credential never shows */
	assert_null(strstr(e.msg, "eyJ1"));
	assert_true(mae_now_ms() - t0 < 60000);
	free(prefix);
	free(name);
	free(ref);
	ship_client_free(cl);
}

/* ------------------------------------------------------------------ */
/* Logs followed across a restart                                       */

struct follower {
	struct ship_client *cl;
	pthread_mutex_t mu;
	struct mae_buf seen;
	int starts;
	int rc;
	struct mae_error e;
};

static int follow_out(void *ud, enum ship_stream s, const char *p, size_t n)
{
	(void)s;
	struct follower *f = ud;
	pthread_mutex_lock(&f->mu);
	mae_buf_add(&f->seen, p, n);
	f->starts = 0;
	for (const char *q = mae_buf_str(&f->seen); (q = strstr(q, "started"));
	     q++)
		f->starts++;
	int stop = f->starts >= 2;
	pthread_mutex_unlock(&f->mu);
	return stop;
}

static void *follow_run(void *arg)
{
	struct follower *f = arg;
	struct ship_logs_opts o = { .follow = true, .tail = -1 };
	f->rc = ship_container_logs(f->cl, "follow", &o, follow_out, f, &f->e);
	return NULL;
}

static int starts_of(struct follower *f)
{
	pthread_mutex_lock(&f->mu);
	int n = f->starts;
	pthread_mutex_unlock(&f->mu);
	return n;
}

static void test_logs_follow_restart(void **st)
{
	(void)st;
	struct ship_client *cl = client_for(ship_unix(), FLEET_UNIX);
	struct mae_error e;
	json_t *body = fleet_body("echo started; while :; do sleep 1; done");
	ship_container_remove(cl, "follow", true, true, NULL);
	check(ship_container_create(cl, "follow", body, NULL, &e), &e);
	json_decref(body);
	check(ship_container_start(cl, "follow", &e), &e);

	struct follower f = { .cl = cl };
	pthread_mutex_init(&f.mu, NULL);
	mae_buf_init(&f.seen);
	pthread_t t;
	pthread_create(&t, NULL, follow_run, &f);
	int64_t deadline = mae_now_ms() + 30000;
	while (starts_of(&f) < 1 && mae_now_ms() < deadline)
		usleep(50000);
	int first = starts_of(&f);
	check(ship_container_stop(cl, "follow", 5, &e), &e);
	usleep(300000);
	check(ship_container_start(cl, "follow", &e), &e);
	while (starts_of(&f) < 2 && mae_now_ms() < deadline)
		usleep(50000);
	if (starts_of(&f) < 2)
		ship_client_cancel(cl); /* let the follower end */
	pthread_join(t, NULL);
	assert_int_equal(first, 1);
	if (f.rc)
		fail_msg("follow: %s", f.e.msg);
	assert_string_equal(mae_buf_str(&f.seen), "started\nstarted\n");
	mae_buf_release(&f.seen);
	pthread_mutex_destroy(&f.mu);
	ship_client_free(cl);
	cl = client_for(ship_unix(), FLEET_UNIX);
	check(ship_container_remove(cl, "follow", true, true, &e), &e);
	ship_client_free(cl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle_unix),
		cmocka_unit_test(test_lifecycle_tcp),
		cmocka_unit_test(test_lifecycle_tls),
		cmocka_unit_test(test_parallel_unix),
		cmocka_unit_test(test_parallel_tcp),
		cmocka_unit_test(test_parallel_tls),
		cmocka_unit_test(test_tls_wrong_ca),
		cmocka_unit_test(test_tls_no_client_cert),
		cmocka_unit_test(test_tls_foreign_client_cert),
		cmocka_unit_test(test_tls_plain_http_to_tls_port),
		cmocka_unit_test(test_error_shape),
		cmocka_unit_test(test_api_pins),
		cmocka_unit_test(test_exec_wait_kill),
		cmocka_unit_test(test_stop_longer_than_timeout),
		cmocka_unit_test(test_images),
		cmocka_unit_test(test_logs_follow_restart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
