/*
 * yaml-tree.h - the YAML reader of schema/: rendered text in, a tree of
 * resolved nodes out, every node with its position.  Internal to schema/.
 *
 * The reader behaves as PyYAML's SafeLoader does (MaestroNG's parser), so
 * that files mean what they meant to MaestroNG:
 *   - YAML 1.1 implicit typing of plain scalars (PyYAML's resolver):
 *     null (~, null, Null, NULL, empty), bool (yes/no/on/off/true/false
 *     in lower, Capitalised or UPPER case; not y/n), int (decimal, 0
 *     octal, 0x hex, 0b binary, '_' separators, sexagesimal 80:25 = 4825,
 *     sign; 0o17 is a string), float (1.20, 1.5e+3 - a dot and a signed
 *     exponent: 1e3 is a string -, .inf, .nan, sexagesimal 1:30.5),
 *     timestamps (2001-12-14: a string whose str is Python's str() of the
 *     date), everything else str.  Quoted and block scalars are str.
 *     Explicit tags !!str !!int !!float !!bool !!null are honoured; any
 *     other tag is an error.  docs/yaml.md has the user's version.
 *   - anchors and aliases: an alias is the same node (the tree is a DAG);
 *   - merge keys (`<<: *a` and `<<: [*a, *b]`) as PyYAML flattens them:
 *     keys written in the mapping win over merged ones, earlier merge
 *     sources win over later ones, merged keys come first in order;
 *   - a key written twice in one mapping is an error (MaestroNG's loader
 *     refused duplicates), reported at the second occurrence;
 *   - keys must be scalars; a complex key is an error.
 *
 * Limits (docs/yaml.md): input size 16 MiB, nesting depth 256, 1,000,000
 * nodes counting every alias and merge expansion (billion laughs),
 * integers of 4300 digits; each an error naming the limit (the parse then
 * returns MAE_ERR_LIMIT), never a crash or a hang.
 *
 * Positions are 1-based line and column in the rendered text (the
 * diagnostics list maps them to the template source).
 */
#ifndef MAESTRO_SCHEMA_YAML_TREE_H
#define MAESTRO_SCHEMA_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"

enum ynode_kind {
	YNODE_SCALAR,
	YNODE_SEQ,
	YNODE_MAP,
};

/* The type PyYAML would give a scalar. */
enum yscalar_type {
	YSCALAR_NULL,
	YSCALAR_BOOL,
	YSCALAR_INT,
	YSCALAR_FLOAT,
	YSCALAR_STR,
};

struct ynode;

struct ypair {
	struct ynode *key; /* always a scalar */
	struct ynode *value;
};

struct ynode {
	enum ynode_kind kind;
	int line, col;        /* where the node starts, 1-based */
	const char *anchor;   /* the anchor it was defined with, or NULL */

	/* YNODE_SCALAR */
	enum yscalar_type type;
	const char *text;     /* the scalar's value as written (escapes done) */
	size_t text_len;      /* never holds a NUL: U+0000 is refused */
	bool quoted;          /* written quoted or as a block scalar */
	/*
	 * Some of its text (or its tag, anchor, alias name) came from the
	 * process environment through the template pass (mae_srcmap.secret):
	 * a message must not quote it (ynode_quote()).  Also set on
	 * collections whose tag or anchor did.
	 */
	bool secret;
	bool b;               /* YSCALAR_BOOL */
	bool int_fits;        /* YSCALAR_INT: the value fits in `i` */
	int64_t i;            /* YSCALAR_INT when int_fits */
	double f;             /* YSCALAR_FLOAT */
	bool timestamp;       /* YSCALAR_STR that PyYAML reads as a date or
				 datetime (2001-12-14): str is Python's
				 str() of it ("2001-12-14 21:59:43+00:00") */
	/*
	 * Python's str() of the resolved value: "None", "True", "False",
	 * the integer in decimal (any size, e.g. 0x1F -> "31", 80:25 ->
	 * "4825"), the float as Python's repr (1.20 -> "1.2", 1.0e+3 ->
	 * "1000.0", .inf -> "inf"), the string itself.  This is what
	 * MaestroNG put in a container's environment.
	 */
	const char *str;

	/* YNODE_SEQ */
	struct ynode **items;
	size_t nitems;

	/* YNODE_MAP, after merge keys are flattened */
	struct ypair *pairs;
	size_t npairs;
};

/* A parsed document; owns every node (one arena). */
struct ydoc;

/*
 * Parse text (len bytes, need not be NUL-terminated) as one YAML document.
 * Problems are added to d, positioned in the text; d->map, when set, says
 * which bytes came from the environment (never quoted, nodes marked
 * secret).  Parsing goes on after
 * errors where libyaml allows, so that all of them are reported.  Returns
 * 0 and the document, or a negative code when the text could not be read
 * as YAML at all (then *ret is NULL and d says why).  An empty document
 * gives a document whose root is NULL.
 */
int ydoc_parse(const char *text, size_t len, struct ydoc **ret,
	       struct mae_diags *d);
void ydoc_free(struct ydoc *doc);
/* The root node, or NULL for an empty document. Borrowed. */
const struct ynode *ydoc_root(const struct ydoc *doc);

/* Look a key up in a mapping (NULL if absent or node is not a map). */
const struct ynode *ynode_get(const struct ynode *map, const char *key);
/* The pair holding key, for its key's position. */
const struct ypair *ynode_get_pair(const struct ynode *map, const char *key);

/* Printable kind for messages: "a mapping", "a list", "a string", ... */
const char *ynode_describe(const struct ynode *n);

/*
 * A node's text for a message, the one way the model and the reader quote
 * what a user wrote: in single quotes, control characters escaped and
 * long text cut (mae_quote()), or, when the node is secret (its text came
 * from the process environment), YNODE_SECRET_TEXT instead.  A string
 * gives its text as written; a number, a boolean or null its str
 * ('70000', '1e+30', 'True': what the model compared).  Writes into buf (YNODE_QUOTE_BUF bytes)
 * and returns it; YNODE_QUOTE(n) gives the buffer, alive to the end of
 * the enclosing block.  So: "invalid port %s", never "'%s'" around it.
 * NULL or a collection gives "''" unless secret; s, when not NULL, is
 * quoted instead of n's text.
 */
#define YNODE_QUOTE_BUF (MAE_QUOTE_BUF + 2)
char *ynode_quote(char *buf, const struct ynode *n, const char *s);
#define YNODE_QUOTE(n) ynode_quote((char[YNODE_QUOTE_BUF]){ 0 }, (n), NULL)
/* Text s taken from node n (a restart policy's name from "NAME:N", a
 * name the model stored): quoted as above, hidden when n is secret. */
#define YNODE_QUOTE_AS(n, s) \
	ynode_quote((char[YNODE_QUOTE_BUF]){ 0 }, (n), (s))
/* A struct schema_str the model kept from a node, quoted the same way:
 * hidden when it came from the environment. */
static inline const struct ynode *secret_if(bool secret)
{
	static const struct ynode hidden = { .secret = true };
	return secret ? &hidden : NULL;
}
#define STR_QUOTE(x) YNODE_QUOTE_AS(secret_if((x)->secret), (x)->s)
#define YNODE_SECRET_TEXT "(a value from the environment, not shown)"
/* What to add to a message about a secret node: how to stop the
 * environment's text from being read as YAML syntax. */
#define YNODE_SECRET_HINT \
	"quote it in the template: {{ env.NAME|tojson }}"

#endif
