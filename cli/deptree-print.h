/*
 * deptree-print.h - the dependency tree of `maestro deptree` as text
 * (docs/cmd-deptree.md) or as a Graphviz digraph, written piece by piece
 * to out(ctx, bytes, n): `deptree` passes cli_out(), tests a buffer.
 */
#ifndef MAESTRO_CLI_DEPTREE_PRINT_H
#define MAESTRO_CLI_DEPTREE_PRINT_H

#include <stdbool.h>
#include <stddef.h>

struct sgraph;

/* Take n bytes of output; false stops the printer. */
typedef bool deptree_out_fn(void *ctx, const char *s, size_t n);

/*
 * The tree of each root (the graph must have no cycle), a blank line
 * between roots: the root's name, then its dependencies sorted by name,
 * " +- name" / " \- name" (last) indented by "|  " / "  ".  Without
 * recursive, as MaestroNG: a service already shown under the same root is
 * not shown again (a level is marked shown before it is expanded).  With
 * recursive every dependency is listed where it is reached.  Either way a
 * service whose dependencies were already printed above is printed once
 * more as "name (*)" without them, so the output is linear in the graph.
 * Returns false when out stopped it.
 */
bool deptree_print(const struct sgraph *g, const size_t *roots, size_t n,
		   bool recursive, deptree_out_fn *out, void *ctx);

/*
 * The same graph for Graphviz: a digraph with one node per service of
 * the roots' trees and an edge "service" -> "dependency".  Returns false
 * when out stopped it.
 */
bool deptree_print_dot(const struct sgraph *g, const size_t *roots,
		       size_t n, deptree_out_fn *out, void *ctx);

#endif
