/*
 * resume.h - what apply does with each step, fresh or resumed
 * (INTERFACES.md "Plans", the pre/postcondition table, and DESIGN.md
 * "Plan, apply, resume, audit"): postcondition holds -> done;
 * precondition holds -> run; neither -> stale, saying what is there.
 *
 * Pure functions of the step (and what the plan recorded in it), one
 * fresh observation of its container (or, for a pull, its image), and
 * what the journal says.  The per-container chain rule sits on top: the
 * latest step of a container's chain that was attempted and whose
 * postcondition holds now marks the ones before it done, so a restart
 * killed between its stop and its start neither stops twice nor skips
 * the start.
 *
 * Must not: observe anything itself, touch the database or print.
 */
#ifndef MAESTRO_EXECUTOR_RESUME_H
#define MAESTRO_EXECUTOR_RESUME_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

/* One fresh inspect of the step's container by name (or image by
 * reference, for a pull).  Strings are borrowed. */
struct resume_obs {
	bool exists;         /* a container of that name / the image is there */
	const char *id;      /* its id */
	bool running;        /* containers: running */
	const char *spec;    /* containers: its maestro.spec label, or NULL */
};

enum resume_verdict {
	RESUME_DONE,   /* the postcondition holds: nothing to do */
	RESUME_RUN,    /* the precondition holds: run it */
	RESUME_STALE,  /* neither: the world is not what the plan expects */
	RESUME_LATER,  /* behind an earlier step of its chain still to run:
			* decided (precondition checked) just before it runs */
};

const char *resume_verdict_name(enum resume_verdict v);

#define RESUME_WHY_MAX 256

struct resume_decision {
	enum resume_verdict verdict;
	char why[RESUME_WHY_MAX]; /* STALE: what is there instead
				   * ("container 'web-1' is running") */
};

/*
 * The table, for one step: o is the fresh observation (NULL: nothing of
 * that name); in_run is true when the journal holds this step done in
 * THIS run (what counts for check, wait and a forced pull: a check is
 * never taken from another run); created_id is the id of the container
 * this plan created for the step's container, when known (a start or
 * check whose condition names no id expects that one; NULL: the
 * container of that name).  Never RESUME_LATER.
 */
void resume_decide(const struct plan_step *s, const struct resume_obs *o,
		   bool in_run, const char *created_id,
		   struct resume_decision *out);

/* One step of a container's chain, as the journal has it. */
struct resume_link {
	const struct plan_step *step;
	bool attempted; /* started (or done) in some run of this plan */
	bool in_run;    /* done in this run */
};

/*
 * The chain rule: chain[0, n) are the steps of one container (same ship
 * and container, or a single step without one) in step order, o its
 * fresh observation.  Fills out[0, n): the latest attempted step whose
 * postcondition holds and every step before it DONE; after it, steps are
 * decided by the table in order until the first that is not done, which
 * is RUN or STALE; the ones after that are LATER.  A create recognised
 * as done (its postcondition holds) makes the observed id the created
 * one for the steps after it; else created_id (from the journal, or
 * NULL) is.
 */
void resume_chain(const struct resume_link *chain, size_t n,
		  const struct resume_obs *o, const char *created_id,
		  struct resume_decision *out);

/*
 * The chains of a plan: its steps grouped by (ship, container), each
 * group in step order; a step without a container (pull, wait) is a
 * chain of its own.  Chains come in the order of their first step.
 * step[off[c] .. off[c + 1]) are the positions (steps[i]) of chain c.
 */
struct resume_chains {
	size_t *step;   /* p->nsteps positions */
	size_t *off;    /* n + 1 offsets */
	size_t n;
};

void resume_chains_of(const struct plan *p, struct resume_chains *out);
void resume_chains_release(struct resume_chains *c);

#endif
