/*
 * curl-init.h - libcurl's global set-up, once per process, for every user
 * of libcurl in executor/ (the ship client, http checks, http auditors).
 */
#ifndef MAESTRO_CURL_INIT_H
#define MAESTRO_CURL_INIT_H

/* curl_global_init(CURL_GLOBAL_ALL) the first time; later calls return at
 * once.  Thread-safe. */
void executor_curl_init(void);

#endif
