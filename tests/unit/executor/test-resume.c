/*
 * test-resume.c - the pre/postcondition table, every step kind against
 * every state of its container (absent; the planned id or another; running
 * or not; the planned spec or another) with and without the step being
 * done in this run, and the per-container chain rule for the cases apply
 * meets when resuming: a restart killed anywhere between its stop and its
 * start, a create that happened but was never recorded, a daemon that lost
 * its containers, checks from an earlier run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "resume.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SPEC_S "5555555555555555555555555555555555555555555555555555555555555555"
#define SPEC_T "7777777777777777777777777777777777777777777777777777777777777777"

/* The nine states of a container, in the order of the expected strings. */
static const struct resume_obs states[9] = {
	{ .exists = false },
	{ true, ID_A, true, SPEC_S },
	{ true, ID_A, false, SPEC_S },
	{ true, ID_B, true, SPEC_S },
	{ true, ID_B, false, SPEC_S },
	{ true, ID_A, true, SPEC_T },
	{ true, ID_A, false, SPEC_T },
	{ true, ID_B, true, SPEC_T },
	{ true, ID_B, false, SPEC_T },
};

static char letter(enum resume_verdict v)
{
	return "DRSL"[v];
}

static struct plan_step step(enum step_kind k, enum plan_cond_state pre,
			     const char *pre_id, enum plan_cond_state post,
			     const char *post_id, const char *not_id,
			     const char *spec)
{
	struct plan_step s = { .number = 1, .kind = k, .ship = "ship1",
			       .container = "web-1" };
	s.pre.state = pre;
	s.pre.id = (char *)pre_id;
	s.pre.observed = true;
	s.post.state = post;
	s.post.id = (char *)post_id;
	s.post.not_id = (char *)not_id;
	s.post.spec = (char *)spec;
	if (k == STEP_PULL || k == STEP_WAIT)
		s.container = NULL;
	return s;
}

/* Every state, in_run as given: the verdicts as letters. */
static void expect_row(const char *what, const struct plan_step *s,
		       bool in_run, const char *created_id, const char *want)
{
	char got[10];
	for (int i = 0; i < 9; i++) {
		struct resume_decision d;
		resume_decide(s, &states[i], in_run, created_id, &d);
		got[i] = letter(d.verdict);
		assert_true(d.verdict != RESUME_LATER);
		/* a stale verdict always says what is there */
		if ((d.verdict == RESUME_STALE) != (d.why[0] != '\0'))
			fail_msg("%s, state %d: why '%s'", what, i, d.why);
	}
	got[9] = '\0';
	if (strcmp(got, want) != 0)
		fail_msg("%s (in run: %d): got %s, want %s", what, in_run, got,
			 want);
}

/* For the kinds where being done in this run does not count. */
static void expect_rows(const char *what, const struct plan_step *s,
			const char *created_id, const char *want)
{
	expect_row(what, s, false, created_id, want);
	expect_row(what, s, true, created_id, want);
}

static void test_table(void **st)
{
	(void)st;
	struct plan_step s;
	/*                                   states: -  A+S A-S B+S B-S A+T A-T B+T B-T */
	s = step(STEP_CREATE, PLAN_COND_ABSENT, NULL, PLAN_COND_EXISTS, NULL,
		 NULL, SPEC_S);
	expect_rows("create", &s, NULL, "RDDDDSSSS");
	s = step(STEP_CREATE, PLAN_COND_ABSENT, ID_A, PLAN_COND_EXISTS, NULL,
		 ID_A, SPEC_S);
	expect_rows("create replacing A", &s, NULL, "RRRDDRRSS");

	s = step(STEP_START, PLAN_COND_STOPPED, ID_A, PLAN_COND_RUNNING, ID_A,
		 NULL, NULL);
	expect_rows("start A", &s, NULL, "SDRSSDRSS");
	expect_rows("start A (created B)", &s, ID_B, "SDRSSDRSS");
	s = step(STEP_START, PLAN_COND_STOPPED, NULL, PLAN_COND_RUNNING, NULL,
		 NULL, NULL);
	expect_rows("start created", &s, NULL, "SDRDRDRDR");
	expect_rows("start created B", &s, ID_B, "SSSDRSSDR");

	s = step(STEP_CHECK, PLAN_COND_RUNNING, NULL, PLAN_COND_PASSED, NULL,
		 NULL, NULL);
	expect_row("check", &s, false, NULL, "SRSRSRSRS");
	expect_row("check", &s, true, NULL, "DDDDDDDDD");
	expect_row("check of B", &s, false, ID_B, "SSSRSSSRS");

	s = step(STEP_STOP, PLAN_COND_RUNNING, ID_A, PLAN_COND_STOPPED, ID_A,
		 NULL, NULL);
	expect_rows("stop A", &s, NULL, "DRDDDRDDD");
	s.kind = STEP_KILL;
	expect_rows("kill A", &s, NULL, "DRDDDRDDD");
	s = step(STEP_STOP, PLAN_COND_RUNNING, NULL, PLAN_COND_STOPPED, NULL,
		 NULL, NULL);
	expect_rows("stop (offline: any id)", &s, NULL, "DRDRDRDRD");

	s = step(STEP_REMOVE, PLAN_COND_STOPPED, ID_A, PLAN_COND_GONE, ID_A,
		 NULL, NULL);
	expect_rows("remove A", &s, NULL, "DSRDDSRDD");

	s = step(STEP_WAIT, PLAN_COND_NONE, NULL, PLAN_COND_WAITED, NULL, NULL,
		 NULL);
	expect_row("wait", &s, false, NULL, "RRRRRRRRR");
	expect_row("wait", &s, true, NULL, "DDDDDDDDD");

	/* pulls: the image's observation (absent, present) */
	struct resume_obs img[2] = { { .exists = false },
				     { true, "sha256:1", false, NULL } };
	s = step(STEP_PULL, PLAN_COND_IMAGE_ABSENT, NULL,
		 PLAN_COND_IMAGE_PRESENT, NULL, NULL, NULL);
	struct plan_step forced = step(STEP_PULL, PLAN_COND_NONE, NULL,
				       PLAN_COND_IMAGE_PRESENT, NULL, NULL,
				       NULL);
	const struct { const struct plan_step *s; bool in_run; const char *want; }
	pulls[] = {
		{ &s, false, "RD" }, { &s, true, "RD" },
		{ &forced, false, "RR" }, { &forced, true, "DD" },
	};
	for (size_t k = 0; k < sizeof(pulls) / sizeof(pulls[0]); k++) {
		char got[3] = "";
		for (int i = 0; i < 2; i++) {
			struct resume_decision d;
			resume_decide(pulls[k].s, &img[i], pulls[k].in_run, NULL,
				      &d);
			got[i] = letter(d.verdict);
		}
		if (strcmp(got, pulls[k].want) != 0)
			fail_msg("pull %zu: got %s, want %s", k, got,
				 pulls[k].want);
	}

	/* nothing observed reads as nothing there */
	s = step(STEP_CREATE, PLAN_COND_ABSENT, NULL, PLAN_COND_EXISTS, NULL,
		 NULL, SPEC_S);
	struct resume_decision d;
	resume_decide(&s, NULL, false, NULL, &d);
	assert_int_equal(d.verdict, RESUME_RUN);
}

static void expect_why(const struct plan_step *s, int state,
		       const char *created_id, const char *want)
{
	struct resume_decision d;
	resume_decide(s, &states[state], false, created_id, &d);
	assert_int_equal(d.verdict, RESUME_STALE);
	assert_string_equal(d.why, want);
}

static void test_stale_says_what_is_there(void **st)
{
	(void)st;
	struct plan_step s = step(STEP_CREATE, PLAN_COND_ABSENT, NULL,
				  PLAN_COND_EXISTS, NULL, NULL, SPEC_S);
	expect_why(&s, 5, NULL,
		   "container 'web-1' exists (aaaaaaaaaaaa, running, another "
		   "spec)");
	expect_why(&s, 8, NULL,
		   "container 'web-1' exists (bbbbbbbbbbbb, not running, "
		   "another spec)");
	s = step(STEP_START, PLAN_COND_STOPPED, ID_A, PLAN_COND_RUNNING, ID_A,
		 NULL, NULL);
	expect_why(&s, 0, NULL, "no container 'web-1'");
	expect_why(&s, 3, NULL,
		   "container 'web-1' is bbbbbbbbbbbb, the plan expects "
		   "aaaaaaaaaaaa");
	s = step(STEP_REMOVE, PLAN_COND_STOPPED, ID_A, PLAN_COND_GONE, ID_A,
		 NULL, NULL);
	expect_why(&s, 1, NULL, "container 'web-1' is running");
	s = step(STEP_CHECK, PLAN_COND_RUNNING, NULL, PLAN_COND_PASSED, NULL,
		 NULL, NULL);
	expect_why(&s, 2, NULL, "container 'web-1' is not running");
}

/* ------------------------------------------------------------------ */
/* The chain rule                                                       */

static void expect_chain(const char *what, const struct resume_link *chain,
			 size_t n, const struct resume_obs *o,
			 const char *created_id, const char *want)
{
	struct resume_decision d[8];
	char got[9];
	resume_chain(chain, n, o, created_id, d);
	for (size_t k = 0; k < n; k++)
		got[k] = letter(d[k].verdict);
	got[n] = '\0';
	if (strcmp(got, want) != 0)
		fail_msg("%s: got %s, want %s", what, got, want);
}

static void test_restart_chain(void **st)
{
	(void)st;
	struct plan_step stop = step(STEP_STOP, PLAN_COND_RUNNING, ID_A,
				     PLAN_COND_STOPPED, ID_A, NULL, NULL);
	struct plan_step start = step(STEP_START, PLAN_COND_STOPPED, ID_A,
				      PLAN_COND_RUNNING, ID_A, NULL, NULL);
	const struct resume_obs *running = &states[1], *stopped = &states[2];
	const struct {
		const char *what;
		bool stop_tried, start_tried;
		const struct resume_obs *o;
		const char *want;
	} cases[] = {
		{ "fresh", false, false, running, "RL" },
		{ "killed before the stop did anything", true, false, running,
		  "RL" },
		{ "killed after the stop", true, false, stopped, "DR" },
		{ "killed before the start did anything", true, true, stopped,
		  "DR" },
		/* the start happened, never recorded: no second stop */
		{ "killed after the start", true, true, running, "DD" },
		{ "stopped by hand before apply", false, false, stopped, "DR" },
		{ "gone", true, true, &states[0], "DS" },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct resume_link chain[] = {
			{ &stop, cases[k].stop_tried, false },
			{ &start, cases[k].start_tried, false },
		};
		expect_chain(cases[k].what, chain, 2, cases[k].o, NULL,
			     cases[k].want);
	}
}

static void test_start_chain(void **st)
{
	(void)st;
	struct plan_step create = step(STEP_CREATE, PLAN_COND_ABSENT, NULL,
				       PLAN_COND_EXISTS, NULL, NULL, SPEC_S);
	struct plan_step start = step(STEP_START, PLAN_COND_STOPPED, NULL,
				      PLAN_COND_RUNNING, NULL, NULL, NULL);
	struct plan_step check = step(STEP_CHECK, PLAN_COND_RUNNING, NULL,
				      PLAN_COND_PASSED, NULL, NULL, NULL);
	const struct resume_obs ours_stopped = { true, ID_B, false, SPEC_S };
	const struct resume_obs ours_running = { true, ID_B, true, SPEC_S };
	const struct resume_obs theirs = { true, ID_A, false, SPEC_T };
	const struct {
		const char *what;
		bool tried[3], in_run[3];
		const struct resume_obs *o;
		const char *created_id;
		const char *want;
	} cases[] = {
		{ "fresh", { 0, 0, 0 }, { 0, 0, 0 }, &states[0], NULL, "RLL" },
		/* created, never recorded: recognised, not repeated */
		{ "killed after the create", { 1, 0, 0 }, { 0, 0, 0 },
		  &ours_stopped, NULL, "DRL" },
		{ "killed after the start", { 1, 1, 0 }, { 0, 0, 0 },
		  &ours_running, NULL, "DDR" },
		/* a check passed in an earlier run does not count */
		{ "all done in an earlier run", { 1, 1, 1 }, { 1, 1, 0 },
		  &ours_running, NULL, "DDR" },
		{ "all done in this run", { 1, 1, 1 }, { 1, 1, 1 },
		  &ours_running, NULL, "DDD" },
		/* the daemon lost the container: everything again */
		{ "lost by the daemon", { 1, 1, 1 }, { 0, 0, 0 }, &states[0],
		  NULL, "RLL" },
		{ "stopped since", { 1, 1, 1 }, { 1, 1, 0 }, &ours_stopped, NULL,
		  "DRL" },
		{ "someone else's container", { 0, 0, 0 }, { 0, 0, 0 }, &theirs,
		  NULL, "SLL" },
		/* the journal knows the created id: another one is not ours */
		{ "journal's id", { 1, 1, 0 }, { 0, 0, 0 }, &ours_running, ID_B,
		  "DDR" },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct resume_link chain[] = {
			{ &create, cases[k].tried[0], cases[k].in_run[0] },
			{ &start, cases[k].tried[1], cases[k].in_run[1] },
			{ &check, cases[k].tried[2], cases[k].in_run[2] },
		};
		expect_chain(cases[k].what, chain, 3, cases[k].o,
			     cases[k].created_id, cases[k].want);
	}
}

static void test_clean_and_replace_chains(void **st)
{
	(void)st;
	struct plan_step stop = step(STEP_STOP, PLAN_COND_RUNNING, ID_A,
				     PLAN_COND_STOPPED, ID_A, NULL, NULL);
	struct plan_step rm = step(STEP_REMOVE, PLAN_COND_STOPPED, ID_A,
				   PLAN_COND_GONE, ID_A, NULL, NULL);
	struct plan_step create = step(STEP_CREATE, PLAN_COND_ABSENT, ID_A,
				       PLAN_COND_EXISTS, NULL, ID_A, SPEC_S);
	struct plan_step start = step(STEP_START, PLAN_COND_STOPPED, NULL,
				      PLAN_COND_RUNNING, NULL, NULL, NULL);
	const struct resume_obs old_running = { true, ID_A, true, SPEC_T };
	const struct resume_obs old_stopped = { true, ID_A, false, SPEC_T };
	const struct resume_obs new_stopped = { true, ID_B, false, SPEC_S };
	const struct resume_obs new_running = { true, ID_B, true, SPEC_S };

	struct resume_link clean[] = { { &stop, true, false },
				       { &rm, true, false } };
	expect_chain("clean, removed", clean, 2, &states[0], NULL, "DD");
	expect_chain("clean, stopped", clean, 2, &old_stopped, NULL, "DR");
	clean[1].attempted = false;
	expect_chain("clean, fresh", clean, 2, &old_running, NULL, "RL");

	/* a changed container: stop, remove, create, start */
	const struct {
		const char *what;
		int tried;  /* how many steps were attempted */
		const struct resume_obs *o;
		const char *want;
	} cases[] = {
		{ "fresh", 0, &old_running, "RLLL" },
		{ "stopped", 1, &old_stopped, "DRLL" },
		{ "removed", 2, &states[0], "DDRL" },
		{ "created", 3, &new_stopped, "DDDR" },
		{ "started", 4, &new_running, "DDDD" },
		{ "remove tried, did nothing", 2, &old_stopped, "DRLL" },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct resume_link chain[] = {
			{ &stop, cases[k].tried > 0, false },
			{ &rm, cases[k].tried > 1, false },
			{ &create, cases[k].tried > 2, false },
			{ &start, cases[k].tried > 3, false },
		};
		expect_chain(cases[k].what, chain, 4, cases[k].o, NULL,
			     cases[k].want);
	}

	/* a single step without a container is its own chain */
	struct plan_step wait = step(STEP_WAIT, PLAN_COND_NONE, NULL,
				     PLAN_COND_WAITED, NULL, NULL, NULL);
	struct resume_link w[] = { { &wait, true, false } };
	expect_chain("wait from another run", w, 1, NULL, NULL, "R");
	w[0].in_run = true;
	expect_chain("wait in this run", w, 1, NULL, NULL, "D");
	assert_string_equal(resume_verdict_name(RESUME_STALE), "stale");
	assert_string_equal(resume_verdict_name(RESUME_LATER), "later");
}

static void test_chains_of_a_plan(void **st)
{
	(void)st;
	struct plan *p = plan_new();
	/* 1 pull s1, 2 stop s1/web, 3 stop s2/web, 4 wait, 5 start s1/web,
	 * 6 start s2/web, 7 create s1/db, 8 pull s1 */
	plan_add_step(p, STEP_PULL, "s1", NULL, NULL);
	plan_add_step(p, STEP_STOP, "s1", "web", NULL);
	plan_add_step(p, STEP_STOP, "s2", "web", NULL);
	plan_add_step(p, STEP_WAIT, "s1", NULL, NULL);
	plan_add_step(p, STEP_START, "s1", "web", NULL);
	plan_add_step(p, STEP_START, "s2", "web", NULL);
	plan_add_step(p, STEP_CREATE, "s1", "db", NULL);
	plan_add_step(p, STEP_PULL, "s1", NULL, NULL);
	struct resume_chains c;
	resume_chains_of(p, &c);
	struct mae_buf b = MAE_BUF_INIT;
	for (size_t k = 0; k < c.n; k++) {
		mae_buf_addf(&b, "%s", k ? " " : "");
		for (size_t i = c.off[k]; i < c.off[k + 1]; i++)
			mae_buf_addf(&b, "%s%zu", i > c.off[k] ? "," : "",
				     c.step[i] + 1);
	}
	assert_string_equal(mae_buf_str(&b), "1 2,5 3,6 4 7 8");
	mae_buf_release(&b);
	resume_chains_release(&c);
	plan_free(p);

	p = plan_new();
	resume_chains_of(p, &c);
	assert_int_equal(c.n, 0);
	assert_int_equal(c.off[0], 0);
	resume_chains_release(&c);
	plan_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_stale_says_what_is_there),
		cmocka_unit_test(test_restart_chain),
		cmocka_unit_test(test_start_chain),
		cmocka_unit_test(test_clean_and_replace_chains),
		cmocka_unit_test(test_chains_of_a_plan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
