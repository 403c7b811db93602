/*
 * Unit tests for plan/: building and numbering, keys and the hash,
 * JSON round trip, located errors when a stored plan is read back.
 * The fixture's keys and hash are recomputed independently by
 * check-fixture.py (test plan-fixture-python).
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

#include "plan.h"

#ifndef DATA_DIR
#error DATA_DIR
#endif

static void add_ships(struct plan *p)
{
	struct ship_conn a = { 0 };
	a.name = "ship1";
	a.transport = SHIP_TCP;
	a.endpoint = "10.231.0.11";
	a.port = 2375;
	a.timeout_s = 5;
	plan_add_ship(p, &a);
	struct ship_conn b = { 0 };
	b.name = "ship0";
	b.transport = SHIP_SSH;
	b.endpoint = "10.231.0.10";
	b.port = 2375;
	b.socket_path = "/var/run/docker.sock";
	b.timeout_s = 2.5;
	b.has_ssh = true;
	b.ssh.user = "root";
	b.ssh.key = "/home/u/.ssh/id_ed25519";
	b.ssh.port = 22;
	b.ssh.timeout_s = 0.1;
	b.tls_on = true;
	b.tls.verify = true;
	b.tls.ca_cert = "/etc/ca.pem";
	plan_add_ship(p, &b);
}

static json_t *spec_image(const char *image)
{
	return json_pack("{ss}", "image", image);
}

/*
 * The fixture: zk on ship0 and kafka on ship1 requiring it, one pull per
 * ship, a wait; built in an order unlike the numbering.
 */
static struct plan *fixture(void)
{
	struct plan *p = plan_new();
	p->id = 7;
	plan_set_str(&p->environment, "demo");
	plan_set_str(&p->action, "start");
	plan_add_arg(p, "start");
	plan_add_arg(p, "kafka");
	memset(p->model_hash, 'a', MAE_SHA256_HEX_LEN);
	plan_set_str(&p->created_at, "2026-12-04T20:00:00Z");
	plan_set_str(&p->created_by, "u@h");
	add_ships(p);
	int ks = plan_add_step(p, STEP_START, "ship1", "kafka-1",
			       json_pack("{ss}", "name", "kafka-1"));
	int kc = plan_add_step(p, STEP_CREATE, "ship1", "kafka-1",
			       json_pack("{sss{ss}sf}", "Image", "kafka:1",
					 "Labels", "maestro.spec", "é\"\\\n",
					 "CpuShares", 0.1));
	int zc = plan_add_step(p, STEP_CREATE, "ship0", "zk-1",
			       json_pack("{ss}", "Image", "zk:3"));
	int zs = plan_add_step(p, STEP_START, "ship0", "zk-1",
			       json_pack("{ss}", "name", "zk-1"));
	int zck = plan_add_step(p, STEP_CHECK, "ship0", "zk-1",
				json_pack("{s[{sssi}]}", "checks", "type",
					  "tcp", "port", 2181));
	int pk = plan_add_step(p, STEP_PULL, "ship1", NULL,
			       spec_image("kafka:1"));
	int pz = plan_add_step(p, STEP_PULL, "ship0", NULL, spec_image("zk:3"));
	int w = plan_add_step(p, STEP_WAIT, "ship1", NULL,
			      json_pack("{sf}", "seconds", 1.5));
	assert_int_equal(plan_add_dep(p, ks, kc, NULL), 0);
	assert_int_equal(plan_add_dep(p, kc, zck, NULL), 0);
	assert_int_equal(plan_add_dep(p, kc, pk, NULL), 0);
	assert_int_equal(plan_add_dep(p, kc, pz, NULL), 0);
	assert_int_equal(plan_add_dep(p, kc, pz, NULL), 0); /* again: once */
	assert_int_equal(plan_add_dep(p, zc, pk, NULL), 0);
	assert_int_equal(plan_add_dep(p, zc, pz, NULL), 0);
	assert_int_equal(plan_add_dep(p, zs, zc, NULL), 0);
	assert_int_equal(plan_add_dep(p, zck, zs, NULL), 0);
	assert_int_equal(plan_add_dep(p, w, zck, NULL), 0);
	assert_int_equal(plan_add_dep(p, ks, w, NULL), 0);
	struct plan_step *s = plan_step(p, zc);
	s->tag = 42;
	struct plan_cond pre = { .state = PLAN_COND_ABSENT, .observed = true };
	struct plan_cond post = { .state = PLAN_COND_EXISTS, .observed = true,
				  .spec = "0123", .not_id = "abc" };
	plan_step_set_pre(s, &pre);
	plan_step_set_post(s, &post);
	struct plan_cond ipre = { .state = PLAN_COND_IMAGE_ABSENT,
				  .image = "zk:3" };
	plan_step_set_pre(plan_step(p, pz), &ipre);
	return p;
}

static void test_numbering(void **state)
{
	(void)state;
	struct plan *p = fixture();
	struct mae_error e;
	assert_int_equal(plan_finish(p, &e), 0);
	assert_int_equal(p->nsteps, 8);
	/* depth 0: the pulls, by ship; then zk's chain; at depth 4 the wait
	 * (no container) before kafka's create on the same ship */
	static const struct {
		const char *ship, *container;
		enum step_kind kind;
	} want[] = {
		{ "ship0", NULL, STEP_PULL },       /* 1, depth 0 */
		{ "ship1", NULL, STEP_PULL },       /* 2, depth 0 */
		{ "ship0", "zk-1", STEP_CREATE },   /* 3, depth 1 */
		{ "ship0", "zk-1", STEP_START },    /* 4, depth 2 */
		{ "ship0", "zk-1", STEP_CHECK },    /* 5, depth 3 */
		{ "ship1", NULL, STEP_WAIT },       /* 6, depth 4 */
		{ "ship1", "kafka-1", STEP_CREATE },/* 7, depth 4 */
		{ "ship1", "kafka-1", STEP_START }, /* 8, depth 5 */
	};
	for (size_t i = 0; i < 8; i++) {
		const struct plan_step *s = &p->steps[i];
		assert_int_equal(s->number, (int)i + 1);
		assert_string_equal(s->ship, want[i].ship);
		if (want[i].container)
			assert_string_equal(s->container, want[i].container);
		else
			assert_null(s->container);
		assert_int_equal(s->kind, want[i].kind);
		assert_int_equal(strlen(s->key), 64);
	}
	assert_int_equal(p->steps[2].tag, 42);
	assert_int_equal(p->steps[2].pre.state, PLAN_COND_ABSENT);
	/* kafka's create: check 5, pulls 1 and 2 */
	assert_int_equal(p->steps[6].ndeps, 3);
	assert_int_equal(p->steps[6].depends_on[0], 1);
	assert_int_equal(p->steps[6].depends_on[1], 2);
	assert_int_equal(p->steps[6].depends_on[2], 5);
	/* kafka's start: its create and the wait */
	assert_int_equal(p->steps[7].ndeps, 2);
	assert_int_equal(p->steps[7].depends_on[0], 6);
	assert_int_equal(p->steps[7].depends_on[1], 7);
	assert_int_equal(plan_verify(p, "t", &e), 0);
	plan_free(p);
}

/* the same steps added in another order number the same */
static void test_numbering_stable(void **state)
{
	(void)state;
	struct plan *a = plan_new();
	struct plan *b = plan_new();
	add_ships(a);
	add_ships(b);
	/* ties at depth 0 on one ship: none first, then containers by name,
	 * then kind, then spec */
	const char *names[] = { "b", "a", NULL, "a", "b" };
	enum step_kind kinds[] = { STEP_STOP, STEP_STOP, STEP_WAIT, STEP_KILL,
				   STEP_STOP };
	const char *specs[] = { "{\"t\":2}", "{}", "{}", "{}", "{\"t\":1}" };
	for (int i = 0; i < 5; i++)
		plan_add_step(a, kinds[i], "ship0", names[i],
			      json_loads(specs[i], 0, NULL));
	for (int i = 4; i >= 0; i--)
		plan_add_step(b, kinds[i], "ship0", names[i],
			      json_loads(specs[i], 0, NULL));
	assert_int_equal(plan_finish(a, NULL), 0);
	assert_int_equal(plan_finish(b, NULL), 0);
	assert_null(a->steps[0].container);                 /* wait */
	assert_string_equal(a->steps[1].container, "a");
	assert_int_equal(a->steps[1].kind, STEP_STOP);
	assert_string_equal(a->steps[2].container, "a");
	assert_int_equal(a->steps[2].kind, STEP_KILL);
	assert_string_equal(a->steps[3].container, "b");
	assert_int_equal(json_integer_value(json_object_get(a->steps[3].spec, "t")), 1);
	assert_int_equal(json_integer_value(json_object_get(a->steps[4].spec, "t")), 2);
	char *ta = plan_to_text(a), *tb = plan_to_text(b);
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
	plan_free(a);
	plan_free(b);
}

static void test_cycle(void **state)
{
	(void)state;
	struct plan *p = plan_new();
	add_ships(p);
	int x = plan_add_step(p, STEP_PULL, "ship0", NULL, spec_image("x"));
	int a = plan_add_step(p, STEP_CREATE, "ship0", "a", NULL);
	int b = plan_add_step(p, STEP_START, "ship0", "a", NULL);
	struct mae_error e;
	assert_int_equal(plan_add_dep(p, a, a, &e), MAE_ERR_INVALID);
	assert_int_equal(plan_add_dep(p, a, 9, &e), MAE_ERR_INVALID);
	assert_int_equal(plan_add_dep(p, a, x, &e), 0);
	assert_int_equal(plan_add_dep(p, a, b, &e), 0);
	assert_int_equal(plan_add_dep(p, b, a, &e), 0);
	assert_int_equal(plan_finish(p, &e), MAE_ERR_INTERNAL);
	assert_non_null(strstr(e.msg, "dependency cycle through step"));
	plan_free(p);
}

static char *read_fixture(size_t *len)
{
	FILE *f = fopen(DATA_DIR "/plan.json", "rb");
	assert_non_null(f);
	static char buf[1 << 16];
	*len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[*len] = '\0';
	/* the file ends with a newline that is not part of the document */
	if (*len && buf[*len - 1] == '\n')
		buf[--*len] = '\0';
	return buf;
}

/*
 * The fixture file is exactly plan_to_text of the fixture; reading it
 * back gives the same bytes.  MAESTRO_WRITE_FIXTURE=1 rewrites it.
 */
static void test_round_trip(void **state)
{
	(void)state;
	struct plan *p = fixture();
	assert_int_equal(plan_finish(p, NULL), 0);
	p->steps[3].status = STEP_DONE;
	char *text = plan_to_text(p);
	if (getenv("MAESTRO_WRITE_FIXTURE")) {
		FILE *f = fopen(DATA_DIR "/plan.json", "wb");
		fprintf(f, "%s\n", text);
		fclose(f);
	}
	size_t len;
	const char *want = read_fixture(&len);
	assert_string_equal(text, want);
	/* the hand-written text is the canonical writer's */
	json_t *doc = plan_to_json(p);
	char *canon = mae_json_canonical(doc);
	assert_string_equal(text, canon);
	free(canon);
	json_decref(doc);
	struct plan *q = NULL;
	struct mae_error e;
	mae_error_clear(&e);
	int rc = plan_from_text(want, len, "t", &q, &e);
	if (rc)
		fail_msg("%s", e.msg);
	char *again = plan_to_text(q);
	assert_string_equal(again, text);
	assert_int_equal(q->steps[3].status, STEP_DONE);
	assert_int_equal(q->id, 7);
	const struct ship_conn *c = plan_ship(q, "ship0");
	assert_non_null(c);
	assert_int_equal(c->transport, SHIP_SSH);
	assert_true(c->has_ssh && c->tls_on && c->tls.verify);
	assert_string_equal(c->ssh.key, "/home/u/.ssh/id_ed25519");
	assert_true(c->ssh.timeout_s == 0.1);
	assert_null(c->tls.cert);
	assert_null(plan_ship(q, "ship2"));
	free(again);
	free(text);
	plan_free(p);
	plan_free(q);
}

/* A document with one edit applied, loaded: the error it gives. */
static void expect_load_error(const char *find, const char *replace,
			      const char *want)
{
	size_t len;
	const char *doc = read_fixture(&len);
	const char *at = strstr(doc, find);
	if (!at)
		fail_msg("'%s' not in the fixture", find);
	char *edited = mae_xasprintf("%.*s%s%s", (int)(at - doc), doc,
				     replace, at + strlen(find));
	struct plan *p = NULL;
	struct mae_error e;
	mae_error_clear(&e);
	int rc = plan_from_text(edited, strlen(edited), "state.db: plan 7",
				&p, &e);
	if (rc == 0 || !strstr(e.msg, want))
		fail_msg("after '%s' -> '%s': rc %d, '%s', wanted '%s'", find,
			 replace, rc, e.msg, want);
	assert_int_equal(rc, MAE_ERR_INVALID);
	assert_null(p);
	free(edited);
}

static void test_load_errors(void **state)
{
	(void)state;
	expect_load_error("\"kind\":\"pull\"", "\"kind\":\"pul\"",
			  "state.db: plan 7: steps[0].kind: unknown step kind 'pul'");
	expect_load_error("\"number\":2,", "\"number\":3,",
			  "state.db: plan 7: steps[1].number: 3 where 2 was expected");
	expect_load_error("\"depends_on\":[1,2,5]", "\"depends_on\":[1,2,9]",
			  "steps[6].depends_on: step 9 is not an earlier step");
	expect_load_error("\"depends_on\":[1,2,5]", "\"depends_on\":[2,1,5]",
			  "steps[6].depends_on: not in increasing order");
	expect_load_error("\"depends_on\":[1,2,5]", "\"depends_on\":[1,5]",
			  "steps[6].key: '");
	expect_load_error("\"Image\":\"zk:3\"", "\"Image\":\"zk:4\"",
			  "steps[2].key: '");
	expect_load_error("\"status\":\"done\"", "\"status\":\"fine\"",
			  "steps[3].status: unknown status 'fine'");
	expect_load_error("\"status\":\"done\"", "\"status\":\"done\",\"x\":1",
			  "steps[3]: unknown key 'x'");
	expect_load_error("\"state\":\"absent\"", "\"state\":\"maybe\"",
			  "steps[2].precondition.state: unknown condition 'maybe'");
	expect_load_error("\"not_id\":\"abc\"", "\"not_id\":7",
			  "steps[2].postcondition.not_id: an integer where a non-empty string");
	expect_load_error("\"transport\":\"ssh\"", "\"transport\":\"telnet\"",
			  "state.db: plan 7: ships.ship0: transport: unknown transport 'telnet'");
	expect_load_error("\"port\":22,", "\"port\":70000,",
			  "ships.ship0: ssh.port: port 70000 out of range");
	expect_load_error("\"ship\":\"ship1\"", "\"ship\":\"ship9\"",
			  "steps[1].ship: ship 'ship9' has no connection settings");
	expect_load_error("\"plan\":7", "\"plan\":\"7\"",
			  "plan: a string where a plan number was expected");
	expect_load_error("\"model_hash\":\"a", "\"model_hash\":\"A",
			  "model_hash: not a SHA-256");
	expect_load_error("\"container\":null,\"depends_on\":[]",
			  "\"container\":\"x\",\"depends_on\":[]",
			  "steps[0].container: a pull step has no container");
	expect_load_error("{\"action\"", "[", "state.db: plan 7:1:");
	expect_load_error("\"steps\":[", "\"steps\":[1,",
			  "steps[0]: an integer where an object was expected");
	/* a change that keeps every key but breaks the hash */
	expect_load_error("\"hash\":\"", "\"hash\":\"0",
			  "hash: not a SHA-256");
}

/* numbering checked on load: two independent steps swapped */
static void test_load_out_of_order(void **state)
{
	(void)state;
	struct plan *p = fixture();
	assert_int_equal(plan_finish(p, NULL), 0);
	struct plan_step t = p->steps[0];
	p->steps[0] = p->steps[1];
	p->steps[1] = t;
	p->steps[0].number = 1;
	p->steps[1].number = 2;
	/* steps 3 and 7 depend on both pulls: the sets stay the same */
	plan_hash(p, p->hash);
	struct mae_error e;
	assert_int_equal(plan_verify(p, "t", &e), MAE_ERR_INVALID);
	assert_non_null(strstr(e.msg, "step 1 is numbered out of order"));
	plan_free(p);
}

static void test_cond_names(void **state)
{
	(void)state;
	for (int i = 0; i < STEP_KIND_COUNT; i++)
		assert_int_equal(step_kind_parse(step_kind_name(i)), i);
	for (int i = 0; i < STEP_STATUS_COUNT; i++)
		assert_int_equal(step_status_parse(step_status_name(i)), i);
	for (int i = 0; i < PLAN_COND_STATE_COUNT; i++)
		assert_int_equal(plan_cond_state_parse(plan_cond_state_name(i)), i);
	assert_int_equal(step_kind_parse("PULL"), -1);
	assert_int_equal(step_kind_parse(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbering),
		cmocka_unit_test(test_numbering_stable),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_out_of_order),
		cmocka_unit_test(test_cond_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
