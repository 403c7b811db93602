/*
 * cmd-config.c - `maestro config [--json]` (alias `dump`, MaestroNG's
 * name): the normalised model and each container's computed spec, as the
 * JSON document of INTERFACES.md (keys sorted, byte-stable) or, without
 * --json, the same document as readable YAML.  Registry passwords are
 * shown as "***"; nothing contacts a ship.
 */
#include "cli.h"
#include "cli-model.h"
#include "compute.h"
#include "schema.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct cli_command cmd_config;
#define cmd cmd_config

/* A string YAML reads back as the same string without quotes. */
static bool yaml_plain(const char *s)
{
	static const char *const special[] = {
		"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"true", "True", "TRUE", "false", "False", "FALSE", "on", "On",
		"ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
	};
	if (!*s)
		return false;
	for (size_t i = 0; i < sizeof(special) / sizeof(*special); i++)
		if (strcmp(s, special[i]) == 0)
			return false;
	/* a first character YAML reads as the start of a plain string */
	bool dash_word = s[0] == '-' && ((s[1] >= 'a' && s[1] <= 'z') ||
					 (s[1] >= 'A' && s[1] <= 'Z') || s[1] == '-');
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
	      *s == '/' || dash_word))
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("_./@+=-", c)))
			return false;
	}
	return true;
}

static void yaml_scalar(FILE *f, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: {
		const char *s = json_string_value(v);
		if (yaml_plain(s)) {
			fputs(s, f);
		} else {
			/* a JSON string is a valid YAML double-quoted scalar */
			char *q = json_dumps(v, JSON_ENCODE_ANY);
			fputs(q, f);
			free(q);
		}
		break;
	}
	case JSON_OBJECT:
		fputs("{}", f);
		break;
	case JSON_ARRAY:
		fputs("[]", f);
		break;
	default: {
		char *q = json_dumps(v, JSON_ENCODE_ANY);
		fputs(q, f);
		free(q);
	}
	}
}

static bool yaml_block(const json_t *v)
{
	return (json_is_object(v) && json_object_size(v)) ||
	       (json_is_array(v) && json_array_size(v));
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void yaml_node(FILE *f, const json_t *v, int indent);

static void yaml_key(FILE *f, const char *k)
{
	json_t *s = json_string(k);
	yaml_scalar(f, s);
	json_decref(s);
}

static void yaml_node(FILE *f, const json_t *v, int indent)
{
	if (json_is_object(v)) {
		size_t n = json_object_size(v), i = 0;
		const char **keys = mae_xcalloc(n + 1, sizeof(*keys));
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), cmp_keys);
		for (i = 0; i < n; i++) {
			x = json_object_get(v, keys[i]);
			fprintf(f, "%*s", indent, "");
			yaml_key(f, keys[i]);
			if (yaml_block(x)) {
				fputs(":\n", f);
				yaml_node(f, x, indent + 2);
			} else {
				fputs(": ", f);
				yaml_scalar(f, x);
				fputc('\n', f);
			}
		}
		free(keys);
		return;
	}
	size_t i;
	json_t *x;
	json_array_foreach(v, i, x) {
		fprintf(f, "%*s- ", indent, "");
		if (json_is_object(x) && json_object_size(x)) {
			/* the first key on the dash's line, the rest aligned */
			char *tmp = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&tmp, &len);
			yaml_node(m, x, indent + 2);
			fclose(m);
			fputs(tmp + indent + 2, f);
			free(tmp);
		} else if (yaml_block(x)) {
			fputc('\n', f);
			yaml_node(f, x, indent + 2);
		} else {
			yaml_scalar(f, x);
			fputc('\n', f);
		}
	}
}

static int run(const struct cli_globals *g, int argc, char **argv)
{
	bool as_json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			as_json = true;
		else
			return cli_usage_error(&cmd, "unknown argument '%s'", argv[i]);
	}
	struct cli_model m;
	int rc = cli_model_load(g, true, &m);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (as_json) {
		char *text = config_document_text(m.env, m.specs);
		fwrite(text, 1, strlen(text), stdout);
		free(text);
	} else {
		json_t *doc = (json_t *)config_document(m.env, m.specs);
		yaml_node(stdout, doc, 0);
		json_decref(doc);
	}
	cli_model_release(&m);
	return CLI_EXIT_OK;
}

const struct cli_command cmd_config = {
	.name = "config",
	.alias = "dump",
	.summary = "print the normalised model and each container's computed spec",
	.usage = "maestro [-f FILE] config [--json]",
	.help = "Options:\n"
		"  --json   the document as JSON (keys sorted, byte-stable)\n"
		"\nWithout --json the same document is printed as YAML.\n"
		"Registry passwords are shown as ***.\n",
	.run = run,
};
