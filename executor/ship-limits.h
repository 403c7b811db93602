/*
 * ship-limits.h - what a ship's settings may mean to the transports: time
 * limits that never become "none", and files that must be regular files
 * before a library opens them.  Private to executor/.
 */
#ifndef MAESTRO_EXECUTOR_SHIP_LIMITS_H
#define MAESTRO_EXECUTOR_SHIP_LIMITS_H

#include "base.h"

/*
 * Time limits.  A limit must never become 0, which libcurl and poll()
 * read as "none" or "the default": `timeout: 0.0001` once turned off every
 * limit of a ship.  ship_timeout_norm() gives the seconds a setting means
 * (dflt when it is 0, negative or not a number; at least 1 ms, at most
 * SHIP_TIMEOUT_MAX_S); ship_limit_ms() the milliseconds of such seconds,
 * rounded up, at least 1.
 */
#define SHIP_TIMEOUT_MAX_S 1000000.0
double ship_timeout_norm(double s, double dflt);
long ship_limit_ms(double s);

/*
 * A file a ship's settings name (tls_ca_cert, tls_cert, tls_key, the ssh
 * key, known_hosts) must be a regular file before libcurl, OpenSSL or
 * libssh2 open it: a FIFO would block them for ever, past every time
 * limit.  Returns 0 when path is a regular file or does not exist (what
 * opens it says so), else MAE_ERR_INVALID: "SHIP: SETTING 'PATH' is not a
 * regular file (a FIFO)" (without "SHIP: " when ship is NULL).  path
 * NULL: 0.
 */
int ship_file_check(const char *ship, const char *setting, const char *path,
		    struct mae_error *e);

#endif
