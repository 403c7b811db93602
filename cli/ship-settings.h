/*
 * ship-settings.h - what `validate` says of the ships' api_version pins
 * (the executor's rule).  A ship's connection settings come from the
 * compiler (compile_ship_conn).  Private to cli/.
 */
#ifndef MAESTRO_CLI_SHIP_SETTINGS_H
#define MAESTRO_CLI_SHIP_SETTINGS_H

#include "executor.h"
#include "schema.h"

/*
 * What `validate` says about the ships' api_version pins (for cmd-validate
 * to call): an error at each ship whose pin is neither `auto` nor "1.N",
 * and one warning, at the first, when pins below 1.24 are raised (naming
 * how many other ships share it).  Returns the number of errors added.
 */
size_t cli_ship_api_notes(const struct schema_env *env, struct mae_diags *d);

#endif
