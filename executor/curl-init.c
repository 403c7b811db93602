/*
 * curl-init.c - libcurl's global set-up, done once (see curl-init.h).
 */
#include <pthread.h>

#include <curl/curl.h>

#include "curl-init.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_once(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
}

void executor_curl_init(void)
{
	pthread_once(&once, init_once);
}
