/*
 * fuzz-config.c - fuzz target for everything `maestro config` computes
 * from a description: the model, every container's spec (environment,
 * create body, checks), the config document and its text, selection and
 * the dependency tree.  Besides "no crash, no leak, no hang" it checks:
 *   - a failed computation leaves no specs and at least one error;
 *   - each create body's Env has one entry per variable, and its
 *     maestro.spec label is the SHA-256 of the body without it;
 *   - the printed text is JSON equal to the document, whose model_hash
 *     is model_hash();
 *   - selecting everything with dependencies gives each instance once.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "compute.h"
#include "deptree-print.h"
#include "schema.h"

static bool count_bytes(void *ctx, const char *s, size_t n)
{
	(void)s;
	*(size_t *)ctx += n;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void add_text(void *ud, const void *data, size_t n)
{
	mae_buf_add(ud, data, n);
}

/* What `config --json` prints, through the streamed computation. */
static char *streamed_text(const struct schema_env *env)
{
	struct mae_diags d;
	mae_diags_init(&d, NULL);
	struct spec_stream *st = NULL;
	struct mae_buf b = MAE_BUF_INIT;
	if (spec_stream_open(env, &st, &d) != 0 ||
	    config_document_write(env, st, false, add_text, &b, &d) != 0)
		abort();
	spec_stream_close(st);
	mae_diags_release(&d);
	return mae_buf_detach(&b);
}

static void check_specs(const struct schema_env *env,
			const struct container_specs *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct container_spec *cs = &s->v[i];
		json_t *body = json_deep_copy((json_t *)cs->create);
		if (json_array_size(json_object_get(body, "Env")) != cs->env.n)
			abort();
		json_t *labels = json_object_get(body, "Labels");
		if (strcmp(json_string_value(json_object_get(labels, "maestro.spec")),
			   cs->spec_hash) != 0)
			abort();
		json_object_del(labels, "maestro.spec");
		char h[MAE_SHA256_HEX_LEN + 1];
		mae_json_sha256_hex((const struct json_t *)body, h);
		if (strcmp(h, cs->spec_hash) != 0)
			abort();
		json_decref(body);
	}
	json_t *doc = (json_t *)config_document(env, s);
	char *text = streamed_text(env);
	json_t *parsed = json_loads(text, 0, NULL);
	if (!parsed || !json_equal(parsed, doc))
		abort();
	char h[MAE_SHA256_HEX_LEN + 1];
	model_hash(env, s, h);
	if (strcmp(json_string_value(json_object_get(doc, "model_hash")), h))
		abort();
	json_decref(parsed);
	json_decref(doc);
	free(text);

	struct sgraph g;
	sgraph_from_model(env, &g);
	struct select_opts o = { .with_deps = true, .expand = true,
				 .include_omitted = true };
	size_t *v = NULL, n = 0;
	if (select_instances(&g, &o, &v, &n, NULL) != 0 || n != env->ninstances)
		abort();
	free(v);
	size_t *roots = NULL, nroots = 0;
	if (deptree_roots(&g, NULL, 0, &roots, &nroots, NULL) == 0) {
		size_t len = 0;
		deptree_print(&g, roots, nroots, false, count_bytes, &len);
		deptree_print(&g, roots, nroots, true, count_bytes, &len);
		deptree_print_dot(&g, roots, nroots, count_bytes, &len);
	}
	free(roots);
	sgraph_release(&g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const no_env[] = { NULL };
	struct mae_diags d;
	mae_diags_init(&d, "fuzz.yaml");
	struct schema_env *env = NULL;
	if (schema_load_text("fuzz.yaml", (const char *)data, size,
			     FUZZ_BASE_DIR, no_env, &env, &d) == 0) {
		struct container_specs *s = NULL;
		int rc = container_specs_compute(env, &s, &d);
		if (rc == 0)
			check_specs(env, s);
		else if (s || d.nerrors == 0)
			abort();
		container_specs_free(s);
	}
	schema_env_free(env);
	mae_diags_release(&d);
	return 0;
}
