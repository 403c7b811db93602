/*
 * load.c - schema_load(): file or standard input -> template pass -> YAML
 * reader -> model; and the model's lookups and graph walks.
 *
 * Must not: print, read envfiles, talk to ships.
 */
#include "model-priv.h"
#include "template.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The largest description maestro reads. */
#define SCHEMA_MAX_FILE ((size_t)16 << 20) /* docs/description.md "Limits" */

static struct schema_env *env_new(void)
{
	struct mae_arena *a = mae_arena_new();
	struct schema_env *env = mae_arena_alloc(a, sizeof(*env));
	env->arena = a;
	return env;
}

struct diag_sort {
	struct mae_diag dg;
	size_t order;
	const char *main_file;
};

static int diag_cmp(const void *pa, const void *pb)
{
	const struct diag_sort *a = pa, *b = pb;
	bool amain = mae_streq(a->dg.file, a->main_file);
	bool bmain = mae_streq(b->dg.file, b->main_file);
	int c = 0;
	if (amain != bmain)
		c = amain ? -1 : 1;
	else if (!amain)
		c = strcmp(a->dg.file ? a->dg.file : "", b->dg.file ? b->dg.file : "");
	if (!c)
		c = (a->dg.line > b->dg.line) - (a->dg.line < b->dg.line);
	if (!c)
		c = (a->dg.col > b->dg.col) - (a->dg.col < b->dg.col);
	if (!c)
		c = (a->order > b->order) - (a->order < b->order);
	return c;
}

/*
 * Put the diagnostics added since `from` in the order of the text (the
 * main file first, then included files by name; ties keep their order),
 * which is how a reader goes through them.
 */
static void diags_sort(struct mae_diags *d, size_t from, const char *name)
{
	size_t n = d->n - from;
	if (n < 2)
		return;
	struct diag_sort *v = mae_xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = (struct diag_sort){ d->v[from + i], i, name };
	qsort(v, n, sizeof(*v), diag_cmp);
	for (size_t i = 0; i < n; i++)
		d->v[from + i] = v[i].dg;
	free(v);
}

int schema_load_text(const char *name, const char *text, size_t len,
		     const char *base_dir, char *const *envp,
		     struct schema_env **ret, struct mae_diags *d)
{
	*ret = NULL;
	const char *saved_file = d->file;
	const struct mae_srcmap *saved_map = d->map;
	size_t errors_before = d->nerrors;
	size_t diags_before = d->n;
	struct tmpl_output out;
	struct ydoc *doc = NULL;
	struct schema_env *env = NULL;
	int rc;

	d->file = name;
	memset(&out, 0, sizeof(out));
	rc = tmpl_render(name, text, len, base_dir, envp, &out, d);
	if (rc < 0)
		goto out;
	d->map = &out.map;
	rc = ydoc_parse(out.text, out.len, &doc, d);
	if (rc < 0)
		goto out;
	const struct ynode *root = ydoc_root(doc);
	if (!root) {
		mae_diag_file(d, MAE_SEV_ERROR, name, 0, 0,
			      "the description is empty");
		rc = MAE_ERR_INVALID;
		goto out;
	}
	env = env_new();
	struct builder b = {
		.a = env->arena,
		.env = env,
		.d = d,
		.map = &out.map,
	};
	b.file = mae_arena_strdup(b.a, name);
	env->file = b.file;
	env->base_dir = mae_arena_strdup(b.a, base_dir && *base_dir ? base_dir : ".");
	/* hashed when a plan is stored, not here: SHA-256 starts OpenSSL,
	 * a fifth of `validate` and `deptree` */
	char *source = mae_arena_alloc(b.a, len + 1);
	memcpy(source, text, len);
	env->source = source;
	env->source_len = len;
	model_build(&b, root);
	free(b.files_src);
	free(b.files_dst);
	rc = d->nerrors > errors_before ? MAE_ERR_INVALID : 0;
out:
	if (rc == 0 && d->nerrors > errors_before)
		rc = MAE_ERR_INVALID;
	diags_sort(d, diags_before, name);
	ydoc_free(doc);
	tmpl_output_release(&out);
	d->file = saved_file;
	d->map = saved_map;
	if (rc < 0) {
		schema_env_free(env);
		return rc;
	}
	*ret = env;
	return 0;
}

int schema_load(const char *path, char *const *envp, struct schema_env **ret,
		struct mae_diags *d)
{
	*ret = NULL;
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	char *text = NULL;
	size_t len = 0;
	struct mae_error e;
	mae_error_clear(&e);
	if (mae_read_file(path, SCHEMA_MAX_FILE, &text, &len, &e) < 0) {
		mae_diag_file(d, MAE_SEV_ERROR, NULL, 0, 0, "%s", e.msg);
		return e.code ? e.code : MAE_ERR_IO;
	}
	char *base_dir;
	if (is_stdin) {
		base_dir = getcwd(NULL, 0);
		if (!base_dir)
			base_dir = mae_xstrdup(".");
	} else {
		const char *slash = strrchr(path, '/');
		if (!slash) /* "": names stay as written ("inc.yaml", not "./inc.yaml") */
			base_dir = mae_xstrdup("");
		else if (slash == path)
			base_dir = mae_xstrdup("/");
		else
			base_dir = mae_xstrndup(path, (size_t)(slash - path));
	}
	int rc = schema_load_text(name, text, len, base_dir, envp, ret, d);
	free(base_dir);
	free(text);
	return rc;
}
