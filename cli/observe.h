/*
 * observe.h - what the ships hold, for `plan` (and later `status`):
 * every ship of the description observed at once, one thread each, with
 * one container list and one image list per ship (plan/observed.h).
 * Private to cli/.
 */
#ifndef MAESTRO_CLI_OBSERVE_H
#define MAESTRO_CLI_OBSERVE_H

#include <stdbool.h>

struct schema_env;
struct observed;

/*
 * Observe every ship of env.  A ship that cannot be observed is recorded
 * as such (obs_ship_set_error, the client's message naming the ship);
 * what to do about it is the caller's.  debug: trace each API call on
 * stderr.  Returns a sealed observation.
 */
struct observed *cli_observe(const struct schema_env *env, bool debug);

#endif
