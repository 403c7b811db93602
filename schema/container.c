/*
 * container.c - each container's computed specification: its environment
 * in MaestroNG's order and precedence (spec §3.1-3.2), its command, image
 * parts and registry, the exact Docker create body (spec §4.8,
 * INTERFACES.md `create`) and its lifecycle checks with targets resolved.
 * The config document and the model hash are in config-doc.c.
 *
 * Must not: print, talk to a ship.  Reads the env files the model names.
 */
#include "container-priv.h"
#include "yaml-tree.h"
#include "shell-split.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* JSON helpers                                                         */

json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A number: an integer when it is one, else a real. */
json_t *jnum(double f)
{
	if (f == (double)(long long)f && f > -9e15 && f < 9e15)
		return json_integer((json_int_t)f);
	return json_real(f);
}

json_t *jstrlist(const struct schema_strlist *l)
{
	json_t *a = json_array();
	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i].s));
	return a;
}

json_t *jstrpairs(const struct schema_strpairs *p)
{
	json_t *o = json_object();
	for (size_t i = 0; i < p->n; i++)
		json_object_set_new(o, p->v[i].key, jstr(p->v[i].value));
	return o;
}

/* A raw YAML value as JSON (requests_options and the like). */
static json_t *jvalue(const struct schema_value *v)
{
	switch (v->kind) {
	case SCHEMA_V_LIST: {
		json_t *a = json_array();
		for (size_t i = 0; i < v->nitems; i++)
			json_array_append_new(a, jvalue(&v->items[i]));
		return a;
	}
	case SCHEMA_V_MAP: {
		json_t *o = json_object();
		for (size_t i = 0; i < v->npairs; i++)
			json_object_set_new(o, v->pairs[i].key,
					    jvalue(&v->pairs[i].value));
		return o;
	}
	case SCHEMA_V_SCALAR:
		break;
	}
	switch (v->type) {
	case SCHEMA_S_NULL:
		return json_null();
	case SCHEMA_S_BOOL:
		return json_boolean(v->b);
	case SCHEMA_S_INT:
		return v->int_fits ? json_integer(v->i) : json_string(v->str);
	case SCHEMA_S_FLOAT:
		return json_real(v->f);
	case SCHEMA_S_STR:
		break;
	}
	return json_stringn(v->str, v->str_len);
}

/*
 * An http check's requests_options as config shows them: credentials
 * masked as registry passwords are ("***"): `auth` whole, the headers
 * Authorization, Proxy-Authorization and Cookie (any case), and the
 * password of a proxy URL.  The model hash covers this form, so rotating
 * a credential does not change it.
 */
#define MASKED "***"

static bool secret_header(const char *k)
{
	return strcasecmp(k, "Authorization") == 0 ||
	       strcasecmp(k, "Proxy-Authorization") == 0 ||
	       strcasecmp(k, "Cookie") == 0;
}

/* "scheme://user:secret@host" -> "scheme://user:***@host". */
static json_t *masked_url(const struct schema_value *v)
{
	if (v->kind != SCHEMA_V_SCALAR || v->type != SCHEMA_S_STR)
		return jvalue(v);
	const char *u = v->str, *sep = strstr(u, "://");
	const char *host = sep ? sep + 3 : u;
	const char *at = NULL;
	for (const char *p = host; *p && *p != '/'; p++)
		if (*p == '@')
			at = p;
	const char *colon = at ? memchr(host, ':', (size_t)(at - host)) : NULL;
	if (!colon)
		return jvalue(v);
	char *m = mae_xasprintf("%.*s" MASKED "%s", (int)(colon + 1 - u), u, at);
	json_t *j = json_string(m);
	free(m);
	return j;
}

static json_t *masked_requests_options(const struct schema_map *m)
{
	json_t *o = json_object();
	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->v[i].key;
		const struct schema_value *v = &m->v[i].value;
		json_t *j;
		if (strcmp(k, "auth") == 0 && !(v->kind == SCHEMA_V_SCALAR &&
						 v->type == SCHEMA_S_NULL)) {
			j = json_string(MASKED);
		} else if ((strcmp(k, "headers") == 0 || strcmp(k, "proxies") == 0) &&
			   v->kind == SCHEMA_V_MAP) {
			bool headers = k[0] == 'h';
			j = json_object();
			for (size_t h = 0; h < v->npairs; h++) {
				const char *hk = v->pairs[h].key;
				const struct schema_value *hv = &v->pairs[h].value;
				json_object_set_new(j, hk,
						    !headers ? masked_url(hv) :
						    secret_header(hk) ? json_string(MASKED) :
						    jvalue(hv));
			}
		} else {
			j = jvalue(v);
		}
		json_object_set_new(o, k, j);
	}
	return o;
}

/* ------------------------------------------------------------------ */
/* Environment                                                          */

/* The port number part of "8080/tcp" or "1234-1236/udp". */
static char *port_number(const char *spec)
{
	return mae_xstrndup(spec, strcspn(spec, "/"));
}

/*
 * A service's link variables (spec §3.2): for each instance in the
 * order written, HOST then each port's PORT (and INTERNAL_PORT), then
 * INSTANCES with the raw names sorted.
 */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void link_vars(const struct schema_service *svc, bool internal,
		      struct env_map *m)
{
	char *sname = env_name_normalise(svc->name);
	for (size_t i = 0; i < svc->ninstances; i++) {
		const struct schema_instance *c = svc->instances[i];
		char *cname = env_name_normalise(c->name);
		char *k = mae_xasprintf("%s_%s_HOST", sname, cname);
		env_map_set(m, k, c->ship->ip);
		free(k);
		for (size_t p = 0; p < c->nports; p++) {
			const struct schema_port *port = &c->ports[p];
			char *pname = env_name_normalise(port->name);
			char *num = port_number(port->external);
			k = mae_xasprintf("%s_%s_%s_PORT", sname, cname, pname);
			env_map_set(m, k, num);
			free(k);
			free(num);
			if (internal) {
				num = port_number(port->exposed);
				k = mae_xasprintf("%s_%s_%s_INTERNAL_PORT", sname,
						  cname, pname);
				env_map_set(m, k, num);
				free(k);
				free(num);
			}
			free(pname);
		}
		free(cname);
	}
	const char **names = mae_xcalloc(svc->ninstances + 1, sizeof(*names));
	for (size_t i = 0; i < svc->ninstances; i++)
		names[i] = svc->instances[i]->name;
	qsort(names, svc->ninstances, sizeof(*names), cmp_str);
	struct mae_buf b = MAE_BUF_INIT;
	for (size_t i = 0; i < svc->ninstances; i++) {
		if (i)
			mae_buf_addc(&b, ',');
		mae_buf_adds(&b, names[i]);
	}
	char *k = mae_xasprintf("%s_INSTANCES", sname);
	env_map_set(m, k, mae_buf_str(&b));
	free(k);
	mae_buf_release(&b);
	free(names);
	free(sname);
}

static void diag_error(struct mae_diags *d, const struct mae_error *e,
		       const struct schema_pos *fallback)
{
	if (e->file[0])
		mae_diag_file(d, MAE_SEV_ERROR, e->file, e->line, e->col, "%s",
			      e->msg);
	else
		schema_diag(d, MAE_SEV_ERROR, fallback, "%s", e->msg);
}

static int add_envfiles(const struct schema_strlist *files, struct env_map *m,
			struct mae_diags *d)
{
	int rc = 0;
	for (size_t i = 0; i < files->n; i++) {
		struct mae_error e;
		mae_error_clear(&e);
		int r = envfile_read(files->v[i].s, m, &e);
		if (r < 0) {
			if (r == MAE_ERR_IO || !e.file[0])
				schema_diag(d, MAE_SEV_ERROR, &files->v[i].pos, "%s",
					    e.msg);
			else
				diag_error(d, &e, &files->v[i].pos);
			rc = r;
		}
	}
	return rc;
}

static int add_env(const struct schema_map *env, struct env_map *m,
		   struct mae_diags *d)
{
	int rc = 0;
	for (size_t i = 0; i < env->n; i++) {
		const struct schema_kv *kv = &env->v[i];
		char *val = NULL;
		struct mae_error e;
		mae_error_clear(&e);
		if (env_value_format(YNODE_QUOTE_AS(secret_if(kv->key_secret),
						    kv->key),
				     &kv->value, &val, &e) < 0) {
			diag_error(d, &e, &kv->key_pos);
			rc = MAE_ERR_INVALID;
			continue;
		}
		env_map_set(m, kv->key, val);
		free(val);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Commands                                                             */

static int command_argv(const struct schema_value *cmd, char ***argv,
			size_t *argc, struct mae_diags *d)
{
	*argv = NULL;
	*argc = 0;
	if (!cmd)
		return 0;
	if (cmd->kind == SCHEMA_V_SCALAR) {
		struct mae_error e;
		mae_error_clear(&e);
		char *s = mae_xstrndup(cmd->str, cmd->str_len);
		int rc = shell_split(s, argv, argc, &e);
		free(s);
		if (rc < 0)
			schema_diag(d, MAE_SEV_ERROR, &cmd->pos, "%s in 'command'",
				    e.msg);
		return rc;
	}
	if (cmd->kind == SCHEMA_V_LIST) {
		char **v = mae_xcalloc(cmd->nitems + 1, sizeof(*v));
		for (size_t i = 0; i < cmd->nitems; i++) {
			const struct schema_value *it = &cmd->items[i];
			if (it->kind != SCHEMA_V_SCALAR) {
				schema_diag(d, MAE_SEV_ERROR, &it->pos,
					    "command items must be strings");
				argv_free(v);
				return MAE_ERR_INVALID;
			}
			v[i] = mae_xstrndup(it->str, it->str_len);
		}
		*argv = v;
		*argc = cmd->nitems;
		return 0;
	}
	schema_diag(d, MAE_SEV_ERROR, &cmd->pos,
		    "a command must be a string or a list of strings");
	return MAE_ERR_INVALID;
}

json_t *jargv(char **argv, size_t argc)
{
	if (!argv)
		return json_null();
	json_t *a = json_array();
	for (size_t i = 0; i < argc; i++)
		json_array_append_new(a, json_string(argv[i]));
	return a;
}

/* ------------------------------------------------------------------ */
/* Lifecycle checks                                                     */

static json_t *check_target(const char *host, long port, const char *url)
{
	json_t *t = json_object();
	json_object_set_new(t, "host", jstr(host));
	json_object_set_new(t, "port", port ? json_integer(port) : json_null());
	json_object_set_new(t, "url", jstr(url));
	return t;
}

static json_t *check_json(const struct schema_instance *c,
			  const struct schema_check *k, struct mae_diags *d,
			  int *rc)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(schema_check_type_name(k->type)));
	json_t *target = json_null();
	switch (k->type) {
	case SCHEMA_CHECK_TCP: {
		json_object_set_new(o, "port", jstr(k->port));
		json_object_set_new(o, "max_wait", jnum(k->max_wait));
		json_object_set_new(o, "budget_s", jnum(k->max_wait));
		long port = k->port_ref ? (long)k->port_ref->external_lo : 0;
		json_decref(target);
		target = check_target(c->ship->ip, port, NULL);
		break;
	}
	case SCHEMA_CHECK_HTTP: {
		long port = k->port_ref ? (long)k->port_ref->external_lo
					: k->port_number;
		if (k->port_ref)
			json_object_set_new(o, "port", jstr(k->port));
		else
			json_object_set_new(o, "port", json_integer(port));
		json_object_set_new(o, "host", jstr(k->host));
		json_object_set_new(o, "match_regex", jstr(k->match_regex));
		json_object_set_new(o, "path", jstr(k->path));
		json_object_set_new(o, "scheme", jstr(k->scheme));
		json_object_set_new(o, "method", jstr(k->method));
		json_object_set_new(o, "max_wait", jnum(k->max_wait));
		json_object_set_new(o, "requests_options",
				    masked_requests_options(&k->requests_options));
		json_object_set_new(o, "budget_s", jnum(k->max_wait));
		const char *host = k->host ? k->host : c->ship->ip;
		bool v6 = strchr(host, ':') != NULL;
		char *url = mae_xasprintf("%s://%s%s%s:%ld%s", k->scheme,
					  v6 ? "[" : "", host, v6 ? "]" : "",
					  port, k->path);
		json_decref(target);
		target = check_target(host, port, url);
		free(url);
		break;
	}
	case SCHEMA_CHECK_EXEC:
	case SCHEMA_CHECK_REXEC: {
		char **argv = NULL;
		size_t argc = 0;
		if (command_argv(k->command, &argv, &argc, d) < 0)
			*rc = MAE_ERR_INVALID;
		json_object_set_new(o, "command", jargv(argv, argc));
		argv_free(argv);
		json_object_set_new(o, "attempts", json_integer(k->attempts));
		if (k->type == SCHEMA_CHECK_EXEC)
			json_object_set_new(o, "envfrom",
					    json_string(k->envfrom == SCHEMA_ENVFROM_STDIN
								? "stdin"
								: "env"));
		json_object_set_new(o, "budget_s", json_integer(k->attempts));
		break;
	}
	case SCHEMA_CHECK_SLEEP:
		json_object_set_new(o, "wait", jnum(k->wait));
		json_object_set_new(o, "budget_s", jnum(k->wait));
		break;
	case SCHEMA_CHECK_DOCKER_HEALTH:
		json_object_set_new(o, "max_wait", jnum(k->max_wait));
		json_object_set_new(o, "budget_s", jnum(k->max_wait));
		break;
	}
	json_object_set_new(o, "target", target);
	return o;
}

static json_t *lifecycle_json(const struct schema_instance *c,
			      struct mae_diags *d, int *rc)
{
	json_t *o = json_object();
	for (int s = 0; s < SCHEMA_NSTATES; s++) {
		const struct schema_checks *l = &c->lifecycle[s];
		if (!l->n)
			continue;
		json_t *a = json_array();
		for (size_t i = 0; i < l->n; i++)
			json_array_append_new(a, check_json(c, &l->v[i], d, rc));
		json_object_set_new(o, schema_state_name((enum schema_state)s), a);
	}
	return o;
}

/* ------------------------------------------------------------------ */
/* The create body                                                      */

static int cmp_pair(const void *a, const void *b)
{
	const struct schema_strpair *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->value ? x->value : "", y->value ? y->value : "");
}

/* "k:v" for each pair, sorted as docker-py sorted dict items. */
static json_t *sorted_joined(const struct schema_strpairs *p)
{
	struct schema_strpair *v = mae_xcalloc(p->n + 1, sizeof(*v));
	memcpy(v, p->v, p->n * sizeof(*v));
	qsort(v, p->n, sizeof(*v), cmp_pair);
	json_t *a = json_array();
	for (size_t i = 0; i < p->n; i++) {
		char *s = mae_xasprintf("%s:%s", v[i].key, v[i].value ? v[i].value : "");
		json_array_append_new(a, json_string(s));
		free(s);
	}
	free(v);
	return a;
}

static void add_port_bindings(const struct schema_instance *c, json_t *exposed,
			      json_t *bindings)
{
	for (size_t p = 0; p < c->nports; p++) {
		const struct schema_port *port = &c->ports[p];
		unsigned n = port->exposed_hi - port->exposed_lo;
		unsigned ext_n = port->external_hi - port->external_lo;
		for (unsigned k = 0; k <= n; k++) {
			char *key = mae_xasprintf("%u/%s", port->exposed_lo + k,
						  port->proto);
			json_object_set_new(exposed, key, json_object());
			char *host;
			if (ext_n == n && n > 0)
				host = mae_xasprintf("%u", port->external_lo + k);
			else if (ext_n == 0)
				host = mae_xasprintf("%u", port->external_lo);
			else
				host = mae_xasprintf("%u-%u", port->external_lo,
						     port->external_hi);
			json_t *list = json_object_get(bindings, key);
			if (!list) {
				list = json_array();
				json_object_set_new(bindings, key, list);
			}
			json_t *b = json_object();
			json_object_set_new(b, "HostIp", json_string(port->external_ip));
			json_object_set_new(b, "HostPort", json_string(host));
			json_array_append_new(list, b);
			free(host);
			free(key);
		}
	}
}

static json_t *create_body(const struct schema_env *env,
			   const struct container_spec *cs, char hash[65])
{
	const struct schema_instance *c = cs->inst;
	json_t *body = json_object();
	json_t *hc = json_object();

	json_object_set_new(body, "Image", json_string(c->image));
	if (!c->net)
		json_object_set_new(body, "Hostname", json_string(c->name));
	if (c->username)
		json_object_set_new(body, "User", json_string(c->username));
	if (c->workdir)
		json_object_set_new(body, "WorkingDir", json_string(c->workdir));
	if (cs->argv)
		json_object_set_new(body, "Cmd", jargv(cs->argv, cs->argc));

	/* the hot loop of a large environment: every string here is UTF-8
	 * already (the YAML reader and envfile_read checked it) */
	json_t *envl = json_array();
	struct mae_buf kv = MAE_BUF_INIT;
	for (size_t i = 0; i < cs->env.n; i++) {
		const struct env_var *v = &cs->env.v[i];
		mae_buf_reset(&kv);
		mae_buf_adds(&kv, v->key);
		if (v->value) {
			mae_buf_addc(&kv, '=');
			mae_buf_adds(&kv, v->value);
		}
		json_array_append_new(envl,
				      json_stringn_nocheck(mae_buf_str(&kv), kv.len));
	}
	mae_buf_release(&kv);
	json_object_set_new(body, "Env", envl);

	if (c->nports) {
		json_t *exposed = json_object(), *bindings = json_object();
		add_port_bindings(c, exposed, bindings);
		json_object_set_new(body, "ExposedPorts", exposed);
		json_object_set_new(hc, "PortBindings", bindings);
	}

	json_t *vols = json_object();
	if (c->nvolumes) {
		json_t *binds = json_array();
		for (size_t i = 0; i < c->nvolumes; i++) {
			const struct schema_bind *b = &c->volumes[i];
			char *s = mae_xasprintf("%s:%s:%s", b->host, b->target, b->mode);
			json_array_append_new(binds, json_string(s));
			free(s);
			json_object_set_new(vols, b->target, json_object());
		}
		json_object_set_new(hc, "Binds", binds);
	}
	for (size_t i = 0; i < c->container_volumes.n; i++)
		json_object_set_new(vols, c->container_volumes.v[i].s, json_object());
	if (json_object_size(vols))
		json_object_set_new(body, "Volumes", vols);
	else
		json_decref(vols);

	if (c->nvolumes_from) {
		json_t *a = json_array();
		for (size_t i = 0; i < c->nvolumes_from; i++)
			json_array_append_new(a, json_string(c->volumes_from[i]->name));
		json_object_set_new(hc, "VolumesFrom", a);
	}
	if (c->links.n)
		json_object_set_new(hc, "Links", sorted_joined(&c->links));

	json_t *rp = json_object();
	json_object_set_new(rp, "Name", json_string(c->restart.name));
	json_object_set_new(rp, "MaximumRetryCount", json_integer(c->restart.retries));
	json_object_set_new(hc, "RestartPolicy", rp);

	if (c->log_driver) {
		json_t *lc = json_object();
		json_object_set_new(lc, "Type", json_string(c->log_driver));
		json_object_set_new(lc, "Config", jstrpairs(&c->log_opt));
		json_object_set_new(hc, "LogConfig", lc);
	}
	if (c->nulimits) {
		json_t *a = json_array();
		for (size_t i = 0; i < c->nulimits; i++) {
			json_t *u = json_object();
			json_object_set_new(u, "Name", json_string(c->ulimits[i].name));
			json_object_set_new(u, "Soft", json_integer(c->ulimits[i].soft));
			json_object_set_new(u, "Hard", json_integer(c->ulimits[i].hard));
			json_array_append_new(a, u);
		}
		json_object_set_new(hc, "Ulimits", a);
	}
	if (c->limits.has_cpu)
		json_object_set_new(hc, "CpuShares", json_integer(c->limits.cpu));
	if (c->limits.has_memory)
		json_object_set_new(hc, "Memory", json_integer(c->limits.memory));
	if (c->limits.has_swap)
		json_object_set_new(hc, "MemorySwap", json_integer(c->limits.swap));
	if (c->has_dns)
		json_object_set_new(hc, "Dns", jstrlist(&c->dns));
	if (c->extra_hosts.n)
		json_object_set_new(hc, "ExtraHosts", sorted_joined(&c->extra_hosts));
	if (c->cap_add.n)
		json_object_set_new(hc, "CapAdd", jstrlist(&c->cap_add));
	if (c->cap_drop.n)
		json_object_set_new(hc, "CapDrop", jstrlist(&c->cap_drop));
	json_object_set_new(hc, "Privileged", json_boolean(c->privileged));
	/* docker-py sent "default" when no mode was given (API >= 1.20) */
	json_object_set_new(hc, "NetworkMode", json_string(c->net ? c->net : "default"));
	if (c->has_security_opt)
		json_object_set_new(hc, "SecurityOpt", jstrlist(&c->security_opt));
	json_object_set_new(body, "HostConfig", hc);

	json_object_set_new(body, "StopTimeout", json_integer(c->stop_timeout));

	json_t *labels = jstrpairs(&c->labels);
	json_object_set_new(labels, "maestro.environment", json_string(env->name));
	json_object_set_new(labels, "maestro.service", json_string(c->service->name));
	json_object_del(labels, "maestro.spec");
	json_object_set_new(body, "Labels", labels);
	mae_json_sha256_hex(body, hash);
	json_object_set_new(labels, "maestro.spec", json_string(hash));
	return body;
}

/* ------------------------------------------------------------------ */
/* Putting it together                                                  */

static int cmp_svc(const void *a, const void *b)
{
	const struct schema_service *x = *(const struct schema_service *const *)a;
	const struct schema_service *y = *(const struct schema_service *const *)b;
	return strcmp(x->name, y->name);
}

/*
 * The services whose link variables (without INTERNAL_PORT) a service's
 * containers get: `requires` followed transitively, plus direct
 * `wants_info`, each once, sorted by name (MaestroNG iterated a set, so
 * its order was arbitrary; any fixed order gives the same values).
 * Indices into env->services.
 */
static size_t link_deps(const struct schema_env *env,
			const struct schema_service *svc, bool sorted,
			size_t **ret)
{
	size_t n = 0;
	struct schema_service **req =
		schema_service_requires_closure(env, svc, false, &n);
	const struct schema_service **v =
		mae_xcalloc(n + svc->nwants_info + 1, sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		v[k++] = req[i];
	for (size_t i = 0; i < svc->nwants_info; i++) {
		bool seen = false;
		for (size_t j = 0; j < k && !seen; j++)
			seen = v[j] == svc->wants_info[i];
		if (!seen)
			v[k++] = svc->wants_info[i];
	}
	free(req);
	if (sorted)
		qsort(v, k, sizeof(*v), cmp_svc);
	size_t *ix = mae_xcalloc(k + 1, sizeof(*ix));
	for (size_t i = 0; i < k; i++)
		ix[i] = (size_t)(v[i] - env->services);
	free(v);
	*ret = ix;
	return k;
}

/* What a set of variables costs a process: bytes of "K=V\0" strings, how
 * many, and the longest. */
struct env_size {
	size_t bytes, count, longest;
	const char *longest_key;
};

static size_t var_bytes(const struct env_var *v)
{
	return strlen(v->key) + (v->value ? 1 + strlen(v->value) : 0) + 1;
}

static void size_add(struct env_size *s, const struct env_var *v)
{
	size_t n = var_bytes(v);
	s->bytes += n;
	s->count++;
	if (n > s->longest) {
		s->longest = n;
		s->longest_key = v->key;
	}
}

static void size_merge(struct env_size *s, const struct env_size *t)
{
	s->bytes += t->bytes;
	s->count += t->count;
	if (t->longest > s->longest) {
		s->longest = t->longest;
		s->longest_key = t->longest_key;
	}
}

/*
 * What every container computation shares: per service its env (env
 * files and `env`), its link variables both ways and the services whose
 * link variables it gets; for the size check, which service owns each
 * link variable's key.  The link deps are kept for one service at a time
 * (a chain of N services has N^2/2 of them).
 */
struct spec_ctx {
	const struct schema_env *env;
	struct env_map *svc_env, *links_int, *links_ext;
	long deps_of;          /* the service deps/ndeps are for, or -1 */
	bool deps_sorted;
	size_t *deps, ndeps;
	struct env_size *int_size, *ext_size;
	bool *collides;       /* a link key of this service is another's too */
	struct mae_map owner; /* link key -> service index + 1 */
	size_t *stamp;        /* stamp[d] == s + 1: d is a link dep of s */
	const char **reg_names, **reg_urls;
};

static int ctx_init(struct spec_ctx *x, const struct schema_env *env,
		    struct mae_diags *d)
{
	int rc = 0;
	size_t ns = env->nservices;
	memset(x, 0, sizeof(*x));
	x->env = env;
	x->svc_env = mae_xcalloc(ns + 1, sizeof(*x->svc_env));
	x->links_int = mae_xcalloc(ns + 1, sizeof(*x->links_int));
	x->links_ext = mae_xcalloc(ns + 1, sizeof(*x->links_ext));
	x->deps_of = -1;
	x->int_size = mae_xcalloc(ns + 1, sizeof(*x->int_size));
	x->ext_size = mae_xcalloc(ns + 1, sizeof(*x->ext_size));
	x->collides = mae_xcalloc(ns + 1, sizeof(*x->collides));
	x->stamp = mae_xcalloc(ns + 1, sizeof(*x->stamp));
	for (size_t i = 0; i < ns; i++) {
		const struct schema_service *svc = &env->services[i];
		env_map_init(&x->svc_env[i]);
		if (add_envfiles(&svc->envfile, &x->svc_env[i], d) < 0)
			rc = MAE_ERR_INVALID;
		if (add_env(&svc->env, &x->svc_env[i], d) < 0)
			rc = MAE_ERR_INVALID;
		env_map_set(&x->svc_env[i], "MAESTRO_ENVIRONMENT_NAME", env->name);
		env_map_set(&x->svc_env[i], "SERVICE_NAME", svc->name);
		env_map_init(&x->links_int[i]);
		env_map_init(&x->links_ext[i]);
		link_vars(svc, true, &x->links_int[i]);
		link_vars(svc, false, &x->links_ext[i]);
		for (size_t k = 0; k < x->links_int[i].n; k++)
			size_add(&x->int_size[i], &x->links_int[i].v[k]);
		for (size_t k = 0; k < x->links_ext[i].n; k++)
			size_add(&x->ext_size[i], &x->links_ext[i].v[k]);
	}
	/* the external keys of a service are among its internal ones */
	mae_map_init(&x->owner, NULL);
	for (size_t i = 0; i < ns; i++) {
		for (size_t k = 0; k < x->links_int[i].n; k++) {
			const char *key = x->links_int[i].v[k].key;
			if (!mae_map_add(&x->owner, key, (void *)(i + 1))) {
				size_t o = (size_t)mae_map_get(&x->owner, key) - 1;
				x->collides[i] = x->collides[o] = true;
			}
		}
	}
	x->reg_names = mae_xcalloc(env->nregistries + 1, sizeof(char *));
	x->reg_urls = mae_xcalloc(env->nregistries + 1, sizeof(char *));
	for (size_t i = 0; i < env->nregistries; i++) {
		x->reg_names[i] = env->registries[i].name;
		x->reg_urls[i] = env->registries[i].registry;
	}
	return rc;
}

static void ctx_release(struct spec_ctx *x)
{
	for (size_t i = 0; i < x->env->nservices; i++) {
		env_map_release(&x->svc_env[i]);
		env_map_release(&x->links_int[i]);
		env_map_release(&x->links_ext[i]);
	}
	free(x->svc_env);
	free(x->links_int);
	free(x->links_ext);
	free(x->deps);
	free(x->int_size);
	free(x->ext_size);
	free(x->collides);
	free(x->stamp);
	mae_map_release(&x->owner);
	free(x->reg_names);
	free(x->reg_urls);
}

/*
 * The variables of a container before its link variables (spec §3.1):
 * instance env files and `env`, then the built-in ones.  Only what the
 * instance adds to its service's; the service's are in x->svc_env.
 */
static int own_env(const struct schema_instance *c, const char *tag,
		   struct env_map *m, struct mae_diags *d)
{
	int rc = 0;
	if (add_envfiles(&c->envfile, m, d) < 0)
		rc = MAE_ERR_INVALID;
	if (add_env(&c->env, m, d) < 0)
		rc = MAE_ERR_INVALID;
	env_map_set(m, "CONTAINER_NAME", c->name);
	env_map_set(m, "CONTAINER_HOST_ADDRESS", c->ship->ip);
	env_map_set(m, "DOCKER_IMAGE", c->image);
	env_map_set(m, "DOCKER_TAG", tag);
	return rc;
}

/* Make x->deps those of service si (sorted: in the order the
 * environment lists them). */
static void ctx_deps(struct spec_ctx *x, size_t si, bool sorted)
{
	if (x->deps_of == (long)si && (x->deps_sorted || !sorted))
		return;
	free(x->deps);
	x->ndeps = link_deps(x->env, &x->env->services[si], sorted, &x->deps);
	x->deps_of = (long)si;
	x->deps_sorted = sorted;
}

/* The whole environment of container c (its own part given). */
static void full_env(struct spec_ctx *x, size_t si,
		     const struct env_map *own, struct env_map *m)
{
	ctx_deps(x, si, true);
	env_map_init(m);
	env_map_update(m, &x->svc_env[si]);
	env_map_update(m, own);
	env_map_update(m, &x->links_int[si]);
	for (size_t k = 0; k < x->ndeps; k++)
		env_map_update(m, &x->links_ext[x->deps[k]]);
}

/* Is key one of the link variables container of service si gets? */
static bool in_links(const struct spec_ctx *x, size_t si, const char *key)
{
	size_t o = (size_t)mae_map_get(&x->owner, key);
	if (!o)
		return false;
	if (o - 1 == si)
		return true; /* its own, INTERNAL_PORT included */
	return x->stamp[o - 1] == si + 1 &&
	       env_map_get(&x->links_ext[o - 1], key) != NULL;
}

/*
 * The size of a container's environment without building it: its
 * service's variables and its own, but those a link variable replaces,
 * plus the link variables (disjoint sets when no two services' link
 * keys collide; else the environment is built and measured).
 */
static void env_size_of(struct spec_ctx *x, size_t si,
			const struct env_map *own, struct env_size *s)
{
	memset(s, 0, sizeof(*s));
	ctx_deps(x, si, false);
	bool fast = !x->collides[si];
	for (size_t k = 0; k < x->ndeps && fast; k++)
		fast = !x->collides[x->deps[k]];
	if (!fast) {
		struct env_map m;
		full_env(x, si, own, &m);
		for (size_t k = 0; k < m.n; k++)
			size_add(s, &m.v[k]);
		/* keys borrowed by the caller's message live in own/links */
		if (s->longest_key) {
			const struct env_var *v = env_map_get(own, s->longest_key);
			if (!v)
				v = env_map_get(&x->svc_env[si], s->longest_key);
			if (!v)
				v = env_map_get(&x->links_int[si], s->longest_key);
			for (size_t k = 0; !v && k < x->ndeps; k++)
				v = env_map_get(&x->links_ext[x->deps[k]],
						s->longest_key);
			s->longest_key = v ? v->key : "";
		}
		env_map_release(&m);
		return;
	}
	for (size_t k = 0; k < x->ndeps; k++)
		x->stamp[x->deps[k]] = si + 1;
	const struct env_map *svc = &x->svc_env[si];
	for (size_t k = 0; k < svc->n; k++)
		if (!env_map_get(own, svc->v[k].key) &&
		    !in_links(x, si, svc->v[k].key))
			size_add(s, &svc->v[k]);
	for (size_t k = 0; k < own->n; k++)
		if (!in_links(x, si, own->v[k].key))
			size_add(s, &own->v[k]);
	size_merge(s, &x->int_size[si]);
	for (size_t k = 0; k < x->ndeps; k++)
		size_merge(s, &x->ext_size[x->deps[k]]);
	for (size_t k = 0; k < x->ndeps; k++)
		x->stamp[x->deps[k]] = 0;
}

/*
 * Linux's limits on what execve() passes (fs/exec.c): one string at most
 * MAX_ARG_STRLEN (32 pages), and the strings of environment and command
 * with their pointers at most a quarter of the stack limit (2 MiB with
 * the default 8 MiB).  A container past them could not start its process.
 */
#define EXEC_STRING_MAX ((size_t)131072)
#define EXEC_TOTAL_MAX ((size_t)2 << 20)

static int check_exec_limits(const struct schema_instance *c,
			     const struct env_size *s, char **argv, size_t argc,
			     struct mae_diags *d)
{
	size_t total = s->bytes + s->count * sizeof(char *);
	for (size_t i = 0; i < argc; i++)
		total += strlen(argv[i]) + 1 + sizeof(char *);
	int rc = 0;
	if (s->longest > EXEC_STRING_MAX) {
		schema_diag(d, MAE_SEV_ERROR, &c->pos,
			    "environment variable '%s' of container %s is %zu "
			    "bytes: Linux passes at most %zu bytes in one "
			    "string (MAX_ARG_STRLEN)", MAE_QUOTE(s->longest_key),
			    c->qname, s->longest, EXEC_STRING_MAX);
		rc = MAE_ERR_INVALID;
	}
	if (total > EXEC_TOTAL_MAX) {
		schema_diag(d, MAE_SEV_ERROR, &c->pos,
			    "the environment of container %s is %zu bytes "
			    "(%zu variables) with its command: Linux passes at "
			    "most %zu bytes to a process (a quarter of the "
			    "default 8 MiB stack)", c->qname, total,
			    s->count, EXEC_TOTAL_MAX);
		rc = MAE_ERR_INVALID;
	}
	return rc;
}

static int check_ports(const struct schema_instance *c, struct mae_diags *d)
{
	int rc = 0;
	for (size_t p = 0; p < c->nports; p++) {
		const struct schema_port *port = &c->ports[p];
		/* Docker pairs a range with a range of the same size, or
		 * gives one container port a host port from a range */
		if (port->exposed_hi != port->exposed_lo &&
		    port->external_hi - port->external_lo !=
			    port->exposed_hi - port->exposed_lo) {
			schema_diag(d, MAE_SEV_ERROR, &port->pos,
				    "port '%s' of instance %s: the exposed range '%s' and the external '%s' differ in size",
				    MAE_QUOTE(port->name), c->qname,
				    MAE_QUOTE(port->exposed),
				    MAE_QUOTE(port->external));
			rc = MAE_ERR_INVALID;
		}
	}
	return rc;
}

/*
 * Compute container i.  With full false only what can be wrong is
 * computed and checked (validate): the environment is measured, not
 * built, and no create body is made; cs is left empty.
 */
/*
 * One container's spec: measured only, or (full) built.  With sk (the
 * check, which builds nothing else), a container with secret_env keys
 * has its environment built for a moment to see which keys it holds.
 */
static int spec_compute(struct spec_ctx *x, size_t i,
			struct container_spec *cs, bool full,
			struct secret_keys *sk, struct env_size *size,
			struct mae_diags *d)
{
	const struct schema_env *env = x->env;
	const struct schema_instance *c = &env->instances[i];
	size_t si = (size_t)(c->service - env->services);
	int rc = 0;
	cs->inst = c;
	image_ref_parse(c->image, &cs->image);
	long r = registry_match(&cs->image, x->reg_names, x->reg_urls,
				env->nregistries);
	cs->registry = r >= 0 ? &env->registries[r] : NULL;
	if (command_argv(c->command, &cs->argv, &cs->argc, d) < 0)
		rc = MAE_ERR_INVALID;

	struct env_map own;
	env_map_init(&own);
	if (own_env(c, cs->image.tag, &own, d) < 0)
		rc = MAE_ERR_INVALID;
	env_size_of(x, si, &own, size);
	if (check_exec_limits(c, size, cs->argv, cs->argc, d) < 0)
		rc = MAE_ERR_INVALID;
	if (check_ports(c, d) < 0)
		rc = MAE_ERR_INVALID;
	json_t *lc = lifecycle_json(c, d, &rc);
	if (full && rc == 0) {
		full_env(x, si, &own, &cs->env);
		cs->env_bytes = size->bytes;
		cs->env_count = size->count;
		cs->lifecycle = lc;
		cs->create = create_body(env, cs, cs->spec_hash);
	} else {
		json_decref(lc);
	}
	if (sk && rc == 0 && secret_keys_wanted(c)) {
		struct env_map m;
		full_env(x, si, &own, &m);
		secret_keys_container(sk, env, c, &m, d);
		env_map_release(&m);
	}
	env_map_release(&own);
	return rc;
}

void container_spec_release(struct container_spec *cs)
{
	env_map_release(&cs->env);
	argv_free(cs->argv);
	image_ref_release(&cs->image);
	json_decref(cs->create);
	json_decref(cs->lifecycle);
	container_spec_secrets_release(cs);
	memset(cs, 0, sizeof(*cs));
}

int container_specs_check(const struct schema_env *env, struct mae_diags *d)
{
	struct spec_ctx x;
	int rc = ctx_init(&x, env, d);
	struct secret_keys sk;
	secret_keys_init(&sk, env);
	for (size_t i = 0; i < env->ninstances; i++) {
		struct container_spec cs;
		struct env_size size;
		memset(&cs, 0, sizeof(cs));
		if (spec_compute(&x, i, &cs, false, rc == 0 ? &sk : NULL,
				 &size, d) < 0)
			rc = MAE_ERR_INVALID;
		container_spec_release(&cs);
	}
	if (rc == 0)
		secret_keys_finish(&sk, env, d);
	else
		secret_keys_finish(&sk, env, NULL);
	ctx_release(&x);
	return rc < 0 || mae_diags_failed(d) ? MAE_ERR_INVALID : 0;
}

int container_specs_compute(const struct schema_env *env,
			    struct container_specs **ret,
			    struct mae_diags *d)
{
	*ret = NULL;
	struct spec_ctx x;
	int rc = ctx_init(&x, env, d);
	struct container_specs *s = mae_xcalloc(1, sizeof(*s));
	s->n = env->ninstances;
	s->v = mae_xcalloc(s->n + 1, sizeof(*s->v));

	/* measured first: what would be built must fit the budget */
	size_t total = 0;
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		struct env_size size;
		if (spec_compute(&x, i, &s->v[i], false, NULL, &size, d) < 0)
			rc = MAE_ERR_INVALID;
		container_spec_release(&s->v[i]);
		total += size.bytes;
	}
	if (rc == 0 && total > CONTAINER_SPECS_ENV_BUDGET) {
		mae_diag_file(d, MAE_SEV_ERROR, env->file ? env->file : NULL, 0,
			      0, "the containers' environments total %zu MiB, "
			      "above the %zu MiB maestro computes at once "
			      "(%zu containers)", total >> 20,
			      CONTAINER_SPECS_ENV_BUDGET >> 20, s->n);
		rc = MAE_ERR_LIMIT;
	}
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		struct env_size size;
		if (spec_compute(&x, i, &s->v[i], true, NULL, &size, d) < 0)
			rc = MAE_ERR_INVALID;
	}
	ctx_release(&x);
	if (rc == 0)
		container_specs_secrets(env, s, d);
	if (rc < 0 || mae_diags_failed(d)) {
		container_specs_free(s);
		return rc < 0 ? rc : MAE_ERR_INVALID;
	}
	*ret = s;
	return 0;
}

/*
 * The streamed computation: every container checked (and its secret
 * warnings made) at open, then one computed at a time.
 */
struct spec_stream {
	struct spec_ctx x;
};

/* Build the full environment of instance i (nothing else), for the
 * secret warnings; diagnostics were made by the check pass. */
static void stream_env(struct spec_ctx *x, size_t i, struct env_map *m)
{
	const struct schema_instance *c = &x->env->instances[i];
	struct mae_diags scratch;
	mae_diags_init(&scratch, NULL);
	struct image_ref ref;
	image_ref_parse(c->image, &ref);
	struct env_map own;
	env_map_init(&own);
	own_env(c, ref.tag, &own, &scratch);
	full_env(x, (size_t)(c->service - x->env->services), &own, m);
	env_map_release(&own);
	image_ref_release(&ref);
	mae_diags_release(&scratch);
}

int spec_stream_open(const struct schema_env *env, struct spec_stream **ret,
		     struct mae_diags *d)
{
	*ret = NULL;
	struct spec_stream *s = mae_xcalloc(1, sizeof(*s));
	int rc = ctx_init(&s->x, env, d);
	for (size_t i = 0; i < env->ninstances && rc == 0; i++) {
		struct container_spec cs;
		struct env_size size;
		memset(&cs, 0, sizeof(cs));
		if (spec_compute(&s->x, i, &cs, false, NULL, &size, d) < 0)
			rc = MAE_ERR_INVALID;
		container_spec_release(&cs);
	}
	if (rc == 0) {
		/* the warnings of container_specs_secrets(), in its order:
		 * each container's environment is built for a moment */
		struct secret_keys sk;
		secret_keys_init(&sk, env);
		for (size_t i = 0; i < env->ninstances; i++) {
			if (!secret_keys_wanted(&env->instances[i]))
				continue;
			struct env_map m;
			stream_env(&s->x, i, &m);
			secret_keys_container(&sk, env, &env->instances[i], &m, d);
			env_map_release(&m);
		}
		secret_keys_finish(&sk, env, d);
		for (size_t i = 0; i < env->ninstances; i++) {
			if (!secret_keys_wanted(&env->instances[i]))
				continue;
			struct container_spec cs;
			memset(&cs, 0, sizeof(cs));
			cs.inst = &env->instances[i];
			stream_env(&s->x, i, &cs.env);
			container_spec_secrets_fill(&cs, d);
			container_spec_release(&cs);
		}
	}
	if (rc < 0 || mae_diags_failed(d)) {
		spec_stream_close(s);
		return rc < 0 ? rc : MAE_ERR_INVALID;
	}
	*ret = s;
	return 0;
}

int spec_stream_get(struct spec_stream *s, size_t i, struct container_spec *cs,
		    struct mae_diags *d)
{
	memset(cs, 0, sizeof(*cs));
	struct env_size size;
	if (spec_compute(&s->x, i, cs, true, NULL, &size, d) < 0) {
		container_spec_release(cs);
		return MAE_ERR_INVALID;
	}
	container_spec_secrets_fill(cs, NULL);
	return 0;
}

void spec_stream_close(struct spec_stream *s)
{
	if (!s)
		return;
	ctx_release(&s->x);
	free(s);
}

void container_specs_free(struct container_specs *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		container_spec_release(&s->v[i]);
	free(s->v);
	free(s);
}

const struct container_spec *container_specs_find(
	const struct container_specs *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].inst->name, name) == 0)
			return &s->v[i];
	return NULL;
}
