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

#include "arena.h"
#include "schema.h"
#include "yaml-tree.h"

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
	struct schema_arena *a;
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

/* Positions and messages. */
struct schema_pos model_pos(struct builder *b, const struct ynode *n);
void model_err(struct builder *b, const struct ynode *n, const char *fmt, ...)
	MAE_PRINTF(3, 4);
void model_warn(struct builder *b, const struct ynode *n, const char *fmt, ...)
	MAE_PRINTF(3, 4);

/* Build the model from a parsed document's root (not NULL). */
void model_build(struct builder *b, const struct ynode *root);

#endif
