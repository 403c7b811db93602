/*
 * fuzz-model.c - fuzz target for the whole reading of a description:
 * template pass, YAML reader and model (schema_load_text).  Besides "no
 * crash, no leak, no hang" it checks what a valid model promises:
 *   - every instance has a ship, an image and its service, and is listed
 *     by its service;
 *   - every tcp/http check with a named port points into the instance's
 *     own ports, and a tcp check's port is TCP;
 *   - dependency closures never contain the service itself and respect
 *     the dependency-first order;
 *   - lookups by name find what the model lists;
 *   - a failed load returns no model and at least one error.
 */
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_closure(const struct schema_env *env,
			  const struct schema_service *svc, bool implied)
{
	size_t n;
	struct schema_service **v =
		schema_service_requires_closure(env, svc, implied, &n);
	if (n >= env->nservices + 1)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (v[i] == svc)
			abort();
		/* everything v[i] requires comes before it */
		for (size_t r = 0; r < v[i]->nrequires; r++) {
			bool before = false;
			for (size_t j = 0; j < i; j++)
				before |= v[j] == v[i]->requires[r];
			if (!before)
				abort();
		}
	}
	free(v);
	v = schema_service_dependents_closure(env, svc, &n);
	for (size_t i = 0; i < n; i++)
		if (v[i] == svc)
			abort();
	free(v);
}

static void check_model(const struct schema_env *env)
{
	if (!env->name || (env->schema_version != 1 && env->schema_version != 2))
		abort();
	for (size_t i = 0; i < env->nships; i++)
		if (schema_env_ship(env, env->ships[i].name) != &env->ships[i] ||
		    !env->ships[i].ip || !env->ships[i].endpoint)
			abort();
	for (size_t i = 0; i < env->ninstances; i++) {
		const struct schema_instance *c = &env->instances[i];
		if (!c->ship || !c->image || !c->service ||
		    schema_env_instance(env, c->name) != c)
			abort();
		bool listed = false;
		for (size_t j = 0; j < c->service->ninstances; j++)
			listed |= c->service->instances[j] == c;
		if (!listed)
			abort();
		for (int st = 0; st < SCHEMA_NSTATES; st++) {
			for (size_t k = 0; k < c->lifecycle[st].n; k++) {
				const struct schema_check *ck = &c->lifecycle[st].v[k];
				if (ck->type == SCHEMA_CHECK_TCP &&
				    (!ck->port_ref || strcmp(ck->port_ref->proto, "tcp")))
					abort();
				if (ck->port_ref &&
				    (ck->port_ref < c->ports ||
				     ck->port_ref >= c->ports + c->nports))
					abort();
			}
		}
		for (size_t j = 0; j < c->nvolumes_from; j++)
			if (c->volumes_from[j] == c ||
			    c->volumes_from[j]->ship != c->ship)
				abort();
	}
	for (size_t i = 0; i < env->nservices; i++) {
		const struct schema_service *s = &env->services[i];
		if (!s->image || schema_env_service(env, s->name) != s)
			abort();
		check_closure(env, s, true);
		check_closure(env, s, false);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const no_env[] = { NULL };
	struct mae_diags d;
	mae_diags_init(&d, "fuzz.yaml");
	struct schema_env *env = NULL;
	int rc = schema_load_text("fuzz.yaml", (const char *)data, size,
				  "/nonexistent", no_env, &env, &d);
	if (rc == 0) {
		if (!env || d.nerrors)
			abort();
		check_model(env);
	} else if (env || d.nerrors == 0) {
		abort();
	}
	for (size_t i = 0; i < d.n; i++) {
		char *s = mae_diag_format(&d.v[i]);
		free(s);
	}
	schema_env_free(env);
	mae_diags_release(&d);
	return 0;
}
