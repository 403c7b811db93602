/*
 * ship-settings.c - what validate says of the ships' api_version pins
 * (ship-settings.h).
 */
#include "ship-settings.h"

#include <stdio.h>
#include <string.h>

size_t cli_ship_api_notes(const struct schema_env *env, struct mae_diags *d)
{
	size_t errors = 0, raised = 0;
	const struct schema_ship *first = NULL;
	for (size_t i = 0; i < env->nships; i++) {
		const struct schema_ship *s = &env->ships[i];
		switch (ship_api_pin_check(s->api_version, NULL)) {
		case SHIP_API_PIN_INVALID:
			schema_diag(d, MAE_SEV_ERROR, &s->pos,
				    "invalid api_version '%s' for ship '%s' "
				    "(expected 'auto' or a version such as '%s')",
				    s->api_version, s->name, SHIP_API_MAX);
			errors++;
			break;
		case SHIP_API_PIN_RAISED:
			if (!raised++)
				first = s;
			break;
		default:
			break;
		}
	}
	if (first) {
		char more[64] = "";
		if (raised > 1)
			snprintf(more, sizeof(more), " (so is the pin of %zu "
				 "more ship%s)", raised - 1,
				 raised > 2 ? "s" : "");
		schema_diag(d, MAE_SEV_WARNING, &first->pos,
			    "api_version '%s' of ship '%s' is older than %s, "
			    "the oldest API maestro speaks: %s is used%s",
			    first->api_version, first->name, SHIP_API_MIN,
			    SHIP_API_MIN, more);
	}
	return errors;
}
