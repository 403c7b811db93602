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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct cli_command cmd_config;
#define cmd cmd_config

/*
 * YAML from the canonical JSON text of the document (compact, keys
 * already sorted): block style, two spaces per level, a list item's
 * mapping starting on the dash's line.  A string is written plain when
 * YAML reads it back as the same string, else as its JSON form (a valid
 * YAML double-quoted scalar).  The text is well-formed: it comes from
 * base's canonical writer.
 */
struct yout {
	const char *p;   /* the cursor in the canonical text */
	struct mae_buf b;
};

/* A string YAML 1.1 reads back unchanged without quotes. */
static bool yaml_plain(const char *s, size_t n)
{
	static const char *const special[] = {
		"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"true", "True", "TRUE", "false", "False", "FALSE", "on", "On",
		"ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
	};
	if (n == 0)
		return false;
	for (size_t i = 0; i < sizeof(special) / sizeof(*special); i++)
		if (strlen(special[i]) == n && memcmp(s, special[i], n) == 0)
			return false;
	/* a first character YAML reads as the start of a plain string */
	bool dash_word = s[0] == '-' && n > 1 &&
			 ((s[1] >= 'a' && s[1] <= 'z') ||
			  (s[1] >= 'A' && s[1] <= 'Z') || s[1] == '-');
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      s[0] == '_' || s[0] == '/' || dash_word))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("_./@+=-", c)))
			return false;
	}
	return true;
}

/*
 * Copy the JSON string [p, q] (both quotes included) as a YAML
 * double-quoted scalar.  The canonical text leaves DEL, the C1 controls, U+2028,
 * U+2029, U+FFFE and U+FFFF raw; YAML may not carry them raw (a reader
 * refuses them or folds them as line breaks), so they become \u escapes.
 */
static void yaml_quoted(struct yout *y, const char *p, const char *q)
{
	const unsigned char *s = (const unsigned char *)p;
	const unsigned char *e = (const unsigned char *)q + 1;
	while (s < e) {
		unsigned cp = 0;
		size_t len = 0;
		if (s[0] == 0x7f) {
			cp = 0x7f;
			len = 1;
		} else if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) {
			cp = s[1];
			len = 2;
		} else if ((s[0] == 0xe2 && s[1] == 0x80 &&
			    (s[2] == 0xa8 || s[2] == 0xa9)) ||
			   (s[0] == 0xef && s[1] == 0xbf &&
			    (s[2] == 0xbe || s[2] == 0xbf))) {
			cp = ((unsigned)(s[0] & 0x0f) << 12) |
			     ((unsigned)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
			len = 3;
		}
		if (len) {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\u%04x", cp);
			mae_buf_add(&y->b, esc, 6);
			s += len;
			continue;
		}
		const unsigned char *run = s;
		/* a backslash escape is copied whole: it is plain ASCII */
		while (s < e && *s != 0x7f && *s != 0xc2 && *s != 0xe2 &&
		       *s != 0xef)
			s++;
		if (s == run)
			s++;
		mae_buf_add(&y->b, (const char *)run, (size_t)(s - run));
	}
}

/* Copy one scalar (string, number, literal, {} or []) at the cursor. */
static void yaml_scalar(struct yout *y)
{
	const char *p = y->p;
	if (*p == '"') {
		const char *q = p + 1;
		while (*q != '"')
			q += *q == '\\' ? 2 : 1;
		if (yaml_plain(p + 1, (size_t)(q - p - 1)))
			mae_buf_add(&y->b, p + 1, (size_t)(q - p - 1));
		else
			yaml_quoted(y, p, q);
		y->p = q + 1;
		return;
	}
	if ((*p == '{' && p[1] == '}') || (*p == '[' && p[1] == ']')) {
		mae_buf_add(&y->b, p, 2);
		y->p = p + 2;
		return;
	}
	size_t n = strcspn(p, ",}]");
	/* YAML 1.1 reads "1e+16" as a string: write "1.0e+16", as PyYAML's
	 * representer does */
	bool number = *p == '-' || (*p >= '0' && *p <= '9');
	const char *e = number ? memchr(p, 'e', n) : NULL;
	if (e && !memchr(p, '.', n)) {
		mae_buf_add(&y->b, p, (size_t)(e - p));
		mae_buf_adds(&y->b, ".0");
		mae_buf_add(&y->b, e, n - (size_t)(e - p));
	} else {
		mae_buf_add(&y->b, p, n);
	}
	y->p = p + n;
}

static bool yaml_at_block(const struct yout *y)
{
	return (y->p[0] == '{' && y->p[1] != '}') ||
	       (y->p[0] == '[' && y->p[1] != ']');
}

static void yaml_indent(struct yout *y, int indent)
{
	static const char spaces[] = "                                ";
	while (indent > 0) {
		int n = indent < (int)sizeof(spaces) - 1 ? indent
							 : (int)sizeof(spaces) - 1;
		mae_buf_add(&y->b, spaces, (size_t)n);
		indent -= n;
	}
}

/* A non-empty object or array at the cursor; with inline_first the
 * first line's indentation is already written (after "- "). */
static void yaml_block(struct yout *y, int indent, bool inline_first)
{
	char open = *y->p++;
	bool first = true;
	while (true) {
		if (open == '{') {
			if (!(first && inline_first))
				yaml_indent(y, indent);
			yaml_scalar(y); /* the key */
			y->p++;         /* ':' */
			if (yaml_at_block(y)) {
				mae_buf_adds(&y->b, ":\n");
				yaml_block(y, indent + 2, false);
			} else {
				mae_buf_adds(&y->b, ": ");
				yaml_scalar(y);
				mae_buf_addc(&y->b, '\n');
			}
		} else {
			if (!(first && inline_first))
				yaml_indent(y, indent);
			mae_buf_adds(&y->b, "- ");
			if (y->p[0] == '{' && y->p[1] != '}') {
				yaml_block(y, indent + 2, true);
			} else if (yaml_at_block(y)) {
				mae_buf_addc(&y->b, '\n');
				yaml_block(y, indent + 2, false);
			} else {
				yaml_scalar(y);
				mae_buf_addc(&y->b, '\n');
			}
		}
		first = false;
		if (*y->p++ != ',')
			return; /* the closing '}' or ']' */
	}
}

static int run(const struct cli_globals *g, const struct cli_args *a)
{
	bool as_json = a->json;
	struct cli_model m;
	int rc = cli_model_load(g, CLI_MODEL_SPECS, &m);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (as_json) {
		char *text = config_document_text(m.env, m.specs);
		cli_outs(text);
		free(text);
	} else {
		char *canon = config_document_canonical(m.env, m.specs, NULL);
		struct yout y = { canon, MAE_BUF_INIT };
		yaml_block(&y, 0, false);
		cli_out(mae_buf_str(&y.b), y.b.len);
		mae_buf_release(&y.b);
		free(canon);
	}
	cli_model_release(&m);
	return CLI_EXIT_OK;
}

const struct cli_command cmd_config = {
	.name = "config",
	.alias = "dump",
	.summary = "print the normalised model and each container's computed spec",
	.usage = "maestro [-f FILE] config [--json]",
	.help = "--json prints the document as JSON (keys sorted, byte-stable);\n"
		"without it the same document is printed as YAML.\n"
		"Registry passwords are shown as ***.\n",
	.shared = CLI_F(JSON),
	.max_operands = 0,
	.run = run,
};
