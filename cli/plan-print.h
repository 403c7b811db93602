/*
 * plan-print.h - a plan for people (docs/cmd-plan.md): the header and
 * one line per step, or a Graphviz digraph of the steps.  Shared by
 * `plan` and `show`.  Private to cli/.
 */
#ifndef MAESTRO_CLI_PLAN_PRINT_H
#define MAESTRO_CLI_PLAN_PRINT_H

#include <stdbool.h>
#include <stddef.h>

struct plan;
struct compile_note;

/*
 * The text form: header (plan number, short hash, environment, action and
 * arguments, counts per kind and per ship, the notes when given: drift,
 * orphans, unmanaged, skipped, bound) and the step table; with_status adds
 * each step's status (show).
 */
void cli_plan_print_text(const struct plan *p, const struct compile_note *notes,
			 size_t nnotes, bool notes_known, bool with_status);
/* digraph: one node per step ("N kind container"), an edge to each
 * step it depends on. */
void cli_plan_print_dot(const struct plan *p);
/*
 * s with each stored secret digest ("hmac-sha256:HEX") shown as
 * "<secret>", newly allocated; NULL when s holds none.
 */
char *cli_secrets_shown(const char *s);
/* The plan document (INTERFACES.md), indented, keys sorted, secrets
 * shown as <secret>. */
void cli_plan_print_json(const struct plan *p);

#endif
