/*
 * observe.c - observe every ship of a description at once (observe.h).
 */
#include "observe.h"
#include "cli.h"

#include "compiler.h"
#include "executor.h"
#include "observed.h"
#include "schema.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct look {
	const struct schema_env *env;
	const struct schema_ship *ship;
	bool debug;
	json_t *containers, *images;
	json_t *inspects;  /* name -> inspect answer, for this environment's
			    * described containers */
	struct mae_error e;
	int rc;
};

static void *look_run(void *arg)
{
	struct look *l = arg;
	struct ship_conn conn;
	struct ship_client *cl = NULL;
	mae_error_clear(&l->e);
	compile_ship_conn(l->ship, &conn);
	l->rc = ship_client_new(&conn, &cl, &l->e);
	ship_conn_release(&conn);
	if (l->rc == 0 && l->debug)
		ship_client_set_trace(cl, cli_trace_call, NULL);
	/* no label filter: every container, so that unlabelled ones and
	 * other environments' holding a described name are seen too */
	if (l->rc == 0)
		l->rc = ship_containers_by_labels(cl, NULL, 0, &l->containers,
						  &l->e);
	if (l->rc == 0)
		l->rc = ship_image_list(cl, &l->images, &l->e);
	/* this environment's containers described here: inspected, so that
	 * a body changed by hand under the same labels is seen as drift */
	l->inspects = json_object();
	size_t i;
	json_t *c;
	json_array_foreach(l->rc == 0 ? l->containers : NULL, i, c) {
		const char *name = json_string_value(
			json_array_get(json_object_get(c, "Names"), 0));
		const char *envl = json_string_value(json_object_get(
			json_object_get(c, "Labels"), OBS_LABEL_ENVIRONMENT));
		if (!name || !envl || strcmp(envl, l->env->name) != 0)
			continue;
		if (name[0] == '/')
			name++;
		const struct schema_instance *in = schema_env_instance(l->env, name);
		if (!in || in->ship != l->ship)
			continue;
		json_t *ins = NULL;
		struct mae_error ie;
		mae_error_clear(&ie);
		/* a container gone since the list is simply not inspected */
		if (ship_container_inspect(cl, name, &ins, &ie) == 0)
			json_object_set_new(l->inspects, name, ins);
	}
	ship_client_free(cl);
	return NULL;
}

struct observed *cli_observe(const struct schema_env *env, bool debug)
{
	size_t n = env->nships;
	struct look *v = mae_xcalloc(n + 1, sizeof(*v));
	pthread_t *t = mae_xcalloc(n + 1, sizeof(*t));
	bool *started = mae_xcalloc(n + 1, sizeof(*started));
	for (size_t i = 0; i < n; i++) {
		v[i].env = env;
		v[i].ship = &env->ships[i];
		v[i].debug = debug;
		started[i] = pthread_create(&t[i], NULL, look_run, &v[i]) == 0;
		if (!started[i])
			look_run(&v[i]);
	}
	struct observed *o = observed_new();
	for (size_t i = 0; i < n; i++) {
		if (started[i])
			pthread_join(t[i], NULL);
		struct obs_ship *s = observed_add_ship(o, env->ships[i].name);
		if (v[i].rc == 0)
			v[i].rc = obs_ship_add_docker_containers(s, v[i].containers,
								 &v[i].e);
		if (v[i].rc == 0)
			v[i].rc = obs_ship_add_docker_images(s, v[i].images, &v[i].e);
		const char *name;
		json_t *ins;
		json_object_foreach(v[i].inspects, name, ins)
			obs_ship_add_inspect(s, name, json_incref(ins));
		if (v[i].rc < 0)
			obs_ship_set_error(s, v[i].e.msg);
		json_decref(v[i].containers);
		json_decref(v[i].images);
		json_decref(v[i].inspects);
	}
	struct mae_error e;
	if (observed_seal(o, &e) < 0) {
		/* Docker never reports two containers of one name; if a ship
		 * did, it cannot be trusted */
		for (size_t i = 0; i < o->nships; i++)
			if (!o->ships[i].sealed)
				obs_ship_set_error(&o->ships[i], e.msg);
	}
	free(v);
	free(t);
	free(started);
	return o;
}
