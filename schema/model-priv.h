/*
 * model-priv.h - what the files building the model share.  Internal to
 * schema/.
 *
 * The builder walks the YAML tree once, reports every problem it finds to
 * the diagnostics list (located, and keeps going), and fills the model in
 * its arena.  A value that is wrong is reported and left at its default, so
 * that later checks still run on the rest.
 */
#ifndef MAESTRO_SCHEMA_MODEL_PRIV_H
#define MAESTRO_SCHEMA_MODEL_PRIV_H

#include "schema.h"
#include "yaml-tree.h"

#include <string.h>

/* Bounds on what one description may make us build. */
#define MODEL_MAX_VALUES ((size_t)1 << 20)  /* raw values copied (env, ...) */

/* One dependency edge and where it was written. */
struct model_edge {
	struct schema_service *to;
	struct schema_pos pos;
};

struct model_edges {
	struct model_edge *v;
	size_t n, cap;
};

struct builder {
	struct mae_arena *a;
	struct schema_env *env;
	struct mae_diags *d;
	const struct mae_srcmap *map;
	const char *file;          /* display name, in the arena */
	const char **files_src;    /* map file names seen ... */
	const char **files_dst;    /* ... and their copies in the arena */
	size_t nfiles;
	size_t nvalues;            /* raw values copied so far */
	bool values_overflow;
	struct model_edges *edges; /* per service: requires and implied */
	unsigned *marks;           /* per service: generation that marked it */
	unsigned mark_gen;
	struct schema_pos **vf_pos;/* per instance: where each volumes_from is */
	bool mute;                 /* drop messages (ship_defaults seen twice) */
	bool ships_seen;
};

/* Positions and messages (model-get.c). */
struct schema_pos model_pos(struct builder *b, const struct ynode *n);
void model_err(struct builder *b, const struct ynode *n, const char *fmt, ...)
	MAE_PRINTF(3, 4);
void model_warn(struct builder *b, const struct ynode *n, const char *fmt, ...)
	MAE_PRINTF(3, 4);

/* Build the model from a parsed document's root (not NULL). */
void model_build(struct builder *b, const struct ynode *root);


/* Where an error is reported at a position already computed. */
void pos_err(struct builder *b, const struct schema_pos *p, const char *fmt, ...)
	MAE_PRINTF(3, 4);

/* Node helpers. */
/*
 * True when a new error would not be shown (muted, or past the cap): then
 * no suggestion is worth computing.
 */
static inline bool quiet(const struct builder *b)
{
	return b->mute || b->d->nerrors >= MAE_DIAGS_MAX_ERRORS;
}

static inline bool is_null(const struct ynode *n)
{
	return !n || (n->kind == YNODE_SCALAR && n->type == YSCALAR_NULL);
}

static inline bool is_scalar(const struct ynode *n, enum yscalar_type t)
{
	return n && n->kind == YNODE_SCALAR && n->type == t;
}

/* A scalar that reads as text: a string, an integer or a float.  Not a
 * date (PyYAML's datetime): its str is not the text written. */
static inline bool is_texty(const struct ynode *n)
{
	return n && n->kind == YNODE_SCALAR &&
	       ((n->type == YSCALAR_STR && !n->timestamp) ||
		n->type == YSCALAR_INT ||
		n->type == YSCALAR_FLOAT);
}

static inline const char *key_of(const struct ypair *p)
{
	return p->key && p->key->str ? p->key->str : "";
}

static inline bool is_scratch(const char *k)
{
	return k[0] == '_' || mae_startswith(k, "x-");
}

static inline bool in_list(const char *k, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], k) == 0)
			return true;
	return false;
}

static inline size_t list_len(const char *const *list)
{
	size_t n = 0;
	while (list[n])
		n++;
	return n;
}

/* A name worth suggesting: not one from the environment (its qname is
 * hidden), which a suggestion would print. */
static inline bool suggestible(const char *qname)
{
	return qname && strcmp(qname, YNODE_SECRET_TEXT) != 0;
}

/* Keyword tables (model-get.c), NULL-terminated. */
extern const char *const top_keys[];
extern const char *const maestro_keys[];
extern const char *const registry_keys[];
extern const char *const retry_keys[];
extern const char *const ship_keys[];
extern const char *const ship_default_keys[];
extern const char *const tunnel_keys[];
extern const char *const service_keys[];
extern const char *const instance_keys[];
extern const char *const limits_keys[];
extern const char *const restart_keys[];
extern const char *const port_map_keys[];
extern const char *const volume_map_keys[];
extern const char *const ulimit_keys[];
extern const char *const check_type_names[];
extern const char *const state_names[];
extern const char *const check_keys_by_type[][12];

/* Typed getters (model-get.c): each reports what is wrong and returns a default. */
void check_keys(struct builder *b, const struct ynode *map,
		const char *const *keys, const char *where);
bool want_map(struct builder *b, const struct ynode *v,
	      const char *what, const char *where);
void type_err(struct builder *b, const struct ynode *v,
	      const char *key, const char *where, const char *want);
const char *get_str(struct builder *b, const struct ynode *map,
		    const char *key, const char *where, bool required);
bool get_bool(struct builder *b, const struct ynode *map,
	      const char *key, const char *where, bool dflt);
int64_t node_int(struct builder *b, const struct ynode *v,
		 const char *key, const char *where, int64_t lo,
		 int64_t hi, int64_t dflt);
int64_t get_int(struct builder *b, const struct ynode *map,
		const char *key, const char *where, int64_t lo,
		int64_t hi, int64_t dflt);
/*
 * Report unknown key k of a keyword map (keys: its keywords): a
 * suggestion (hint, else the closest keyword of this level, else of
 * another level with where it belongs) and the scratch-key note; a
 * warning ("ignored, as MaestroNG ignored it") when warn.
 */
void unknown_key(struct builder *b, const struct ynode *keynode,
		 const char *k, const char *const *keys, const char *where,
		 const char *hint, bool warn);
/* The first control character of s, or NULL. */
const char *control_char_in(const char *s);
/* A number of seconds, 0 to 1e9 (node_seconds) or lo to hi. */
double node_seconds(struct builder *b, const struct ynode *v,
		    const char *key, const char *where, double dflt);
double node_seconds_in(struct builder *b, const struct ynode *v,
		       const char *key, const char *where, double lo,
		       double hi, const char *why, double dflt);
double get_seconds(struct builder *b, const struct ynode *map,
		   const char *key, const char *where, double dflt);
bool get_strlist(struct builder *b, const struct ynode *map,
		 const char *key, const char *where,
		 struct schema_strlist *out);

/* Raw values (model-get.c). */
void copy_value(struct builder *b, const struct ynode *n,
		struct schema_value *out);
void copy_map(struct builder *b, const struct ynode *n,
	      struct schema_map *out);
void get_env(struct builder *b, const struct ynode *map,
	     const char *where, struct schema_map *out);
void get_envfile(struct builder *b, const struct ynode *map,
		 const char *where, struct schema_strlist *out);
void get_strpairs(struct builder *b, const struct ynode *v,
		  const char *key, const char *where,
		  struct schema_strpairs *out);

/* Ports and limits (model-get.c). */
void get_ports(struct builder *b, const struct ynode *map,
	       const char *where, struct schema_port **ret,
	       size_t *ret_n);

void get_limits(struct builder *b, const struct ynode *map,
		const char *where, struct schema_limits *out);

/* Lifecycle checks (model-check.c). */
void get_lifecycle(struct builder *b, const struct ynode *map,
		   const char *where, bool from_service,
		   struct schema_checks out[SCHEMA_NSTATES]);

/* Registries, ships, audit (model-ship.c). */
void build_registries(struct builder *b, const struct ynode *root);
void build_ships(struct builder *b, const struct ynode *root);
void build_audit(struct builder *b, const struct ynode *root);

/* One instance (model-instance.c). */
void build_instance(struct builder *b, struct schema_service *svc,
		    struct schema_instance *c, const char *name,
		    const struct ynode *keynode, const struct ynode *v);

/* Services and the graph (model-deps.c). */
void build_services(struct builder *b, const struct ynode *root);
#endif
