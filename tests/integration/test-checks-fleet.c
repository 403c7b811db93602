/*
 * test-checks-fleet.c - the lifecycle checks that need a ship
 * (executor/checks.c), against a real dockerd of the test fleet: rexec
 * (Docker's exec API, exit code), docker_health (an image's HEALTHCHECK,
 * and a container without one failing at once, saying so), and a tcp
 * check of a published port whose server opens only after a delay, which
 * must not pass before the server is up (MaestroNG #53: docker-proxy
 * accepts on a published port with nothing behind it).
 *
 * Run under tests/fleet/fleet run (FLEET_KINDS=tcp).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "executor.h"
#include "fleet-env.h"

static struct ship_client *cl;
static const char *ship_ip;

static void run_container(const char *name, json_t *body)
{
	struct mae_error e;
	mae_error_clear(&e);
	ship_container_remove(cl, name, true, true, &e);
	if (ship_container_create(cl, name, body, NULL, &e) != 0 ||
	    ship_container_start(cl, name, &e) != 0)
		fail_msg("%s: %s", name, e.msg);
	json_decref(body);
}

static int64_t t_start;

static int run_check(json_t *k, const char *container, struct mae_error *e)
{
	struct check_ctx ctx = { .ship = cl, .container = container };
	mae_error_clear(e);
	t_start = mae_now_ms();
	int rc = check_run(k, &ctx, e);
	json_decref(k);
	return rc;
}

static void test_rexec(void **state)
{
	(void)state;
	run_container("chk-rexec",
		      fleet_body("sleep 0.7; touch /tmp/ok; while :; do sleep 1; done"));
	struct mae_error e;
	json_t *k = json_pack("{s:s,s:[s,s,s],s:i,s:i}", "type", "rexec", "command",
			      "test", "-f", "/tmp/ok", "attempts", 10, "budget_s", 10);
	assert_int_equal(run_check(k, "chk-rexec", &e), 0);
	int64_t took = mae_now_ms() - t_start;
	fprintf(stderr, "rexec passed after %lld ms\n", (long long)took);
	assert_true(took < 5000);
	k = json_pack("{s:s,s:[s,s,s],s:i,s:i}", "type", "rexec", "command", "sh", "-c",
		      "exit 4", "attempts", 1, "budget_s", 1);
	assert_int_equal(run_check(k, "chk-rexec", &e), MAE_ERR_TIMEOUT);
	assert_non_null(strstr(e.msg, "rexec check of 'sh -c exit 4' in 'chk-rexec' failed"));
	assert_non_null(strstr(e.msg, "exit code 4"));
}

static void test_docker_health(void **state)
{
	(void)state;
	json_t *b = fleet_body("sleep 0.5; touch /tmp/ok; while :; do sleep 1; done");
	json_object_set_new(b, "Healthcheck",
			    json_pack("{s:[s,s],s:I,s:I,s:i}", "Test", "CMD-SHELL",
				      "test -f /tmp/ok", "Interval", (json_int_t)200000000,
				      "Timeout", (json_int_t)1000000000, "Retries", 3));
	run_container("chk-health", b);
	struct mae_error e;
	json_t *k = json_pack("{s:s,s:i,s:i}", "type", "docker_health", "max_wait", 15,
			      "budget_s", 15);
	assert_int_equal(run_check(k, "chk-health", &e), 0);
	fprintf(stderr, "docker_health passed after %lld ms\n",
		(long long)(mae_now_ms() - t_start));
	run_container("chk-nohealth", fleet_body("while :; do sleep 1; done"));
	k = json_pack("{s:s,s:i,s:i}", "type", "docker_health", "max_wait", 15,
		      "budget_s", 15);
	assert_int_equal(run_check(k, "chk-nohealth", &e), MAE_ERR_INVALID);
	assert_true(mae_now_ms() - t_start < 2000);
	assert_non_null(strstr(e.msg, "its image has no HEALTHCHECK"));
}

static void test_tcp_published_late(void **state)
{
	(void)state;
	json_t *b = fleet_body("sleep 1.5; httpd -f -p 8080 -h /");
	json_object_set_new(b, "ExposedPorts", json_pack("{s:{}}", "8080/tcp"));
	json_object_set_new(b, "HostConfig",
			    json_pack("{s:{s:[{s:s}]}}", "PortBindings", "8080/tcp",
				      "HostPort", "18080"));
	int64_t started = mae_now_ms();
	run_container("chk-tcp", b);
	struct mae_error e;
	json_t *k = json_pack("{s:s,s:s,s:i,s:i,s:{s:s,s:i,s:n}}", "type", "tcp", "port",
			      "web", "max_wait", 15, "budget_s", 15, "target", "host",
			      ship_ip, "port", 18080, "url");
	assert_int_equal(run_check(k, "chk-tcp", &e), 0);
	int64_t took = mae_now_ms() - started;
	fprintf(stderr, "tcp of the published port passed %lld ms after start\n",
		(long long)took);
	assert_true(took >= 1400);
}

/* The probe a caller gives: the container is running (one inspect). */
static int still_running(void *ud, struct mae_error *e)
{
	json_t *info = NULL;
	if (ship_container_inspect(cl, ud, &info, e) != 0)
		return -1;
	const json_t *st = json_object_get(info, "State");
	int rc = 0;
	if (!json_is_true(json_object_get(st, "Running")))
		rc = mae_error_set(e, MAE_ERR_STATE, "'%s' exited with status %lld",
				   (const char *)ud,
				   (long long)json_integer_value(json_object_get(st, "ExitCode")));
	json_decref(info);
	return rc;
}

static void test_container_exits(void **state)
{
	(void)state;
	run_container("chk-dies", fleet_body("sleep 0.8; exit 3"));
	struct mae_error e;
	json_t *l = json_pack("[{s:s,s:[s,s,s],s:i,s:i}]", "type", "rexec", "command",
			      "test", "-f", "/nonexistent", "attempts", 30, "budget_s", 30);
	struct check_ctx ctx = { .ship = cl, .container = "chk-dies",
				 .alive = still_running, .alive_ud = (void *)"chk-dies" };
	mae_error_clear(&e);
	int64_t t0 = mae_now_ms();
	int rc = checks_run(l, &ctx, NULL, &e);
	json_decref(l);
	int64_t took = mae_now_ms() - t0;
	fprintf(stderr, "the exit was seen %lld ms after start\n", (long long)took);
	assert_int_equal(rc, MAE_ERR_STATE);
	assert_string_equal(e.msg, "'chk-dies' exited with status 3");
	assert_true(took < 3000);
}

static int setup(void **state)
{
	(void)state;
	int n = fleet_ship_of_kind("tcp");
	if (!n)
		return -1;
	struct ship_conn c;
	fleet_conn(&c, n, FLEET_TCP);
	ship_ip = fleet_var("SHIP%d_IP", n);
	struct mae_error e;
	if (ship_client_new(&c, &cl, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	ship_conn_release(&c);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	const char *names[] = { "chk-rexec", "chk-health", "chk-nohealth", "chk-tcp",
				"chk-dies" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ship_container_remove(cl, names[i], true, true, NULL);
	ship_client_free(cl);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rexec),
		cmocka_unit_test(test_docker_health),
		cmocka_unit_test(test_tcp_published_late),
		cmocka_unit_test(test_container_exits),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
