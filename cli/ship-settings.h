/*
 * ship-settings.h - from a ship of the model (schema.h) to the executor's
 * connection settings (plan.h), as spec §2.4 says MaestroNG chose a
 * ship's transport.  Private to cli/.
 */
#ifndef MAESTRO_CLI_SHIP_SETTINGS_H
#define MAESTRO_CLI_SHIP_SETTINGS_H

#include "executor.h"
#include "schema.h"

/*
 * Fill out (all strings newly allocated; ship_conn_release frees them):
 *   - transport: ssh_tunnel, else socket_path (unix), else TCP - https
 *     (SHIP_TLS) when `tls` or `tls_verify` is set;
 *   - port: docker_port (the model's default: 2376 with `tls`, else 2375;
 *     `tls_verify` alone keeps 2375);
 *   - TLS: verification exactly when `tls_verify`; the CA, certificate
 *     and key paths as written;
 *   - timeout, api_version and the SSH settings as they are.
 */
void cli_ship_conn_from_model(const struct schema_ship *s,
			      struct ship_conn *out);

/*
 * What `validate` says about the ships' api_version pins (for cmd-validate
 * to call): an error at each ship whose pin is neither `auto` nor "1.N",
 * and one warning, at the first, when pins below 1.24 are raised (naming
 * how many other ships share it).  Returns the number of errors added.
 */
size_t cli_ship_api_notes(const struct schema_env *env, struct mae_diags *d);

#endif
