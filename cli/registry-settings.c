/*
 * registry-settings.c - the model's registries as a registry_list, and
 * a spec's image as a pull takes it (registry-settings.h).
 */
#include "registry-settings.h"

#include <string.h>

void cli_registries_from_model(const struct schema_env *env,
			       struct registry_list *out)
{
	memset(out, 0, sizeof(*out));
	if (!env->nregistries)
		return;
	out->v = mae_xcalloc(env->nregistries, sizeof(*out->v));
	out->n = env->nregistries;
	for (size_t i = 0; i < env->nregistries; i++) {
		const struct schema_registry *r = &env->registries[i];
		struct registry_entry *o = &out->v[i];
		o->name = mae_xstrdup(r->name);
		o->registry = mae_xstrdup_or_null(r->registry);
		o->username = mae_xstrdup_or_null(r->username);
		o->password = mae_xstrdup_or_null(r->password);
		o->email = mae_xstrdup_or_null(r->email);
		o->retry.attempts = r->retry_attempts > 0 ? r->retry_attempts : 3;
		o->retry.n_when = r->nretry_when;
		if (r->nretry_when) {
			o->retry.when = mae_xcalloc(r->nretry_when, sizeof(long));
			for (size_t k = 0; k < r->nretry_when; k++)
				o->retry.when[k] = r->retry_when[k];
		}
	}
}

void cli_pull_image_from_spec(const struct container_spec *cs,
			      struct ship_pull_image *out)
{
	out->image = cs->inst->image;
	out->name = cs->image.name;
	out->tag = image_ref_pull_tag(&cs->image);
	out->host = cs->image.host;
	out->registry = cs->registry ? cs->registry->name : NULL;
}
