/*
 * deptree-print.c - `maestro deptree` output: the text tree and the
 * Graphviz digraph.
 *
 * The walk is iterative (a chain of thousands of services cannot exhaust
 * the stack) and each service's dependencies are printed once over the
 * whole output; a repeat is marked "(*)" as `cargo tree` marks one.  The
 * indentation is one buffer grown and cut as the walk goes down and up,
 * and each line is written as it is made: the time is that of the output.
 */
#include "cli.h"
#include "deptree-print.h"
#include "graph.h"

#include <stdlib.h>
#include <string.h>

static int cmp_svc_name(const void *a, const void *b, void *g)
{
	const struct sgraph *gr = g;
	return strcmp(gr->services[*(const size_t *)a].name,
		      gr->services[*(const size_t *)b].name);
}

/* One service being expanded: its children to print, and where the
 * indentation stood. */
struct frame {
	size_t *children;
	size_t n, next;
	size_t indent;
};

struct tree {
	const struct sgraph *g;
	bool recursive;
	unsigned *shown;    /* per service: the root generation that showed it */
	unsigned gen;
	bool *expanded;     /* per service: its dependencies were printed */
	struct mae_buf indent;
	struct mae_buf line;
	deptree_out_fn *out;
	void *ctx;
};

static bool print_line(struct tree *t, const char *branch, size_t s,
		       bool repeat)
{
	struct mae_buf *l = &t->line;
	l->len = 0;
	mae_buf_add(l, t->indent.s, t->indent.len);
	mae_buf_adds(l, branch);
	cli_escape(l, t->g->services[s].name, 0);
	if (repeat)
		mae_buf_adds(l, " (*)");
	mae_buf_addc(l, '\n');
	return t->out(t->ctx, l->s, l->len);
}

/* The children of s to print, sorted by name; without recursive, those not
 * shown under this root yet, all marked shown now (MaestroNG's order). */
static void children(struct tree *t, size_t s, struct frame *f)
{
	const struct sgraph_service *sv = &t->g->services[s];
	f->children = mae_xmalloc((sv->ndeps + 1) * sizeof(*f->children));
	f->n = f->next = 0;
	for (size_t i = 0; i < sv->ndeps; i++)
		if (t->recursive || t->shown[sv->deps[i]] != t->gen)
			f->children[f->n++] = sv->deps[i];
	qsort_r(f->children, f->n, sizeof(*f->children), cmp_svc_name,
		(void *)t->g);
	if (!t->recursive)
		for (size_t i = 0; i < f->n; i++)
			t->shown[f->children[i]] = t->gen;
	f->indent = t->indent.len;
}

static bool print_root(struct tree *t, size_t root, struct frame *stack)
{
	const struct sgraph *g = t->g;
	t->gen++;
	t->shown[root] = t->gen;
	bool has_deps = g->services[root].ndeps > 0;
	t->indent.len = 0;
	if (!print_line(t, "", root, has_deps && t->expanded[root]))
		return false;
	if (!has_deps || t->expanded[root])
		return true;
	t->expanded[root] = true;
	mae_buf_adds(&t->indent, " ");
	size_t depth = 0;
	children(t, root, &stack[depth++]);
	while (depth) {
		struct frame *f = &stack[depth - 1];
		if (f->next == f->n) {
			free(f->children);
			depth--;
			continue;
		}
		t->indent.len = f->indent;
		size_t s = f->children[f->next++];
		bool last = f->next == f->n;
		bool deps = g->services[s].ndeps > 0;
		if (!print_line(t, last ? "\\- " : "+- ", s,
				deps && t->expanded[s])) {
			while (depth)
				free(stack[--depth].children);
			return false;
		}
		if (!deps || t->expanded[s])
			continue;
		t->expanded[s] = true;
		mae_buf_adds(&t->indent, last ? "  " : "|  ");
		children(t, s, &stack[depth++]);
	}
	return true;
}

bool deptree_print(const struct sgraph *g, const size_t *roots, size_t n,
		   bool recursive, deptree_out_fn *out, void *ctx)
{
	struct tree t = {
		.g = g,
		.recursive = recursive,
		.shown = mae_xcalloc(g->nservices + 1, sizeof(*t.shown)),
		.expanded = mae_xcalloc(g->nservices + 1, sizeof(*t.expanded)),
		.indent = MAE_BUF_INIT,
		.line = MAE_BUF_INIT,
		.out = out,
		.ctx = ctx,
	};
	/* each service is expanded once: the path is never deeper */
	struct frame *stack = mae_xcalloc(g->nservices + 1, sizeof(*stack));
	bool ok = true;
	for (size_t r = 0; r < n && ok; r++)
		ok = (!r || out(ctx, "\n", 1)) && print_root(&t, roots[r], stack);
	free(stack);
	free(t.shown);
	free(t.expanded);
	mae_buf_release(&t.indent);
	mae_buf_release(&t.line);
	return ok;
}

static void dot_quote(struct mae_buf *out, const char *s)
{
	mae_buf_addc(out, '"');
	cli_dot_escape(out, s);
	mae_buf_addc(out, '"');
}

bool deptree_print_dot(const struct sgraph *g, const size_t *roots,
		       size_t n, deptree_out_fn *write, void *ctx)
{
	bool *in = mae_xcalloc(g->nservices + 1, sizeof(*in));
	sgraph_closure(g, roots, n, false, in);
	for (size_t r = 0; r < n; r++)
		in[roots[r]] = true;
	struct mae_buf out = MAE_BUF_INIT;
	bool ok = write(ctx, "digraph deptree {\n", strlen("digraph deptree {\n"));
	for (size_t s = 0; s < g->nservices && ok; s++) {
		if (!in[s])
			continue;
		out.len = 0;
		mae_buf_adds(&out, "  ");
		dot_quote(&out, g->services[s].name);
		mae_buf_adds(&out, ";\n");
		ok = write(ctx, out.s, out.len);
	}
	for (size_t s = 0; s < g->nservices && ok; s++) {
		if (!in[s])
			continue;
		const struct sgraph_service *sv = &g->services[s];
		size_t *deps = mae_xmalloc((sv->ndeps + 1) * sizeof(*deps));
		if (sv->ndeps)
			memcpy(deps, sv->deps, sv->ndeps * sizeof(*deps));
		qsort_r(deps, sv->ndeps, sizeof(*deps), cmp_svc_name, (void *)g);
		for (size_t i = 0; i < sv->ndeps && ok; i++) {
			out.len = 0;
			mae_buf_adds(&out, "  ");
			dot_quote(&out, sv->name);
			mae_buf_adds(&out, " -> ");
			dot_quote(&out, g->services[deps[i]].name);
			mae_buf_adds(&out, ";\n");
			ok = write(ctx, out.s, out.len);
		}
		free(deps);
	}
	ok = ok && write(ctx, "}\n", 2);
	mae_buf_release(&out);
	free(in);
	return ok;
}
