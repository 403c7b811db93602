/*
 * observed.c - what the ships hold, and the one classifier of containers
 * (observed.h).  Reads Docker's list answers and test fixtures; talks to
 * nothing.
 */
#include "observed.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct observed *observed_new(void)
{
	return mae_xcalloc(1, sizeof(struct observed));
}

static void container_release(struct obs_container *c)
{
	free(c->name);
	free(c->id);
	free(c->state);
	free(c->image);
	free(c->image_id);
	free(c->environment);
	free(c->service);
	free(c->spec);
	json_decref(c->inspect);
}

static void ship_release(struct obs_ship *s)
{
	for (size_t i = 0; i < s->ncontainers; i++)
		container_release(&s->containers[i]);
	free(s->containers);
	for (size_t i = 0; i < s->nimages; i++) {
		free(s->images[i].ref);
		free(s->images[i].id);
	}
	free(s->images);
	free(s->name);
	free(s->error);
}

void observed_free(struct observed *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nships; i++)
		ship_release(&o->ships[i]);
	free(o->ships);
	free(o);
}

struct obs_ship *observed_add_ship(struct observed *o, const char *name)
{
	if (o->nships == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 8;
		o->ships = mae_xrealloc(o->ships, o->cap * sizeof(*o->ships));
	}
	struct obs_ship *s = &o->ships[o->nships++];
	memset(s, 0, sizeof(*s));
	s->name = mae_xstrdup(name);
	s->observed = true;
	return s;
}

void obs_ship_set_error(struct obs_ship *s, const char *msg)
{
	free(s->error);
	s->error = mae_xstrdup(msg ? msg : "not observed");
	s->observed = false;
}

void obs_ship_add_container(struct obs_ship *s, const char *name,
			    const char *id, const char *state,
			    const char *image, const char *image_id,
			    const char *environment, const char *service,
			    const char *spec)
{
	if (s->ncontainers == s->ccap) {
		s->ccap = s->ccap ? 2 * s->ccap : 16;
		s->containers = mae_xrealloc(s->containers,
					     s->ccap * sizeof(*s->containers));
	}
	struct obs_container *c = &s->containers[s->ncontainers++];
	c->name = mae_xstrdup(name);
	c->id = mae_xstrdup(id ? id : "");
	c->state = mae_xstrdup(state ? state : "");
	c->running = mae_streq(c->state, "running") ||
		     mae_streq(c->state, "paused") ||
		     mae_streq(c->state, "restarting");
	c->image = mae_xstrdup(image ? image : "");
	c->image_id = mae_xstrdup_or_null(image_id);
	c->environment = mae_xstrdup_or_null(environment);
	c->service = mae_xstrdup_or_null(service);
	c->spec = mae_xstrdup_or_null(spec);
	c->inspect = NULL;
	s->sealed = false;
}

int obs_ship_add_inspect(struct obs_ship *s, const char *name,
			 struct json_t *inspect)
{
	for (size_t i = 0; i < s->ncontainers; i++) {
		struct obs_container *c = &s->containers[i];
		if (strcmp(c->name, name) == 0) {
			json_decref(c->inspect);
			c->inspect = inspect;
			return 0;
		}
	}
	json_decref(inspect);
	return MAE_ERR_NOTFOUND;
}

void obs_ship_add_image(struct obs_ship *s, const char *ref, const char *id)
{
	if (s->nimages == s->icap) {
		s->icap = s->icap ? 2 * s->icap : 16;
		s->images = mae_xrealloc(s->images, s->icap * sizeof(*s->images));
	}
	s->images[s->nimages].ref = mae_xstrdup(ref);
	s->images[s->nimages].id = mae_xstrdup(id);
	s->nimages++;
	s->sealed = false;
}

static const char *jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *label(const json_t *labels, const char *key)
{
	return json_is_object(labels) ? jstr(labels, key) : NULL;
}

int obs_ship_add_docker_containers(struct obs_ship *s,
				   const struct json_t *list,
				   struct mae_error *e)
{
	if (!json_is_array(list))
		return mae_error_set(e, MAE_ERR_PROTOCOL,
				     "%s: the container list is not a JSON array",
				     s->name);
	size_t i;
	const json_t *c;
	/* check everything first, so that nothing is added on an error */
	json_array_foreach(list, i, c) {
		const json_t *names = json_object_get(c, "Names");
		if (!json_is_object(c) || !jstr(c, "Id") ||
		    !json_is_array(names) || json_array_size(names) < 1 ||
		    !json_is_string(json_array_get(names, 0)))
			return mae_error_set(e, MAE_ERR_PROTOCOL,
					     "%s: container %zu of the list has no Id or Names",
					     s->name, i);
	}
	json_array_foreach(list, i, c) {
		const json_t *labels = json_object_get(c, "Labels");
		/* the first name is the container's own ("/web"); links add
		 * "/other/alias" names after it */
		const char *name = json_string_value(
			json_array_get(json_object_get(c, "Names"), 0));
		if (name[0] == '/')
			name++;
		obs_ship_add_container(s, name, jstr(c, "Id"), jstr(c, "State"),
				       jstr(c, "Image"), jstr(c, "ImageID"),
				       label(labels, OBS_LABEL_ENVIRONMENT),
				       label(labels, OBS_LABEL_SERVICE),
				       label(labels, OBS_LABEL_SPEC));
	}
	return 0;
}

int obs_ship_add_docker_images(struct obs_ship *s, const struct json_t *list,
			       struct mae_error *e)
{
	if (!json_is_array(list))
		return mae_error_set(e, MAE_ERR_PROTOCOL,
				     "%s: the image list is not a JSON array",
				     s->name);
	size_t i;
	const json_t *im;
	json_array_foreach(list, i, im) {
		if (!json_is_object(im) || !jstr(im, "Id"))
			return mae_error_set(e, MAE_ERR_PROTOCOL,
					     "%s: image %zu of the list has no Id",
					     s->name, i);
	}
	json_array_foreach(list, i, im) {
		const json_t *tags = json_object_get(im, "RepoTags");
		size_t k;
		const json_t *t;
		json_array_foreach(tags, k, t) {
			const char *ref = json_string_value(t);
			if (ref && strcmp(ref, "<none>:<none>") != 0)
				obs_ship_add_image(s, ref, jstr(im, "Id"));
		}
	}
	return 0;
}

static int cmp_container(const void *a, const void *b)
{
	return strcmp(((const struct obs_container *)a)->name,
		      ((const struct obs_container *)b)->name);
}

static int cmp_image(const void *a, const void *b)
{
	return strcmp(((const struct obs_image *)a)->ref,
		      ((const struct obs_image *)b)->ref);
}

static int cmp_ship(const void *a, const void *b)
{
	return strcmp(((const struct obs_ship *)a)->name,
		      ((const struct obs_ship *)b)->name);
}

int observed_seal(struct observed *o, struct mae_error *e)
{
	if (o->nships)
		qsort(o->ships, o->nships, sizeof(*o->ships), cmp_ship);
	for (size_t i = 0; i + 1 < o->nships; i++)
		if (strcmp(o->ships[i].name, o->ships[i + 1].name) == 0)
			return mae_error_set(e, MAE_ERR_INVALID,
					     "ship '%s' is observed twice",
					     o->ships[i].name);
	for (size_t i = 0; i < o->nships; i++) {
		struct obs_ship *s = &o->ships[i];
		if (s->ncontainers)
			qsort(s->containers, s->ncontainers, sizeof(*s->containers),
		      cmp_container);
		for (size_t k = 0; k + 1 < s->ncontainers; k++)
			if (strcmp(s->containers[k].name,
				   s->containers[k + 1].name) == 0)
				return mae_error_set(e, MAE_ERR_INVALID,
						     "%s: two containers named '%s'",
						     s->name, s->containers[k].name);
		if (s->nimages)
			qsort(s->images, s->nimages, sizeof(*s->images), cmp_image);
		s->sealed = true;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                             */

static int bad(struct mae_error *e, const char *where, const char *ship,
	       const char *what)
{
	return mae_error_set(e, MAE_ERR_INVALID, "%s: ships.%s: %s", where,
			     ship, what);
}

static int opt_str(const json_t *o, const char *key, const char **ret)
{
	const json_t *v = json_object_get(o, key);
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*ret = json_string_value(v);
	return 0;
}

static int fixture_ship(struct observed *o, const char *name, const json_t *v,
			const char *where, struct mae_error *e)
{
	if (!json_is_object(v))
		return bad(e, where, name, "not an object");
	const char *key;
	const json_t *val;
	json_object_foreach((json_t *)v, key, val) {
		if (strcmp(key, "error") && strcmp(key, "containers") &&
		    strcmp(key, "images"))
			return bad(e, where, name, "unknown key");
	}
	struct obs_ship *s = observed_add_ship(o, name);
	const char *err = NULL;
	if (opt_str(v, "error", &err) < 0)
		return bad(e, where, name, "error: not a string");
	if (err)
		obs_ship_set_error(s, err);
	const json_t *cs = json_object_get(v, "containers");
	if (cs && !json_is_array(cs))
		return bad(e, where, name, "containers: not an array");
	size_t i;
	const json_t *c;
	json_array_foreach(cs, i, c) {
		const char *cname, *id, *state, *image, *image_id;
		const json_t *labels = json_object_get(c, "labels");
		const json_t *inspect = json_object_get(c, "inspect");
		if (!json_is_object(c) || opt_str(c, "name", &cname) < 0 ||
		    !cname || opt_str(c, "id", &id) < 0 || !id ||
		    opt_str(c, "state", &state) < 0 || !state ||
		    opt_str(c, "image", &image) < 0 || !image ||
		    opt_str(c, "image_id", &image_id) < 0 ||
		    (labels && !json_is_object(labels)) ||
		    (inspect && !json_is_object(inspect)))
			return bad(e, where, name,
				   "a container needs name, id, state and image strings");
		const char *lk;
		const json_t *lv;
		json_object_foreach((json_t *)labels, lk, lv)
			if (!json_is_string(lv))
				return bad(e, where, name, "a label is not a string");
		obs_ship_add_container(s, cname, id, state, image, image_id,
				       label(labels, OBS_LABEL_ENVIRONMENT),
				       label(labels, OBS_LABEL_SERVICE),
				       label(labels, OBS_LABEL_SPEC));
		if (inspect)
			obs_ship_add_inspect(s, cname, json_incref((json_t *)inspect));
	}
	const json_t *ims = json_object_get(v, "images");
	if (ims && !json_is_object(ims))
		return bad(e, where, name, "images: not an object");
	json_object_foreach((json_t *)ims, key, val) {
		if (!json_is_string(val))
			return bad(e, where, name, "images: an id is not a string");
		obs_ship_add_image(s, key, json_string_value(val));
	}
	return 0;
}

int observed_from_json(const struct json_t *doc, const char *where,
		       struct observed **ret, struct mae_error *e)
{
	*ret = NULL;
	const json_t *ships = json_object_get(doc, "ships");
	if (!json_is_object(doc) || !json_is_object(ships))
		return mae_error_set(e, MAE_ERR_INVALID,
				     "%s: expected an object with \"ships\"",
				     where);
	struct observed *o = observed_new();
	const char *name;
	const json_t *v;
	int rc = 0;
	json_object_foreach((json_t *)ships, name, v) {
		rc = fixture_ship(o, name, v, where, e);
		if (rc < 0)
			break;
	}
	if (rc == 0)
		rc = observed_seal(o, e);
	if (rc < 0) {
		observed_free(o);
		return rc;
	}
	*ret = o;
	return 0;
}

int observed_from_text(const char *text, size_t len, const char *where,
		       struct observed **ret, struct mae_error *e)
{
	json_error_t je;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	*ret = NULL;
	if (!doc)
		return mae_error_set(e, MAE_ERR_INVALID, "%s:%d:%d: %s", where,
				     je.line, je.column, je.text);
	int rc = observed_from_json(doc, where, ret, e);
	json_decref(doc);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Lookups and the classifier                                           */

const struct obs_ship *observed_ship(const struct observed *o,
				     const char *name)
{
	if (!o || !o->nships)
		return NULL;
	struct obs_ship key = { .name = (char *)name };
	return bsearch(&key, o->ships, o->nships, sizeof(*o->ships), cmp_ship);
}

const struct obs_container *obs_ship_container(const struct obs_ship *s,
					       const char *name)
{
	if (!s || !s->ncontainers)
		return NULL;
	struct obs_container key = { .name = (char *)name };
	return bsearch(&key, s->containers, s->ncontainers,
		       sizeof(*s->containers), cmp_container);
}

const char *obs_ship_image_id(const struct obs_ship *s, const char *ref)
{
	if (!s || !s->nimages)
		return NULL;
	struct obs_image key = { .ref = (char *)ref };
	const struct obs_image *im = bsearch(&key, s->images, s->nimages,
					     sizeof(*s->images), cmp_image);
	return im ? im->id : NULL;
}

const char *obs_class_name(enum obs_class c)
{
	static const char *const names[] = { "managed", "orphan", "unmanaged",
					     "foreign", "unrelated" };
	return (unsigned)c < sizeof(names) / sizeof(*names) ? names[c] : "?";
}

enum obs_class obs_classify(const struct obs_container *c,
			    const char *environment, bool described)
{
	if (!c->environment)
		return described ? OBS_UNMANAGED : OBS_UNRELATED;
	if (strcmp(c->environment, environment) == 0)
		return described ? OBS_MANAGED : OBS_ORPHAN;
	return described ? OBS_FOREIGN : OBS_UNRELATED;
}
