/*
 * secrets.c - secret_env (INTERFACES.md "Secrets"): which values of a
 * container's environment are secrets, the warnings about them, and the
 * masked copies of what holds them (config, plans).
 *
 * A container's secrets are the values of the keys its service's and its
 * own secret_env name.  Every occurrence of such a value in a string of a
 * masked copy is replaced, also inside other values (a DATABASE_URL that
 * embeds a password), and so is the maestro.spec label, which is a hash
 * of the real values.
 */
#include "container-priv.h"
#include "yaml-tree.h"

#include <stdlib.h>
#include <string.h>

static bool listed(const struct schema_strlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].s, key) == 0)
			return true;
	return false;
}

bool container_spec_secret_key(const struct container_spec *cs,
			       const char *key)
{
	return listed(&cs->inst->service->secret_env, key) ||
	       listed(&cs->inst->secret_env, key);
}

static void add_secret(struct container_spec *cs, const char *value)
{
	if (!value || !*value)
		return;
	for (size_t i = 0; i < cs->nsecrets; i++)
		if (strcmp(cs->secrets[i], value) == 0)
			return;
	cs->secrets = mae_xrealloc(cs->secrets,
				   (cs->nsecrets + 1) * sizeof(*cs->secrets));
	cs->secrets[cs->nsecrets++] = mae_xstrdup(value);
}

static int longest_first(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);
	return x < y ? 1 : x > y ? -1 : strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first secret that starts at s, or NULL. */
static const char *secret_at(const struct container_spec *cs, const char *s)
{
	for (size_t i = 0; i < cs->nsecrets; i++)
		if (strncmp(s, cs->secrets[i], strlen(cs->secrets[i])) == 0)
			return cs->secrets[i];
	return NULL;
}

void secret_keys_init(struct secret_keys *sk, const struct schema_env *env)
{
	sk->found = mae_xcalloc(env->nservices + 1, sizeof(*sk->found));
	for (size_t si = 0; si < env->nservices; si++)
		sk->found[si] = mae_xcalloc(env->services[si].secret_env.n + 1,
					    sizeof(**sk->found));
}

bool secret_keys_wanted(const struct schema_instance *c)
{
	return c->service->secret_env.n > 0 || c->secret_env.n > 0;
}

void secret_keys_container(struct secret_keys *sk,
			   const struct schema_env *env,
			   const struct schema_instance *c,
			   const struct env_map *m, struct mae_diags *d)
{
	const struct schema_service *svc = c->service;
	bool *found = sk->found[svc - env->services];
	for (size_t k = 0; k < svc->secret_env.n; k++)
		if (!found[k] && env_map_get(m, svc->secret_env.v[k].s))
			found[k] = true;
	for (size_t k = 0; k < c->secret_env.n; k++)
		if (!env_map_get(m, c->secret_env.v[k].s))
			schema_diag(d, MAE_SEV_WARNING, &c->secret_env.v[k].pos,
				    "secret_env key %s is not in the environment of container %s",
				    STR_QUOTE(&c->secret_env.v[k]), c->qname);
}

void secret_keys_finish(struct secret_keys *sk, const struct schema_env *env,
			struct mae_diags *d)
{
	for (size_t si = 0; si < env->nservices; si++) {
		const struct schema_service *svc = &env->services[si];
		for (size_t k = 0; k < svc->secret_env.n; k++)
			if (d && !sk->found[si][k])
				schema_diag(d, MAE_SEV_WARNING, &svc->secret_env.v[k].pos,
					    "secret_env key %s of service %s is in no container's environment",
					    STR_QUOTE(&svc->secret_env.v[k]), svc->qname);
		free(sk->found[si]);
	}
	free(sk->found);
	sk->found = NULL;
}

void container_spec_secrets_fill(struct container_spec *cs,
				 struct mae_diags *d)
{
	const struct schema_instance *c = cs->inst;
	for (size_t k = 0; k < cs->env.n; k++)
		if (container_spec_secret_key(cs, cs->env.v[k].key))
			add_secret(cs, cs->env.v[k].value);
	if (!cs->nsecrets)
		return;
	qsort(cs->secrets, cs->nsecrets, sizeof(*cs->secrets), longest_first);
	/* a secret inside another value: said, and masked there too */
	for (size_t k = 0; k < cs->env.n && d; k++) {
		const struct env_var *v = &cs->env.v[k];
		if (!v->value || container_spec_secret_key(cs, v->key))
			continue;
		for (const char *p = v->value; *p; p++) {
			if (!secret_at(cs, p))
				continue;
			schema_diag(d, MAE_SEV_WARNING, &c->pos,
				    "the value of '%s' in container %s holds a secret_env value; it is masked there too",
				    MAE_QUOTE(v->key), c->qname);
			break;
		}
	}
}

void container_specs_secrets(const struct schema_env *env,
			     struct container_specs *s, struct mae_diags *d)
{
	/* a key no container has is a warning */
	struct secret_keys sk;
	secret_keys_init(&sk, env);
	for (size_t i = 0; i < s->n; i++)
		secret_keys_container(&sk, env, s->v[i].inst, &s->v[i].env, d);
	secret_keys_finish(&sk, env, d);
	for (size_t i = 0; i < s->n; i++)
		container_spec_secrets_fill(&s->v[i], d);
}

void container_spec_secrets_release(struct container_spec *cs)
{
	for (size_t i = 0; i < cs->nsecrets; i++) {
		/* wipe before freeing: a secret should not linger in the heap */
		volatile char *p = cs->secrets[i];
		for (; *p; p++)
			*p = 0;
		free(cs->secrets[i]);
	}
	free(cs->secrets);
	cs->secrets = NULL;
	cs->nsecrets = 0;
}

char *secret_mask_str(const struct container_spec *cs, const char *s,
		      secret_mask_fn fn, void *ud)
{
	struct mae_buf b = MAE_BUF_INIT;
	for (const char *p = s; *p;) {
		const char *sec = secret_at(cs, p);
		if (!sec) {
			mae_buf_addc(&b, *p++);
			continue;
		}
		char *m = fn ? fn(ud, sec) : mae_xstrdup(SECRET_MASK);
		mae_buf_adds(&b, m);
		free(m);
		p += strlen(sec);
	}
	return mae_buf_detach(&b);
}

static json_t *mask_value(const struct container_spec *cs, const json_t *v,
			  secret_mask_fn fn, void *ud)
{
	switch (json_typeof(v)) {
	case JSON_STRING: {
		char *m = secret_mask_str(cs, json_string_value(v), fn, ud);
		json_t *r = json_string(m);
		free(m);
		return r;
	}
	case JSON_ARRAY: {
		json_t *a = json_array();
		size_t i;
		const json_t *x;
		json_array_foreach(v, i, x)
			json_array_append_new(a, mask_value(cs, x, fn, ud));
		return a;
	}
	case JSON_OBJECT: {
		json_t *o = json_object();
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x)
			json_object_set_new(o, k, mask_value(cs, x, fn, ud));
		return o;
	}
	default:
		return json_deep_copy(v);
	}
}

struct json_t *secret_mask_json(const struct container_spec *cs,
				const struct json_t *v, secret_mask_fn fn,
				void *ud)
{
	if (!cs->nsecrets)
		return json_incref((json_t *)v);
	return mask_value(cs, v, fn, ud);
}

char *secret_mask_label(const struct container_spec *cs, secret_mask_fn fn,
			void *ud)
{
	if (!cs->nsecrets)
		return mae_xstrdup(cs->spec_hash);
	return fn ? fn(ud, cs->spec_hash) : mae_xstrdup(SECRET_MASK);
}

struct json_t *container_spec_masked_create(const struct container_spec *cs,
					    secret_mask_fn fn, void *ud)
{
	json_t *body = secret_mask_json(cs, cs->create, fn, ud);
	if (!cs->nsecrets)
		return body;
	char *label = secret_mask_label(cs, fn, ud);
	json_object_set_new(json_object_get(body, "Labels"), "maestro.spec",
			    json_string(label));
	free(label);
	return body;
}
