/*
 * model.c - the YAML tree to the typed model, with every check of
 * docs/description.md.  Problems go to the diagnostics list; building goes
 * on after each one so that a run reports all of them.
 *
 * Must not: read envfiles, talk to ships, print.
 */
#include "model-priv.h"
#include "compute.h"

#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Positions, messages, node helpers                                    */

static const char *intern_file(struct builder *b, const char *f)
{
	if (!f)
		return b->file;
	for (size_t i = 0; i < b->nfiles; i++)
		if (b->files_src[i] == f)
			return b->files_dst[i];
	b->files_src = mae_xrealloc(b->files_src,
				    (b->nfiles + 1) * sizeof(*b->files_src));
	b->files_dst = mae_xrealloc(b->files_dst,
				    (b->nfiles + 1) * sizeof(*b->files_dst));
	b->files_src[b->nfiles] = f;
	b->files_dst[b->nfiles] = arena_strdup(b->a, f);
	return b->files_dst[b->nfiles++];
}

struct schema_pos model_pos(struct builder *b, const struct ynode *n)
{
	struct schema_pos p = { b->file, 0, 0 };
	if (!n)
		return p;
	p.line = n->line;
	p.col = n->col;
	if (b->map && p.line > 0 && b->map->n > 0) {
		size_t i = (size_t)p.line <= b->map->n ? (size_t)p.line - 1
						       : b->map->n - 1;
		p.file = intern_file(b, b->map->lines[i].file);
		p.line = b->map->lines[i].line;
	}
	return p;
}

void model_err(struct builder *b, const struct ynode *n, const char *fmt, ...)
{
	if (b->mute)
		return;
	va_list ap;
	va_start(ap, fmt);
	mae_diag_vat(b->d, MAE_SEV_ERROR, n ? n->line : 0, n ? n->col : 0, fmt,
		     ap);
	va_end(ap);
}

void model_warn(struct builder *b, const struct ynode *n, const char *fmt, ...)
{
	if (b->mute)
		return;
	va_list ap;
	va_start(ap, fmt);
	mae_diag_vat(b->d, MAE_SEV_WARNING, n ? n->line : 0, n ? n->col : 0,
		     fmt, ap);
	va_end(ap);
}

void schema_diag(struct mae_diags *d, enum mae_severity sev,
		 const struct schema_pos *pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mae_diag_vfile(d, sev, pos ? pos->file : d->file, pos ? pos->line : 0,
		       pos ? pos->col : 0, fmt, ap);
	va_end(ap);
}

static void pos_err(struct builder *b, const struct schema_pos *p,
		    const char *fmt, ...) MAE_PRINTF(3, 4);
static void pos_err(struct builder *b, const struct schema_pos *p,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mae_diag_vfile(b->d, MAE_SEV_ERROR, p->file, p->line, p->col, fmt, ap);
	va_end(ap);
}

/*
 * True when a new error would not be shown (muted, or past the cap): then
 * no suggestion is worth computing.
 */
static bool quiet(const struct builder *b)
{
	return b->mute || b->d->nerrors >= MAE_DIAGS_MAX_ERRORS;
}

static bool is_null(const struct ynode *n)
{
	return !n || (n->kind == YNODE_SCALAR && n->type == YSCALAR_NULL);
}

static bool is_scalar(const struct ynode *n, enum yscalar_type t)
{
	return n && n->kind == YNODE_SCALAR && n->type == t;
}

/* A scalar that reads as text: a string, an integer or a float. */
static bool is_texty(const struct ynode *n)
{
	return n && n->kind == YNODE_SCALAR &&
	       (n->type == YSCALAR_STR || n->type == YSCALAR_INT ||
		n->type == YSCALAR_FLOAT);
}

static const char *key_of(const struct ypair *p)
{
	return p->key && p->key->str ? p->key->str : "";
}

static bool is_scratch(const char *k)
{
	return k[0] == '_' || mae_startswith(k, "x-");
}

static bool in_list(const char *k, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], k) == 0)
			return true;
	return false;
}

static size_t list_len(const char *const *list)
{
	size_t n = 0;
	while (list[n])
		n++;
	return n;
}

/* ------------------------------------------------------------------ */
/* Keyword maps                                                         */

static const char *const top_keys[] = {
	"name", "__maestro", "registries", "ship_provider", "ship_defaults",
	"ships", "services", "audit", NULL,
};
static const char *const maestro_keys[] = { "schema", "base_dir", NULL };
static const char *const registry_keys[] = {
	"registry", "username", "password", "email", "retry", NULL,
};
static const char *const retry_keys[] = { "attempts", "when", NULL };
static const char *const ship_keys[] = {
	"ip", "endpoint", "docker_port", "socket_path", "ssh_tunnel",
	"ssh_timeout", "tls", "tls_verify", "tls_ca_cert", "tls_cert",
	"tls_key", "timeout", "api_version", "ssl_version", NULL,
};
static const char *const ship_default_keys[] = {
	"docker_port", "socket_path", "ssh_tunnel", "ssh_timeout", "tls",
	"tls_verify", "tls_ca_cert", "tls_cert", "tls_key", "timeout",
	"api_version", "ssl_version", NULL,
};
static const char *const tunnel_keys[] = {
	"user", "key", "port", "known_hosts", "insecure_host_key", NULL,
};
static const char *const service_keys[] = {
	"image", "env", "envfile", "requires", "wants_info", "omit",
	"lifecycle", "limits", "ports", "instances", NULL,
};
static const char *const instance_keys[] = {
	"ship", "image", "command", "cmd", "ports", "env", "envfile",
	"volumes", "container_volumes", "volumes_from", "links", "username",
	"workdir", "privileged", "cap_add", "cap_drop", "extra_hosts", "net",
	"restart", "dns", "stop_timeout", "limits", "log_driver", "log_opt",
	"security_opt", "ulimits", "labels", "lxc_conf", "lifecycle", NULL,
};
static const char *const limits_keys[] = { "cpu", "memory", "swap", NULL };
static const char *const restart_keys[] = {
	"name", "retries", "maximum_retry_count", NULL,
};
static const char *const port_map_keys[] = { "exposed", "external", NULL };
static const char *const volume_map_keys[] = { "target", "mode", NULL };
static const char *const ulimit_keys[] = { "soft", "hard", NULL };

static const char *const check_type_names[] = {
	"tcp", "http", "exec", "rexec", "sleep", "docker_health", NULL,
};
static const char *const check_keys_by_type[][12] = {
	{ "type", "port", "max_wait", NULL },
	{ "type", "port", "host", "match_regex", "path", "scheme", "method",
	  "max_wait", "requests_options", NULL },
	{ "type", "command", "attempts", "envfrom", NULL },
	{ "type", "command", "attempts", NULL },
	{ "type", "wait", NULL },
	{ "type", "max_wait", NULL },
};
static const char *const state_names[] = {
	"pre-start", "running", "pre-stop", "stopped", NULL,
};

/* The levels a misplaced keyword is looked up in, for "it belongs ...". */
static const struct {
	const char *const *keys;
	const char *where;
} levels[] = {
	{ top_keys, "at the top level" },
	{ ship_keys, "in a ship" },
	{ registry_keys, "in a registry" },
	{ service_keys, "in a service" },
	{ instance_keys, "in an instance" },
	{ tunnel_keys, "in ssh_tunnel" },
};

const char *schema_state_name(enum schema_state s)
{
	return (unsigned)s < SCHEMA_NSTATES ? state_names[s] : "?";
}

const char *schema_check_type_name(enum schema_check_type t)
{
	return (unsigned)t <= SCHEMA_CHECK_DOCKER_HEALTH ? check_type_names[t]
							  : "?";
}

/*
 * Check the keys of a keyword map: unknown ones are errors with a
 * suggestion, keywords of another level say where they belong, scratch
 * keys are free.  `where` is "in service 'web'" and the like.
 */
static void check_keys(struct builder *b, const struct ynode *map,
		       const char *const *keys, const char *where)
{
	if (!map || map->kind != YNODE_MAP)
		return;
	for (size_t i = 0; i < map->npairs; i++) {
		const char *k = key_of(&map->pairs[i]);
		if (is_scratch(k) || in_list(k, keys))
			continue;
		struct mae_buf where_else = MAE_BUF_INIT;
		for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++)
			if (levels[l].keys != keys && in_list(k, levels[l].keys))
				mae_buf_addf(&where_else, "%s%s",
					     where_else.len ? " or " : "",
					     levels[l].where);
		const char *belongs = where_else.len ? mae_buf_str(&where_else) : NULL;
		const char *hint = mae_suggest(k, (const char *const *)keys,
					       list_len(keys));
		if (belongs)
			model_err(b, map->pairs[i].key,
				  "key '%s' is not valid %s (it belongs %s)", k,
				  where, belongs);
		else if (hint)
			model_err(b, map->pairs[i].key,
				  "unknown key '%s' %s (did you mean '%s'?)", k,
				  where, hint);
		else
			model_err(b, map->pairs[i].key, "unknown key '%s' %s", k,
				  where);
		mae_buf_release(&where_else);
	}
}

/* The value must be a mapping (or null: nothing); else an error. */
static bool want_map(struct builder *b, const struct ynode *v,
		     const char *what, const char *where)
{
	if (!v || is_null(v))
		return false;
	if (v->kind == YNODE_MAP)
		return true;
	model_err(b, v, "'%s' %s must be a mapping, not %s", what, where,
		  ynode_describe(v));
	return false;
}

static void type_err(struct builder *b, const struct ynode *v,
		     const char *key, const char *where, const char *want)
{
	model_err(b, v, "'%s' %s must be %s, not %s", key, where, want,
		  ynode_describe(v));
}

/* An optional string (string, integer or float as written by str()). */
static const char *get_str(struct builder *b, const struct ynode *map,
			   const char *key, const char *where, bool required)
{
	const struct ynode *v = ynode_get(map, key);
	if (!v) {
		if (required)
			model_err(b, map, "missing '%s' %s", key, where);
		return NULL;
	}
	if (is_null(v) && !required)
		return NULL;
	if (!is_texty(v)) {
		type_err(b, v, key, where, "a string");
		return NULL;
	}
	if (!*v->str && required) {
		/* an empty ip, user, type or image only fails later, at a ship */
		model_err(b, v, "'%s' %s must not be empty", key, where);
		return NULL;
	}
	return arena_strdup(b->a, v->str);
}

static bool get_bool(struct builder *b, const struct ynode *map,
		     const char *key, const char *where, bool dflt)
{
	const struct ynode *v = ynode_get(map, key);
	if (is_null(v))
		return dflt;
	if (!is_scalar(v, YSCALAR_BOOL)) {
		type_err(b, v, key, where, "a boolean (true or false)");
		return dflt;
	}
	return v->b;
}

/* An integer in [lo, hi]; dflt when absent or wrong. */
static int64_t node_int(struct builder *b, const struct ynode *v,
			const char *key, const char *where, int64_t lo,
			int64_t hi, int64_t dflt)
{
	if (!is_scalar(v, YSCALAR_INT)) {
		type_err(b, v, key, where, "an integer");
		return dflt;
	}
	if (!v->int_fits || v->i < lo || v->i > hi) {
		model_err(b, v, "'%s' %s must be between %lld and %lld, not %s",
			  key, where, (long long)lo, (long long)hi, v->str);
		return dflt;
	}
	return v->i;
}

static int64_t get_int(struct builder *b, const struct ynode *map,
		       const char *key, const char *where, int64_t lo,
		       int64_t hi, int64_t dflt)
{
	const struct ynode *v = ynode_get(map, key);
	if (is_null(v))
		return dflt;
	return node_int(b, v, key, where, lo, hi, dflt);
}

/* A number of seconds (integer or float, >= 0). */
static double node_seconds(struct builder *b, const struct ynode *v,
			   const char *key, const char *where, double dflt)
{
	double x;
	if (is_scalar(v, YSCALAR_INT) && v->int_fits)
		x = (double)v->i;
	else if (is_scalar(v, YSCALAR_FLOAT))
		x = v->f;
	else {
		type_err(b, v, key, where, "a number of seconds");
		return dflt;
	}
	if (!(x >= 0 && x <= 1e9)) {
		model_err(b, v, "'%s' %s must be between 0 and 1000000000 seconds, not %s",
			  key, where, v->str);
		return dflt;
	}
	return x;
}

static double get_seconds(struct builder *b, const struct ynode *map,
			  const char *key, const char *where, double dflt)
{
	const struct ynode *v = ynode_get(map, key);
	if (is_null(v))
		return dflt;
	return node_seconds(b, v, key, where, dflt);
}

/* A string or a list of strings (as str()), e.g. dns, cap_add. */
static bool node_strlist(struct builder *b, const struct ynode *v,
			 const char *key, const char *where,
			 struct schema_strlist *out)
{
	memset(out, 0, sizeof(*out));
	if (is_null(v))
		return false;
	if (is_texty(v)) {
		out->v = arena_alloc(b->a, sizeof(*out->v));
		out->v[0].s = arena_strdup(b->a, v->str);
		out->v[0].pos = model_pos(b, v);
		out->n = 1;
		return true;
	}
	if (v->kind != YNODE_SEQ) {
		type_err(b, v, key, where, "a string or a list of strings");
		return false;
	}
	out->v = arena_array(b->a, v->nitems, sizeof(*out->v));
	for (size_t i = 0; i < v->nitems; i++) {
		const struct ynode *it = v->items[i];
		if (!is_texty(it)) {
			model_err(b, it, "'%s' %s must list strings, not %s",
				  key, where, ynode_describe(it));
			continue;
		}
		out->v[out->n].s = arena_strdup(b->a, it->str);
		out->v[out->n].pos = model_pos(b, it);
		out->n++;
	}
	return true;
}

static bool get_strlist(struct builder *b, const struct ynode *map,
			const char *key, const char *where,
			struct schema_strlist *out)
{
	return node_strlist(b, ynode_get(map, key), key, where, out);
}

/* ------------------------------------------------------------------ */
/* Raw values (env, command, requests_options, audit)                   */

static void copy_value(struct builder *b, const struct ynode *n,
		       struct schema_value *out);

static void copy_map(struct builder *b, const struct ynode *n,
		     struct schema_map *out)
{
	out->v = arena_array(b->a, n->npairs, sizeof(*out->v));
	out->n = n->npairs;
	for (size_t i = 0; i < n->npairs; i++) {
		out->v[i].key = arena_strdup(b->a, key_of(&n->pairs[i]));
		out->v[i].key_pos = model_pos(b, n->pairs[i].key);
		copy_value(b, n->pairs[i].value, &out->v[i].value);
	}
}

static void copy_value(struct builder *b, const struct ynode *n,
		       struct schema_value *out)
{
	out->kind = SCHEMA_V_SCALAR;
	out->type = SCHEMA_S_NULL;
	out->str = "None";
	out->str_len = 4;
	if (!n)
		return;
	out->pos = model_pos(b, n);
	if (++b->nvalues > MODEL_MAX_VALUES) {
		if (!b->values_overflow)
			model_err(b, n, "too many values (more than %zu, aliases expanded)",
				  MODEL_MAX_VALUES);
		b->values_overflow = true;
		return;
	}
	switch (n->kind) {
	case YNODE_SCALAR:
		out->type = (enum schema_stype)n->type;
		out->b = n->b;
		out->int_fits = n->int_fits;
		out->i = n->i;
		out->f = n->f;
		if (n->type == YSCALAR_STR && !n->timestamp) {
			out->str = arena_strndup(b->a, n->text, n->text_len);
			out->str_len = n->text_len;
		} else {
			out->str = arena_strdup(b->a, n->str ? n->str : "");
			out->str_len = strlen(out->str);
		}
		break;
	case YNODE_SEQ:
		out->kind = SCHEMA_V_LIST;
		out->items = arena_array(b->a, n->nitems, sizeof(*out->items));
		out->nitems = n->nitems;
		for (size_t i = 0; i < n->nitems; i++)
			copy_value(b, n->items[i], &out->items[i]);
		break;
	case YNODE_MAP:
		out->kind = SCHEMA_V_MAP;
		struct schema_map m;
		copy_map(b, n, &m);
		out->pairs = m.v;
		out->npairs = m.n;
		break;
	}
}

const struct schema_value *schema_map_get(const struct schema_map *m,
					  const char *key)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (strcmp(m->v[i].key, key) == 0)
			return &m->v[i].value;
	return NULL;
}

static bool has_map_inside(const struct ynode *n, int depth)
{
	if (!n || depth > 64)
		return false;
	if (n->kind == YNODE_MAP)
		return true;
	if (n->kind == YNODE_SEQ)
		for (size_t i = 0; i < n->nitems; i++)
			if (has_map_inside(n->items[i], depth + 1))
				return true;
	return false;
}

/* env: a map of names to scalars or (nested) lists. */
static void get_env(struct builder *b, const struct ynode *map,
		    const char *where, struct schema_map *out)
{
	memset(out, 0, sizeof(*out));
	const struct ynode *v = ynode_get(map, "env");
	if (!want_map(b, v, "env", where))
		return;
	for (size_t i = 0; i < v->npairs; i++) {
		const struct ynode *val = v->pairs[i].value;
		if (has_map_inside(val, 0))
			model_err(b, val,
				  "environment variable '%s' %s must be a scalar or a list, not a mapping",
				  key_of(&v->pairs[i]), where);
	}
	copy_map(b, v, out);
}

static const char *join_path(struct builder *b, const char *p)
{
	const char *base = b->env->base_dir;
	if (p[0] == '/' || !base || !*base || strcmp(base, ".") == 0)
		return arena_strdup(b->a, p);
	return arena_printf(b->a, "%s%s%s", base,
			    mae_endswith(base, "/") ? "" : "/", p);
}

static void get_envfile(struct builder *b, const struct ynode *map,
			const char *where, struct schema_strlist *out)
{
	if (!get_strlist(b, map, "envfile", where, out))
		return;
	for (size_t i = 0; i < out->n; i++)
		out->v[i].s = join_path(b, out->v[i].s);
}

/* A map of user keys to str() values (labels, log_opt, lxc_conf, links). */
static void get_strpairs(struct builder *b, const struct ynode *v,
			 const char *key, const char *where,
			 struct schema_strpairs *out)
{
	memset(out, 0, sizeof(*out));
	if (!want_map(b, v, key, where))
		return;
	out->v = arena_array(b->a, v->npairs, sizeof(*out->v));
	for (size_t i = 0; i < v->npairs; i++) {
		const struct ynode *val = v->pairs[i].value;
		if (!val || val->kind != YNODE_SCALAR) {
			model_err(b, val, "value of '%s' in '%s' %s must be a scalar, not %s",
				  key_of(&v->pairs[i]), key, where,
				  ynode_describe(val));
			continue;
		}
		struct schema_strpair *p = &out->v[out->n++];
		p->key = arena_strdup(b->a, key_of(&v->pairs[i]));
		p->value = arena_strdup(b->a, val->str ? val->str : "");
		p->pos = model_pos(b, v->pairs[i].key);
	}
}

/* ------------------------------------------------------------------ */
/* Ports                                                                */

/* One atom: PORT, PORT-PORT, with /tcp or /udp. */
static bool port_atom(const char *s, unsigned *lo, unsigned *hi,
		      const char **proto)
{
	unsigned long a = 0, z;
	const char *p = s;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		a = a * 10 + (unsigned long)(*p++ - '0');
		if (a > 65535)
			return false;
	}
	z = a;
	if (*p == '-') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		z = 0;
		while (*p >= '0' && *p <= '9') {
			z = z * 10 + (unsigned long)(*p++ - '0');
			if (z > 65535)
				return false;
		}
	}
	*proto = "tcp";
	if (*p == '/') {
		if (strcmp(p + 1, "tcp") == 0)
			*proto = "tcp";
		else if (strcmp(p + 1, "udp") == 0)
			*proto = "udp";
		else
			return false;
	} else if (*p) {
		return false;
	}
	if (a == 0 || z < a)
		return false;
	*lo = (unsigned)a;
	*hi = (unsigned)z;
	return true;
}

static const char *atom_text(struct builder *b, unsigned lo, unsigned hi,
			     const char *proto)
{
	if (lo == hi)
		return arena_printf(b->a, "%u/%s", lo, proto);
	return arena_printf(b->a, "%u-%u/%s", lo, hi, proto);
}

static void warn_sexagesimal(struct builder *b, const struct ynode *v,
			     const char *name, const char *where)
{
	if (is_scalar(v, YSCALAR_INT) && !v->quoted && v->text &&
	    memchr(v->text, ':', v->text_len))
		model_warn(b, v,
			   "port '%s' %s: '%s' is the YAML 1.1 sexagesimal number %s; quote it to map one port to another",
			   name, where, v->text, v->str);
}

#define PORT_FORMS "expected PORT, PORT-PORT or PORT/tcp|udp, or EXPOSED:EXTERNAL"

/* An atom from an int or a string node. */
static bool port_side(struct builder *b, const struct ynode *v,
		      const char *name, const char *where, unsigned *lo,
		      unsigned *hi, const char **proto)
{
	if (!v || !(is_scalar(v, YSCALAR_INT) || is_scalar(v, YSCALAR_STR))) {
		model_err(b, v, "invalid port spec for port '%s' %s: %s, not %s",
			  name, where, PORT_FORMS, ynode_describe(v));
		return false;
	}
	warn_sexagesimal(b, v, name, where);
	if (!port_atom(v->str, lo, hi, proto)) {
		model_err(b, v, "invalid port spec '%s' for port '%s' %s (%s)",
			  v->str, name, where, PORT_FORMS);
		return false;
	}
	return true;
}

static bool parse_port(struct builder *b, const char *name,
		       const struct ynode *v, const char *where,
		       struct schema_port *out)
{
	unsigned elo, ehi, xlo, xhi;
	const char *eproto, *xproto;
	const struct ynode *errnode = v;
	out->name = arena_strdup(b->a, name);
	out->pos = model_pos(b, v);
	out->external_ip = "0.0.0.0";
	if (is_scalar(v, YSCALAR_STR)) {
		const char *s = v->str;
		const char *colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':')) {
			model_err(b, v, "invalid port spec '%s' for port '%s' %s (%s)",
				  s, name, where, PORT_FORMS);
			return false;
		}
		char *first = mae_xstrndup(s, colon ? (size_t)(colon - s)
						    : strlen(s));
		bool ok = port_atom(first, &elo, &ehi, &eproto);
		free(first);
		if (ok && colon)
			ok = port_atom(colon + 1, &xlo, &xhi, &xproto);
		else if (ok) {
			xlo = elo, xhi = ehi, xproto = eproto;
		}
		if (!ok) {
			model_err(b, v, "invalid port spec '%s' for port '%s' %s (%s)",
				  s, name, where, PORT_FORMS);
			return false;
		}
	} else if (is_scalar(v, YSCALAR_INT)) {
		if (!port_side(b, v, name, where, &elo, &ehi, &eproto))
			return false;
		xlo = elo, xhi = ehi, xproto = eproto;
	} else if (v && v->kind == YNODE_MAP) {
		char *w = mae_xasprintf("in port '%s' %s", name, where);
		check_keys(b, v, port_map_keys, w);
		free(w);
		const struct ynode *ex = ynode_get(v, "exposed");
		const struct ynode *xt = ynode_get(v, "external");
		if (!ex || !xt) {
			model_err(b, v, "missing '%s' in port '%s' %s",
				  ex ? "external" : "exposed", name, where);
			return false;
		}
		if (!port_side(b, ex, name, where, &elo, &ehi, &eproto))
			return false;
		if (xt->kind == YNODE_SEQ) {
			if (xt->nitems != 2 || !is_texty(xt->items[0])) {
				model_err(b, xt,
					  "invalid external spec for port '%s' %s: expected [HOST_IP, PORT]",
					  name, where);
				return false;
			}
			out->external_ip = arena_strdup(b->a, xt->items[0]->str);
			xt = xt->items[1];
		}
		if (!port_side(b, xt, name, where, &xlo, &xhi, &xproto))
			return false;
		errnode = xt;
	} else {
		model_err(b, v, "invalid port spec for port '%s' %s: %s, not %s",
			  name, where, PORT_FORMS, ynode_describe(v));
		return false;
	}
	out->exposed = atom_text(b, elo, ehi, eproto);
	out->external = atom_text(b, xlo, xhi, xproto);
	if (strcmp(eproto, xproto) != 0) {
		model_err(b, errnode,
			  "mismatched protocols between '%s' and '%s' for port '%s' %s",
			  out->exposed, out->external, name, where);
		return false;
	}
	out->exposed_lo = elo, out->exposed_hi = ehi;
	out->external_lo = xlo, out->external_hi = xhi;
	out->proto = eproto;
	return true;
}

static void get_ports(struct builder *b, const struct ynode *map,
		      const char *where, struct schema_port **ret,
		      size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	const struct ynode *v = ynode_get(map, "ports");
	if (!want_map(b, v, "ports", where))
		return;
	struct schema_port *ports = arena_array(b->a, v->npairs, sizeof(*ports));
	size_t n = 0;
	for (size_t i = 0; i < v->npairs; i++)
		if (parse_port(b, key_of(&v->pairs[i]), v->pairs[i].value,
			       where, &ports[n]))
			n++;
	*ret = ports;
	*ret_n = n;
}

/* ------------------------------------------------------------------ */
/* Limits                                                               */

/* Bytes: an integer, or digits with a k/m/g suffix (spec §4.4). */
static bool parse_bytes(struct builder *b, const struct ynode *v,
			const char *key, const char *where, int64_t *out)
{
	if (is_scalar(v, YSCALAR_INT)) {
		if (!v->int_fits || v->i < 0) {
			model_err(b, v, "invalid %s limit '%s' %s", key, v->str,
				  where);
			return false;
		}
		*out = v->i;
		return true;
	}
	if (!is_scalar(v, YSCALAR_STR)) {
		type_err(b, v, key, where, "a number of bytes (e.g. 512m)");
		return false;
	}
	const char *s = v->str;
	size_t len = strlen(s);
	int64_t mult = 1;
	size_t ndig = len;
	if (len > 0 && !(s[len - 1] >= '0' && s[len - 1] <= '9')) {
		switch (s[len - 1]) {
		case 'k': case 'K':
			mult = 1024;
			break;
		case 'm': case 'M':
			mult = 1024 * 1024;
			break;
		case 'g': case 'G':
			mult = 1024 * 1024 * 1024;
			break;
		default:
			model_err(b, v, "unknown unit suffix '%c' in %s limit '%s' %s (use k, m or g)",
				  s[len - 1], key, s, where);
			return false;
		}
		ndig = len - 1;
	}
	int64_t x = 0;
	if (ndig == 0)
		goto bad;
	for (size_t i = 0; i < ndig; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		if (x > (INT64_MAX - 9) / 10)
			goto bad;
		x = x * 10 + (s[i] - '0');
	}
	if (x > INT64_MAX / mult)
		goto bad;
	*out = x * mult;
	return true;
bad:
	model_err(b, v, "invalid %s limit '%s' %s (expected a whole number with an optional k, m or g suffix)",
		  key, s, where);
	return false;
}

static void get_limits(struct builder *b, const struct ynode *map,
		       const char *where, struct schema_limits *out)
{
	memset(out, 0, sizeof(*out));
	const struct ynode *v = ynode_get(map, "limits");
	if (!want_map(b, v, "limits", where))
		return;
	char *w = mae_xasprintf("in limits of %s", where + 3);
	check_keys(b, v, limits_keys, w);
	const struct ynode *c = ynode_get(v, "cpu");
	if (!is_null(c)) {
		out->cpu = node_int(b, c, "cpu", w, 0, INT64_MAX, 0);
		out->has_cpu = is_scalar(c, YSCALAR_INT) && c->int_fits &&
			       c->i >= 0;
		out->cpu_pos = model_pos(b, c);
	}
	const struct ynode *m = ynode_get(v, "memory");
	if (!is_null(m)) {
		out->has_memory = parse_bytes(b, m, "memory", where, &out->memory);
		out->memory_pos = model_pos(b, m);
	}
	const struct ynode *s = ynode_get(v, "swap");
	if (!is_null(s)) {
		out->has_swap = parse_bytes(b, s, "swap", where, &out->swap);
		out->swap_pos = model_pos(b, s);
	}
	free(w);
}

/* ------------------------------------------------------------------ */
/* Lifecycle checks                                                     */

static const char *check_where(struct builder *b, enum schema_state st,
			       size_t idx, const char *type, const char *where)
{
	return arena_printf(b->a, "in %s check %zu of %s (%s)", type ? type : "",
			    idx + 1, where + 3, state_names[st]);
}

/*
 * An exec/rexec 'command' must name something to run: a string that
 * shlex.split() accepts and that has at least one word, or a non-empty
 * list.  Checked here so that it is reported with every other problem.
 */
static bool check_command_words(struct builder *b, const struct ynode *p,
				const char *w)
{
	size_t n = p->kind == YNODE_SEQ ? p->nitems : 0;
	if (p->kind == YNODE_SCALAR) {
		struct mae_error e;
		char **argv = NULL;
		mae_error_clear(&e);
		if (shell_split(p->str, &argv, &n, &e) < 0) {
			model_err(b, p, "%s %s", e.msg, w);
			return false;
		}
		argv_free(argv);
	}
	if (n == 0) {
		model_err(b, p, "empty 'command' %s", w);
		return false;
	}
	return true;
}

static void parse_check(struct builder *b, const struct ynode *v,
			enum schema_state st, size_t idx, const char *where,
			bool from_service, struct schema_checks *out)
{
	if (!v || v->kind != YNODE_MAP) {
		model_err(b, v, "lifecycle check %zu (%s) %s must be a mapping, not %s",
			  idx + 1, state_names[st], where, ynode_describe(v));
		return;
	}
	const struct ynode *t = ynode_get(v, "type");
	if (!t) {
		model_err(b, v, "missing 'type' in lifecycle check %zu (%s) %s",
			  idx + 1, state_names[st], where);
		return;
	}
	if (!is_scalar(t, YSCALAR_STR)) {
		model_err(b, t, "'type' of lifecycle check %zu (%s) %s must be a string, not %s",
			  idx + 1, state_names[st], where, ynode_describe(t));
		return;
	}
	int type = -1;
	for (int i = 0; check_type_names[i]; i++)
		if (strcmp(check_type_names[i], t->str) == 0)
			type = i;
	if (type < 0) {
		const char *hint = mae_suggest(t->str, check_type_names,
					       list_len(check_type_names));
		if (hint)
			model_err(b, t, "unknown lifecycle check type '%s' %s (did you mean '%s'?)",
				  t->str, where, hint);
		else
			model_err(b, t, "unknown lifecycle check type '%s' %s (one of tcp, http, exec, rexec, sleep, docker_health)",
				  t->str, where);
		return;
	}
	const char *w = check_where(b, st, idx, t->str, where);
	const char *const *keys = check_keys_by_type[type];
	/* options of another check type: say which types take them */
	for (size_t i = 0; i < v->npairs; i++) {
		const char *k = key_of(&v->pairs[i]);
		if (is_scratch(k) || in_list(k, keys))
			continue;
		struct mae_buf types = MAE_BUF_INIT;
		for (int ty = 0; check_type_names[ty]; ty++)
			if (in_list(k, check_keys_by_type[ty]))
				mae_buf_addf(&types, "%s%s", types.len ? ", " : "",
					     check_type_names[ty]);
		const char *hint = mae_suggest(k, keys, list_len(keys));
		if (strcmp(k, "cmd") == 0 && in_list("command", keys))
			hint = "command"; /* MaestroNG's docs wrote cmd */
		if (types.len)
			model_err(b, v->pairs[i].key,
				  "key '%s' is not valid %s (it belongs in %s checks)",
				  k, w, mae_buf_str(&types));
		else if (hint)
			model_err(b, v->pairs[i].key,
				  "unknown key '%s' %s (did you mean '%s'?)", k,
				  w, hint);
		else
			model_err(b, v->pairs[i].key, "unknown key '%s' %s", k, w);
		mae_buf_release(&types);
	}

	struct schema_check *c = &out->v[out->n];
	memset(c, 0, sizeof(*c));
	c->type = (enum schema_check_type)type;
	c->pos = model_pos(b, v);
	c->from_service = from_service;
	bool ok = true;
	const struct ynode *p;
	switch (c->type) {
	case SCHEMA_CHECK_TCP:
	case SCHEMA_CHECK_HTTP:
		p = ynode_get(v, "port");
		if (is_null(p)) {
			model_err(b, v, "missing 'port' %s", w);
			ok = false;
		} else if (!is_texty(p)) {
			type_err(b, p, "port", w, "a port name or number");
			ok = false;
		} else {
			c->port = arena_strdup(b->a, p->str);
			c->port_pos = model_pos(b, p);
		}
		if (c->type == SCHEMA_CHECK_TCP) {
			c->max_wait = get_seconds(b, v, "max_wait", w, 180);
			break;
		}
		c->host = get_str(b, v, "host", w, false);
		c->match_regex = get_str(b, v, "match_regex", w, false);
		if (c->match_regex) {
			regex_t re;
			int rc = regcomp(&re, c->match_regex, REG_EXTENDED | REG_NOSUB);
			if (rc != 0) {
				char msg[256];
				regerror(rc, &re, msg, sizeof(msg));
				model_err(b, ynode_get(v, "match_regex"),
					  "bad regex '%s' %s: %s", c->match_regex,
					  w, msg);
				ok = false;
			} else {
				regfree(&re);
			}
		}
		c->path = get_str(b, v, "path", w, false);
		if (!c->path)
			c->path = "/";
		else if (c->path[0] != '/')
			c->path = arena_printf(b->a, "/%s", c->path);
		c->scheme = get_str(b, v, "scheme", w, false);
		if (!c->scheme)
			c->scheme = "http";
		else if (strcmp(c->scheme, "http") && strcmp(c->scheme, "https")) {
			model_err(b, ynode_get(v, "scheme"),
				  "unknown scheme '%s' %s (http or https)",
				  c->scheme, w);
			ok = false;
		}
		c->method = get_str(b, v, "method", w, false);
		if (!c->method) {
			c->method = "get";
		} else {
			char *m = (char *)c->method;
			for (; *m; m++)
				if (*m >= 'A' && *m <= 'Z')
					*m = (char)(*m - 'A' + 'a');
			static const char *const methods[] = {
				"get", "head", "post", "put", "delete",
				"options", "patch", NULL,
			};
			if (!in_list(c->method, methods)) {
				model_err(b, ynode_get(v, "method"),
					  "unknown HTTP method '%s' %s", c->method, w);
				ok = false;
			}
		}
		c->max_wait = get_seconds(b, v, "max_wait", w, 300);
		p = ynode_get(v, "requests_options");
		if (want_map(b, p, "requests_options", w))
			copy_map(b, p, &c->requests_options);
		break;
	case SCHEMA_CHECK_EXEC:
	case SCHEMA_CHECK_REXEC:
		p = ynode_get(v, "command");
		if (is_null(p)) {
			model_err(b, v, "missing 'command' %s", w);
			ok = false;
		} else if (!(is_texty(p) || p->kind == YNODE_SEQ)) {
			type_err(b, p, "command", w, "a string or a list");
			ok = false;
		} else {
			for (size_t i = 0; p->kind == YNODE_SEQ && i < p->nitems; i++)
				if (!is_texty(p->items[i])) {
					model_err(b, p->items[i],
						  "'command' %s must list strings, not %s",
						  w, ynode_describe(p->items[i]));
					ok = false;
				}
			ok = check_command_words(b, p, w) && ok;
			struct schema_value *cv = arena_alloc(b->a, sizeof(*cv));
			copy_value(b, p, cv);
			c->command = cv;
		}
		c->attempts = (int)get_int(b, v, "attempts", w, 1, 1000000, 180);
		if (c->type == SCHEMA_CHECK_EXEC) {
			const char *ef = get_str(b, v, "envfrom", w, false);
			if (!ef || strcmp(ef, "env") == 0) {
				c->envfrom = SCHEMA_ENVFROM_ENV;
			} else if (strcmp(ef, "stdin") == 0) {
				c->envfrom = SCHEMA_ENVFROM_STDIN;
			} else {
				model_err(b, ynode_get(v, "envfrom"),
					  "unknown envfrom '%s' %s (env or stdin)",
					  ef, w);
				ok = false;
			}
		}
		break;
	case SCHEMA_CHECK_SLEEP:
		p = ynode_get(v, "wait");
		if (is_null(p)) {
			model_err(b, v, "missing 'wait' %s", w);
			ok = false;
		} else {
			c->wait = node_seconds(b, p, "wait", w, 0);
		}
		break;
	case SCHEMA_CHECK_DOCKER_HEALTH:
		c->max_wait = get_seconds(b, v, "max_wait", w, 300);
		break;
	}
	if (ok)
		out->n++;
}

static void get_lifecycle(struct builder *b, const struct ynode *map,
			  const char *where, bool from_service,
			  struct schema_checks out[SCHEMA_NSTATES])
{
	memset(out, 0, SCHEMA_NSTATES * sizeof(out[0]));
	const struct ynode *v = ynode_get(map, "lifecycle");
	if (!want_map(b, v, "lifecycle", where))
		return;
	for (size_t i = 0; i < v->npairs; i++) {
		const char *k = key_of(&v->pairs[i]);
		if (is_scratch(k))
			continue;
		int st = -1;
		for (int s = 0; state_names[s]; s++)
			if (strcmp(state_names[s], k) == 0)
				st = s;
		if (st < 0) {
			const char *hint = mae_suggest(k, state_names,
						       list_len(state_names));
			if (hint)
				model_err(b, v->pairs[i].key,
					  "unknown lifecycle state '%s' %s (did you mean '%s'?)",
					  k, where, hint);
			else
				model_err(b, v->pairs[i].key,
					  "unknown lifecycle state '%s' %s (one of pre-start, running, pre-stop, stopped)",
					  k, where);
			continue;
		}
		const struct ynode *list = v->pairs[i].value;
		if (is_null(list))
			continue;
		if (list->kind != YNODE_SEQ) {
			model_err(b, list, "%s lifecycle checks %s must be a list of checks, not %s",
				  k, where, ynode_describe(list));
			continue;
		}
		out[st].v = arena_array(b->a, list->nitems, sizeof(*out[st].v));
		for (size_t j = 0; j < list->nitems; j++)
			parse_check(b, list->items[j], (enum schema_state)st, j,
				    where, from_service, &out[st]);
	}
}

/* ------------------------------------------------------------------ */
/* Registries, ships, audit                                             */

static void build_registries(struct builder *b, const struct ynode *root)
{
	const struct ynode *v = ynode_get(root, "registries");
	if (!want_map(b, v, "registries", "at the top level"))
		return;
	struct schema_env *env = b->env;
	env->registries = arena_array(b->a, v->npairs, sizeof(*env->registries));
	env->registries_ix = name_index_new(b->a, v->npairs);
	for (size_t i = 0; i < v->npairs; i++) {
		const char *name = key_of(&v->pairs[i]);
		const struct ynode *r = v->pairs[i].value;
		const char *w = arena_printf(b->a, "in registry '%s'", name);
		if (is_null(r))
			continue;
		if (r->kind != YNODE_MAP) {
			model_err(b, r, "registry '%s' must be a mapping, not %s",
				  name, ynode_describe(r));
			continue;
		}
		check_keys(b, r, registry_keys, w);
		struct schema_registry *reg = &env->registries[env->nregistries++];
		reg->name = arena_strdup(b->a, name);
		name_index_add(env->registries_ix, reg->name, reg);
		reg->pos = model_pos(b, v->pairs[i].key);
		reg->registry = get_str(b, r, "registry", w, false);
		reg->username = get_str(b, r, "username", w, false);
		reg->password = get_str(b, r, "password", w, false);
		reg->email = get_str(b, r, "email", w, false);
		reg->retry_attempts = 3;
		const struct ynode *rt = ynode_get(r, "retry");
		if (!want_map(b, rt, "retry", w))
			continue;
		const char *rw = arena_printf(b->a, "in retry of registry '%s'", name);
		check_keys(b, rt, retry_keys, rw);
		reg->retry_attempts = (int)get_int(b, rt, "attempts", rw, 1, 1000, 3);
		const struct ynode *when = ynode_get(rt, "when");
		if (is_null(when))
			continue;
		if (when->kind != YNODE_SEQ) {
			type_err(b, when, "when", rw, "a list of HTTP status codes");
			continue;
		}
		reg->retry_when = arena_array(b->a, when->nitems, sizeof(int));
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

static void build_ship(struct builder *b, struct schema_ship *s,
		       const char *name, const struct ynode *keynode,
		       const struct ynode *v, const struct ynode *defaults)
{
	const char *sw = arena_printf(b->a, "in ship '%s'", name);
	bool first = !b->ships_seen;
	b->ships_seen = true;
	const char *w;
	const struct ynode *x;
	s->name = arena_strdup(b->a, name);
	s->pos = model_pos(b, keynode);
	check_keys(b, v, ship_keys, sw);
	s->ip = get_str(b, v, "ip", sw, true);
	s->endpoint = get_str(b, v, "endpoint", sw, false);
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
		*path_out[i] = arena_strdup(b->a, x->str);
	}
	if (s->ssl_version)
		model_warn(b, ship_key(v, defaults, "ssl_version", &w, sw),
			   "'ssl_version' %s is ignored (Docker negotiates TLS versions)",
			   w);
	s->timeout_s = 5;
	x = ship_key(v, defaults, "timeout", &w, sw);
	if (!is_null(x))
		s->timeout_s = node_seconds(b, x, "timeout", w, 5);
	s->ssh_timeout_s = s->timeout_s;
	x = ship_key(v, defaults, "ssh_timeout", &w, sw);
	if (!is_null(x))
		s->ssh_timeout_s = node_seconds(b, x, "ssh_timeout", w,
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
	const char *tw = arena_printf(b->a, "in ssh_tunnel of ship '%s'", name);
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

static void build_ships(struct builder *b, const struct ynode *root)
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
	env->ships = arena_array(b->a, v->npairs, sizeof(*env->ships));
	env->ships_ix = name_index_new(b->a, v->npairs);
	for (size_t i = 0; i < v->npairs; i++) {
		const char *name = key_of(&v->pairs[i]);
		const struct ynode *s = v->pairs[i].value;
		if (!s || s->kind != YNODE_MAP) {
			model_err(b, s ? s : v->pairs[i].key,
				  "ship '%s' must be a mapping, not %s", name,
				  ynode_describe(s));
			continue;
		}
		struct schema_ship *ship = &env->ships[env->nships++];
		build_ship(b, ship, name, v->pairs[i].key, s, defaults);
		name_index_add(env->ships_ix, ship->name, ship);
	}
}

static void build_audit(struct builder *b, const struct ynode *root)
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
		{ "channel", "token", NULL }, { "endpoint", NULL },
		{ "script", NULL }, { NULL },
	};
	struct schema_env *env = b->env;
	env->audit = arena_array(b->a, v->nitems, sizeof(*env->audit));
	for (size_t i = 0; i < v->nitems; i++) {
		const struct ynode *a = v->items[i];
		const char *w = arena_printf(b->a, "in auditor %zu", i + 1);
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
					  "unknown auditor type '%s' (did you mean '%s'?)",
					  type, hint);
			else
				model_err(b, ynode_get(a, "type"),
					  "unknown auditor type '%s' (one of log, hipchat, slack, http, exec)",
					  type);
			continue;
		}
		w = arena_printf(b->a, "in %s auditor %zu", type, i + 1);
		bool ok = true;
		for (int j = 0; required[t][j]; j++)
			if (is_null(ynode_get(a, required[t][j]))) {
				model_err(b, a, "missing '%s' %s", required[t][j], w);
				ok = false;
			}
		struct schema_audit *au = &env->audit[env->naudit];
		au->type = arena_strdup(b->a, type);
		au->level = get_str(b, a, "level", w, false);
		if (!au->level)
			au->level = "info";
		else if (strcmp(au->level, "info") && strcmp(au->level, "debug")) {
			model_err(b, ynode_get(a, "level"),
				  "unknown level '%s' %s (info or debug)",
				  au->level, w);
			ok = false;
		}
		au->ignore_errors = get_bool(b, a, "ignore_errors", w, false);
		au->pos = model_pos(b, a);
		copy_map(b, a, &au->options);
		if (ok)
			env->naudit++;
	}
}

/* ------------------------------------------------------------------ */
/* Instances                                                            */

static void get_volumes(struct builder *b, const struct ynode *map,
			const char *where, struct schema_instance *c)
{
	const struct ynode *v = ynode_get(map, "volumes");
	if (!want_map(b, v, "volumes", where))
		return;
	c->volumes = arena_array(b->a, v->npairs, sizeof(*c->volumes));
	for (size_t i = 0; i < v->npairs; i++) {
		const char *k = key_of(&v->pairs[i]);
		const struct ynode *val = v->pairs[i].value;
		struct schema_bind *bd = &c->volumes[c->nvolumes];
		bd->pos = model_pos(b, v->pairs[i].key);
		bd->mode = "rw";
		if (b->env->schema_version == 1) {
			/* schema 1: container path: host path, always rw */
			if (!is_texty(val)) {
				model_err(b, val,
					  "invalid volume '%s' %s: schema 1 maps a container path to a host path, not %s",
					  k, where, ynode_describe(val));
				continue;
			}
			bd->target = arena_strdup(b->a, k);
			bd->host = arena_strdup(b->a, val->str);
		} else if (is_texty(val)) {
			bd->host = arena_strdup(b->a, k);
			bd->target = arena_strdup(b->a, val->str);
		} else if (val && val->kind == YNODE_MAP &&
			   is_texty(ynode_get(val, "target"))) {
			char *w = mae_xasprintf("in volume '%s' %s", k, where);
			check_keys(b, val, volume_map_keys, w);
			bd->host = arena_strdup(b->a, k);
			bd->target = arena_strdup(b->a, ynode_get(val, "target")->str);
			const char *mode = get_str(b, val, "mode", w, false);
			free(w);
			if (mode)
				bd->mode = mode;
		} else {
			model_err(b, val ? val : v->pairs[i].key,
				  "invalid volume '%s' %s: expected a container path or {target, mode}, not %s",
				  k, where, ynode_describe(val));
			continue;
		}
		c->nvolumes++;
	}
}

static void get_restart(struct builder *b, const struct ynode *map,
			const char *where, struct schema_restart *r)
{
	static const char *const names[] = {
		"no", "always", "on-failure", "unless-stopped", NULL,
	};
	r->name = "no";
	r->retries = 0;
	const struct ynode *v = ynode_get(map, "restart");
	if (is_null(v) || (is_scalar(v, YSCALAR_BOOL) && !v->b))
		return; /* YAML `no` is false: the default */
	r->pos = model_pos(b, v);
	const char *name = NULL;
	const struct ynode *namenode = v;
	if (is_scalar(v, YSCALAR_STR)) {
		const char *s = v->str;
		const char *colon = strchr(s, ':');
		name = arena_strndup(b->a, s, colon ? (size_t)(colon - s) : strlen(s));
		if (colon) {
			char *end;
			const char *num = colon + 1;
			long n = strtol(num, &end, 10);
			if (!*num || *end || n < 0 || n > 1000000 ||
			    !(num[0] >= '0' && num[0] <= '9')) {
				model_err(b, v, "invalid restart policy format '%s' %s (expected NAME or NAME:RETRIES)",
					  s, where);
				return;
			}
			r->retries = (int)n;
		}
	} else if (v->kind == YNODE_MAP) {
		const char *w = arena_printf(b->a, "in restart of %s", where + 3);
		check_keys(b, v, restart_keys, w);
		namenode = ynode_get(v, "name");
		name = get_str(b, v, "name", w, false);
		if (!name)
			name = "no";
		const struct ynode *rt = ynode_get(v, "retries");
		const struct ynode *mr = ynode_get(v, "maximum_retry_count");
		if (rt && mr)
			model_err(b, mr, "'retries' and 'maximum_retry_count' %s say the same thing: keep one",
				  w);
		if (!rt)
			rt = mr;
		if (!is_null(rt))
			r->retries = (int)node_int(b, rt, rt == mr ? "maximum_retry_count"
								  : "retries",
						   w, 0, 1000000, 0);
	} else {
		model_err(b, v, "invalid restart policy %s: expected a name, NAME:RETRIES or {name, retries}, not %s",
			  where, ynode_describe(v));
		return;
	}
	if (!in_list(name, names)) {
		const char *hint = mae_suggest(name, names, list_len(names));
		if (hint)
			model_err(b, namenode ? namenode : v,
				  "invalid restart policy '%s' %s (did you mean '%s'?)",
				  name, where, hint);
		else
			model_err(b, namenode ? namenode : v,
				  "invalid restart policy '%s' %s (choose one of no, always, on-failure, unless-stopped)",
				  name, where);
		return;
	}
	r->name = name;
}

static void get_ulimits(struct builder *b, const struct ynode *map,
			const char *where, struct schema_instance *c)
{
	const struct ynode *v = ynode_get(map, "ulimits");
	if (!want_map(b, v, "ulimits", where))
		return;
	c->ulimits = arena_array(b->a, v->npairs, sizeof(*c->ulimits));
	for (size_t i = 0; i < v->npairs; i++) {
		const char *k = key_of(&v->pairs[i]);
		const struct ynode *val = v->pairs[i].value;
		struct schema_ulimit *u = &c->ulimits[c->nulimits];
		u->name = arena_strdup(b->a, k);
		u->pos = model_pos(b, v->pairs[i].key);
		const char *w = arena_printf(b->a, "in ulimit '%s' %s", k, where);
		if (is_scalar(val, YSCALAR_INT)) {
			const char *uw = arena_printf(b->a, "in ulimits of %s", where + 3);
			u->soft = u->hard = node_int(b, val, k, uw, INT64_MIN + 1,
						     INT64_MAX, 0);
			if (val->int_fits)
				c->nulimits++;
			continue;
		}
		if (!val || val->kind != YNODE_MAP) {
			model_err(b, val ? val : v->pairs[i].key,
				  "ulimit '%s' %s must be an integer or {soft, hard}, not %s",
				  k, where, ynode_describe(val));
			continue;
		}
		check_keys(b, val, ulimit_keys, w);
		const struct ynode *so = ynode_get(val, "soft");
		const struct ynode *ha = ynode_get(val, "hard");
		if (is_null(so) || is_null(ha)) {
			model_err(b, val, "missing '%s' %s", is_null(so) ? "soft" : "hard", w);
			continue;
		}
		u->soft = node_int(b, so, "soft", w, INT64_MIN + 1, INT64_MAX, 0);
		u->hard = node_int(b, ha, "hard", w, INT64_MIN + 1, INT64_MAX, 0);
		c->nulimits++;
	}
}

static void get_labels(struct builder *b, const struct ynode *map,
		       const char *where, struct schema_instance *c)
{
	const struct ynode *v = ynode_get(map, "labels");
	if (is_null(v))
		return;
	c->has_labels = true;
	if (v->kind == YNODE_MAP) {
		get_strpairs(b, v, "labels", where, &c->labels);
		return;
	}
	if (v->kind != YNODE_SEQ) {
		model_err(b, v, "invalid labels %s: must be a list or a mapping, not %s",
			  where, ynode_describe(v));
		c->has_labels = false;
		return;
	}
	c->labels.v = arena_array(b->a, v->nitems, sizeof(*c->labels.v));
	for (size_t i = 0; i < v->nitems; i++) {
		const struct ynode *it = v->items[i];
		if (!is_texty(it)) {
			model_err(b, it, "'labels' %s must list strings, not %s",
				  where, ynode_describe(it));
			continue;
		}
		struct schema_strpair *p = &c->labels.v[c->labels.n++];
		p->key = arena_strdup(b->a, it->str);
		p->value = "";
		p->pos = model_pos(b, it);
	}
}

static const char *const log_drivers[] = {
	"json-file", "syslog", "journald", "gelf", "fluentd", "awslogs",
	"splunk", "etwlogs", "gcplogs", "logentries", "local", "none", NULL,
};

static void unknown_ship(struct builder *b, const struct ynode *n,
			 const char *name, const char *where)
{
	const char **names = mae_xcalloc(b->env->nships + 1, sizeof(char *));
	for (size_t j = 0; j < b->env->nships && !quiet(b); j++)
		names[j] = b->env->ships[j].name;
	const char *hint = quiet(b) ? NULL : mae_suggest(name, names, b->env->nships);
	if (hint)
		model_err(b, n, "unknown ship '%s' %s (did you mean '%s'?)", name,
			  where, hint);
	else
		model_err(b, n, "unknown ship '%s' %s", name, where);
	free(names);
}

static void get_extra_hosts(struct builder *b, const struct ynode *map,
			    const char *where, struct schema_instance *c)
{
	const struct ynode *v = ynode_get(map, "extra_hosts");
	if (!want_map(b, v, "extra_hosts", where))
		return;
	c->extra_hosts.v = arena_array(b->a, v->npairs, sizeof(*c->extra_hosts.v));
	for (size_t i = 0; i < v->npairs; i++) {
		const char *k = key_of(&v->pairs[i]);
		const struct ynode *val = v->pairs[i].value;
		const char *ip = NULL;
		if (is_texty(val)) {
			ip = arena_strdup(b->a, val->str);
		} else if (val && val->kind == YNODE_MAP &&
			   val->npairs == 1 && ynode_get(val, "ship")) {
			const struct ynode *sn = ynode_get(val, "ship");
			if (!is_texty(sn)) {
				type_err(b, sn, "ship", where, "a ship name");
				continue;
			}
			struct schema_ship *s = schema_env_ship(b->env, sn->str);
			if (!s) {
				char *ew = mae_xasprintf("in extra_hosts '%s' %s", k, where);
				unknown_ship(b, sn, sn->str, ew);
				free(ew);
				continue;
			}
			ip = s->ip ? s->ip : "";
		} else {
			model_err(b, val ? val : v->pairs[i].key,
				  "extra host '%s' %s must be an address or {ship: NAME}, not %s",
				  k, where, ynode_describe(val));
			continue;
		}
		struct schema_strpair *p = &c->extra_hosts.v[c->extra_hosts.n++];
		p->key = arena_strdup(b->a, k);
		p->value = ip;
		p->pos = model_pos(b, v->pairs[i].key);
	}
}

/* Copy the service's checks and append the instance's (fresh arrays). */
static void merge_checks(struct builder *b, const struct schema_service *svc,
			 struct schema_checks own[SCHEMA_NSTATES],
			 struct schema_instance *c)
{
	for (int st = 0; st < SCHEMA_NSTATES; st++) {
		size_t n = svc->lifecycle[st].n + own[st].n;
		c->lifecycle[st].v = arena_array(b->a, n, sizeof(struct schema_check));
		if (svc->lifecycle[st].n)
			memcpy(c->lifecycle[st].v, svc->lifecycle[st].v,
			       svc->lifecycle[st].n * sizeof(struct schema_check));
		if (own[st].n)
			memcpy(c->lifecycle[st].v + svc->lifecycle[st].n, own[st].v,
			       own[st].n * sizeof(struct schema_check));
		c->lifecycle[st].n = n;
	}
}

static void merge_ports(struct builder *b, const struct schema_service *svc,
			struct schema_port *own, size_t nown,
			struct schema_instance *c)
{
	c->ports = arena_array(b->a, svc->nports + nown, sizeof(*c->ports));
	for (size_t i = 0; i < svc->nports; i++) {
		c->ports[c->nports] = svc->ports[i];
		c->ports[c->nports++].from_service = true;
	}
	for (size_t i = 0; i < nown; i++) {
		size_t j = 0;
		while (j < c->nports && strcmp(c->ports[j].name, own[i].name))
			j++;
		c->ports[j] = own[i];
		if (j == c->nports)
			c->nports++;
	}
}

static void merge_limits(const struct schema_limits *s,
			 const struct schema_limits *own,
			 struct schema_limits *out)
{
	*out = *s;
	if (own->has_cpu)
		out->has_cpu = true, out->cpu = own->cpu, out->cpu_pos = own->cpu_pos;
	if (own->has_memory)
		out->has_memory = true, out->memory = own->memory,
		out->memory_pos = own->memory_pos;
	if (own->has_swap)
		out->has_swap = true, out->swap = own->swap,
		out->swap_pos = own->swap_pos;
}

/* Tie tcp/http checks to the instance's ports. */
static void resolve_checks(struct builder *b, struct schema_instance *c)
{
	for (int st = 0; st < SCHEMA_NSTATES; st++) {
		for (size_t i = 0; i < c->lifecycle[st].n; i++) {
			struct schema_check *k = &c->lifecycle[st].v[i];
			if ((k->type != SCHEMA_CHECK_TCP &&
			     k->type != SCHEMA_CHECK_HTTP) || !k->port)
				continue;
			const struct schema_port *p = schema_instance_port(c, k->port);
			const char *tn = schema_check_type_name(k->type);
			if (!p && k->type == SCHEMA_CHECK_HTTP) {
				char *end;
				long n = strtol(k->port, &end, 10);
				if (*k->port && !*end && n >= 1 && n <= 65535) {
					k->port_number = (int)n;
					continue;
				}
			}
			if (!p) {
				pos_err(b, &k->port_pos,
					"port '%s' of %s check (%s) is not defined by instance '%s'",
					k->port, tn, state_names[st], c->name);
				continue;
			}
			if (strcmp(p->proto, "tcp") != 0) {
				pos_err(b, &k->port_pos,
					"port '%s' of %s check (%s) of instance '%s' is not TCP",
					k->port, tn, state_names[st], c->name);
				continue;
			}
			if (p->external_lo != p->external_hi) {
				pos_err(b, &k->port_pos,
					"port '%s' of %s check (%s) of instance '%s' is a range; a check needs one port",
					k->port, tn, state_names[st], c->name);
				continue;
			}
			k->port_ref = p;
		}
	}
}

static void build_instance(struct builder *b, struct schema_service *svc,
			   struct schema_instance *c, const char *name,
			   const struct ynode *keynode, const struct ynode *v)
{
	const char *w = arena_printf(b->a, "in instance '%s'", name);
	c->name = arena_strdup(b->a, name);
	c->pos = model_pos(b, keynode);
	c->service = svc;
	check_keys(b, v, instance_keys, w);

	const struct ynode *sn = ynode_get(v, "ship");
	if (!sn) {
		model_err(b, v, "missing 'ship' %s", w);
	} else if (!is_texty(sn)) {
		type_err(b, sn, "ship", w, "a ship name");
	} else {
		c->ship = schema_env_ship(b->env, sn->str);
		c->ship_pos = model_pos(b, sn);
		if (!c->ship)
			unknown_ship(b, sn, sn->str, w);
	}
	c->image = get_str(b, v, "image", w, false);
	if (c->image && !*c->image) {
		model_err(b, ynode_get(v, "image"), "'image' %s must not be empty", w);
		c->image = NULL;
	}
	if (!c->image)
		c->image = svc->image;

	const struct ynode *cmd = ynode_get(v, "command");
	const char *cmdkey = "command";
	if (!cmd) {
		cmd = ynode_get(v, "cmd");
		cmdkey = "cmd";
	}
	if (!is_null(cmd)) {
		if (is_texty(cmd) || cmd->kind == YNODE_SEQ) {
			bool ok = true;
			for (size_t i = 0; cmd->kind == YNODE_SEQ && i < cmd->nitems; i++)
				if (!is_texty(cmd->items[i])) {
					model_err(b, cmd->items[i], "'%s' %s must list strings, not %s",
						  cmdkey, w, ynode_describe(cmd->items[i]));
					ok = false;
				}
			if (ok) {
				struct schema_value *cv = arena_alloc(b->a, sizeof(*cv));
				copy_value(b, cmd, cv);
				c->command = cv;
			}
		} else {
			type_err(b, cmd, cmdkey, w, "a string or a list");
		}
	}

	get_env(b, v, w, &c->env);
	get_envfile(b, v, w, &c->envfile);

	struct schema_port *ports;
	size_t nports;
	get_ports(b, v, w, &ports, &nports);
	merge_ports(b, svc, ports, nports, c);

	get_volumes(b, v, w, c);
	get_strlist(b, v, "container_volumes", w, &c->container_volumes);
	get_strlist(b, v, "volumes_from", w, &c->volumes_from_names);
	get_strpairs(b, ynode_get(v, "links"), "links", w, &c->links);

	c->username = get_str(b, v, "username", w, false);
	c->workdir = get_str(b, v, "workdir", w, false);
	c->privileged = get_bool(b, v, "privileged", w, false);
	get_strlist(b, v, "cap_add", w, &c->cap_add);
	get_strlist(b, v, "cap_drop", w, &c->cap_drop);
	get_extra_hosts(b, v, w, c);
	c->net = get_str(b, v, "net", w, false);
	get_restart(b, v, w, &c->restart);
	c->has_dns = get_strlist(b, v, "dns", w, &c->dns);
	c->stop_timeout = (int)get_int(b, v, "stop_timeout", w, 0, 1000000, 10);

	struct schema_limits own;
	get_limits(b, v, w, &own);
	merge_limits(&svc->limits, &own, &c->limits);

	const struct ynode *ld = ynode_get(v, "log_driver");
	c->log_driver = get_str(b, v, "log_driver", w, false);
	if (c->log_driver && !in_list(c->log_driver, log_drivers)) {
		const char *hint = mae_suggest(c->log_driver, log_drivers,
					       list_len(log_drivers));
		if (hint)
			model_err(b, ld, "unknown log_driver '%s' %s (did you mean '%s'?)",
				  c->log_driver, w, hint);
		else
			model_err(b, ld, "unknown log_driver '%s' %s (one of json-file, syslog, journald, gelf, fluentd, awslogs, splunk, etwlogs, gcplogs, logentries, local, none)",
				  c->log_driver, w);
		c->log_driver = NULL;
	}
	get_strpairs(b, ynode_get(v, "log_opt"), "log_opt", w, &c->log_opt);

	const struct ynode *so = ynode_get(v, "security_opt");
	if (!is_null(so)) {
		if (so->kind != YNODE_SEQ)
			type_err(b, so, "security_opt", w, "a list of strings");
		else
			c->has_security_opt = get_strlist(b, v, "security_opt", w,
							  &c->security_opt);
	}
	get_ulimits(b, v, w, c);
	get_labels(b, v, w, c);
	const struct ynode *lx = ynode_get(v, "lxc_conf");
	if (!is_null(lx)) {
		model_warn(b, ynode_get_pair(v, "lxc_conf")->key,
			   "'lxc_conf' %s is ignored (Docker dropped the LXC driver in 1.10)",
			   w);
		get_strpairs(b, lx, "lxc_conf", w, &c->lxc_conf);
	}

	struct schema_checks own_checks[SCHEMA_NSTATES];
	get_lifecycle(b, v, w, false, own_checks);
	merge_checks(b, svc, own_checks, c);
	resolve_checks(b, c);

	/* a bind target that is also a container-only volume */
	for (size_t i = 0; i < c->nvolumes; i++)
		for (size_t j = 0; j < c->container_volumes.n; j++)
			if (strcmp(c->volumes[i].target,
				   c->container_volumes.v[j].s) == 0)
				pos_err(b, &c->container_volumes.v[j].pos,
					"conflict in instance '%s' between bind-mounted volume and container-only volume on '%s'",
					c->name, c->volumes[i].target);
}

/* ------------------------------------------------------------------ */
/* Services and the graph                                               */

static void unknown_service(struct builder *b, const struct schema_pos *p,
			    const char *name, const char *list,
			    const char *svc)
{
	const char **names = mae_xcalloc(b->env->nservices + 1, sizeof(char *));
	for (size_t j = 0; j < b->env->nservices && !quiet(b); j++)
		names[j] = b->env->services[j].name;
	const char *hint = quiet(b) ? NULL
				    : mae_suggest(name, names, b->env->nservices);
	if (hint)
		pos_err(b, p, "unknown service '%s' in %s of service '%s' (did you mean '%s'?)",
			name, list, svc, hint);
	else
		pos_err(b, p, "unknown service '%s' in %s of service '%s'", name,
			list, svc);
	free(names);
}

/* Edges are de-duplicated by the caller (marks). */
static void edge_add(struct model_edges *e, struct schema_service *to,
		     const struct schema_pos *pos)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 4;
		e->v = mae_xrealloc(e->v, e->cap * sizeof(*e->v));
	}
	e->v[e->n].to = to;
	e->v[e->n++].pos = *pos;
}

/* A new generation of marks: nothing is marked. */
static unsigned marks_next(struct builder *b)
{
	return ++b->mark_gen;
}

/* Mark service s; false when it was marked already in generation g. */
static bool mark(struct builder *b, const struct schema_service *s,
		 unsigned g)
{
	size_t i = (size_t)(s - b->env->services);
	if (b->marks[i] == g)
		return false;
	b->marks[i] = g;
	return true;
}

static void resolve_deps(struct builder *b, struct schema_service *svc,
			 const struct schema_strlist *names, const char *list,
			 struct schema_service ***ret, size_t *ret_n,
			 struct model_edges *edges)
{
	*ret = arena_array(b->a, names->n, sizeof(**ret));
	*ret_n = 0;
	unsigned g = marks_next(b);
	for (size_t i = 0; i < names->n; i++) {
		struct schema_service *dep = schema_env_service(b->env,
								names->v[i].s);
		if (!dep) {
			unknown_service(b, &names->v[i].pos, names->v[i].s, list,
					svc->name);
			continue;
		}
		if (!mark(b, dep, g))
			continue;
		(*ret)[(*ret_n)++] = dep;
		if (edges)
			edge_add(edges, dep, &names->v[i].pos);
	}
}

/* volumes_from: resolve, check ship and conflicts. */
static void resolve_volumes_from(struct builder *b, struct schema_instance *c,
				 struct schema_pos *ret_pos)
{
	const struct schema_strlist *names = &c->volumes_from_names;
	c->volumes_from = arena_array(b->a, names->n, sizeof(*c->volumes_from));
	for (size_t i = 0; i < names->n; i++) {
		const char *xn = names->v[i].s;
		const struct schema_pos *p = &names->v[i].pos;
		struct schema_instance *x = schema_env_instance(b->env, xn);
		if (!x) {
			const char **cands = mae_xcalloc(b->env->ninstances + 1,
							 sizeof(char *));
			size_t ncands = 0;
			for (size_t j = 0; j < b->env->ninstances && !quiet(b); j++)
				if (&b->env->instances[j] != c) /* not itself */
					cands[ncands++] = b->env->instances[j].name;
			const char *hint = quiet(b) ? NULL
				: mae_suggest(xn, cands, ncands);
			if (hint)
				pos_err(b, p, "unknown container '%s' in volumes_from of instance '%s' (did you mean '%s'?)",
					xn, c->name, hint);
			else
				pos_err(b, p, "unknown container '%s' in volumes_from of instance '%s'",
					xn, c->name);
			free(cands);
			continue;
		}
		if (x == c) {
			pos_err(b, p, "instance '%s' takes volumes from itself", c->name);
			continue;
		}
		if (x->ship && c->ship && x->ship != c->ship) {
			pos_err(b, p, "volumes_from '%s' of instance '%s' must be on the same ship ('%s'), not on '%s'",
				xn, c->name, c->ship->name, x->ship->name);
			continue;
		}
		/* both containers' volume targets must not overlap */
		struct mae_buf clash = MAE_BUF_INIT;
		for (size_t k = 0; k < c->nvolumes + c->container_volumes.n; k++) {
			const char *t = k < c->nvolumes ? c->volumes[k].target
				: c->container_volumes.v[k - c->nvolumes].s;
			for (size_t l = 0; l < x->nvolumes + x->container_volumes.n; l++) {
				const char *u = l < x->nvolumes ? x->volumes[l].target
					: x->container_volumes.v[l - x->nvolumes].s;
				if (strcmp(t, u) == 0) {
					mae_buf_addf(&clash, "%s'%s'",
						     clash.len ? ", " : "", t);
					break;
				}
			}
		}
		if (clash.len)
			pos_err(b, p, "volume conflicts between instance '%s' and instance '%s': %s",
				c->name, x->name, mae_buf_str(&clash));
		mae_buf_release(&clash);
		bool dup = false;
		for (size_t j = 0; j < c->nvolumes_from && !dup; j++)
			dup = c->volumes_from[j] == x;
		if (dup)
			continue;
		ret_pos[c->nvolumes_from] = *p;
		c->volumes_from[c->nvolumes_from++] = x;
	}
}

/* Report the cycle closed by an edge to path[k] (the path holds nodes). */
static void report_cycle(struct builder *b, const char *what,
			 const char *const *names, const size_t *path,
			 size_t from, size_t depth, const char *to,
			 const struct schema_pos *pos)
{
	struct mae_buf msg = MAE_BUF_INIT;
	for (size_t k = from; k < depth; k++)
		mae_buf_addf(&msg, "'%s' -> ", names[path[k]]);
	mae_buf_addf(&msg, "'%s'", to);
	pos_err(b, pos, "%s: %s", what, mae_buf_str(&msg));
	mae_buf_release(&msg);
}

/*
 * Depth-first search for cycles in a graph of n nodes whose edges come
 * from edge(ctx, u, k) (NULL past the last one, *ret_pos the position of
 * the edge).  Iterative: a long chain cannot exhaust the stack.  Each back
 * edge is one cycle, reported with its path.
 */
static void find_cycles_in(struct builder *b, size_t n,
			   const char *const *names, const char *what,
			   bool (*edge)(struct builder *b, size_t u, size_t k,
					size_t *ret_v,
					const struct schema_pos **ret_pos))
{
	unsigned char *color = mae_xcalloc(n + 1, 1);
	size_t *path = mae_xcalloc(n + 1, sizeof(size_t));
	size_t *next = mae_xcalloc(n + 1, sizeof(size_t));
	size_t *onpath = mae_xcalloc(n + 1, sizeof(size_t));
	for (size_t s = 0; s < n; s++) {
		if (color[s])
			continue;
		size_t depth = 0;
		color[s] = 1;
		onpath[s] = depth;
		next[depth] = 0;
		path[depth++] = s;
		while (depth) {
			size_t u = path[depth - 1];
			size_t v;
			const struct schema_pos *pos;
			if (!edge(b, u, next[depth - 1]++, &v, &pos)) {
				color[u] = 2;
				depth--;
				continue;
			}
			if (v >= n)
				continue; /* not an edge of this graph */
			if (color[v] == 0) {
				color[v] = 1;
				onpath[v] = depth;
				next[depth] = 0;
				path[depth++] = v;
			} else if (color[v] == 1) {
				report_cycle(b, what, names, path, onpath[v], depth,
					     names[v], pos);
			}
		}
	}
	free(color);
	free(path);
	free(next);
	free(onpath);
}

static bool service_edge(struct builder *b, size_t u, size_t k, size_t *ret_v,
			 const struct schema_pos **ret_pos)
{
	const struct model_edges *e = &b->edges[u];
	if (k >= e->n)
		return false;
	*ret_v = (size_t)(e->v[k].to - b->env->services);
	*ret_pos = &e->v[k].pos;
	return true;
}

/* volumes_from between instances of one service (across services the
 * service graph sees them). */
static bool instance_edge(struct builder *b, size_t u, size_t k,
			  size_t *ret_v, const struct schema_pos **ret_pos)
{
	const struct schema_instance *c = &b->env->instances[u];
	if (k >= c->nvolumes_from)
		return false;
	const struct schema_instance *x = c->volumes_from[k];
	*ret_v = x->service == c->service ? (size_t)(x - b->env->instances)
					  : SIZE_MAX;
	*ret_pos = &b->vf_pos[u][k];
	return true;
}

static void find_cycles(struct builder *b)
{
	struct schema_env *env = b->env;
	const char **names = mae_xcalloc(env->nservices + env->ninstances + 1,
					 sizeof(char *));
	for (size_t i = 0; i < env->nservices; i++)
		names[i] = env->services[i].name;
	find_cycles_in(b, env->nservices, names, "dependency cycle",
		       service_edge);
	for (size_t i = 0; i < env->ninstances; i++)
		names[i] = env->instances[i].name;
	find_cycles_in(b, env->ninstances, names,
		       "dependency cycle through volumes_from", instance_edge);
	free(names);
}

static void build_services(struct builder *b, const struct ynode *root)
{
	struct schema_env *env = b->env;
	const struct ynode *v = ynode_get(root, "services");
	if (!want_map(b, v, "services", "at the top level"))
		return;
	env->services = arena_array(b->a, v->npairs, sizeof(*env->services));
	env->services_ix = name_index_new(b->a, v->npairs);
	b->edges = mae_xcalloc(v->npairs + 1, sizeof(*b->edges));
	size_t total = 0;
	for (size_t i = 0; i < v->npairs; i++) {
		const struct ynode *s = v->pairs[i].value;
		const struct ynode *insts = s && s->kind == YNODE_MAP
						    ? ynode_get(s, "instances") : NULL;
		if (insts && insts->kind == YNODE_MAP)
			total += insts->npairs;
	}
	env->instances = arena_array(b->a, total, sizeof(*env->instances));
	env->instances_ix = name_index_new(b->a, total);
	struct schema_strlist *req = mae_xcalloc(v->npairs + 1, sizeof(*req));
	struct schema_strlist *wants = mae_xcalloc(v->npairs + 1, sizeof(*wants));

	/* first the services themselves, so that names resolve */
	const struct ynode **svc_nodes = mae_xcalloc(v->npairs + 1, sizeof(*svc_nodes));
	for (size_t i = 0; i < v->npairs; i++) {
		const char *name = key_of(&v->pairs[i]);
		const struct ynode *s = v->pairs[i].value;
		if (!s || s->kind != YNODE_MAP) {
			model_err(b, s ? s : v->pairs[i].key,
				  "service '%s' must be a mapping, not %s", name,
				  ynode_describe(s));
			continue;
		}
		size_t si = env->nservices++;
		struct schema_service *svc = &env->services[si];
		svc_nodes[si] = s;
		const char *w = arena_printf(b->a, "in service '%s'", name);
		svc->name = arena_strdup(b->a, name);
		svc->pos = model_pos(b, v->pairs[i].key);
		name_index_add(env->services_ix, svc->name, svc);
		check_keys(b, s, service_keys, w);
		svc->image = get_str(b, s, "image", w, true);
		get_env(b, s, w, &svc->env);
		get_envfile(b, s, w, &svc->envfile);
		svc->omit = get_bool(b, s, "omit", w, false);
		get_limits(b, s, w, &svc->limits);
		get_ports(b, s, w, &svc->ports, &svc->nports);
		get_lifecycle(b, s, w, true, svc->lifecycle);
		get_strlist(b, s, "requires", w, &req[si]);
		get_strlist(b, s, "wants_info", w, &wants[si]);
	}

	/* then the instances */
	for (size_t si = 0; si < env->nservices; si++) {
		struct schema_service *svc = &env->services[si];
		const struct ynode *s = svc_nodes[si];
		const struct ypair *ip = ynode_get_pair(s, "instances");
		if (!ip) {
			model_err(b, s, "missing 'instances' in service '%s'", svc->name);
			continue;
		}
		const struct ynode *insts = ip->value;
		if (!want_map(b, insts, "instances", arena_printf(b->a, "in service '%s'", svc->name)))
			continue;
		svc->instances = arena_array(b->a, insts->npairs, sizeof(*svc->instances));
		for (size_t j = 0; j < insts->npairs; j++) {
			const char *name = key_of(&insts->pairs[j]);
			const struct ynode *in = insts->pairs[j].value;
			if (!in || in->kind != YNODE_MAP) {
				model_err(b, in ? in : insts->pairs[j].key,
					  "instance '%s' of service '%s' must be a mapping, not %s",
					  name, svc->name, ynode_describe(in));
				continue;
			}
			struct schema_instance *other = schema_env_instance(env, name);
			if (other) {
				model_err(b, insts->pairs[j].key,
					  "instance '%s' of service '%s' is already defined in service '%s'",
					  name, svc->name, other->service->name);
				continue;
			}
			struct schema_instance *c = &env->instances[env->ninstances++];
			build_instance(b, svc, c, name, insts->pairs[j].key, in);
			name_index_add(env->instances_ix, c->name, c);
			svc->instances[svc->ninstances++] = c;
		}
	}

	/* the graph */
	b->marks = mae_xcalloc(env->nservices + 1, sizeof(*b->marks));
	for (size_t si = 0; si < env->nservices; si++) {
		struct schema_service *svc = &env->services[si];
		resolve_deps(b, svc, &req[si], "requires", &svc->requires,
			     &svc->nrequires, &b->edges[si]);
		resolve_deps(b, svc, &wants[si], "wants_info", &svc->wants_info,
			     &svc->nwants_info, NULL);
	}
	b->vf_pos = arena_array(b->a, env->ninstances + 1, sizeof(*b->vf_pos));
	for (size_t i = 0; i < env->ninstances; i++) {
		struct schema_instance *c = &env->instances[i];
		b->vf_pos[i] = arena_array(b->a, c->volumes_from_names.n,
					   sizeof(**b->vf_pos));
		resolve_volumes_from(b, c, b->vf_pos[i]);
	}
	/* volumes_from implies requires, service to service, never itself */
	for (size_t si = 0; si < env->nservices; si++) {
		struct schema_service *svc = &env->services[si];
		unsigned g = marks_next(b);
		mark(b, svc, g);
		for (size_t k = 0; k < svc->nrequires; k++)
			mark(b, svc->requires[k], g);
		size_t n = 0;
		for (size_t j = 0; j < svc->ninstances; j++)
			n += svc->instances[j]->nvolumes_from;
		svc->implied = arena_array(b->a, n, sizeof(*svc->implied));
		for (size_t j = 0; j < svc->ninstances; j++) {
			struct schema_instance *c = svc->instances[j];
			size_t ci = (size_t)(c - env->instances);
			for (size_t k = 0; k < c->nvolumes_from; k++) {
				struct schema_service *to = c->volumes_from[k]->service;
				if (!mark(b, to, g))
					continue;
				svc->implied[svc->nimplied++] = to;
				edge_add(&b->edges[si], to, &b->vf_pos[ci][k]);
			}
		}
	}
	/* dependents, in model order */
	size_t *count = mae_xcalloc(env->nservices + 1, sizeof(size_t));
	for (size_t o = 0; o < env->nservices; o++)
		for (size_t k = 0; k < b->edges[o].n; k++)
			count[b->edges[o].v[k].to - env->services]++;
	for (size_t si = 0; si < env->nservices; si++)
		env->services[si].dependents =
			arena_array(b->a, count[si], sizeof(struct schema_service *));
	free(count);
	for (size_t o = 0; o < env->nservices; o++)
		for (size_t k = 0; k < b->edges[o].n; k++) {
			struct schema_service *to = b->edges[o].v[k].to;
			to->dependents[to->ndependents++] = &env->services[o];
		}
	find_cycles(b);
	free(b->marks);
	b->marks = NULL;

	for (size_t si = 0; si < v->npairs; si++)
		free(b->edges[si].v);
	free(b->edges);
	b->edges = NULL;
	free(req);
	free(wants);
	free(svc_nodes);
}

/* ------------------------------------------------------------------ */
/* The top level                                                        */

static void build_schema_version(struct builder *b, const struct ynode *root)
{
	struct schema_env *env = b->env;
	env->schema_version = 1;
	const struct ynode *m = ynode_get(root, "__maestro");
	const struct ynode *sv = NULL;
	if (want_map(b, m, "__maestro", "at the top level")) {
		check_keys(b, m, maestro_keys, "in __maestro");
		sv = ynode_get(m, "schema");
	}
	if (!sv) {
		model_warn(b, root,
			   "no schema version declared: reading the description as schema 1 (volumes as 'container_path: host_path'); declare '__maestro: {schema: 2}'");
		return;
	}
	if (is_scalar(sv, YSCALAR_INT) && sv->int_fits &&
	    (sv->i == 1 || sv->i == 2)) {
		env->schema_version = (int)sv->i;
		return;
	}
	if (is_scalar(sv, YSCALAR_INT))
		model_err(b, sv, "unsupported schema version '%s' (maestro reads schema 1 and 2)",
			  sv->str);
	else if (sv->kind == YNODE_SCALAR && !is_null(sv))
		model_err(b, sv, "unsupported schema version '%s': %s, not the integer 1 or 2",
			  sv->str, ynode_describe(sv));
	else
		model_err(b, sv, "unsupported schema version: expected 1 or 2, not %s",
			  ynode_describe(sv));
}

void model_build(struct builder *b, const struct ynode *root)
{
	struct schema_env *env = b->env;
	if (root->kind != YNODE_MAP) {
		model_err(b, root, "the description must be a mapping, not %s",
			  ynode_describe(root));
		return;
	}
	check_keys(b, root, top_keys, "at the top level");
	const struct ynode *name = ynode_get(root, "name");
	if (!name)
		model_err(b, root, "missing 'name' (the environment's name) at the top level");
	else if (!is_texty(name))
		model_err(b, name, "'name' at the top level must be a string, not %s",
			  ynode_describe(name));
	else if (!*name->str)
		model_err(b, name, "'name' at the top level must not be empty");
	else
		env->name = arena_strdup(b->a, name->str);

	build_schema_version(b, root);
	const struct ynode *sp = ynode_get(root, "ship_provider");
	if (!is_null(sp) && !(is_scalar(sp, YSCALAR_STR) &&
			      strcmp(sp->str, "static") == 0))
		model_err(b, sp, "unsupported ship_provider '%s' (only 'static' exists)",
			  sp->kind == YNODE_SCALAR ? sp->str : ynode_describe(sp));
	build_registries(b, root);
	build_ships(b, root);
	build_services(b, root);
	build_audit(b, root);
}
