/*
 * config-doc.c - the document `maestro config --json` prints
 * (INTERFACES.md) and the model hash made from it.
 *
 * Must not: print, talk to a ship.
 */
#include "container-priv.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* The config document                                                  */

static json_t *ship_json(const struct schema_ship *sh)
{
	json_t *o = json_object();
	json_object_set_new(o, "ip", jstr(sh->ip));
	json_object_set_new(o, "endpoint", jstr(sh->endpoint));
	json_object_set_new(o, "docker_port", json_integer(sh->docker_port));
	json_object_set_new(o, "socket_path", jstr(sh->socket_path));
	json_object_set_new(o, "timeout", jnum(sh->timeout_s));
	json_object_set_new(o, "api_version", jstr(sh->api_version));
	if (sh->tls || sh->tls_verify) {
		json_t *t = json_object();
		json_object_set_new(t, "verify", json_boolean(sh->tls_verify));
		json_object_set_new(t, "ca_cert", jstr(sh->tls_ca_cert));
		json_object_set_new(t, "cert", jstr(sh->tls_cert));
		json_object_set_new(t, "key", jstr(sh->tls_key));
		json_object_set_new(o, "tls", t);
	} else {
		json_object_set_new(o, "tls", json_null());
	}
	if (sh->has_ssh_tunnel) {
		const struct schema_ssh_tunnel *t = &sh->ssh_tunnel;
		json_t *j = json_object();
		json_object_set_new(j, "user", jstr(t->user));
		json_object_set_new(j, "key", jstr(t->key));
		json_object_set_new(j, "port", json_integer(t->port));
		json_object_set_new(j, "known_hosts", jstr(t->known_hosts));
		json_object_set_new(j, "insecure_host_key",
				    json_boolean(t->insecure_host_key));
		json_object_set_new(j, "timeout", jnum(sh->ssh_timeout_s));
		json_object_set_new(o, "ssh_tunnel", j);
	} else {
		json_object_set_new(o, "ssh_tunnel", json_null());
	}
	return o;
}

static json_t *registry_json(const struct schema_registry *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "registry", jstr(r->registry));
	json_object_set_new(o, "username", jstr(r->username));
	json_object_set_new(o, "email", jstr(r->email));
	json_object_set_new(o, "password", r->password ? json_string("***")
						       : json_null());
	json_t *retry = json_object();
	json_object_set_new(retry, "attempts", json_integer(r->retry_attempts));
	json_t *when = json_array();
	for (size_t i = 0; i < r->nretry_when; i++)
		json_array_append_new(when, json_integer(r->retry_when[i]));
	json_object_set_new(retry, "when", when);
	json_object_set_new(o, "retry", retry);
	return o;
}

static json_t *svc_names(struct schema_service *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]->name));
	return a;
}

static json_t *service_json(const struct schema_service *svc)
{
	json_t *o = json_object();
	json_object_set_new(o, "image", jstr(svc->image));
	json_object_set_new(o, "requires", svc_names(svc->requires, svc->nrequires));
	json_object_set_new(o, "wants_info", svc_names(svc->wants_info, svc->nwants_info));
	json_object_set_new(o, "omit", json_boolean(svc->omit));
	json_t *inst = json_array();
	for (size_t i = 0; i < svc->ninstances; i++)
		json_array_append_new(inst, json_string(svc->instances[i]->name));
	json_object_set_new(o, "instances", inst);
	return o;
}

static json_t *container_json(const struct container_spec *cs, bool mask)
{
	const struct schema_instance *c = cs->inst;
	json_t *o = json_object();
	json_object_set_new(o, "service", json_string(c->service->name));
	json_object_set_new(o, "ship", json_string(c->ship->name));
	json_object_set_new(o, "image", json_string(c->image));
	json_t *parts = json_object();
	json_object_set_new(parts, "registry", jstr(cs->image.registry));
	json_object_set_new(parts, "repository", jstr(cs->image.repository));
	json_object_set_new(parts, "tag", jstr(cs->image.tag));
	json_object_set_new(o, "image_parts", parts);
	json_object_set_new(o, "registry", cs->registry ? json_string(cs->registry->name)
							: json_null());
	json_object_set_new(o, "command", jargv(cs->argv, cs->argc));

	json_t *env = json_object();
	for (size_t i = 0; i < cs->env.n; i++) {
		const struct env_var *v = &cs->env.v[i];
		json_object_set_new_nocheck(env, v->key,
					    v->value ? json_string_nocheck(v->value)
						     : json_null());
	}
	json_object_set_new(o, "env", env);

	json_t *ports = json_object();
	for (size_t i = 0; i < c->nports; i++) {
		json_t *p = json_object();
		json_object_set_new(p, "exposed", json_string(c->ports[i].exposed));
		json_object_set_new(p, "external", json_string(c->ports[i].external));
		json_object_set_new(p, "external_ip", json_string(c->ports[i].external_ip));
		json_object_set_new(ports, c->ports[i].name, p);
	}
	json_object_set_new(o, "ports", ports);

	json_t *vols = json_array();
	for (size_t i = 0; i < c->nvolumes; i++) {
		json_t *v = json_object();
		json_object_set_new(v, "host", json_string(c->volumes[i].host));
		json_object_set_new(v, "container", json_string(c->volumes[i].target));
		json_object_set_new(v, "mode", json_string(c->volumes[i].mode));
		json_array_append_new(vols, v);
	}
	json_object_set_new(o, "volumes", vols);
	json_object_set_new(o, "container_volumes", jstrlist(&c->container_volumes));
	json_t *vf = json_array();
	for (size_t i = 0; i < c->nvolumes_from; i++)
		json_array_append_new(vf, json_string(c->volumes_from[i]->name));
	json_object_set_new(o, "volumes_from", vf);
	json_object_set_new(o, "links", jstrpairs(&c->links));
	json_object_set_new(o, "lifecycle", json_incref(cs->lifecycle));

	json_t *rs = json_object();
	json_object_set_new(rs, "name", json_string(c->restart.name));
	json_object_set_new(rs, "retries", json_integer(c->restart.retries));
	json_object_set_new(o, "restart", rs);
	json_t *lim = json_object();
	json_object_set_new(lim, "cpu", c->limits.has_cpu ? json_integer(c->limits.cpu)
							  : json_null());
	json_object_set_new(lim, "memory", c->limits.has_memory
						   ? json_integer(c->limits.memory)
						   : json_null());
	json_object_set_new(lim, "swap", c->limits.has_swap ? json_integer(c->limits.swap)
							    : json_null());
	json_object_set_new(o, "limits", lim);
	json_object_set_new(o, "dns", c->has_dns ? jstrlist(&c->dns) : json_null());
	json_object_set_new(o, "net", jstr(c->net));
	json_object_set_new(o, "privileged", json_boolean(c->privileged));
	json_object_set_new(o, "cap_add", jstrlist(&c->cap_add));
	json_object_set_new(o, "cap_drop", jstrlist(&c->cap_drop));
	json_object_set_new(o, "extra_hosts", jstrpairs(&c->extra_hosts));
	json_object_set_new(o, "log_driver", jstr(c->log_driver));
	json_object_set_new(o, "log_opt", jstrpairs(&c->log_opt));
	json_object_set_new(o, "stop_timeout", json_integer(c->stop_timeout));
	json_object_set_new(o, "username", jstr(c->username));
	json_object_set_new(o, "workdir", jstr(c->workdir));
	json_object_set_new(o, "security_opt", c->has_security_opt
						       ? jstrlist(&c->security_opt)
						       : json_null());
	json_t *ul = json_array();
	for (size_t i = 0; i < c->nulimits; i++) {
		json_t *u = json_object();
		json_object_set_new(u, "name", json_string(c->ulimits[i].name));
		json_object_set_new(u, "soft", json_integer(c->ulimits[i].soft));
		json_object_set_new(u, "hard", json_integer(c->ulimits[i].hard));
		json_array_append_new(ul, u);
	}
	json_object_set_new(o, "ulimits", ul);
	json_object_set_new(o, "labels", jstrpairs(&c->labels));
	json_object_set_new(o, "create", json_incref(cs->create));
	if (mask && cs->nsecrets) {
		json_t *m = secret_mask_json(cs, o, NULL, NULL);
		json_decref(o);
		o = m;
		json_object_set_new(json_object_get(json_object_get(o, "create"),
						    "Labels"),
				    "maestro.spec", json_string(SECRET_MASK));
	}
	return o;
}

static json_t *document_without_hash(const struct schema_env *env,
				     const struct container_specs *s, bool mask)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "name", json_string(env->name));
	json_object_set_new(doc, "schema", json_integer(env->schema_version));
	json_t *ships = json_object();
	for (size_t i = 0; i < env->nships; i++)
		json_object_set_new(ships, env->ships[i].name, ship_json(&env->ships[i]));
	json_object_set_new(doc, "ships", ships);
	json_t *regs = json_object();
	for (size_t i = 0; i < env->nregistries; i++)
		json_object_set_new(regs, env->registries[i].name,
				    registry_json(&env->registries[i]));
	json_object_set_new(doc, "registries", regs);
	json_t *svcs = json_object();
	for (size_t i = 0; i < env->nservices; i++)
		json_object_set_new(svcs, env->services[i].name,
				    service_json(&env->services[i]));
	json_object_set_new(doc, "services", svcs);
	json_t *cons = json_object();
	for (size_t i = 0; i < s->n; i++)
		json_object_set_new(cons, s->v[i].inst->name, container_json(&s->v[i], mask));
	json_object_set_new(doc, "containers", cons);
	return doc;
}

static int cmp_spec_name(const void *a, const void *b)
{
	const struct container_spec *x = *(const struct container_spec *const *)a;
	const struct container_spec *y = *(const struct container_spec *const *)b;
	return strcmp(x->inst->name, y->inst->name);
}

/*
 * The hash of the masked document without model_hash, streamed: the
 * containers one at a time (so that a large environment is never held
 * twice), then the rest; the same bytes as the canonical document, whose
 * keys sort "containers" first.
 */
void model_hash(const struct schema_env *env, const struct container_specs *s,
		char out[MAE_SHA256_HEX_LEN + 1])
{
	struct container_specs none = { NULL, 0, false };
	json_t *rest = document_without_hash(env, &none, true);
	json_object_del(rest, "containers");
	const struct container_spec **v = mae_xcalloc(s->n + 1, sizeof(*v));
	for (size_t i = 0; i < s->n; i++)
		v[i] = &s->v[i];
	qsort(v, s->n, sizeof(*v), cmp_spec_name);
	struct mae_sha256 h;
	mae_sha256_init(&h);
	mae_sha256_update(&h, "{\"containers\":{", 15);
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			mae_sha256_update(&h, ",", 1);
		json_t *name = json_string(v[i]->inst->name);
		mae_sha256_add_json(&h, name);
		json_decref(name);
		mae_sha256_update(&h, ":", 1);
		json_t *c = container_json(v[i], true);
		mae_sha256_add_json(&h, c);
		json_decref(c);
	}
	mae_sha256_update(&h, "}", 1);
	size_t rlen;
	char *r = mae_json_canonical_n(rest, &rlen);
	/* rest is an object with keys besides containers: ",..." */
	mae_sha256_update(&h, ",", 1);
	mae_sha256_update(&h, r + 1, rlen - 1);
	mae_sha256_final_hex(&h, out);
	free(r);
	free(v);
	json_decref(rest);
}

struct outbuf {
	char *s;
	size_t len, cap;
	size_t depth; /* nesting, kept across json_reindent calls */
};

static void out_reserve(struct outbuf *o, size_t extra)
{
	if (o->len + extra + 1 <= o->cap)
		return;
	while (o->len + extra + 1 > o->cap)
		o->cap = o->cap ? o->cap * 2 : 4096;
	o->s = mae_xrealloc(o->s, o->cap);
}

static void out_add(struct outbuf *o, const char *p, size_t n)
{
	out_reserve(o, n);
	memcpy(o->s + o->len, p, n);
	o->len += n;
}

static void out_indent(struct outbuf *o, size_t depth)
{
	out_reserve(o, 1 + 2 * depth);
	o->s[o->len++] = '\n';
	memset(o->s + o->len, ' ', 2 * depth);
	o->len += 2 * depth;
}

/*
 * Re-indent compact JSON by two spaces per level, in the layout of
 * jansson's JSON_INDENT(2) and Python's json.dumps(indent=2): one member
 * per line, ": " after keys, "{}" and "[]" when empty.  Runs of plain
 * characters are copied whole.
 */
static void json_reindent(const char *s, size_t n, struct outbuf *o)
{
	size_t i = 0;
	while (i < n) {
		size_t start = i;
		while (i < n && !strchr("\"{}[],:", s[i]))
			i++;
		out_add(o, s + start, i - start);
		if (i >= n)
			break;
		char c = s[i++];
		switch (c) {
		case '"': {
			size_t q = i;
			while (q < n && s[q] != '"')
				q += s[q] == '\\' ? 2 : 1;
			out_add(o, s + i - 1, q + 1 - (i - 1));
			i = q + 1;
			break;
		}
		case '{':
		case '[':
			out_add(o, &c, 1);
			if (i < n && (s[i] == '}' || s[i] == ']'))
				out_add(o, s + i++, 1);
			else
				out_indent(o, ++o->depth);
			break;
		case '}':
		case ']':
			out_indent(o, --o->depth);
			out_add(o, &c, 1);
			break;
		case ',':
			out_add(o, ",", 1);
			out_indent(o, o->depth);
			break;
		default: /* ':' */
			out_add(o, ": ", 2);
		}
	}
}

char *config_document_canonical(const struct schema_env *env,
				const struct container_specs *s, size_t *ret_len)
{
	/*
	 * One canonical dump serves both the hash and the output: the
	 * document is '{"containers":C,' followed by the other members,
	 * and "model_hash" sorts right after "containers".
	 */
	json_t *doc = document_without_hash(env, s, !s->show_secrets);
	json_t *cons = json_incref(json_object_get(doc, "containers"));
	json_object_del(doc, "containers");
	size_t clen, rlen;
	char *c = mae_json_canonical_n(cons, &clen);
	char *rest = mae_json_canonical_n(doc, &rlen);
	json_decref(cons);
	json_decref(doc);

	struct mae_sha256 h;
	char hash[MAE_SHA256_HEX_LEN + 1];
	mae_sha256_init(&h);
	mae_sha256_update(&h, "{\"containers\":", 14);
	mae_sha256_update(&h, c, clen);
	mae_sha256_update(&h, ",", 1);
	mae_sha256_update(&h, rest + 1, rlen - 1);
	mae_sha256_final_hex(&h, hash);
	if (s->show_secrets) /* the hash is always of the masked document */
		model_hash(env, s, hash);

	struct outbuf o = { NULL, 0, 0, 0 };
	out_reserve(&o, clen + rlen + 128);
	out_add(&o, "{\"containers\":", 14);
	out_add(&o, c, clen);
	char head[128];
	int hn = snprintf(head, sizeof(head), ",\"model_hash\":\"%s\",", hash);
	out_add(&o, head, (size_t)hn);
	out_add(&o, rest + 1, rlen - 1);
	o.s[o.len] = '\0';
	free(c);
	free(rest);
	if (ret_len)
		*ret_len = o.len;
	return o.s;
}

char *config_document_text(const struct schema_env *env,
			   const struct container_specs *s)
{
	size_t len;
	char *canon = config_document_canonical(env, s, &len);
	struct outbuf o = { NULL, 0, 0, 0 };
	out_reserve(&o, 2 * len + 64);
	json_reindent(canon, len, &o);
	out_add(&o, "\n", 1);
	o.s[o.len] = '\0';
	free(canon);
	return o.s;
}

struct json_t *config_document(const struct schema_env *env,
			       const struct container_specs *s)
{
	json_t *doc = document_without_hash(env, s, !s->show_secrets);
	char hash[MAE_SHA256_HEX_LEN + 1];
	model_hash(env, s, hash);
	json_object_set_new(doc, "model_hash", json_string(hash));
	return (struct json_t *)doc;
}
