/*
 * scheduler.c - the DAG scheduler (scheduler.h): the owner's loop, the
 * per-ship ready queues, the bounded worker pool and the two queues
 * between them (work out, completions back).
 *
 * Everything but the two queues, the interrupt count and the pool's
 * bookkeeping belongs to the owner thread alone, so commit() always sees
 * and changes a consistent state.
 *
 * Must not: touch the database, the network or print.
 */
#include "scheduler.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct sched_job {
	size_t idx;
	int rc;
	struct mae_error e;
	struct sched_job *next;
};

struct sched {
	const struct plan *p;
	struct sched_opts o;
	size_t n;
	/* owner's state */
	size_t *ship_of;        /* step -> ship index */
	size_t nships;
	int *ship_inflight;
	size_t *dep_off;        /* dependents of step i: dep_list[dep_off[i] ..] */
	size_t *dep_list;
	size_t *waiting;        /* dependencies not yet done */
	enum step_status *status;
	size_t *rq;             /* ready FIFOs, one region per ship */
	size_t *rq_off, *rq_head, *rq_tail;
	size_t nready;
	size_t cursor;          /* the ship the next dispatch looks at first */
	int inflight, peak;
	bool stop_starting, interrupted;
	bool ran;
	/* shared, under mu */
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	struct sched_job *work_head, *work_tail;
	struct sched_job *done_head, *done_tail;
	int queued;             /* jobs in the work queue */
	int idle;               /* workers waiting for a job */
	pthread_t *threads;
	int nthreads;
	bool quit;
	int interrupts;
	int cancel;             /* atomic: the flag work() is given */
	sched_work_fn work;
	void *ud;
};

bool sched_keep_going_default(const char *action)
{
	return action && (strcmp(action, "stop") == 0 ||
			  strcmp(action, "kill") == 0 ||
			  strcmp(action, "clean") == 0);
}

void sched_result_release(struct sched_result *r)
{
	if (!r)
		return;
	free(r->status);
	memset(r, 0, sizeof(*r));
}

static const char *ship_name(const struct plan_step *s)
{
	return s->ship ? s->ship : "";
}

static int by_ship(const void *a, const void *b, void *ud)
{
	const struct plan *p = ud;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(ship_name(&p->steps[i]), ship_name(&p->steps[j]));
	if (c)
		return c;
	return i < j ? -1 : i > j;
}

int sched_new(const struct plan *p, const struct sched_opts *o,
	      struct sched **ret, struct mae_error *e)
{
	struct sched_opts opts = o ? *o : (struct sched_opts){ 0 };
	if (opts.max_inflight < 0 || opts.per_ship < 0 || opts.workers < 0 ||
	    opts.workers > SCHED_WORKERS_MAX)
		return mae_error_set(e, MAE_ERR_INVALID,
				     "invalid scheduler limits (-c %d, per ship "
				     "%d, %d workers)",
				     opts.max_inflight, opts.per_ship,
				     opts.workers);
	if (!opts.workers)
		opts.workers = SCHED_WORKERS_DEFAULT;
	size_t n = p->nsteps;
	for (size_t i = 0; i < n; i++) {
		const struct plan_step *st = &p->steps[i];
		for (size_t k = 0; k < st->ndeps; k++)
			if (st->depends_on[k] < 1 ||
			    (size_t)st->depends_on[k] > n ||
			    (size_t)st->depends_on[k] == i + 1)
				return mae_error_set(e, MAE_ERR_INVALID,
						     "step %zu: invalid dependency "
						     "%d", i + 1,
						     st->depends_on[k]);
	}

	struct sched *s = mae_xcalloc(1, sizeof(*s));
	s->p = p;
	s->o = opts;
	s->n = n;
	size_t m = n ? n : 1;
	s->ship_of = mae_xcalloc(m, sizeof(size_t));
	s->status = mae_xcalloc(m, sizeof(*s->status));
	s->waiting = mae_xcalloc(m, sizeof(size_t));
	s->dep_off = mae_xcalloc(n + 1, sizeof(size_t));
	s->rq = mae_xcalloc(m, sizeof(size_t));

	/* ships: steps sorted by ship name, a new index at each new name */
	size_t *order = mae_xcalloc(m, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(size_t), by_ship, (void *)p);
	s->rq_off = mae_xcalloc(n + 1, sizeof(size_t));
	for (size_t k = 0; k < n; k++) {
		if (k > 0 && strcmp(ship_name(&p->steps[order[k]]),
				    ship_name(&p->steps[order[k - 1]])) != 0) {
			s->nships++;
			s->rq_off[s->nships] = k;
		}
		s->ship_of[order[k]] = s->nships;
	}
	if (n)
		s->nships++;
	s->rq_off[s->nships] = n;
	free(order);
	size_t ms = s->nships ? s->nships : 1;
	s->rq_head = mae_xcalloc(ms, sizeof(size_t));
	s->rq_tail = mae_xcalloc(ms, sizeof(size_t));
	s->ship_inflight = mae_xcalloc(ms, sizeof(int));
	for (size_t k = 0; k < s->nships; k++)
		s->rq_head[k] = s->rq_tail[k] = s->rq_off[k];

	/* dependents, as one array */
	size_t ndeps = 0;
	for (size_t i = 0; i < n; i++) {
		const struct plan_step *st = &p->steps[i];
		for (size_t k = 0; k < st->ndeps; k++)
			s->dep_off[st->depends_on[k] - 1 + 1]++;
		ndeps += st->ndeps;
	}
	for (size_t i = 0; i < n; i++)
		s->dep_off[i + 1] += s->dep_off[i];
	s->dep_list = mae_xcalloc(ndeps ? ndeps : 1, sizeof(size_t));
	size_t *fill = mae_xcalloc(m, sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		const struct plan_step *st = &p->steps[i];
		for (size_t k = 0; k < st->ndeps; k++) {
			size_t d = (size_t)st->depends_on[k] - 1;
			s->dep_list[s->dep_off[d] + fill[d]++] = i;
		}
	}
	free(fill);

	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work_cv, NULL);
	pthread_cond_init(&s->done_cv, NULL);
	s->threads = mae_xcalloc((size_t)opts.workers, sizeof(pthread_t));
	*ret = s;
	return 0;
}

void sched_free(struct sched *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->work_cv);
	pthread_cond_destroy(&s->done_cv);
	free(s->threads);
	free(s->ship_of);
	free(s->ship_inflight);
	free(s->dep_off);
	free(s->dep_list);
	free(s->waiting);
	free(s->status);
	free(s->rq);
	free(s->rq_off);
	free(s->rq_head);
	free(s->rq_tail);
	free(s);
}

void sched_interrupt(struct sched *s)
{
	pthread_mutex_lock(&s->mu);
	if (++s->interrupts >= 2)
		__atomic_store_n(&s->cancel, 1, __ATOMIC_SEQ_CST);
	pthread_cond_signal(&s->done_cv);
	pthread_mutex_unlock(&s->mu);
}

/* ------------------------------------------------------------------ */
/* The pool                                                             */

static void *worker_run(void *arg)
{
	struct sched *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->work_head && !s->quit) {
			s->idle++;
			pthread_cond_wait(&s->work_cv, &s->mu);
			s->idle--;
		}
		if (!s->work_head)
			break;
		struct sched_job *j = s->work_head;
		s->work_head = j->next;
		if (!s->work_head)
			s->work_tail = NULL;
		s->queued--;
		pthread_mutex_unlock(&s->mu);

		mae_error_clear(&j->e);
		j->rc = s->work(s->ud, &s->p->steps[j->idx], &s->cancel, &j->e);
		if (j->rc > 0)
			j->rc = MAE_ERR_INTERNAL;
		j->next = NULL;

		pthread_mutex_lock(&s->mu);
		if (s->done_tail)
			s->done_tail->next = j;
		else
			s->done_head = j;
		s->done_tail = j;
		pthread_cond_signal(&s->done_cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Hand a job to the pool, starting a worker when none is free. */
static void pool_push(struct sched *s, struct sched_job *j)
{
	pthread_mutex_lock(&s->mu);
	if (s->work_tail)
		s->work_tail->next = j;
	else
		s->work_head = j;
	s->work_tail = j;
	s->queued++;
	if (s->queued > s->idle && s->nthreads < s->o.workers &&
	    pthread_create(&s->threads[s->nthreads], NULL, worker_run, s) == 0)
		s->nthreads++;
	pthread_cond_signal(&s->work_cv);
	pthread_mutex_unlock(&s->mu);
}

/* ------------------------------------------------------------------ */
/* The owner                                                            */

struct owner {
	struct sched *s;
	sched_commit_fn commit;
	void *ud;
	int rc;               /* the first commit error */
	struct mae_error *e;
};

static void emit(struct owner *w, const struct sched_event *ev)
{
	struct mae_error ce;
	mae_error_clear(&ce);
	int rc = w->commit(w->ud, ev, &ce);
	if (rc && !w->rc) {
		w->rc = rc < 0 ? rc : MAE_ERR_INTERNAL;
		if (w->e)
			*w->e = ce;
		w->s->stop_starting = true;
	}
}

static void ready_push(struct sched *s, size_t i)
{
	size_t k = s->ship_of[i];
	s->rq[s->rq_tail[k]++] = i;
	s->nready++;
}

static bool can_start(const struct sched *s)
{
	/* never more in flight than workers: a step on record as started
	 * has a thread doing it, not a place in a queue */
	int cap = s->o.workers;
	if (s->o.max_inflight && s->o.max_inflight < cap)
		cap = s->o.max_inflight;
	return !s->stop_starting && s->nready > 0 && s->inflight < cap;
}

/* Start what may start: ready steps of ships under their cap, one ship
 * after another so that no ship waits behind another's queue. */
static void dispatch(struct owner *w)
{
	struct sched *s = w->s;
	size_t tried = 0;
	while (can_start(s) && tried < s->nships) {
		size_t k = s->cursor;
		s->cursor = (s->cursor + 1) % s->nships;
		if (s->rq_head[k] == s->rq_tail[k] ||
		    (s->o.per_ship && s->ship_inflight[k] >= s->o.per_ship)) {
			tried++;
			continue;
		}
		tried = 0;
		size_t i = s->rq[s->rq_head[k]++];
		s->nready--;
		struct sched_event ev = { .kind = SCHED_EV_STARTED,
					  .step = &s->p->steps[i] };
		emit(w, &ev);
		if (w->rc)
			return; /* not on record: it does not run */
		s->status[i] = STEP_RUNNING;
		s->inflight++;
		s->ship_inflight[k]++;
		if (s->inflight > s->peak)
			s->peak = s->inflight;
		struct sched_job *j = mae_xcalloc(1, sizeof(*j));
		j->idx = i;
		pool_push(s, j);
	}
}

static int by_index(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	return i < j ? -1 : i > j;
}

/* Every pending step depending on failed step f, in step order. */
static void skip_from(struct owner *w, size_t f)
{
	struct sched *s = w->s;
	size_t *stack = mae_xcalloc(s->n, sizeof(size_t));
	size_t *hit = mae_xcalloc(s->n, sizeof(size_t));
	size_t top = 0, nhit = 0;
	stack[top++] = f;
	while (top) {
		size_t i = stack[--top];
		for (size_t k = s->dep_off[i]; k < s->dep_off[i + 1]; k++) {
			size_t d = s->dep_list[k];
			if (s->status[d] != STEP_PENDING)
				continue;
			s->status[d] = STEP_SKIPPED;
			hit[nhit++] = d;
			stack[top++] = d;
		}
	}
	qsort(hit, nhit, sizeof(size_t), by_index);
	for (size_t k = 0; k < nhit; k++) {
		struct sched_event ev = { .kind = SCHED_EV_SKIPPED,
					  .step = &s->p->steps[hit[k]],
					  .cause = s->p->steps[f].number };
		emit(w, &ev);
	}
	free(stack);
	free(hit);
}

static void complete(struct owner *w, struct sched_job *j)
{
	struct sched *s = w->s;
	size_t i = j->idx;
	s->inflight--;
	s->ship_inflight[s->ship_of[i]]--;
	struct sched_event ev = { .step = &s->p->steps[i], .rc = j->rc,
				  .err = &j->e };
	if (j->rc == 0) {
		ev.kind = SCHED_EV_DONE;
		emit(w, &ev);
		s->status[i] = STEP_DONE;
		/* committed: what depends on it may start */
		for (size_t k = s->dep_off[i]; k < s->dep_off[i + 1]; k++) {
			size_t d = s->dep_list[k];
			if (--s->waiting[d] == 0 && s->status[d] == STEP_PENDING)
				ready_push(s, d);
		}
	} else {
		ev.kind = SCHED_EV_FAILED;
		emit(w, &ev);
		s->status[i] = STEP_FAILED;
		if (!s->o.keep_going)
			s->stop_starting = true;
		skip_from(w, i);
	}
}

int sched_run(struct sched *s, sched_work_fn work, sched_commit_fn commit,
	      void *ud, struct sched_result *res, struct mae_error *e)
{
	memset(res, 0, sizeof(*res));
	if (s->ran)
		return mae_error_set(e, MAE_ERR_INTERNAL,
				     "a scheduler runs once");
	s->ran = true;
	s->work = work;
	s->ud = ud;
	struct owner w = { .s = s, .commit = commit, .ud = ud, .e = e };

	for (size_t i = 0; i < s->n; i++)
		s->status[i] = s->p->steps[i].status == STEP_DONE ? STEP_DONE
								  : STEP_PENDING;
	for (size_t i = 0; i < s->n; i++) {
		const struct plan_step *st = &s->p->steps[i];
		for (size_t k = 0; k < st->ndeps; k++)
			if (s->status[st->depends_on[k] - 1] != STEP_DONE)
				s->waiting[i]++;
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->status[i] == STEP_PENDING && s->waiting[i] == 0)
			ready_push(s, i);

	int seen = 0; /* interrupts acted upon */
	for (;;) {
		pthread_mutex_lock(&s->mu);
		seen = s->interrupts;
		if (seen > 0) {
			s->interrupted = true;
			s->stop_starting = true;
		}
		pthread_mutex_unlock(&s->mu);
		dispatch(&w);
		if (s->inflight == 0)
			break;
		pthread_mutex_lock(&s->mu);
		while (!s->done_head && s->interrupts == seen)
			pthread_cond_wait(&s->done_cv, &s->mu);
		struct sched_job *done = s->done_head;
		s->done_head = s->done_tail = NULL;
		pthread_mutex_unlock(&s->mu);
		while (done) {
			struct sched_job *next = done->next;
			complete(&w, done);
			free(done);
			done = next;
		}
	}

	pthread_mutex_lock(&s->mu);
	s->quit = true;
	pthread_cond_broadcast(&s->work_cv);
	pthread_mutex_unlock(&s->mu);
	for (int t = 0; t < s->nthreads; t++)
		pthread_join(s->threads[t], NULL);

	res->nsteps = s->n;
	res->status = mae_xcalloc(s->n ? s->n : 1, sizeof(*res->status));
	for (size_t i = 0; i < s->n; i++) {
		res->status[i] = s->status[i];
		switch (s->status[i]) {
		case STEP_DONE: res->ndone++; break;
		case STEP_FAILED: res->nfailed++; break;
		case STEP_SKIPPED: res->nskipped++; break;
		default: res->npending++; break;
		}
	}
	pthread_mutex_lock(&s->mu);
	res->interrupted = s->interrupts > 0;
	pthread_mutex_unlock(&s->mu);
	res->threads = s->nthreads;
	res->peak_inflight = s->peak;
	return w.rc;
}
