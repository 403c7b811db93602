/*
 * test-scheduler.c - the DAG scheduler with fake steps: never a step
 * before its dependencies (checked on the workers and on the owner),
 * caps measured from inside the steps, 10,000 steps on 100 ships on a
 * pool of 64 threads, exact done/failed/skipped/never-started sets under
 * both failure policies, commits before dependents, cancellation.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scheduler.h"

struct fx {
	struct plan *p;
	struct sched *s;
	int *committed;        /* atomic per step: 1 once DONE was committed */
	int *started;          /* atomic per step: STARTED committed */
	int *runs;             /* atomic per step: times the work ran */
	int violations;        /* atomic */
	/* caps */
	int inflight, peak;    /* atomic */
	int *ship_inflight;    /* atomic, per ship index (ship%d names) */
	int ship_peak;         /* atomic */
	pthread_t tids[2048];
	int ntids;
	pthread_mutex_t mu;
	int max_threads_seen;  /* from /proc/self/status */
	/* behaviour */
	int fail_step;         /* number, or 0 */
	int gate_step;         /* this step waits for gate_open */
	int gate_open;         /* atomic: a failure committed, or interrupted */
	int interrupt_at;      /* this step interrupts once */
	int interrupt_twice;   /* ... and again, then waits for cancel */
	int commit_fail_at;    /* DONE of this step cannot be committed */
	long sleep_us;
	int events[4];         /* per kind */
	int skipped_order[64];
	int skipped_cause[64];
	int nskipped;
};

static int ship_index(const char *ship)
{
	return atoi(ship + 4); /* "ship%d" */
}

static void atomic_max(int *m, int v)
{
	int cur = __atomic_load_n(m, __ATOMIC_SEQ_CST);
	while (v > cur &&
	       !__atomic_compare_exchange_n(m, &cur, v, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST))
		;
}

static int proc_threads(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int n = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

static int work(void *ud, const struct plan_step *st, const int *cancel,
		struct mae_error *e)
{
	struct fx *x = ud;
	int i = st->number - 1;
	__atomic_add_fetch(&x->runs[i], 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&x->started[i], __ATOMIC_SEQ_CST))
		__atomic_add_fetch(&x->violations, 1, __ATOMIC_SEQ_CST);
	for (size_t k = 0; k < st->ndeps; k++)
		if (!__atomic_load_n(&x->committed[st->depends_on[k] - 1],
				     __ATOMIC_SEQ_CST))
			__atomic_add_fetch(&x->violations, 1, __ATOMIC_SEQ_CST);
	int n = __atomic_add_fetch(&x->inflight, 1, __ATOMIC_SEQ_CST);
	atomic_max(&x->peak, n);
	int k = ship_index(st->ship);
	int m = __atomic_add_fetch(&x->ship_inflight[k], 1, __ATOMIC_SEQ_CST);
	atomic_max(&x->ship_peak, m);

	pthread_t me = pthread_self();
	pthread_mutex_lock(&x->mu);
	int known = 0;
	for (int t = 0; t < x->ntids; t++)
		known |= pthread_equal(x->tids[t], me);
	if (!known && x->ntids < 2048)
		x->tids[x->ntids++] = me;
	bool sample = st->number % 97 == 0;
	pthread_mutex_unlock(&x->mu);
	if (sample)
		atomic_max(&x->max_threads_seen, proc_threads());

	int rc = 0;
	if (st->number == x->interrupt_at) {
		sched_interrupt(x->s);
		__atomic_store_n(&x->gate_open, 1, __ATOMIC_SEQ_CST);
		if (x->interrupt_twice) {
			sched_interrupt(x->s);
			for (int t = 0; t < 5000 &&
					!__atomic_load_n(cancel, __ATOMIC_SEQ_CST);
			     t++)
				usleep(1000);
		}
		usleep(20000); /* others would have started by now */
	}
	if (x->sleep_us)
		usleep((useconds_t)x->sleep_us);
	if (st->number == x->gate_step)
		for (int t = 0; t < 5000 &&
				!__atomic_load_n(&x->gate_open,
						 __ATOMIC_SEQ_CST);
		     t++)
			usleep(1000);
	if (__atomic_load_n(cancel, __ATOMIC_SEQ_CST))
		rc = mae_error_set(e, MAE_ERR_CANCELLED, "cancelled");
	else if (st->number == x->fail_step)
		rc = mae_error_set(e, MAE_ERR_REMOTE, "step %d broke",
				   st->number);
	__atomic_sub_fetch(&x->ship_inflight[k], 1, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&x->inflight, 1, __ATOMIC_SEQ_CST);
	return rc;
}

static int commit(void *ud, const struct sched_event *ev, struct mae_error *e)
{
	struct fx *x = ud;
	int i = ev->step->number - 1;
	x->events[ev->kind]++;
	switch (ev->kind) {
	case SCHED_EV_STARTED:
		for (size_t k = 0; k < ev->step->ndeps; k++)
			if (!x->committed[ev->step->depends_on[k] - 1])
				x->violations++;
		__atomic_store_n(&x->started[i], 1, __ATOMIC_SEQ_CST);
		break;
	case SCHED_EV_DONE:
		if (ev->step->number == x->commit_fail_at)
			return mae_error_set(e, MAE_ERR_IO, "disk full");
		__atomic_store_n(&x->committed[i], 1, __ATOMIC_SEQ_CST);
		break;
	case SCHED_EV_FAILED:
		assert_true(ev->rc < 0);
		assert_non_null(ev->err);
		__atomic_store_n(&x->gate_open, 1, __ATOMIC_SEQ_CST);
		break;
	case SCHED_EV_SKIPPED:
		if (x->nskipped < 64) {
			x->skipped_order[x->nskipped] = ev->step->number;
			x->skipped_cause[x->nskipped] = ev->cause;
		}
		x->nskipped++;
		break;
	}
	return 0;
}

static struct fx *fx_new(struct plan *p, int nships)
{
	struct fx *x = calloc(1, sizeof(*x));
	x->p = p;
	size_t n = p->nsteps ? p->nsteps : 1;
	x->committed = calloc(n, sizeof(int));
	x->started = calloc(n, sizeof(int));
	x->runs = calloc(n, sizeof(int));
	x->ship_inflight = calloc((size_t)nships + 1, sizeof(int));
	pthread_mutex_init(&x->mu, NULL);
	return x;
}

static void fx_free(struct fx *x)
{
	sched_free(x->s);
	plan_free(x->p);
	free(x->committed);
	free(x->started);
	free(x->runs);
	free(x->ship_inflight);
	pthread_mutex_destroy(&x->mu);
	free(x);
}

static int run(struct fx *x, const struct sched_opts *o,
	       struct sched_result *res, struct mae_error *e)
{
	struct mae_error ne;
	if (sched_new(x->p, o, &x->s, &ne))
		fail_msg("%s", ne.msg);
	return sched_run(x->s, work, commit, x, res, e);
}

static int add(struct plan *p, enum step_kind k, int ship, const char *ctr)
{
	char name[32];
	snprintf(name, sizeof(name), "ship%d", ship);
	return plan_add_step(p, k, name, ctr, NULL);
}

static void dep(struct plan *p, int n, int d)
{
	struct mae_error e;
	if (plan_add_dep(p, n, d, &e))
		fail_msg("%s", e.msg);
}

/* n steps on nships ships, each depending on up to 3 random earlier ones
 * (anywhere, so across ships too) */
static struct plan *random_dag(int n, int nships, unsigned seed)
{
	struct plan *p = plan_new();
	srand(seed);
	for (int i = 1; i <= n; i++) {
		add(p, STEP_START, rand() % nships, NULL);
		int nd = i > 1 ? rand() % 4 : 0;
		for (int k = 0; k < nd; k++)
			dep(p, i, 1 + rand() % (i - 1));
	}
	return p;
}

static char *status_set(const struct sched_result *r, enum step_status want)
{
	struct mae_buf b = MAE_BUF_INIT;
	for (size_t i = 0; i < r->nsteps; i++)
		if (r->status[i] == want)
			mae_buf_addf(&b, "%s%zu", b.len ? "," : "", i + 1);
	return mae_buf_detach(&b);
}

static void expect_sets(const struct sched_result *r, const char *done,
			const char *failed, const char *skipped,
			const char *pending)
{
	const char *want[] = { done, failed, skipped, pending };
	enum step_status st[] = { STEP_DONE, STEP_FAILED, STEP_SKIPPED,
				  STEP_PENDING };
	for (int k = 0; k < 4; k++) {
		char *got = status_set(r, st[k]);
		if (strcmp(got, want[k]) != 0)
			fail_msg("%s: got {%s}, want {%s}",
				 step_status_name(st[k]), got, want[k]);
		free(got);
	}
}

/* ------------------------------------------------------------------ */

static void test_order(void **st)
{
	(void)st;
	struct fx *x = fx_new(random_dag(2000, 10, 7), 10);
	x->sleep_us = 50;
	struct sched_result r;
	struct sched_opts o = { .workers = 16 };
	assert_int_equal(run(x, &o, &r, NULL), 0);
	assert_int_equal(x->violations, 0);
	assert_int_equal(r.ndone, 2000);
	for (int i = 0; i < 2000; i++)
		assert_int_equal(x->runs[i], 1);
	assert_int_equal(x->events[SCHED_EV_STARTED], 2000);
	assert_int_equal(x->events[SCHED_EV_DONE], 2000);
	assert_true(r.threads <= 16);
	assert_true(r.peak_inflight <= 16);
	sched_result_release(&r);
	fx_free(x);
}

static void test_caps(void **st)
{
	(void)st;
	/* 300 independent steps on 6 ships: caps are what limits */
	struct plan *p = plan_new();
	for (int i = 0; i < 300; i++)
		add(p, STEP_PULL, i % 6, NULL);
	struct fx *x = fx_new(p, 6);
	x->sleep_us = 2000;
	struct sched_result r;
	struct sched_opts o = { .max_inflight = 5, .per_ship = 2 };
	assert_int_equal(run(x, &o, &r, NULL), 0);
	assert_int_equal(r.ndone, 300);
	assert_int_equal(x->violations, 0);
	if (x->peak > 5 || x->ship_peak > 2 || r.peak_inflight > 5)
		fail_msg("caps exceeded: %d in flight, %d on one ship", x->peak,
			 x->ship_peak);
	/* and the caps are reached: they are what held the steps back */
	assert_int_equal(r.peak_inflight, 5);
	assert_true(x->peak >= 4);
	sched_result_release(&r);
	fx_free(x);

	/* per ship only: 6 ships x 3 */
	p = plan_new();
	for (int i = 0; i < 180; i++)
		add(p, STEP_PULL, i % 6, NULL);
	x = fx_new(p, 6);
	x->sleep_us = 2000;
	o = (struct sched_opts){ .per_ship = 3 };
	assert_int_equal(run(x, &o, &r, NULL), 0);
	assert_int_equal(r.ndone, 180);
	if (x->ship_peak > 3 || r.peak_inflight > 18)
		fail_msg("per-ship cap exceeded: %d", x->ship_peak);
	assert_int_equal(r.peak_inflight, 18);
	sched_result_release(&r);
	fx_free(x);
}

static void test_ten_thousand(void **st)
{
	(void)st;
	int before = proc_threads();
	struct fx *x = fx_new(random_dag(10000, 100, 11), 100);
	x->sleep_us = 100;
	struct sched_result r;
	int64_t t0 = mae_now_ms();
	assert_int_equal(run(x, NULL, &r, NULL), 0);
	int64_t ms = mae_now_ms() - t0;
	assert_int_equal(r.ndone, 10000);
	assert_int_equal(x->violations, 0);
	if (r.threads > SCHED_WORKERS_DEFAULT || x->ntids > SCHED_WORKERS_DEFAULT ||
	    r.peak_inflight > SCHED_WORKERS_DEFAULT ||
	    x->max_threads_seen > before + SCHED_WORKERS_DEFAULT)
		fail_msg("threads: pool %d, seen %d, process %d (was %d)",
			 r.threads, x->ntids, x->max_threads_seen, before);
	print_message("10000 steps, 100 ships: %lld ms, %d workers, "
		      "peak %d in flight, process threads <= %d\n",
		      (long long)ms, r.threads, r.peak_inflight,
		      x->max_threads_seen);
	/* all joined (the kernel counts a thread out a moment after) */
	for (int t = 0; t < 100 && proc_threads() != before; t++)
		usleep(10000);
	assert_int_equal(proc_threads(), before);
	sched_result_release(&r);
	fx_free(x);
}

/*
 *   1 create a  (fails)     3 pull b
 *   2 start a   <- 1        4 create b <- 3
 *                           5 start b  <- 4, 2
 *   6 wait a    <- 2
 */
static struct plan *branches(void)
{
	struct plan *p = plan_new();
	add(p, STEP_CREATE, 0, "a");
	add(p, STEP_START, 0, "a");
	add(p, STEP_PULL, 1, NULL);
	add(p, STEP_CREATE, 1, "b");
	add(p, STEP_START, 1, "b");
	add(p, STEP_WAIT, 0, NULL);
	dep(p, 2, 1);
	dep(p, 4, 3);
	dep(p, 5, 4);
	dep(p, 5, 2);
	dep(p, 6, 2);
	return p;
}

static void test_failure_policies(void **st)
{
	(void)st;
	struct sched_result r;

	/* keep going: every branch not depending on 1 runs */
	struct fx *x = fx_new(branches(), 2);
	x->fail_step = 1;
	struct sched_opts o = { .keep_going = true };
	assert_int_equal(run(x, &o, &r, NULL), 0);
	expect_sets(&r, "3,4", "1", "2,5,6", "");
	assert_int_equal(x->nskipped, 3);
	assert_int_equal(x->skipped_order[0], 2);
	assert_int_equal(x->skipped_order[1], 5);
	assert_int_equal(x->skipped_order[2], 6);
	for (int k = 0; k < 3; k++)
		assert_int_equal(x->skipped_cause[k], 1);
	assert_int_equal(x->violations, 0);
	sched_result_release(&r);
	fx_free(x);

	/* start-like: nothing new after the failure; step 3, running when
	 * it came, finishes; 4 never starts */
	x = fx_new(branches(), 2);
	x->fail_step = 1;
	x->gate_step = 3;
	o = (struct sched_opts){ 0 };
	assert_int_equal(run(x, &o, &r, NULL), 0);
	expect_sets(&r, "3", "1", "2,5,6", "4");
	assert_int_equal(x->runs[3], 0);
	assert_int_equal(r.npending, 1);
	sched_result_release(&r);
	fx_free(x);

	/* serial, the failure first: the other ship never starts */
	x = fx_new(branches(), 2);
	x->fail_step = 1;
	o = (struct sched_opts){ .max_inflight = 1 };
	/* ship0 comes first in the rotation: step 1 is dispatched first */
	assert_int_equal(run(x, &o, &r, NULL), 0);
	expect_sets(&r, "", "1", "2,5,6", "3,4");
	sched_result_release(&r);
	fx_free(x);

	assert_true(sched_keep_going_default("stop"));
	assert_true(sched_keep_going_default("kill"));
	assert_true(sched_keep_going_default("clean"));
	assert_false(sched_keep_going_default("start"));
	assert_false(sched_keep_going_default("restart"));
	assert_false(sched_keep_going_default("pull"));
}

static void test_resumed_done(void **st)
{
	(void)st;
	struct plan *p = branches();
	p->steps[0].status = STEP_DONE;
	p->steps[2].status = STEP_DONE;
	struct fx *x = fx_new(p, 2);
	x->committed[0] = x->committed[2] = 1;
	struct sched_result r;
	assert_int_equal(run(x, NULL, &r, NULL), 0);
	expect_sets(&r, "1,2,3,4,5,6", "", "", "");
	assert_int_equal(x->runs[0], 0);
	assert_int_equal(x->runs[2], 0);
	assert_int_equal(x->events[SCHED_EV_STARTED], 4);
	assert_int_equal(x->violations, 0);
	sched_result_release(&r);
	fx_free(x);
}

static void test_commit_fails(void **st)
{
	(void)st;
	struct fx *x = fx_new(branches(), 2);
	x->commit_fail_at = 3;
	struct sched_result r;
	struct mae_error e;
	mae_error_clear(&e);
	struct sched_opts o = { .max_inflight = 1, .keep_going = true };
	int rc = run(x, &o, &r, &e);
	assert_int_equal(rc, MAE_ERR_IO);
	assert_string_equal(e.msg, "disk full");
	/* 1 ran, then 3 (the other ship), whose end is not on record:
	 * nothing after it starts, not even what is independent of it */
	assert_int_equal(x->runs[0], 1);
	assert_int_equal(x->runs[2], 1);
	assert_int_equal(x->runs[1] + x->runs[3] + x->runs[4] + x->runs[5], 0);
	assert_int_equal(x->violations, 0);
	sched_result_release(&r);
	fx_free(x);
}

static void test_interrupt(void **st)
{
	(void)st;
	/* 40 independent steps, 2 at a time; step 1 interrupts once */
	struct plan *p = plan_new();
	for (int i = 0; i < 40; i++)
		add(p, STEP_PULL, i % 4, NULL);
	dep(p, 40, 1);
	struct fx *x = fx_new(p, 4);
	x->interrupt_at = 1;
	x->gate_step = 2; /* still running when the interrupt comes */
	struct sched_result r;
	struct sched_opts o = { .max_inflight = 2 };
	assert_int_equal(run(x, &o, &r, NULL), 0);
	assert_true(r.interrupted);
	/* in flight when it came: 1 and 2; both finished, not cancelled */
	expect_sets(&r, "1,2", "", "", "3,4,5,6,7,8,9,10,11,12,13,14,15,16,"
		    "17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,"
		    "35,36,37,38,39,40");
	sched_result_release(&r);
	fx_free(x);

	/* twice: the in-flight steps see the cancel flag */
	p = plan_new();
	for (int i = 0; i < 10; i++)
		add(p, STEP_PULL, 0, NULL);
	dep(p, 3, 1);
	x = fx_new(p, 1);
	x->interrupt_at = 1;
	x->interrupt_twice = 1;
	x->sleep_us = 0;
	o = (struct sched_opts){ .max_inflight = 1 };
	assert_int_equal(run(x, &o, &r, NULL), 0);
	assert_true(r.interrupted);
	expect_sets(&r, "", "1", "3", "2,4,5,6,7,8,9,10");
	sched_result_release(&r);
	fx_free(x);
}

static void test_invalid(void **st)
{
	(void)st;
	struct plan *p = branches();
	struct sched *s = NULL;
	struct mae_error e;
	struct sched_opts o = { .max_inflight = -1 };
	assert_int_equal(sched_new(p, &o, &s, &e), MAE_ERR_INVALID);
	o = (struct sched_opts){ .workers = SCHED_WORKERS_MAX + 1 };
	assert_int_equal(sched_new(p, &o, &s, &e), MAE_ERR_INVALID);
	p->steps[1].depends_on[0] = 99;
	assert_int_equal(sched_new(p, NULL, &s, &e), MAE_ERR_INVALID);
	assert_string_equal(e.msg, "step 2: invalid dependency 99");
	plan_free(p);

	/* an empty plan runs to its end at once */
	p = plan_new();
	assert_int_equal(sched_new(p, NULL, &s, &e), 0);
	struct sched_result r;
	assert_int_equal(sched_run(s, work, commit, NULL, &r, &e), 0);
	assert_int_equal(r.nsteps, 0);
	assert_int_equal(r.threads, 0);
	sched_result_release(&r);
	assert_int_equal(sched_run(s, work, commit, NULL, &r, &e),
			 MAE_ERR_INTERNAL);
	sched_free(s);
	plan_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_ten_thousand),
		cmocka_unit_test(test_failure_policies),
		cmocka_unit_test(test_resumed_done),
		cmocka_unit_test(test_commit_fails),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
