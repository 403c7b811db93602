/*
 * fuzz-yaml.c - fuzz target for the YAML reader (ydoc_parse) and
 * mae_float_repr.  Besides "no crash, no leak, no hang" it checks
 * properties that must hold for any input:
 *   - every float scalar's str reads back as the same double;
 *   - every integer that fits prints as its decimal str;
 *   - the first 8 bytes, as a double, repr and read back unchanged.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "yaml-tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_float(double f)
{
	char buf[32];
	mae_float_repr(f, buf);
	if (isnan(f)) {
		if (strcmp(buf, "nan"))
			abort();
		return;
	}
	if (isinf(f)) {
		if (strcmp(buf, f > 0 ? "inf" : "-inf"))
			abort();
		return;
	}
	double back = strtod(buf, NULL);
	if (back != f || signbit(back) != signbit(f))
		abort();
}

static size_t walk(const struct ynode *n, int depth)
{
	if (!n || depth > 300)
		abort(); /* the reader's depth limit is 256 */
	(void)ynode_describe(n);
	size_t count = 1;
	switch (n->kind) {
	case YNODE_SCALAR:
		if (!n->str || !n->text)
			abort();
		if (n->type == YSCALAR_FLOAT)
			check_float(n->f);
		if (n->type == YSCALAR_FLOAT && !isnan(n->f) && !isinf(n->f) &&
		    strtod(n->str, NULL) != n->f)
			abort();
		if (n->type == YSCALAR_INT && n->int_fits) {
			char buf[32];
			snprintf(buf, sizeof(buf), "%" PRId64, n->i);
			if (strcmp(buf, n->str))
				abort();
		}
		break;
	case YNODE_SEQ:
		/* aliases make a DAG: visit each list once is enough here */
		for (size_t i = 0; i < n->nitems && i < 64; i++)
			count += walk(n->items[i], depth + 1);
		break;
	case YNODE_MAP:
		for (size_t i = 0; i < n->npairs && i < 64; i++) {
			if (n->pairs[i].key->kind != YNODE_SCALAR)
				abort();
			count += walk(n->pairs[i].value, depth + 1);
			if (n->pairs[i].key->type == YSCALAR_STR &&
			    !n->pairs[i].key->timestamp &&
			    memchr(n->pairs[i].key->text, '\0',
				   n->pairs[i].key->text_len) == NULL &&
			    !ynode_get_pair(n, n->pairs[i].key->text))
				abort();
		}
		break;
	}
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= sizeof(double)) {
		double f;
		memcpy(&f, data, sizeof(f));
		check_float(f);
	}
	struct mae_diags d;
	mae_diags_init(&d, "fuzz.yaml");
	struct ydoc *doc = NULL;
	if (ydoc_parse((const char *)data, size, &doc, &d) == 0 &&
	    ydoc_root(doc))
		walk(ydoc_root(doc), 0);
	ydoc_free(doc);
	mae_diags_release(&d);
	return 0;
}
