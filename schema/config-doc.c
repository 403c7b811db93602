/*
 * config-doc.c - the document `maestro config --json` prints
 * (INTERFACES.md) and the model hash made from it.
 *
 * Must not: print, talk to a ship.
 */
#include "container-priv.h"

#include <jansson.h>
#include <stdio.h>
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

/*
 * Where the containers come from: every spec computed (borrowed), or a
 * stream computing one at a time.  Either way in the order of their
 * names, the order of the canonical document.
 */
struct spec_src {
	const struct container_specs *all;
	struct spec_stream *stream;
	struct mae_diags *d;
	size_t *order; /* indices in env->instances, sorted by name */
	size_t n;
};

static int cmp_inst_name(const void *a, const void *b, void *ud)
{
	const struct schema_env *env = ud;
	return strcmp(env->instances[*(const size_t *)a].name,
		      env->instances[*(const size_t *)b].name);
}

static void src_init(struct spec_src *src, const struct schema_env *env)
{
	src->n = env->ninstances;
	src->order = mae_xcalloc(src->n + 1, sizeof(*src->order));
	for (size_t i = 0; i < src->n; i++)
		src->order[i] = i;
	qsort_r(src->order, src->n, sizeof(*src->order), cmp_inst_name,
		(void *)env);
}

/* The k-th container by name (tmp holds a streamed one), or NULL when
 * it could not be computed (said in src->d). */
static const struct container_spec *src_get(struct spec_src *src, size_t k,
					    struct container_spec *tmp)
{
	if (src->all)
		return &src->all->v[src->order[k]];
	if (spec_stream_get(src->stream, src->order[k], tmp, src->d) < 0)
		return NULL;
	return tmp;
}

static void src_put(struct spec_src *src, struct container_spec *tmp)
{
	if (!src->all)
		container_spec_release(tmp);
}

/* The canonical text of {"NAME": CONTAINER}. */
static char *member_text(const struct container_spec *cs, bool mask,
			 size_t *len)
{
	json_t *m = json_object();
	json_object_set_new(m, cs->inst->name, container_json(cs, mask));
	char *t = mae_json_canonical_n(m, len);
	json_decref(m);
	return t;
}

/*
 * The document in parts, each container computed, handed to fn (when
 * not NULL) and freed before the next: the containers, then the rest
 * with its model_hash.  The hash is of the masked document without
 * model_hash, streamed: '{"containers":{' the members '}' then the other
 * members, whose keys all sort after "containers" (and "model_hash"
 * right after it, so it is known when the rest is written).
 */
static int document_parts(const struct schema_env *env, struct spec_src *src,
			  bool show_secrets, config_part_fn fn, void *ud,
			  char hash[MAE_SHA256_HEX_LEN + 1])
{
	struct mae_sha256 h;
	mae_sha256_init(&h);
	mae_sha256_update(&h, "{\"containers\":{", 15);
	for (size_t k = 0; k < src->n; k++) {
		struct container_spec tmp;
		const struct container_spec *cs = src_get(src, k, &tmp);
		if (!cs) {
			mae_sha256_final_hex(&h, hash); /* releases h */
			return MAE_ERR_INVALID;
		}
		size_t len;
		char *t = member_text(cs, true, &len);
		if (k)
			mae_sha256_update(&h, ",", 1);
		mae_sha256_update(&h, t + 1, len - 2);
		if (fn && show_secrets && cs->nsecrets) {
			free(t);
			t = member_text(cs, false, &len);
		}
		if (fn)
			fn(ud, CONFIG_CONTAINER, t, len);
		free(t);
		src_put(src, &tmp);
	}
	mae_sha256_update(&h, "}", 1);

	struct container_specs none = { NULL, 0, false };
	json_t *rest = document_without_hash(env, &none, true);
	json_object_del(rest, "containers");
	size_t rlen;
	char *r = mae_json_canonical_n(rest, &rlen);
	json_decref(rest);
	/* rest is an object with keys besides containers: ",..." */
	mae_sha256_update(&h, ",", 1);
	mae_sha256_update(&h, r + 1, rlen - 1);
	mae_sha256_final_hex(&h, hash);
	if (fn) {
		size_t hn = strlen("{\"model_hash\":\"\",") + MAE_SHA256_HEX_LEN;
		char *b = mae_xcalloc(hn + rlen, 1);
		snprintf(b, hn + 1, "{\"model_hash\":\"%s\",", hash);
		memcpy(b + hn, r + 1, rlen - 1);
		fn(ud, CONFIG_REST, b, hn + rlen - 1);
		free(b);
	}
	free(r);
	return 0;
}

void model_hash(const struct schema_env *env, const struct container_specs *s,
		char out[MAE_SHA256_HEX_LEN + 1])
{
	struct spec_src src = { .all = s };
	src_init(&src, env);
	document_parts(env, &src, false, NULL, NULL, out);
	free(src.order);
}

int config_document_parts(const struct schema_env *env,
			  struct spec_stream *stream, bool show_secrets,
			  config_part_fn fn, void *ud, struct mae_diags *d)
{
	struct spec_src src = { .stream = stream, .d = d };
	src_init(&src, env);
	char hash[MAE_SHA256_HEX_LEN + 1];
	int rc = document_parts(env, &src, show_secrets, fn, ud, hash);
	free(src.order);
	return rc;
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

/* config_document_write(): each part re-indented, written and dropped. */
struct text_writer {
	struct outbuf o;
	bool any; /* a container was written */
	void (*emit)(void *ud, const void *data, size_t n);
	void *ud;
};

static void text_flush(struct text_writer *w)
{
	w->emit(w->ud, w->o.s, w->o.len);
	w->o.len = 0;
}

static void text_part(void *ud, enum config_part part, const char *canon,
		      size_t n)
{
	struct text_writer *w = ud;
	if (part == CONFIG_CONTAINER) {
		/* '{"containers":{' leaves the depth at 2 */
		json_reindent(w->any ? "," : "{\"containers\":{", w->any ? 1 : 15,
			      &w->o);
		json_reindent(canon + 1, n - 2, &w->o);
		w->any = true;
	} else {
		json_reindent(w->any ? "}" : "{\"containers\":{}", w->any ? 1 : 16,
			      &w->o);
		json_reindent(",", 1, &w->o);
		json_reindent(canon + 1, n - 1, &w->o);
		out_add(&w->o, "\n", 1);
	}
	text_flush(w);
}

int config_document_write(const struct schema_env *env,
			  struct spec_stream *stream, bool show_secrets,
			  void (*emit)(void *ud, const void *data, size_t n),
			  void *ud, struct mae_diags *d)
{
	struct text_writer w = { { NULL, 0, 0, 0 }, false, emit, ud };
	int rc = config_document_parts(env, stream, show_secrets, text_part, &w, d);
	free(w.o.s);
	return rc;
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
