/*
 * compute.h - what schema/ computes from a validated model: each
 * container's environment (spec §3), the helpers it is built from (name
 * normalisation, value formatting, env files), the one selection
 * function every command uses (spec §6.2) and deptree's roots, on the
 * service graph of graph.h.  Image references are image-ref.h, command
 * splitting shell-split.h.  The config document and model_hash (below)
 * are made in config-doc.c.
 *
 * Nothing here prints or touches a ship.  Strings handed out are newly
 * allocated (the caller frees them) unless a comment says "borrowed".
 */
#ifndef MAESTRO_SCHEMA_COMPUTE_H
#define MAESTRO_SCHEMA_COMPUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "base.h"
#include "graph.h"
#include "image-ref.h"

struct schema_value;

/* ------------------------------------------------------------------ */
/* Names and values                                                     */

/*
 * N(x) of spec §3.2: every character that Python 3's `\w` does not match
 * becomes '_', then the result is upper-cased.  ASCII letters, digits and
 * '_' are word characters; a non-ASCII character (a whole UTF-8 sequence)
 * is a word character when it is a letter or digit in Latin-1 (U+00AA,
 * U+00B2-B3, U+00B5, U+00B9-BA, U+00BC-BE, U+00C0-FF but × and ÷) or any
 * code point from U+0100 up (an approximation of Unicode's categories,
 * documented in docs/environment.md).  Upper-casing maps ASCII and the
 * Latin-1 letters as Python does (ß becomes SS, ÿ becomes Ÿ, µ becomes
 * Μ); other characters are kept.  Invalid UTF-8 bytes become '_'.
 */
char *env_name_normalise(const char *name);

/*
 * The string Docker receives for an environment value written as node n
 * (INTERFACES.md "Values"): a scalar gives Python's str() of it (strings
 * as written, True/False, ints in decimal, floats as repr); null gives
 * *ret = NULL (the bare KEY); a list is flattened and joined by single
 * spaces, and its items must be strings or lists, as MaestroNG required.
 * A mapping, or a list holding anything else, is MAE_ERR_INVALID with a
 * message naming `qkey` (the key as a message quotes it: 'K', or hidden
 * when it came from the environment, YNODE_QUOTE_AS()) and
 * e->file/line/col set to the offending value.
 */
int env_value_format(const char *qkey, const struct schema_value *n,
		     char **ret, struct mae_error *e);

/*
 * Why k cannot be the name of an environment variable a process gets
 * ("it is empty", it holds '=' or a control character), or NULL.
 */
const char *env_name_problem(const char *k);

/* ------------------------------------------------------------------ */
/* An environment: keys in first-insertion order, like a Python dict    */

struct env_var {
	char *key;
	char *value; /* NULL: the bare KEY (JSON null) */
};

struct env_map {
	struct env_var *v;
	size_t n, cap;
	struct mae_map ix; /* key -> index in v + 1 */
};

void env_map_init(struct env_map *m);
void env_map_release(struct env_map *m);
/*
 * Set key to value (copied; value may be NULL).  A key already present
 * keeps its position and takes the new value, as dict.update() does.
 */
void env_map_set(struct env_map *m, const char *key, const char *value);
/* Every variable of src set into m, in src's order. */
void env_map_update(struct env_map *m, const struct env_map *src);
/* The variable of that key, or NULL.  Borrowed. */
const struct env_var *env_map_get(const struct env_map *m, const char *key);

/*
 * Read a Docker env file (spec §3.5) into m: a line whose first character
 * is '#' is skipped, every other line is stripped of surrounding
 * whitespace and split at its first '='; key and value are kept verbatim.
 * A blank line is skipped (docker-py 1.10 refused it, later SDKs skip
 * it).  A line without '=' is MAE_ERR_INVALID located at path:line:1; an
 * unreadable file is MAE_ERR_IO; text that is not UTF-8 is
 * MAE_ERR_INVALID.
 */
int envfile_read(const char *path, struct env_map *m, struct mae_error *e);
/* The same on text in memory; path names it in messages. */
int envfile_parse(const char *path, const char *data, size_t len,
		  struct env_map *m, struct mae_error *e);

/* ------------------------------------------------------------------ */
/* The service graph, selection and the dependency tree                 */

enum select_direction {
	SELECT_DEPENDENCIES, /* start, pull, clean, status, config */
	SELECT_DEPENDENTS,   /* stop, kill, restart */
};

struct select_opts {
	const char *const *things; /* service or instance names */
	size_t nthings;
	bool expand;           /* a service stands for its instances (-s) */
	bool with_deps;        /* -d, or no things without -i */
	enum select_direction direction;
	const char *container_glob; /* -C, or NULL */
	const char *ship_glob;      /* -S, or NULL */
	bool include_omitted;  /* no things: also the services with omit */
};

/*
 * Fill o with MaestroNG's rules for an action (spec §6.1-6.2): "stop",
 * "kill" and "restart" gather dependents and expand services only with
 * expand_flag (-s, or -a); the others ("start", "pull", "clean",
 * "status", "logs", "config") gather dependencies and always expand;
 * dependencies are gathered with -d, or when no things are given unless
 * -i is; "status" with no things includes the omitted services.  The
 * strings are borrowed.  Returns MAE_ERR_INVALID for an unknown action.
 */
int select_opts_for_action(struct select_opts *o, const char *action,
			   const char *const *things, size_t nthings,
			   bool with_deps_flag, bool ignore_deps_flag,
			   bool expand_flag, const char *container_glob,
			   const char *ship_glob, struct mae_error *e);

/*
 * The one selection function (spec §6.2, without MaestroNG's quirk 14):
 * things (none: every service, without `omit` ones unless
 * include_omitted) become instances; with_deps adds the instances of
 * every service they depend on (or that depends on them, by direction);
 * then -C (instance name) and -S (ship name) fnmatch filters apply to the
 * whole result.  The result is each instance once, sorted by name: a
 * newly allocated array of indices.  An unknown thing, or a service
 * without `expand`, is MAE_ERR_INVALID ("'x' is neither a service nor a
 * container", with a suggestion when one is close).
 */
int select_instances(const struct sgraph *g, const struct select_opts *o,
		     size_t **ret, size_t *ret_n, struct mae_error *e);

/*
 * Python's fnmatch.fnmatchcase(): '*', '?', '[seq]', '[!seq]'; no
 * escapes; an unclosed '[' is literal.
 */
bool glob_match(const char *pattern, const char *s);

/*
 * The services `deptree` shows for things (instances stand for their
 * service; none: every service without `omit`), each once, sorted by
 * name.  Unknown things as select_instances.
 */
int deptree_roots(const struct sgraph *g, const char *const *things,
		  size_t nthings, size_t **ret, size_t *ret_n,
		  struct mae_error *e);

/* ------------------------------------------------------------------ */
/* Each container's computed specification                              */

struct schema_env;
struct schema_instance;
struct schema_registry;

/*
 * What maestro computes for one instance.  `create` is the exact body of
 * POST /containers/create (API 1.41 names, INTERFACES.md `create`), its
 * Labels holding maestro.environment, maestro.service and maestro.spec
 * (= spec_hash, the SHA-256 of the canonical body without that label).
 * `lifecycle` is {STATE: [CHECK, ...]} with targets resolved and time
 * budgets (INTERFACES.md CHECK).  Both are jansson values owned here.
 */
struct container_spec {
	const struct schema_instance *inst;      /* borrowed from the model */
	struct env_map env;                      /* MaestroNG's order */
	char **argv;                             /* NULL: the image's default */
	size_t argc;
	struct image_ref image;
	const struct schema_registry *registry;  /* the entry serving the
						  * image, or NULL */
	struct json_t *create;
	struct json_t *lifecycle;
	char spec_hash[MAE_SHA256_HEX_LEN + 1];
	size_t env_bytes, env_count; /* env as measured before it was built:
				      * bytes of "K=V\0" strings, variables */
	char **secrets;              /* the values of its secret_env keys
				      * (non-empty, each once, longest first);
				      * never print or store them */
	size_t nsecrets;
};

/* One spec per instance, parallel to env->instances. */
struct container_specs {
	struct container_spec *v;
	size_t n;
	bool show_secrets;  /* config_document*: the real values of secrets
			     * (`config --show-secrets`); model_hash masks
			     * them always */
};

/* ------------------------------------------------------------------ */
/* secret_env (INTERFACES.md "Secrets")                                 */

#define SECRET_MASK "<secret>"

/* Whether key is named by the secret_env of cs's service or instance. */
bool container_spec_secret_key(const struct container_spec *cs,
			       const char *key);

/*
 * A mask for one secret value: newly allocated (e.g. the keyed digest
 * "hmac-sha256:HEX" a plan stores).  NULL as a mask function means
 * "<secret>".
 */
typedef char *(*secret_mask_fn)(void *ud, const char *secret);

/*
 * s (newly allocated) with every occurrence of one of cs's secrets
 * replaced by its mask.
 */
char *secret_mask_str(const struct container_spec *cs, const char *s,
		      secret_mask_fn fn, void *ud);
/* A copy of v with its strings masked (a new reference; v itself when
 * cs has no secret). */
struct json_t *secret_mask_json(const struct container_spec *cs,
				const struct json_t *v, secret_mask_fn fn,
				void *ud);
/* The maestro.spec label as it may be shown or stored: the label itself
 * without secrets, else the mask of the label (a hash of the secrets). */
char *secret_mask_label(const struct container_spec *cs, secret_mask_fn fn,
			void *ud);
/* cs's create body, strings and maestro.spec label masked (a new
 * reference). */
struct json_t *container_spec_masked_create(const struct container_spec *cs,
					    secret_mask_fn fn, void *ud);

/*
 * Compute every container's environment (spec §3: envfiles, env, the
 * built-in variables, link variables of its own service with
 * INTERNAL_PORT and of every service it requires transitively or wants
 * info from), command, image parts, registry, create body and checks.
 * Env files are read here (relative paths were joined to base_dir by the
 * model).  Every problem goes to d, located; returns 0 and the specs, or
 * MAE_ERR_INVALID / MAE_ERR_IO / MAE_ERR_LIMIT (past
 * CONTAINER_SPECS_ENV_BUDGET) and *ret NULL.  The checks of
 * container_specs_check() apply.
 */
int container_specs_compute(const struct schema_env *env,
			    struct container_specs **ret,
			    struct mae_diags *d);

/*
 * What container_specs_compute() builds, at most, in bytes of
 * environment strings over all containers (an error names it): the
 * environments are measured before they are built.
 */
#define CONTAINER_SPECS_ENV_BUDGET ((size_t)128 << 20)

/*
 * Check every container as container_specs_compute() would, keeping
 * nothing: env files, values, commands, ports, checks, and that each
 * container's environment and command fit what Linux passes to a process
 * (128 KiB per string, 2 MiB in all).  Environments are measured, not
 * built, one container at a time.  0, or MAE_ERR_INVALID with the
 * problems in d.
 */
int container_specs_check(const struct schema_env *env, struct mae_diags *d);
void container_specs_free(struct container_specs *s);
/* The spec of an instance by name, or NULL.  Borrowed. */
const struct container_spec *container_specs_find(
	const struct container_specs *s, const char *name);

/*
 * The document `maestro config --json` prints (INTERFACES.md): name,
 * schema, model_hash, ships, registries (passwords "***"), services and
 * containers.  A new reference; print it with mae_json_canonical() or
 * any other key-sorted dump.
 */
struct json_t *config_document(const struct schema_env *env,
			       const struct container_specs *s);

/*
 * The streamed computation of the containers' specs: what `config`
 * uses, so that memory is one container's spec and document at a time,
 * not every container's (nor the output).  Opening checks every
 * container as container_specs_compute() does (its diagnostics, the
 * secret_env warnings included, go to d) but builds nothing; 0, or
 * MAE_ERR_INVALID / MAE_ERR_IO and *ret NULL.  No total budget applies:
 * nothing is held at once.
 */
struct spec_stream;
int spec_stream_open(const struct schema_env *env, struct spec_stream **ret,
		     struct mae_diags *d);
/*
 * Compute the spec of env->instances[i] into cs (its secrets filled);
 * free it with container_spec_release().  MAE_ERR_INVALID (said in d)
 * when it fails now (an env file that changed since the check).
 */
int spec_stream_get(struct spec_stream *s, size_t i, struct container_spec *cs,
		    struct mae_diags *d);
void container_spec_release(struct container_spec *cs);
void spec_stream_close(struct spec_stream *s);

/*
 * The config document (with model_hash) as canonical JSON in parts, the
 * containers one at a time, each computed, handed to fn and freed: one
 * CONFIG_CONTAINER part {"NAME":{...}} per container in name order, then
 * one CONFIG_REST part, the object of the other members
 * {"model_hash":...,"name":...,...}.  The text of the whole document is
 * '{"containers":{' the containers' members joined by ',' '},' and the
 * rest's members.  Secrets are masked unless show_secrets (the hash
 * masks them always).  0, or MAE_ERR_INVALID (said in d) when a
 * container could not be computed, the parts so far given.
 */
enum config_part { CONFIG_CONTAINER, CONFIG_REST };
typedef void (*config_part_fn)(void *ud, enum config_part part,
			       const char *canon, size_t n);
int config_document_parts(const struct schema_env *env,
			  struct spec_stream *s, bool show_secrets,
			  config_part_fn fn, void *ud, struct mae_diags *d);

/*
 * The same document as text, indented by two spaces (jansson's
 * JSON_INDENT(2) layout), keys sorted, with a final newline: what
 * `config --json` prints, written to emit a container at a time.
 * Returns as config_document_parts().
 */
int config_document_write(const struct schema_env *env,
			  struct spec_stream *s, bool show_secrets,
			  void (*emit)(void *ud, const void *data, size_t n),
			  void *ud, struct mae_diags *d);

/*
 * The model hash: SHA-256 of the canonical config document without its
 * model_hash key (passwords are masked in it, so rotating one does not
 * change the hash).
 */
void model_hash(const struct schema_env *env, const struct container_specs *s,
		char out[MAE_SHA256_HEX_LEN + 1]);

#endif
