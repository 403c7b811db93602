/*
 * model-ship.c - registries, ships and ship_defaults, audit.  Part of the
 * model builder (model.c).
 */
#include "model-priv.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* Registries, ships, audit                                             */

void build_registries(struct builder *b, const struct ynode *root)
{
	const struct ynode *v = ynode_get(root, "registries");
	if (!want_map(b, v, "registries", "at the top level"))
		return;
	struct schema_env *env = b->env;
	env->registries = mae_arena_array(b->a, v->npairs, sizeof(*env->registries));
	mae_map_init(&env->registries_ix, b->a);
	for (size_t i = 0; i < v->npairs; i++) {
		const char *name = key_of(&v->pairs[i]);
		const struct ynode *r = v->pairs[i].value;
		const char *qn = YNODE_QUOTE(v->pairs[i].key);
		const char *w = mae_arena_printf(b->a, "in registry %s", qn);
		if (is_null(r))
			continue;
		if (r->kind != YNODE_MAP) {
			model_err(b, r, "registry %s must be a mapping, not %s",
				  qn, ynode_describe(r));
			continue;
		}
		check_keys(b, r, registry_keys, w);
		struct schema_registry *reg = &env->registries[env->nregistries++];
		reg->name = mae_arena_strdup(b->a, name);
		mae_map_add(&env->registries_ix, reg->name, reg);
		reg->pos = model_pos(b, v->pairs[i].key);
		reg->registry = get_str(b, r, "registry", w, false);
		reg->username = get_str(b, r, "username", w, false);
		reg->password = get_str(b, r, "password", w, false);
		reg->email = get_str(b, r, "email", w, false);
		reg->retry_attempts = 3;
		const struct ynode *rt = ynode_get(r, "retry");
		if (!want_map(b, rt, "retry", w))
			continue;
		const char *rw = mae_arena_printf(b->a, "in retry of registry %s", qn);
		check_keys(b, rt, retry_keys, rw);
		reg->retry_attempts = (int)get_int(b, rt, "attempts", rw, 1, 1000, 3);
		const struct ynode *when = ynode_get(rt, "when");
		if (is_null(when))
			continue;
		if (when->kind != YNODE_SEQ) {
			type_err(b, when, "when", rw, "a list of HTTP status codes");
			continue;
		}
		reg->retry_when = mae_arena_array(b->a, when->nitems, sizeof(int));
		for (size_t j = 0; j < when->nitems; j++) {
			int64_t st = node_int(b, when->items[j], "when", rw, 100,
					      599, 0);
			if (st)
				reg->retry_when[reg->nretry_when++] = (int)st;
		}
	}
}

/*
 * A ship key: the ship's own when written (even null), else the default.
 * Problems with a default are reported for the first ship only.
 */
static const struct ynode *ship_key_(struct builder *b, bool first,
				     const struct ynode *ship,
				     const struct ynode *defaults,
				     const char *key, const char **where,
				     const char *ship_where)
{
	const struct ypair *p = ynode_get_pair(ship, key);
	if (p) {
		b->mute = false;
		*where = ship_where;
		return p->value;
	}
	b->mute = !first;
	*where = "in ship_defaults";
	return ynode_get(defaults, key);
}

#define ship_key(v, defaults, key, where, sw) \
	ship_key_(b, first, v, defaults, key, where, sw)

/*
 * A ship's endpoint (or its ip, the endpoint by default) is a host name
 * or an IP address: it becomes the host of a URL, so a scheme, a path, a
 * query, user info or white space in it would address something else.
 */
static void check_host(struct builder *b, const struct ynode *v,
		       const char *key, const char *where)
{
	const struct ynode *x = ynode_get(v, key);
	if (!is_texty(x))
		return;
	const char *h = x->str;
	for (const unsigned char *p = (const unsigned char *)h; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || strchr(".-_:[]%", *p) ||
			  *p >= 0x80;
		if (ok)
			continue;
		model_err(b, x, "'%s' %s must be a host name or an IP address, "
			  "not %s (%s at offset %zu)", key, where, YNODE_QUOTE(x),
			  x->secret ? "a character not allowed" :
			  *p < 0x20 || *p == 0x7f ? "a control character" :
			  mae_arena_printf(b->a, "'%c'", *p),
			  (size_t)((const char *)p - h));
		return;
	}
}

static void build_ship(struct builder *b, struct schema_ship *s,
		       const char *name, const struct ynode *keynode,
		       const struct ynode *v, const struct ynode *defaults)
{
	const char *qn = s->qname = mae_arena_strdup(b->a, YNODE_QUOTE(keynode));
	const char *sw = mae_arena_printf(b->a, "in ship %s", qn);
	bool first = !b->ships_seen;
	b->ships_seen = true;
	const char *w;
	const struct ynode *x;
	s->name = mae_arena_strdup(b->a, name);
	s->pos = model_pos(b, keynode);
	check_keys(b, v, ship_keys, sw);
	s->ip = get_str(b, v, "ip", sw, true);
	s->endpoint = get_str(b, v, "endpoint", sw, false);
	check_host(b, v, s->endpoint ? "endpoint" : "ip", sw);
	if (!s->endpoint)
		s->endpoint = s->ip;

	x = ship_key(v, defaults, "tls", &w, sw);
	if (!is_null(x)) {
		if (is_scalar(x, YSCALAR_BOOL))
			s->tls = x->b;
		else
			type_err(b, x, "tls", w, "a boolean (true or false)");
	}
	x = ship_key(v, defaults, "tls_verify", &w, sw);
	if (!is_null(x)) {
		if (is_scalar(x, YSCALAR_BOOL))
			s->tls_verify = x->b;
		else
			type_err(b, x, "tls_verify", w, "a boolean (true or false)");
	}
	s->docker_port = s->tls ? 2376 : 2375;
	x = ship_key(v, defaults, "docker_port", &w, sw);
	if (!is_null(x))
		s->docker_port = (int)node_int(b, x, "docker_port", w, 1, 65535,
					       s->docker_port);
	static const char *const path_keys[] = {
		"socket_path", "tls_ca_cert", "tls_cert", "tls_key",
		"api_version", "ssl_version",
	};
	const char **path_out[] = {
		&s->socket_path, &s->tls_ca_cert, &s->tls_cert, &s->tls_key,
		&s->api_version, &s->ssl_version,
	};
	for (size_t i = 0; i < sizeof(path_keys) / sizeof(path_keys[0]); i++) {
		x = ship_key(v, defaults, path_keys[i], &w, sw);
		if (is_null(x))
			continue;
		if (!is_texty(x)) {
			type_err(b, x, path_keys[i], w, "a string");
			continue;
		}
		*path_out[i] = mae_arena_strdup(b->a, x->str);
	}
	if (s->ssl_version)
		model_warn(b, ship_key(v, defaults, "ssl_version", &w, sw),
			   "'ssl_version' %s is ignored (Docker negotiates TLS versions)",
			   w);
	/* every call to the ship has this limit; none turns it off */
	static const char why[] = "(0 would not be a limit: leave the key "
				  "out for the default of 5)";
	s->timeout_s = 5;
	x = ship_key(v, defaults, "timeout", &w, sw);
	if (!is_null(x))
		s->timeout_s = node_seconds_in(b, x, "timeout", w,
					       SCHEMA_TIMEOUT_MIN,
					       SCHEMA_TIMEOUT_MAX, why, 5);
	s->ssh_timeout_s = s->timeout_s;
	x = ship_key(v, defaults, "ssh_timeout", &w, sw);
	if (!is_null(x))
		s->ssh_timeout_s = node_seconds_in(b, x, "ssh_timeout", w,
						   SCHEMA_TIMEOUT_MIN,
						   SCHEMA_TIMEOUT_MAX, why,
						   s->timeout_s);
	x = ship_key(v, defaults, "ssh_tunnel", &w, sw);
	if (is_null(x)) {
		b->mute = false;
		return;
	}
	if (x->kind != YNODE_MAP) {
		type_err(b, x, "ssh_tunnel", w, "a mapping");
		b->mute = false;
		return;
	}
	const char *tw = mae_arena_printf(b->a, "in ssh_tunnel of ship %s", qn);
	check_keys(b, x, tunnel_keys, tw);
	s->has_ssh_tunnel = true;
	s->ssh_tunnel.pos = model_pos(b, x);
	s->ssh_tunnel.user = get_str(b, x, "user", tw, true);
	s->ssh_tunnel.key = get_str(b, x, "key", tw, false);
	s->ssh_tunnel.port = (int)get_int(b, x, "port", tw, 1, 65535, 22);
	s->ssh_tunnel.known_hosts = get_str(b, x, "known_hosts", tw, false);
	s->ssh_tunnel.insecure_host_key = get_bool(b, x, "insecure_host_key",
						   tw, false);
	b->mute = false;
}

#undef ship_key

void build_ships(struct builder *b, const struct ynode *root)
{
	const struct ynode *defaults = ynode_get(root, "ship_defaults");
	if (want_map(b, defaults, "ship_defaults", "at the top level"))
		check_keys(b, defaults, ship_default_keys, "in ship_defaults");
	else
		defaults = NULL;
	const struct ypair *sp = ynode_get_pair(root, "ships");
	if (!sp) {
		model_err(b, root, "missing 'ships' at the top level");
		return;
	}
	const struct ynode *v = sp->value;
	if (!want_map(b, v, "ships", "at the top level"))
		return;
	struct schema_env *env = b->env;
	env->ships = mae_arena_array(b->a, v->npairs, sizeof(*env->ships));
	mae_map_init(&env->ships_ix, b->a);
	for (size_t i = 0; i < v->npairs; i++) {
		const char *name = key_of(&v->pairs[i]);
		const struct ynode *s = v->pairs[i].value;
		if (!s || s->kind != YNODE_MAP) {
			model_err(b, s ? s : v->pairs[i].key,
				  "ship %s must be a mapping, not %s",
				  YNODE_QUOTE(v->pairs[i].key),
				  ynode_describe(s));
			continue;
		}
		struct schema_ship *ship = &env->ships[env->nships++];
		build_ship(b, ship, name, v->pairs[i].key, s, defaults);
		mae_map_add(&env->ships_ix, ship->name, ship);
	}
}

void build_audit(struct builder *b, const struct ynode *root)
{
	const struct ynode *v = ynode_get(root, "audit");
	if (is_null(v))
		return;
	if (v->kind != YNODE_SEQ) {
		type_err(b, v, "audit", "at the top level", "a list of auditors");
		return;
	}
	static const char *const types[] = {
		"log", "hipchat", "slack", "http", "exec", "_fail", NULL,
	};
	static const char *const required[][3] = {
		{ "file", NULL }, { "room", "token", NULL },
		{ NULL }, { "endpoint", NULL },
		{ "script", NULL }, { NULL },
	};
	struct schema_env *env = b->env;
	env->audit = mae_arena_array(b->a, v->nitems, sizeof(*env->audit));
	for (size_t i = 0; i < v->nitems; i++) {
		const struct ynode *a = v->items[i];
		const char *w = mae_arena_printf(b->a, "in auditor %zu", i + 1);
		if (!a || a->kind != YNODE_MAP) {
			model_err(b, a, "auditor %zu must be a mapping, not %s",
				  i + 1, ynode_describe(a));
			continue;
		}
		const char *type = get_str(b, a, "type", w, true);
		if (!type)
			continue;
		int t = -1;
		for (int j = 0; types[j]; j++)
			if (strcmp(types[j], type) == 0)
				t = j;
		if (t < 0) {
			const char *hint = mae_suggest(type, types, list_len(types));
			if (hint)
				model_err(b, ynode_get(a, "type"),
					  "unknown auditor type %s (did you mean '%s'?)",
					  YNODE_QUOTE(ynode_get(a, "type")), hint);
			else
				model_err(b, ynode_get(a, "type"),
					  "unknown auditor type %s (one of log, hipchat, slack, http, exec)",
					  YNODE_QUOTE(ynode_get(a, "type")));
			continue;
		}
		w = mae_arena_printf(b->a, "in %s auditor %zu", type, i + 1);
		if (strcmp(type, "hipchat") == 0)
			model_warn(b, ynode_get(a, "type"),
				   "hipchat auditor %zu is skipped: the HipChat "
				   "service is gone", i + 1);
		bool ok = true;
		for (int j = 0; required[t][j]; j++)
			if (is_null(ynode_get(a, required[t][j]))) {
				model_err(b, a, "missing '%s' %s", required[t][j], w);
				ok = false;
			}
		if (strcmp(type, "slack") == 0) {
			/* a token (chat.postMessage, to a channel) or an
			 * incoming webhook URL (whose channel is its own) */
			bool tok = !is_null(ynode_get(a, "token"));
			bool hook = !is_null(ynode_get(a, "webhook"));
			if (tok && hook) {
				model_err(b, ynode_get(a, "webhook"),
					  "both 'token' and 'webhook' %s (one of them)", w);
				ok = false;
			} else if (!tok && !hook) {
				model_err(b, a, "missing 'token' or 'webhook' %s", w);
				ok = false;
			} else if (tok && is_null(ynode_get(a, "channel"))) {
				model_err(b, a, "missing 'channel' %s", w);
				ok = false;
			}
		}
		struct schema_audit *au = &env->audit[env->naudit];
		au->type = mae_arena_strdup(b->a, type);
		au->level = get_str(b, a, "level", w, false);
		if (!au->level)
			au->level = "info";
		else if (strcmp(au->level, "info") && strcmp(au->level, "debug")) {
			model_err(b, ynode_get(a, "level"),
				  "unknown level %s %s (info or debug)",
				  YNODE_QUOTE(ynode_get(a, "level")), w);
			ok = false;
		}
		au->ignore_errors = get_bool(b, a, "ignore_errors", w, false);
		au->pos = model_pos(b, a);
		copy_map(b, a, &au->options);
		if (ok)
			env->naudit++;
	}
}
