/*
 * compile.c - the compiler (compiler.h): selection, what each selected
 * container needs (converge), the per-container chains of steps, the
 * ordering between containers as MaestroNG ordered its plays (spec
 * §6.1-6.3), pulls first, and the plan handed to plan/ for numbering.
 *
 * Pure: nothing here prints, reads a file, talks to a ship or a database.
 *
 * The shape, for every action: each container gets one chain of steps
 *
 *     [pre-stop check] stop|kill [stopped check] [wait] remove
 *     [pre-start check] [create] start running-check
 *
 * of which the action and what the ship holds select a part (its
 * "phases": DOWN = stop/kill and their checks, MID = remove, UP = create,
 * start and their checks).  Ordering edges join the entry of one
 * container's phase to the gates (last steps) of the same phase of the
 * nearest services it must wait for that have steps in the plan.
 */
#include "compiler.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "observed.h"
#include "plan.h"
#include "schema.h"

const char *compile_action_name(enum compile_action a)
{
	static const char *const names[] = { "start", "stop",  "kill",
					     "restart", "pull", "clean" };
	return (unsigned)a < sizeof(names) / sizeof(*names) ? names[a] : "?";
}

int compile_action_parse(const char *name)
{
	for (int a = ACTION_START; a <= ACTION_CLEAN; a++)
		if (strcmp(name, compile_action_name((enum compile_action)a)) == 0)
			return a;
	return -1;
}

const char *compile_note_kind_name(enum compile_note_kind k)
{
	static const char *const names[] = { "drift", "orphan", "unmanaged",
					     "skipped", "bound" };
	return (unsigned)k < sizeof(names) / sizeof(*names) ? names[k] : "?";
}

/* ------------------------------------------------------------------ */
/* Per container                                                        */

enum phase { PH_DOWN, PH_MID, PH_UP, PH_COUNT };

/* What a container's chain holds. */
struct ops {
	bool stop, kill, remove, create, start;
	bool wait_between;  /* --stop-start-delay between DOWN and the rest */
};

struct ci {
	const struct schema_instance *inst;
	const struct container_spec *cs;
	const struct obs_ship *ship;     /* NULL offline */
	const struct obs_container *oc;  /* what holds its name there */
	enum obs_class cls;
	bool selected;
	bool drift;
	struct ops ops;
	char *ref;                       /* "repository:tag" */
	const char *image_id;            /* the tag's id on the ship, or NULL */
	const char *bound_to;            /* replaced because this one is */
	json_t *condition;               /* restart --only-if-changed, or NULL */
	int first, last;                 /* the chain's ends (0: empty) */
	int first_mut;                   /* its first mutating step */
	int entry[PH_COUNT], gate[PH_COUNT];
	enum phase cur;                  /* the phase steps are added to */
};

struct builder {
	const struct schema_env *env;
	const struct container_specs *specs;
	const struct compile_opts *o;
	const struct observed *obs;
	struct plan *p;
	struct compile_result *res;
	struct ci *ci;                   /* parallel to env->instances */
	size_t n;
	int *pulls;                      /* every pull step of the plan */
	size_t npull_list;
	int *barrier;                    /* per ship: the wait joining every
					  * pull, or 0 */
	/* pulls by ship and image */
	struct mae_map pull_ix; /* "SHIP\nREF" (owned) -> pull step + 1 */
	/* the nearest services with gates, per service and phase */
	size_t **near;
	size_t *nnear;
	unsigned char *near_state;       /* 0 new, 1 on the stack, 2 done */
	bool reverse;
	enum phase near_phase;
	bool *has_gate;                  /* per service, for near_phase */
};

static void note(struct builder *b, enum compile_note_kind k,
		 const char *ship, const char *container, const char *fmt, ...)
	MAE_PRINTF(5, 6);

static void note(struct builder *b, enum compile_note_kind k,
		 const char *ship, const char *container, const char *fmt, ...)
{
	struct compile_result *r = b->res;
	if (r->nnotes == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->notes = mae_xrealloc(r->notes, r->cap * sizeof(*r->notes));
	}
	struct compile_note *nt = &r->notes[r->nnotes++];
	nt->kind = k;
	nt->ship = mae_xstrdup(ship);
	nt->container = mae_xstrdup(container);
	va_list ap;
	va_start(ap, fmt);
	nt->detail = mae_xvasprintf(fmt, ap);
	va_end(ap);
}

static int cmp_note(const void *a, const void *b)
{
	const struct compile_note *x = a, *y = b;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	int c = strcmp(x->ship, y->ship);
	return c ? c : strcmp(x->container, y->container);
}

void compile_result_release(struct compile_result *r)
{
	if (!r)
		return;
	plan_free(r->plan);
	for (size_t i = 0; i < r->nnotes; i++) {
		free(r->notes[i].ship);
		free(r->notes[i].container);
		free(r->notes[i].detail);
	}
	free(r->notes);
	memset(r, 0, sizeof(*r));
}

static bool is_mutating(enum step_kind k)
{
	return k == STEP_CREATE || k == STEP_START || k == STEP_STOP ||
	       k == STEP_KILL || k == STEP_REMOVE;
}

static void dep(struct builder *b, int n, int on)
{
	if (n && on && n != on)
		plan_add_dep(b->p, n, on, NULL);
}

static json_t *wait_spec(double seconds, const char *reason);

/*
 * The wait on c's ship that joins every pull of the plan (0: there are
 * none): a container's first mutating step waits for it, so that every
 * image is fetched everywhere before the first container is touched.
 */
static int barrier(struct builder *b, const struct ci *c)
{
	if (!b->npull_list)
		return 0;
	size_t k = (size_t)(c->inst->ship - b->env->ships);
	if (b->barrier[k])
		return b->barrier[k];
	struct plan_cond post = { .state = PLAN_COND_WAITED,
				  .observed = !b->o->offline };
	int w = plan_add_step(b->p, STEP_WAIT, c->inst->ship->name, NULL,
			      wait_spec(0, "pulls"));
	plan_step_set_post(plan_step(b->p, w), &post);
	for (size_t i = 0; i < b->npull_list; i++)
		dep(b, w, b->pulls[i]);
	b->barrier[k] = w;
	return w;
}

/*
 * Add a step to c's chain (c NULL: a step of no container) in c's
 * current phase, after the chain's last step.
 */
static int add_step(struct builder *b, struct ci *c, enum step_kind kind,
		    const char *ship, json_t *spec, const struct plan_cond *pre,
		    const struct plan_cond *post)
{
	if (c && c->condition)
		json_object_set(spec, "only_if_changed", c->condition);
	/* a wait belongs to no container, even inside a chain */
	int n = plan_add_step(b->p, kind, ship,
			      c && kind != STEP_WAIT ? c->inst->name : NULL, spec);
	struct plan_step *s = plan_step(b->p, n);
	if (pre)
		plan_step_set_pre(s, pre);
	if (post)
		plan_step_set_post(s, post);
	if (!c)
		return n;
	if (c->last)
		dep(b, n, c->last);
	else
		c->first = n;
	c->last = n;
	if (!c->entry[c->cur])
		c->entry[c->cur] = n;
	c->gate[c->cur] = n;
	if (is_mutating(kind) && !c->first_mut) {
		c->first_mut = n;
		dep(b, n, barrier(b, c));
	}
	return n;
}

static json_t *name_spec(const struct ci *c)
{
	return json_pack("{s:s}", "name", c->inst->name);
}

static struct plan_cond cond(enum plan_cond_state st, const char *id,
			     bool observed)
{
	struct plan_cond k = { .state = st, .id = (char *)id,
			       .observed = observed };
	return k;
}

/* ------------------------------------------------------------------ */
/* Secrets                                                              */

/* A secret as the plan holds it: its keyed digest. */
static char *digest_mask(void *ud, const char *secret)
{
	const struct compile_opts *o = ud;
	char out[MAE_SECRET_DIGEST_LEN + 1];
	mae_secret_digest(o->secret_key, o->secret_key_len, secret, out);
	return mae_xstrdup(out);
}

/* ------------------------------------------------------------------ */
/* Checks                                                               */

/*
 * The checks of a state as a check step's spec; exec commands whose
 * program is a relative path are made absolute against the working
 * directory (INTERFACES.md: relative to the current directory).
 */
static json_t *check_spec(const struct builder *b, const struct ci *c,
			  enum schema_state st)
{
	const json_t *l = json_object_get(c->cs->lifecycle, schema_state_name(st));
	json_t *checks = l ? json_deep_copy(l) : json_array();
	size_t i;
	json_t *k;
	json_array_foreach(checks, i, k) {
		if (!mae_streq(json_string_value(json_object_get(k, "type")), "exec"))
			continue;
		json_t *argv = json_object_get(k, "command");
		const char *prog = json_string_value(json_array_get(argv, 0));
		if (prog && prog[0] != '/' && strchr(prog, '/') && b->o->cwd) {
			while (prog[0] == '.' && prog[1] == '/')
				prog += 2;
			char *abs = mae_xasprintf("%s/%s", b->o->cwd, prog);
			json_array_set_new(argv, 0, json_string(abs));
			free(abs);
		}
	}
	json_t *masked = secret_mask_json(c->cs, checks, digest_mask,
					  (void *)b->o);
	json_decref(checks);
	return json_pack("{s:s,s:o}", "state", schema_state_name(st),
			 "checks", masked);
}

static bool has_checks(const struct ci *c, enum schema_state st)
{
	return json_array_size(json_object_get(c->cs->lifecycle,
					       schema_state_name(st))) > 0;
}

static void add_check(struct builder *b, struct ci *c, enum schema_state st,
		      bool always)
{
	if (!always && !has_checks(c, st))
		return;
	bool obs = !b->o->offline;
	struct plan_cond pre = { .observed = obs };
	switch (st) {
	case SCHEMA_STATE_RUNNING:
	case SCHEMA_STATE_PRE_STOP:
		pre.state = PLAN_COND_RUNNING;
		break;
	case SCHEMA_STATE_STOPPED:
		pre.state = PLAN_COND_STOPPED;
		break;
	default:
		pre.state = PLAN_COND_NONE;
		break;
	}
	struct plan_cond post = { .state = PLAN_COND_PASSED, .observed = obs };
	add_step(b, c, STEP_CHECK, c->inst->ship->name, check_spec(b, c, st),
		 &pre, &post);
}

/* ------------------------------------------------------------------ */
/* Pulls                                                                */

/* The pull step of ref on ship, adding it when new. */
static int pull_step(struct builder *b, const struct ci *c, bool if_absent)
{
	const char *ship = c->inst->ship->name;
	char *key = mae_xasprintf("%s\n%s", ship, c->ref);
	bool added;
	struct mae_map_slot *slot = mae_map_slot(&b->pull_ix, key, &added);
	if (!added) {
		free(key);
		return (int)(intptr_t)slot->val - 1;
	}
	const struct schema_registry *reg = c->cs->registry;
	json_t *spec = json_pack("{s:s,s:s?}", "image", c->ref, "registry",
				 reg ? reg->name : NULL);
	if (!reg)
		json_object_set_new(spec, "registry", json_null());
	struct plan_cond pre = { .state = if_absent ? PLAN_COND_IMAGE_ABSENT
						    : PLAN_COND_NONE,
				 .image = c->ref,
				 .observed = !b->o->offline };
	struct plan_cond post = { .state = PLAN_COND_IMAGE_PRESENT,
				  .image = c->ref,
				  .observed = !b->o->offline };
	int n = add_step(b, NULL, STEP_PULL, ship, spec, &pre, &post);
	mae_map_set(&b->pull_ix, key, (void *)(intptr_t)(n + 1));
	return n;
}

/* ------------------------------------------------------------------ */
/* What holds a container's name                                        */

static void field(struct mae_buf *out, size_t *n, const char *name,
		  const char *key)
{
	if (*n == 6)
		mae_buf_adds(out, ", ...");
	if (*n >= 6) {
		(*n)++;
		return;
	}
	mae_buf_addf(out, "%s%s%s%s", *n ? ", " : "", name, key ? " " : "",
		     key ? key : "");
	(*n)++;
}

static bool in_array(const json_t *a, const char *s)
{
	size_t i;
	const json_t *x;
	json_array_foreach(a, i, x)
		if (mae_streq(json_string_value(x), s))
			return true;
	return false;
}

/*
 * The fields of the planned create body that the container, as Docker
 * reports it (inspect), does not have; names only (an Env entry by its
 * key: values may be secrets).  Fields Docker reports in another form
 * (Links) are not compared.
 */
static size_t body_diff(const json_t *body, const json_t *ins,
			struct mae_buf *out)
{
	static const char *const config_keys[] = { "Image", "Cmd", "Hostname",
						   "User", "WorkingDir",
						   "StopTimeout" };
	static const char *const host_keys[] = {
		"Binds", "PortBindings", "RestartPolicy", "Privileged",
		"Memory", "MemorySwap", "CpuShares", "CapAdd", "CapDrop",
		"Dns", "ExtraHosts", "VolumesFrom", "LogConfig", "Ulimits",
		"SecurityOpt", "NetworkMode",
	};
	const json_t *cfg = json_object_get(ins, "Config");
	const json_t *hc = json_object_get(ins, "HostConfig");
	size_t n = 0;
	if (!json_is_object(cfg) || !json_is_object(hc))
		return 0;
	for (size_t i = 0; i < sizeof(config_keys) / sizeof(*config_keys); i++) {
		const json_t *want = json_object_get(body, config_keys[i]);
		if (want && !json_equal((json_t *)want,
					json_object_get(cfg, config_keys[i])))
			field(out, &n, config_keys[i], NULL);
	}
	const json_t *env = json_object_get(cfg, "Env");
	size_t i;
	const json_t *x;
	json_array_foreach(json_object_get(body, "Env"), i, x) {
		const char *kv = json_string_value(x);
		if (in_array(env, kv))
			continue;
		const char *eq = strchr(kv, '=');
		char *key = eq ? mae_xstrndup(kv, (size_t)(eq - kv)) : mae_xstrdup(kv);
		field(out, &n, "Env", key);
		free(key);
	}
	const json_t *labels = json_object_get(cfg, "Labels");
	const char *k;
	json_object_foreach(json_object_get(body, "Labels"), k, x) {
		if (strcmp(k, OBS_LABEL_SPEC) &&
		    !json_equal(x, json_object_get(labels, k)))
			field(out, &n, "Labels", k);
	}
	const json_t *exposed = json_object_get(cfg, "ExposedPorts");
	json_object_foreach(json_object_get(body, "ExposedPorts"), k, x)
		if (!json_object_get(exposed, k))
			field(out, &n, "ExposedPorts", k);
	const json_t *hbody = json_object_get(body, "HostConfig");
	for (size_t j = 0; j < sizeof(host_keys) / sizeof(*host_keys); j++) {
		const json_t *want = json_object_get(hbody, host_keys[j]);
		if (want && !json_equal((json_t *)want,
					json_object_get(hc, host_keys[j])))
			field(out, &n, "HostConfig", host_keys[j]);
	}
	return n;
}

/* Why a managed container differs from its planned spec, or NULL. */
static char *drift_reason(const struct ci *c)
{
	const struct obs_container *oc = c->oc;
	bool spec = !mae_streq(oc->spec, c->cs->spec_hash);
	bool image = c->image_id && oc->image_id &&
		     strcmp(c->image_id, oc->image_id) != 0;
	struct mae_buf fields = MAE_BUF_INIT;
	size_t nf = oc->inspect ? body_diff(c->cs->create, oc->inspect, &fields) : 0;
	if (!spec && !image && !nf) {
		mae_buf_release(&fields);
		return NULL;
	}
	struct mae_buf b = MAE_BUF_INIT;
	if (nf)
		mae_buf_addf(&b, "its create body differs: %s%s", mae_buf_str(&fields),
			     spec ? "" : " (its maestro.spec label does not say so)");
	else if (spec)
		mae_buf_adds(&b, "its create body differs (maestro.spec)");
	if (image)
		mae_buf_addf(&b, "%sit runs %.19s while '%s' is %.19s",
			     b.len ? "; " : "", oc->image_id, c->ref, c->image_id);
	mae_buf_release(&fields);
	return mae_buf_detach(&b);
}

static int observe(struct builder *b, struct mae_error *e)
{
	for (size_t i = 0; i < b->n; i++) {
		struct ci *c = &b->ci[i];
		const struct image_ref *im = &c->cs->image;
		c->ref = mae_xasprintf("%s:%s", im->repository, im->tag);
		if (b->o->offline || !c->selected)
			continue;
		c->ship = observed_ship(b->obs, c->inst->ship->name);
		if (!c->ship)
			return mae_error_set(e, MAE_ERR_CONNECT,
					     "ship '%s' was not observed",
					     c->inst->ship->name);
		if (!c->ship->observed)
			return mae_error_set(e, MAE_ERR_CONNECT,
					     "ship '%s' could not be observed: %s",
					     c->ship->name, c->ship->error);
	}
	for (size_t i = 0; i < b->n; i++) {
		struct ci *c = &b->ci[i];
		if (b->o->offline)
			continue;
		if (!c->ship)
			c->ship = observed_ship(b->obs, c->inst->ship->name);
		if (!c->ship || !c->ship->observed)
			continue;
		c->oc = obs_ship_container(c->ship, c->inst->name);
		c->image_id = obs_ship_image_id(c->ship, c->ref);
		if (!c->oc)
			continue;
		c->cls = obs_classify(c->oc, b->env->name, true);
		if (c->cls == OBS_FOREIGN && c->selected)
			return mae_error_set(e, MAE_ERR_STATE,
					     "container '%s' on ship '%s' belongs to environment '%s'; it is never touched",
					     c->inst->name, c->ship->name,
					     c->oc->environment);
		if (c->cls == OBS_UNMANAGED && c->selected)
			note(b, NOTE_UNMANAGED, c->ship->name, c->inst->name,
			     "%s, without maestro labels", c->oc->state);
		if (c->cls == OBS_MANAGED) {
			char *why = drift_reason(c);
			if (why) {
				c->drift = true;
				if (c->selected)
					note(b, NOTE_DRIFT, c->ship->name,
					     c->inst->name, "%s", why);
				free(why);
			}
		}
	}
	/* orphans: labelled for this environment, not described there */
	if (!b->obs)
		return 0;
	for (size_t s = 0; s < b->obs->nships; s++) {
		const struct obs_ship *sh = &b->obs->ships[s];
		for (size_t k = 0; k < sh->ncontainers; k++) {
			const struct obs_container *oc = &sh->containers[k];
			const struct schema_instance *in =
				schema_env_instance(b->env, oc->name);
			bool described = in && strcmp(in->ship->name, sh->name) == 0;
			if (obs_classify(oc, b->env->name, described) == OBS_ORPHAN)
				note(b, NOTE_ORPHAN, sh->name, oc->name, "%s%s%s",
				     oc->state, oc->service ? ", service " : "",
				     oc->service ? oc->service : "");
		}
	}
	return 0;
}

static bool exists(const struct ci *c)
{
	return c->oc && (c->cls == OBS_MANAGED || c->cls == OBS_UNMANAGED);
}

/* ------------------------------------------------------------------ */
/* Converge: what each container needs                                  */

/* Make c come up with its planned spec (start and restart). */
static void bring_up(struct builder *b, struct ci *c, bool stopping)
{
	const struct compile_opts *o = b->o;
	c->ops.start = true;
	if (o->offline) {
		/* offline: start assumes absent, restart running and current */
		c->ops.create = o->action == ACTION_START;
		return;
	}
	if (!exists(c)) {
		c->ops.create = true;
		return;
	}
	bool running = c->oc->running && !stopping;
	bool in_place;
	if (c->cls == OBS_UNMANAGED)
		in_place = c->oc->running && !o->recreate_unmanaged;
	else
		in_place = !c->drift || o->reuse ||
			   (c->oc->running && o->no_recreate);
	if (in_place) {
		if (running)
			c->ops.start = false; /* up to date, or left alone */
		return;
	}
	if (running)
		c->ops.stop = true;
	c->ops.remove = true;
	c->ops.create = true;
}

static void converge(struct builder *b)
{
	const struct compile_opts *o = b->o;
	for (size_t i = 0; i < b->n; i++) {
		struct ci *c = &b->ci[i];
		if (!c->selected)
			continue;
		bool running = o->offline ? o->action != ACTION_CLEAN &&
						    o->action != ACTION_START &&
						    o->action != ACTION_PULL
					  : exists(c) && c->oc->running;
		switch (o->action) {
		case ACTION_START:
			bring_up(b, c, false);
			if (!o->offline && exists(c) && c->oc->running &&
			    !c->ops.stop) {
				if (c->drift)
					note(b, NOTE_SKIPPED, c->inst->ship->name,
					     c->inst->name,
					     "drifted, left running (%s)",
					     o->no_recreate ? "--no-recreate"
							    : "--reuse");
			}
			break;
		case ACTION_STOP:
			c->ops.stop = running;
			break;
		case ACTION_KILL:
			c->ops.kill = running;
			break;
		case ACTION_CLEAN:
			if (o->offline || (exists(c) && !c->oc->running))
				c->ops.remove = true;
			else if (exists(c))
				note(b, NOTE_SKIPPED, c->inst->ship->name,
				     c->inst->name, "running, not removed");
			break;
		case ACTION_PULL:
			break;
		case ACTION_RESTART:
			if (o->only_if_changed && !o->refresh && !o->offline &&
			    running && c->image_id && c->oc->image_id &&
			    strcmp(c->image_id, c->oc->image_id) == 0) {
				note(b, NOTE_SKIPPED, c->inst->ship->name,
				     c->inst->name, "up to date (--only-if-changed)");
				break;
			}
			c->ops.stop = running;
			bring_up(b, c, running);
			c->ops.wait_between = c->ops.stop && o->stop_start_delay > 0;
			if (o->only_if_changed && (o->refresh || o->offline) &&
			    running)
				c->condition = json_pack(
					"{s:s,s:s?}", "image", c->ref, "image_id",
					o->offline ? NULL : c->oc->image_id);
			break;
		}
	}
}

/*
 * A replaced container takes its id with it: whatever names it in links,
 * volumes_from or `net: container:NAME` must be replaced too, its own
 * body unchanged (and so on, transitively).
 */
static void replace_bound(struct builder *b)
{
	if (b->o->offline)
		return;
	/* binders[i]: the instances bound to instance i, as a linked list */
	size_t *head = mae_xmalloc((b->n + 1) * sizeof(*head));
	size_t *next = mae_xmalloc((b->n * 4 + 4) * sizeof(*next));
	size_t *who = mae_xmalloc((b->n * 4 + 4) * sizeof(*who));
	size_t nl = 0, cap = b->n * 4 + 4;
	for (size_t i = 0; i < b->n; i++)
		head[i] = SIZE_MAX;
	for (size_t i = 0; i < b->n; i++) {
		const struct schema_instance *in = b->ci[i].inst;
		size_t nt = in->links.n + in->nvolumes_from + 1;
		for (size_t t = 0; t < nt; t++) {
			const struct schema_instance *to = NULL;
			if (t < in->links.n)
				to = schema_env_instance(b->env, in->links.v[t].key);
			else if (t < in->links.n + in->nvolumes_from)
				to = in->volumes_from[t - in->links.n];
			else if (in->net && mae_startswith(in->net, "container:"))
				to = schema_env_instance(b->env, in->net + 10);
			if (!to || to == in || to->ship != in->ship)
				continue;
			size_t k = (size_t)(to - b->env->instances);
			if (nl == cap) {
				cap *= 2;
				next = mae_xrealloc(next, cap * sizeof(*next));
				who = mae_xrealloc(who, cap * sizeof(*who));
			}
			who[nl] = i;
			next[nl] = head[k];
			head[k] = nl++;
		}
	}
	size_t *todo = mae_xmalloc((b->n + 1) * sizeof(*todo));
	size_t nt = 0;
	for (size_t i = 0; i < b->n; i++)
		if (b->ci[i].ops.remove && exists(&b->ci[i]))
			todo[nt++] = i;
	while (nt) {
		size_t x = todo[--nt];
		for (size_t l = head[x]; l != SIZE_MAX; l = next[l]) {
			struct ci *d = &b->ci[who[l]];
			if (!exists(d) || d->ops.remove)
				continue;
			bool was_running = d->oc->running;
			d->ops.stop = d->ops.stop || (was_running && !d->ops.kill);
			d->ops.remove = true;
			d->ops.create = true;
			d->ops.start = true;
			d->bound_to = b->ci[x].inst->name;
			note(b, NOTE_BOUND, d->inst->ship->name, d->inst->name,
			     "bound to '%s', which is replaced", d->bound_to);
			todo[nt++] = who[l];
		}
	}
	free(todo);
	free(head);
	free(next);
	free(who);
}

/* ------------------------------------------------------------------ */
/* Chains                                                               */

/* A wait's spec: whole seconds as an integer, as they were given. */
static json_t *wait_spec(double seconds, const char *reason)
{
	json_t *sec = seconds == floor(seconds) && fabs(seconds) < 1e15
			      ? json_integer((json_int_t)seconds)
			      : json_real(seconds);
	return json_pack("{s:o,s:s}", "seconds", sec, "reason", reason);
}

/* A wait before c's chain (not part of it). */
static int delay_step(struct builder *b, const struct ci *c, double seconds,
		      const char *reason)
{
	struct plan_cond post = { .state = PLAN_COND_WAITED,
				  .observed = !b->o->offline };
	int w = plan_add_step(b->p, STEP_WAIT, c->inst->ship->name, NULL,
			      wait_spec(seconds, reason));
	plan_step_set_post(plan_step(b->p, w), &post);
	return w;
}

static void emit_down(struct builder *b, struct ci *c)
{
	const char *ship = c->inst->ship->name;
	bool obs = !b->o->offline;
	const char *id = obs && c->oc ? c->oc->id : NULL;
	c->cur = PH_DOWN;
	if (c->ops.stop) {
		add_check(b, c, SCHEMA_STATE_PRE_STOP, false);
		json_t *spec = name_spec(c);
		json_object_set_new(spec, "timeout",
				    json_integer(c->inst->stop_timeout));
		struct plan_cond pre = cond(PLAN_COND_RUNNING, id, obs);
		struct plan_cond post = cond(PLAN_COND_STOPPED, id, obs);
		add_step(b, c, STEP_STOP, ship, spec, &pre, &post);
		add_check(b, c, SCHEMA_STATE_STOPPED, false);
	} else if (c->ops.kill) {
		json_t *spec = name_spec(c);
		json_object_set_new(spec, "signal", json_string("KILL"));
		struct plan_cond pre = cond(PLAN_COND_RUNNING, id, obs);
		struct plan_cond post = cond(PLAN_COND_STOPPED, id, obs);
		add_step(b, c, STEP_KILL, ship, spec, &pre, &post);
		add_check(b, c, SCHEMA_STATE_STOPPED, false);
	}
	c->cur = PH_MID; /* what waits for the stop does not wait for this */
	if (c->ops.wait_between) {
		json_t *spec = wait_spec(b->o->stop_start_delay,
					 "stop-start-delay");
		struct plan_cond post = { .state = PLAN_COND_WAITED,
					  .observed = obs };
		add_step(b, c, STEP_WAIT, ship, spec, NULL, &post);
	}
}

static void emit_mid(struct builder *b, struct ci *c)
{
	if (!c->ops.remove)
		return;
	bool obs = !b->o->offline;
	const char *id = obs && c->oc ? c->oc->id : NULL;
	c->cur = PH_MID;
	json_t *spec = name_spec(c);
	json_object_set_new(spec, "volumes", json_true());
	struct plan_cond pre = cond(PLAN_COND_STOPPED, id, obs);
	struct plan_cond post = cond(PLAN_COND_GONE, id, obs);
	add_step(b, c, STEP_REMOVE, c->inst->ship->name, spec, &pre, &post);
}

static void emit_up(struct builder *b, struct ci *c)
{
	if (!c->ops.start && !c->ops.create)
		return;
	const char *ship = c->inst->ship->name;
	bool obs = !b->o->offline;
	/* the id of the container there before, if any */
	const char *old = obs && exists(c) ? c->oc->id : NULL;
	c->cur = PH_UP;
	add_check(b, c, SCHEMA_STATE_PRE_START, false);
	if (c->ops.create) {
		json_t *spec = json_pack(
			"{s:s,s:o}", "name", c->inst->name, "body",
			container_spec_masked_create(c->cs, digest_mask,
						     (void *)b->o));
		char *label = secret_mask_label(c->cs, digest_mask, (void *)b->o);
		struct plan_cond pre = { .state = PLAN_COND_ABSENT,
					 .id = c->ops.remove ? (char *)old : NULL,
					 .image = c->ref,
					 .image_id = (char *)c->image_id,
					 .observed = obs };
		struct plan_cond post = { .state = PLAN_COND_EXISTS,
					  .spec = label,
					  .not_id = (char *)old,
					  .observed = obs };
		add_step(b, c, STEP_CREATE, ship, spec, &pre, &post);
		free(label);
		old = NULL; /* the start is of the new one */
	}
	struct plan_cond pre = cond(PLAN_COND_STOPPED, old, obs);
	struct plan_cond post = cond(PLAN_COND_RUNNING, old, obs);
	add_step(b, c, STEP_START, ship, name_spec(c), &pre, &post);
	add_check(b, c, SCHEMA_STATE_RUNNING, true);
}

static void emit_chain(struct builder *b, struct ci *c)
{
	emit_down(b, c);
	emit_mid(b, c);
	emit_up(b, c);
}

/* ------------------------------------------------------------------ */
/* Ordering                                                             */

static void near_push(size_t **v, size_t *n, size_t x)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == x)
			return;
	*v = mae_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = x;
}

/*
 * The nearest services s must wait for (its dependencies, or with
 * b->reverse its dependents) that have gates in b->near_phase: a service
 * without gates is looked through.
 */
static void near_services(struct builder *b, size_t s)
{
	if (b->near_state[s] == 2)
		return;
	b->near_state[s] = 1;
	const struct schema_service *svc = &b->env->services[s];
	size_t nn = b->reverse ? svc->ndependents : svc->nrequires + svc->nimplied;
	for (size_t k = 0; k < nn; k++) {
		const struct schema_service *t =
			b->reverse ? svc->dependents[k]
			: k < svc->nrequires ? svc->requires[k]
					     : svc->implied[k - svc->nrequires];
		size_t ti = (size_t)(t - b->env->services);
		if (b->has_gate[ti]) {
			near_push(&b->near[s], &b->nnear[s], ti);
			continue;
		}
		if (b->near_state[ti] == 1)
			continue; /* the model refuses cycles; be safe */
		near_services(b, ti);
		for (size_t j = 0; j < b->nnear[ti]; j++)
			near_push(&b->near[s], &b->nnear[s], b->near[ti][j]);
	}
	b->near_state[s] = 2;
}

static void near_reset(struct builder *b, enum phase ph, bool reverse)
{
	for (size_t s = 0; s < b->env->nservices; s++) {
		free(b->near[s]);
		b->near[s] = NULL;
		b->nnear[s] = 0;
		b->near_state[s] = 0;
		b->has_gate[s] = false;
	}
	b->reverse = reverse;
	b->near_phase = ph;
	for (size_t i = 0; i < b->n; i++)
		if (b->ci[i].gate[ph])
			b->has_gate[b->ci[i].inst->service - b->env->services] = true;
}

/*
 * Join the entry of phase `from` of every container to the gates of
 * phase `to` of the nearest services it waits for (dependencies, or
 * dependents with reverse).
 */
static void order(struct builder *b, enum phase from, enum phase to,
		  bool reverse)
{
	if (b->o->ignore_deps)
		return;
	near_reset(b, to, reverse);
	for (size_t i = 0; i < b->n; i++) {
		struct ci *c = &b->ci[i];
		if (!c->entry[from])
			continue;
		size_t s = (size_t)(c->inst->service - b->env->services);
		near_services(b, s);
		for (size_t k = 0; k < b->nnear[s]; k++) {
			const struct schema_service *t = &b->env->services[b->near[s][k]];
			for (size_t j = 0; j < t->ninstances; j++) {
				const struct ci *d =
					&b->ci[t->instances[j] - b->env->instances];
				dep(b, c->entry[from], d->gate[to]);
			}
		}
	}
}

/* Bound replacements go down before what they are bound to. */
static void order_bound(struct builder *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct ci *d = &b->ci[i];
		if (!d->bound_to)
			continue;
		struct ci *x = &b->ci[schema_env_instance(b->env, d->bound_to) -
				     b->env->instances];
		int x_first = x->entry[PH_DOWN] ? x->entry[PH_DOWN] : x->entry[PH_MID];
		dep(b, x_first, d->gate[PH_MID]);
		dep(b, d->entry[PH_UP], x->gate[PH_UP]);
	}
}

/* ------------------------------------------------------------------ */
/* Actions                                                              */

/* The pulls a start or restart needs, and the wait joining them. */
static void pulls_first(struct builder *b)
{
	const struct compile_opts *o = b->o;
	int *pulls = NULL;
	size_t np = 0;
	for (size_t i = 0; i < b->n; i++) {
		struct ci *c = &b->ci[i];
		bool want;
		bool if_absent = false;
		if (o->action == ACTION_PULL) {
			want = c->selected;
		} else if (o->refresh && c->selected &&
			   (c->ops.create || c->ops.start || c->ops.stop)) {
			want = true;
		} else if (c->ops.create) {
			want = o->offline || !c->image_id;
			if_absent = true;
		} else {
			want = false;
		}
		if (!want)
			continue;
		size_t before = b->pull_ix.n;
		int n = pull_step(b, c, if_absent);
		if (b->pull_ix.n != before) {
			pulls = mae_xrealloc(pulls, (np + 1) * sizeof(*pulls));
			pulls[np++] = n;
		}
	}
	b->pulls = pulls;
	b->npull_list = o->action == ACTION_PULL ? 0 : np;
}

struct ordered {
	long depth;
	size_t i;
};

static int cmp_ordered(const void *a, const void *b, void *ud)
{
	const struct ordered *x = a, *y = b;
	const struct ci *ci = ud;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return strcmp(ci[x->i].inst->name, ci[y->i].inst->name);
}

/*
 * The selected containers in the order a play lists them: dependents
 * first (reverse) or dependencies first, by service depth, then name.
 */
static size_t *play_order(struct builder *b, bool reverse, size_t *ret_n)
{
	size_t ns = b->env->nservices;
	long *depth = mae_xcalloc(ns + 1, sizeof(*depth));
	/* services are acyclic: relax until nothing changes (depth <= ns) */
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t s = 0; s < ns; s++) {
			const struct schema_service *svc = &b->env->services[s];
			for (size_t k = 0; k < svc->nrequires + svc->nimplied; k++) {
				const struct schema_service *t =
					k < svc->nrequires ? svc->requires[k]
							   : svc->implied[k - svc->nrequires];
				size_t ti = (size_t)(t - b->env->services);
				if (depth[s] < depth[ti] + 1 && depth[ti] < (long)ns) {
					depth[s] = depth[ti] + 1;
					changed = true;
				}
			}
		}
	}
	struct ordered *w = mae_xmalloc((b->n + 1) * sizeof(*w));
	size_t n = 0;
	for (size_t i = 0; i < b->n; i++) {
		if (!b->ci[i].selected)
			continue;
		long d = depth[b->ci[i].inst->service - b->env->services];
		w[n].depth = reverse ? -d : d;
		w[n++].i = i;
	}
	qsort_r(w, n, sizeof(*w), cmp_ordered, b->ci);
	size_t *v = mae_xmalloc((n + 1) * sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = w[i].i;
	free(w);
	free(depth);
	*ret_n = n;
	return v;
}

/* --step-delay: the k-th container's chain waits k-1 delays, chained. */
static void step_delays(struct builder *b, const size_t *v, size_t n)
{
	int prev = 0;
	bool first = true;
	for (size_t k = 0; k < n; k++) {
		struct ci *c = &b->ci[v[k]];
		if (!c->first)
			continue;
		if (first) {
			first = false;
			continue;
		}
		int w = delay_step(b, c, b->o->step_delay, "step-delay");
		dep(b, w, prev ? prev : barrier(b, c));
		dep(b, c->first, w);
		prev = w;
	}
}

static unsigned batch_size(const struct compile_opts *o, size_t count)
{
	if (!o->batch_percent)
		return o->batch;
	size_t s = (count * o->batch + 99) / 100;
	return s ? (unsigned)s : 1;
}

static int cmp_ci_name(const void *a, const void *b, void *ud)
{
	const struct ci *ci = ud;
	return strcmp(ci[*(const size_t *)a].inst->name,
		      ci[*(const size_t *)b].inst->name);
}

static void restart_batches(struct builder *b)
{
	const struct schema_env *env = b->env;
	size_t *v = mae_xmalloc(1 * sizeof(*v));
	/* every chain first; batches join them */
	for (size_t i = 0; i < b->n; i++)
		if (b->ci[i].selected)
			emit_chain(b, &b->ci[i]);
	for (size_t s = 0; s < env->nservices; s++) {
		const struct schema_service *svc = &env->services[s];
		size_t n = 0;
		v = mae_xrealloc(v, (svc->ninstances + 1) * sizeof(*v));
		for (size_t k = 0; k < svc->ninstances; k++) {
			size_t i = (size_t)(svc->instances[k] - env->instances);
			if (b->ci[i].selected && b->ci[i].first)
				v[n++] = i;
		}
		qsort_r(v, n, sizeof(*v), cmp_ci_name, b->ci);
		unsigned size = batch_size(b->o, n);
		for (size_t k = size; k < n; k += size) {
			/* a batch waits for the running checks of the one
			 * before (and the step delay after them) */
			size_t end = k + size < n ? k + size : n;
			int w = 0;
			if (b->o->step_delay > 0) {
				const struct ci *c = &b->ci[v[k]];
				w = delay_step(b, c, b->o->step_delay, "step-delay");
				for (size_t q = k; q < end; q++)
					dep(b, b->ci[v[q]].first, w);
			}
			for (size_t j = k - size; j < k; j++) {
				const struct ci *p = &b->ci[v[j]];
				int g = p->gate[PH_UP] ? p->gate[PH_UP] : p->last;
				if (w)
					dep(b, w, g);
				else
					for (size_t q = k; q < end; q++)
						dep(b, b->ci[v[q]].first, g);
			}
		}
	}
	free(v);
	/* a service's first batch waits for the services it requires */
	if (!b->o->ignore_deps) {
		/* entry of the whole chain: use DOWN entries, else UP ones */
		for (size_t i = 0; i < b->n; i++) {
			struct ci *c = &b->ci[i];
			if (c->first && !c->entry[PH_DOWN])
				c->entry[PH_DOWN] = c->first;
		}
		order(b, PH_DOWN, PH_UP, false);
	}
}

static int check_opts(const struct compile_opts *o, struct mae_error *e)
{
	if (o->refresh && o->reuse)
		return mae_error_set(e, MAE_ERR_INVALID,
				     "-r/--refresh-images and --reuse cannot be used together");
	if ((o->action == ACTION_STOP || o->action == ACTION_KILL ||
	     o->action == ACTION_RESTART) &&
	    o->nthings == 0 && !o->all)
		return mae_error_set(e, MAE_ERR_INVALID,
				     "no services or containers specified for %s, and --all not set",
				     compile_action_name(o->action));
	if (o->action != ACTION_RESTART &&
	    (o->batch || o->only_if_changed || o->step_delay > 0 ||
	     o->stop_start_delay > 0))
		return mae_error_set(e, MAE_ERR_INVALID,
				     "--batch, --only-if-changed, --step-delay and --stop-start-delay are options of restart");
	if (o->batch_percent && (o->batch == 0 || o->batch > 100))
		return mae_error_set(e, MAE_ERR_INVALID,
				     "--batch N%%: N must be 1 to 100");
	if (o->orphans && o->action != ACTION_CLEAN)
		return mae_error_set(e, MAE_ERR_INVALID,
				     "--orphans is an option of clean");
	if ((o->refresh || o->reuse) && o->action != ACTION_START &&
	    o->action != ACTION_RESTART)
		return mae_error_set(e, MAE_ERR_INVALID,
				     "-r and --reuse are options of start and restart");
	if (o->step_delay < 0 || o->stop_start_delay < 0 ||
	    !isfinite(o->step_delay) || !isfinite(o->stop_start_delay))
		return mae_error_set(e, MAE_ERR_INVALID,
				     "a delay must be a number of seconds, 0 or more");
	return 0;
}

/* clean --orphans: orphans on the ships the selection may touch go. */
static void clean_orphans(struct builder *b)
{
	if (!b->obs)
		return;
	for (size_t s = 0; s < b->obs->nships; s++) {
		const struct obs_ship *sh = &b->obs->ships[s];
		if (b->o->ship_glob && !glob_match(b->o->ship_glob, sh->name))
			continue;
		for (size_t k = 0; k < sh->ncontainers; k++) {
			const struct obs_container *oc = &sh->containers[k];
			const struct schema_instance *in =
				schema_env_instance(b->env, oc->name);
			bool described = in && strcmp(in->ship->name, sh->name) == 0;
			if (obs_classify(oc, b->env->name, described) != OBS_ORPHAN)
				continue;
			int prev = 0;
			if (oc->running) {
				struct plan_cond pre = cond(PLAN_COND_RUNNING, oc->id, true);
				struct plan_cond post = cond(PLAN_COND_STOPPED, oc->id, true);
				prev = plan_add_step(b->p, STEP_STOP, sh->name, oc->name,
						     json_pack("{s:s,s:i}", "name",
							       oc->name, "timeout", 10));
				plan_step_set_pre(plan_step(b->p, prev), &pre);
				plan_step_set_post(plan_step(b->p, prev), &post);
			}
			struct plan_cond pre = cond(PLAN_COND_STOPPED, oc->id, true);
			struct plan_cond post = cond(PLAN_COND_GONE, oc->id, true);
			int r = plan_add_step(b->p, STEP_REMOVE, sh->name, oc->name,
					      json_pack("{s:s,s:b}", "name", oc->name,
							"volumes", 1));
			plan_step_set_pre(plan_step(b->p, r), &pre);
			plan_step_set_post(plan_step(b->p, r), &post);
			dep(b, r, prev);
		}
	}
}

static int build(struct builder *b, struct mae_error *e)
{
	const struct compile_opts *o = b->o;
	int rc = check_opts(o, e);
	if (rc < 0)
		return rc;
	if (!o->offline && !b->obs)
		return mae_error_set(e, MAE_ERR_INTERNAL,
				     "no observation of the ships was given");
	for (size_t i = 0; i < b->n && !o->secret_key; i++)
		if (b->specs->v[i].nsecrets)
			return mae_error_set(e, MAE_ERR_INTERNAL,
					     "container '%s' has secrets and no key was given to digest them",
					     b->specs->v[i].inst->name);

	struct sgraph g;
	struct select_opts so;
	sgraph_from_model(b->env, &g);
	rc = select_opts_for_action(&so, compile_action_name(o->action),
				    o->things, o->nthings, o->with_deps,
				    o->ignore_deps, o->expand || o->all,
				    o->container_glob, o->ship_glob, e);
	size_t *sel = NULL, nsel = 0;
	if (rc == 0)
		rc = select_instances(&g, &so, &sel, &nsel, e);
	sgraph_release(&g);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < nsel; i++)
		b->ci[sel[i]].selected = true;
	free(sel);

	rc = observe(b, e);
	if (rc < 0)
		return rc;
	converge(b);
	if (o->action == ACTION_START || o->action == ACTION_RESTART)
		replace_bound(b);
	if (o->action == ACTION_START || o->action == ACTION_RESTART ||
	    o->action == ACTION_PULL)
		pulls_first(b);

	switch (o->action) {
	case ACTION_PULL:
		break;
	case ACTION_START:
		for (size_t i = 0; i < b->n; i++)
			emit_chain(b, &b->ci[i]);
		order(b, PH_UP, PH_UP, false);
		order_bound(b);
		break;
	case ACTION_STOP:
	case ACTION_KILL:
		for (size_t i = 0; i < b->n; i++)
			emit_chain(b, &b->ci[i]);
		order(b, PH_DOWN, PH_DOWN, true);
		break;
	case ACTION_CLEAN:
		for (size_t i = 0; i < b->n; i++)
			emit_chain(b, &b->ci[i]);
		order(b, PH_MID, PH_MID, false);
		if (o->orphans)
			clean_orphans(b);
		break;
	case ACTION_RESTART:
		if (o->batch) {
			restart_batches(b);
		} else {
			size_t n = 0;
			size_t *v = play_order(b, true, &n);
			for (size_t k = 0; k < n; k++)
				emit_chain(b, &b->ci[v[k]]);
			/* bound ones outside the selection */
			for (size_t i = 0; i < b->n; i++)
				if (!b->ci[i].selected)
					emit_chain(b, &b->ci[i]);
			order(b, PH_DOWN, PH_DOWN, true);
			order(b, PH_UP, PH_UP, false);
			if (o->step_delay > 0)
				step_delays(b, v, n);
			free(v);
		}
		order_bound(b);
		break;
	}
	return 0;
}

int compile_plan(const struct schema_env *env,
		 const struct container_specs *specs,
		 const struct compile_opts *o, const struct observed *observed,
		 struct compile_result *ret, struct mae_error *e)
{
	memset(ret, 0, sizeof(*ret));
	struct builder b = {
		.env = env,
		.specs = specs,
		.o = o,
		.obs = o->offline ? NULL : observed,
		.res = ret,
		.n = env->ninstances,
	};
	b.p = plan_new();
	plan_set_str(&b.p->environment, env->name);
	plan_set_str(&b.p->action, compile_action_name(o->action));
	model_hash(env, specs, b.p->model_hash);
	b.ci = mae_xcalloc(b.n + 1, sizeof(*b.ci));
	for (size_t i = 0; i < b.n; i++) {
		b.ci[i].inst = &env->instances[i];
		b.ci[i].cs = &specs->v[i];
		b.ci[i].cls = OBS_UNRELATED;
	}
	size_t ns = env->nservices + 1;
	b.near = mae_xcalloc(ns, sizeof(*b.near));
	b.nnear = mae_xcalloc(ns, sizeof(*b.nnear));
	b.near_state = mae_xcalloc(ns, 1);
	b.has_gate = mae_xcalloc(ns, sizeof(*b.has_gate));
	b.barrier = mae_xcalloc(env->nships + 1, sizeof(*b.barrier));

	int rc = build(&b, e);
	if (rc == 0)
		rc = plan_finish(b.p, e);

	for (size_t i = 0; i < b.n; i++) {
		free(b.ci[i].ref);
		json_decref(b.ci[i].condition);
	}
	free(b.ci);
	for (size_t s = 0; s < ns; s++)
		free(b.near[s]);
	free(b.near);
	free(b.nnear);
	free(b.near_state);
	free(b.has_gate);
	for (size_t i = 0; i < b.pull_ix.cap; i++)
		free((char *)b.pull_ix.slots[i].key);
	mae_map_release(&b.pull_ix);
	free(b.pulls);
	free(b.barrier);
	if (rc < 0) {
		plan_free(b.p);
		compile_result_release(ret);
		return rc;
	}
	ret->plan = b.p;
	if (ret->nnotes)
		qsort(ret->notes, ret->nnotes, sizeof(*ret->notes), cmp_note);
	return 0;
}
