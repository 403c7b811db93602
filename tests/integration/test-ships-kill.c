/*
 * test-ships-kill.c - a daemon killed while calls are pending: every
 * pending call (followed logs, wait, exec output, a slow stop, over TCP
 * and the unix socket) fails naming the ship, and later calls say the
 * ship is unreachable - within 3x the ship's timeout.  Runs last in the
 * fleet: it leaves the first tcp ship's daemon dead.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "fleet-env.h"

#define TIMEOUT_S 2

static struct ship_client *client_for(int n, enum fleet_way way)
{
	struct ship_conn c;
	struct ship_client *cl = NULL;
	struct mae_error e;
	fleet_conn(&c, n, way);
	c.timeout_s = TIMEOUT_S;
	if (ship_client_new(&c, &cl, &e))
		fail_msg("%s", e.msg);
	ship_conn_release(&c);
	return cl;
}

enum call_kind { CALL_FOLLOW, CALL_WAIT, CALL_EXEC, CALL_STOP };

struct pending {
	struct ship_client *cl;
	enum call_kind kind;
	const char *container;
	char *exec_id;
	volatile int started;
	int rc;
	int64_t ended_ms;
	struct mae_error e;
};

static int sink(void *ud, enum ship_stream s, const char *p, size_t n)
{
	(void)s;
	(void)p;
	(void)n;
	struct pending *c = ud;
	__atomic_store_n(&c->started, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void *pending_run(void *arg)
{
	struct pending *c = arg;
	struct ship_logs_opts o = { .follow = true, .tail = -1 };
	int status;
	switch (c->kind) {
	case CALL_FOLLOW:
		c->rc = ship_container_logs(c->cl, c->container, &o, sink, c,
					    &c->e);
		break;
	case CALL_WAIT:
		__atomic_store_n(&c->started, 1, __ATOMIC_SEQ_CST);
		c->rc = ship_container_wait(c->cl, c->container, &status, &c->e);
		break;
	case CALL_EXEC:
		c->rc = ship_exec_start(c->cl, c->exec_id, 0, sink, c, &c->e);
		break;
	case CALL_STOP:
		__atomic_store_n(&c->started, 1, __ATOMIC_SEQ_CST);
		c->rc = ship_container_stop(c->cl, c->container, 60, &c->e);
		break;
	}
	c->ended_ms = mae_now_ms();
	return NULL;
}

static void run_container(struct ship_client *cl, const char *name,
			  const char *script, bool trap_term)
{
	struct mae_error e;
	json_t *b = trap_term ? fleet_body(script)
			      : json_pack("{s:s, s:[s,s,s]}", "Image", "tiny:1",
					  "Cmd", "sh", "-c", script);
	if (ship_container_create(cl, name, b, NULL, &e) ||
	    ship_container_start(cl, name, &e))
		fail_msg("%s", e.msg);
	json_decref(b);
}

static void test_killed_daemon(void **st)
{
	(void)st;
	int n = 0;
	int nships = atoi(fleet_var("FLEET_SHIPS%.0d", 0));
	for (int i = 1; i <= nships && !n; i++)
		if (strcmp(fleet_var("SHIP%d_KIND", i), "tcp") == 0 && i != 1)
			n = i;
	if (!n)
		skip();
	struct ship_client *tcp = client_for(n, FLEET_TCP);
	struct ship_client *unx = client_for(n, FLEET_UNIX);
	struct mae_error e;

	run_container(tcp, "talker", "while :; do echo tick; sleep 1; done",
		      true);
	/* sleep as PID 1 ignores TERM: a stop waits its whole timeout */
	run_container(unx, "sleeper", "sleep 1000", false);
	json_t *eb = json_pack("{s:b, s:b, s:[s,s,s]}", "AttachStdout", 1,
			       "AttachStderr", 1, "Cmd", "sh", "-c",
			       "echo go; sleep 1000");
	char *xid = NULL;
	if (ship_exec_create(tcp, "talker", eb, &xid, &e))
		fail_msg("%s", e.msg);
	json_decref(eb);

	struct pending calls[] = {
		{ .cl = tcp, .kind = CALL_FOLLOW, .container = "talker" },
		{ .cl = unx, .kind = CALL_FOLLOW, .container = "talker" },
		{ .cl = tcp, .kind = CALL_WAIT, .container = "talker" },
		{ .cl = unx, .kind = CALL_WAIT, .container = "sleeper" },
		{ .cl = tcp, .kind = CALL_EXEC, .exec_id = xid },
		{ .cl = unx, .kind = CALL_STOP, .container = "sleeper" },
	};
	size_t ncalls = sizeof(calls) / sizeof(calls[0]);
	pthread_t t[sizeof(calls) / sizeof(calls[0])];
	for (size_t i = 0; i < ncalls; i++)
		pthread_create(&t[i], NULL, pending_run, &calls[i]);
	/* every stream has produced output (or is at least under way) */
	int64_t deadline = mae_now_ms() + 20000;
	for (size_t i = 0; i < ncalls; i++)
		while (!__atomic_load_n(&calls[i].started, __ATOMIC_SEQ_CST) &&
		       mae_now_ms() < deadline)
			usleep(20000);
	usleep(500000);

	pid_t pid = (pid_t)atoi(fleet_var("SHIP%d_PID", n));
	assert_true(pid > 1);
	int64_t killed = mae_now_ms();
	assert_int_equal(kill(pid, SIGKILL), 0);
	for (size_t i = 0; i < ncalls; i++)
		pthread_join(t[i], NULL);

	char prefix[32];
	snprintf(prefix, sizeof(prefix), "ship%d: ", n);
	for (size_t i = 0; i < ncalls; i++) {
		if (calls[i].rc == 0)
			fail_msg("call %zu succeeded after the daemon died", i);
		if (!mae_startswith(calls[i].e.msg, prefix))
			fail_msg("call %zu: %s", i, calls[i].e.msg);
		if (calls[i].ended_ms - killed > 3 * TIMEOUT_S * 1000)
			fail_msg("call %zu took %lld ms after the kill", i,
				 (long long)(calls[i].ended_ms - killed));
		print_message("call %zu: %s\n", i, calls[i].e.msg);
	}

	/* the daemon is gone: unreachable, both ways, promptly */
	struct ship_client *ways[] = { tcp, unx };
	for (int i = 0; i < 2; i++) {
		int64_t t0 = mae_now_ms();
		int rc = ship_ping(ways[i], &e);
		assert_int_equal(rc, MAE_ERR_CONNECT);
		char want[32];
		snprintf(want, sizeof(want), "ship%d: unreachable: ", n);
		if (!mae_startswith(e.msg, want))
			fail_msg("unexpected message: %s", e.msg);
		assert_true(mae_now_ms() - t0 < 3 * TIMEOUT_S * 1000);
		print_message("%s\n", e.msg);
	}
	free(xid);
	ship_client_free(tcp);
	ship_client_free(unx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_killed_daemon),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
