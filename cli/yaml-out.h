/*
 * yaml-out.h - the YAML form of `maestro config` (yaml-out.c).
 */
#ifndef MAESTRO_CLI_YAML_OUT_H
#define MAESTRO_CLI_YAML_OUT_H

#include <stddef.h>

/*
 * Write canon, a compact JSON text with keys sorted (as base's canonical
 * writer makes it), as YAML that reads back as the same data: a string is plain when
 * YAML 1.1 reads it back unchanged, else double-quoted with control,
 * separator and bidi characters escaped.  Every piece goes to emit
 * (cli_out_sink for standard output).
 */
void cli_yaml_from_json(const char *canon,
			void (*emit)(void *ud, const void *data, size_t n),
			void *ud);

/*
 * The members of canon, a non-empty object (or the items of an array) of
 * the same kind of text, as lines indented by indent spaces: what
 * cli_yaml_from_json() writes for them inside a mapping that deep, so a
 * document may be written a part at a time.
 */
void cli_yaml_members(const char *canon, int indent,
		      void (*emit)(void *ud, const void *data, size_t n),
		      void *ud);

#endif
