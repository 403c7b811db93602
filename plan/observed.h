/*
 * observed.h - what the ships hold (INTERFACES.md "Containers on the
 * ships"): per ship the containers (name, id, state, image and image id,
 * maestro's labels) and the image id each tag resolves to, and the one
 * classifier that `plan`, `status` and `ships` share.
 *
 * An observation is a plain structure: cli fills it through the ships
 * client (one container list and one image list per ship, turned into
 * this structure by observed_ship_add_docker_*), tests read it from JSON
 * fixtures (observed_from_json).  Nothing here talks to a ship.
 *
 * Ownership: struct observed owns every string and array it points to;
 * lookups return borrowed pointers valid until observed_free().  This
 * header does not include jansson.h.
 */
#ifndef MAESTRO_PLAN_OBSERVED_H
#define MAESTRO_PLAN_OBSERVED_H

#include <stdbool.h>
#include <stddef.h>

#include "base.h"

struct json_t;

#define OBS_LABEL_ENVIRONMENT "maestro.environment"
#define OBS_LABEL_SERVICE "maestro.service"
#define OBS_LABEL_SPEC "maestro.spec"

struct obs_container {
	char *name;        /* without Docker's leading '/' */
	char *id;
	char *state;       /* Docker's: created, running, paused, restarting,
			    * removing, exited, dead */
	bool running;      /* running, paused or restarting: it must be
			    * stopped before it can be removed */
	char *image;       /* the image it was created from, as written */
	char *image_id;    /* "sha256:...", or NULL when not reported */
	char *environment; /* the maestro.* labels, NULL when absent */
	char *service;
	char *spec;
	struct json_t *inspect; /* GET /containers/NAME/json, when looked at
				 * (its Config and HostConfig tell which
				 * fields of a create body differ), or NULL */
};

struct obs_image {
	char *ref;         /* "repository:tag" */
	char *id;          /* "sha256:..." */
};

struct obs_ship {
	char *name;
	bool observed;     /* false: it could not be observed (error says why) */
	char *error;       /* NULL when observed */
	struct obs_container *containers; /* sorted by name once sealed */
	size_t ncontainers, ccap;
	struct obs_image *images;         /* sorted by ref once sealed */
	size_t nimages, icap;
	bool sealed;
};

struct observed {
	struct obs_ship *ships; /* sorted by name once sealed */
	size_t nships, cap;
};

struct observed *observed_new(void);
void observed_free(struct observed *o); /* NULL-safe */

/*
 * Add a ship (name copied) and return it; it counts as observed until
 * obs_ship_set_error().  The pointer is valid until the next
 * observed_add_ship().
 */
struct obs_ship *observed_add_ship(struct observed *o, const char *name);
/* The ship could not be observed: msg (copied) says why. */
void obs_ship_set_error(struct obs_ship *s, const char *msg);

/*
 * Add a container (strings copied; image_id, environment, service and
 * spec may be NULL).  running is derived from state.
 */
void obs_ship_add_container(struct obs_ship *s, const char *name,
			    const char *id, const char *state,
			    const char *image, const char *image_id,
			    const char *environment, const char *service,
			    const char *spec);
/*
 * Attach an inspect answer (stolen) to the container of that name added
 * before; MAE_ERR_NOTFOUND (and the answer dropped) when there is none.
 */
int obs_ship_add_inspect(struct obs_ship *s, const char *name,
			 struct json_t *inspect);
/* Record that ref ("repository:tag") resolves to id on this ship. */
void obs_ship_add_image(struct obs_ship *s, const char *ref, const char *id);

/*
 * Add what GET /containers/json?all=1 returned (a JSON array: Names, Id,
 * State, Image, ImageID, Labels) and what GET /images/json returned
 * (RepoTags, Id).  Malformed entries are MAE_ERR_PROTOCOL naming the
 * ship; nothing is added then.
 */
int obs_ship_add_docker_containers(struct obs_ship *s,
				   const struct json_t *list,
				   struct mae_error *e);
int obs_ship_add_docker_images(struct obs_ship *s, const struct json_t *list,
			       struct mae_error *e);

/*
 * Sort everything for lookups; two containers of one name on one ship
 * are MAE_ERR_INVALID.  Lookups below need a sealed observation.
 */
int observed_seal(struct observed *o, struct mae_error *e);

/*
 * Read a fixture:
 *   {"ships": {NAME: {"error": STR (optional: not observed),
 *                     "containers": [{"name", "id", "state", "image",
 *                                     "image_id" (optional),
 *                                     "labels": {KEY: STR} (optional),
 *                                     "inspect": {...} (optional)}],
 *                     "images": {REF: ID}}}}
 * sealed.  Errors name the field, prefixed by where.
 */
int observed_from_json(const struct json_t *doc, const char *where,
		       struct observed **ret, struct mae_error *e);
int observed_from_text(const char *text, size_t len, const char *where,
		       struct observed **ret, struct mae_error *e);

/* The ship of that name, or NULL. */
const struct obs_ship *observed_ship(const struct observed *o,
				     const char *name);
/* The container of that name on s, or NULL (s may be NULL). */
const struct obs_container *obs_ship_container(const struct obs_ship *s,
					       const char *name);
/* The id ref resolves to on s, or NULL (absent, or s NULL). */
const char *obs_ship_image_id(const struct obs_ship *s, const char *ref);

/*
 * What a container on a ship is to an environment (INTERFACES.md
 * "Containers on the ships"):
 *   MANAGED    labelled for this environment, its name an instance the
 *              description puts on this ship;
 *   ORPHAN     labelled for this environment, but not described here;
 *   UNMANAGED  no maestro labels, its name a described instance
 *              (made by MaestroNG or by hand: adopted if running,
 *              replaced if stopped);
 *   FOREIGN    labelled for another environment, its name a described
 *              instance: never touched;
 *   UNRELATED  anything else (not ours, not in our way).
 */
enum obs_class {
	OBS_MANAGED,
	OBS_ORPHAN,
	OBS_UNMANAGED,
	OBS_FOREIGN,
	OBS_UNRELATED,
};

/* "managed", "orphan", "unmanaged", "foreign", "unrelated". */
const char *obs_class_name(enum obs_class c);

/*
 * The class of c for the environment named environment, described saying
 * whether the description has an instance of c's name on this ship.
 */
enum obs_class obs_classify(const struct obs_container *c,
			    const char *environment, bool described);

#endif
