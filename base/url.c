/*
 * url.c - the host of a URL, the one reading that registry matching
 * (schema/image-ref.c) and the Docker client configuration's keys
 * (executor/registry-auth.c) share.
 *
 * Must not: resolve, lower-case or otherwise interpret the host.
 */
#include "base.h"

#include <stdlib.h>
#include <string.h>

char *mae_url_host(const char *url)
{
	if (!url)
		return NULL;
	/* "scheme://host...", "//host...", else the text is the host */
	size_t k = strcspn(url, "/?#");
	const char *p = url;
	if (strncmp(url + k, "//", 2) == 0 && (k == 0 || url[k - 1] == ':'))
		p = url + k + 2;
	size_t n = strcspn(p, "/?#");
	/* userinfo@ is not a host */
	const char *at = NULL;
	for (size_t i = 0; i < n; i++)
		if (p[i] == '@')
			at = p + i;
	if (at) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	return mae_xstrndup(p, n);
}

size_t mae_host_len(const char *hostport)
{
	const char *colon = strrchr(hostport, ':');
	const char *bracket = strrchr(hostport, ']');
	if (!colon || (bracket && bracket > colon))
		return strlen(hostport);
	/* an IPv6 address without brackets has no port to strip */
	if (hostport[0] != '[' && memchr(hostport, ':', (size_t)(colon - hostport)))
		return strlen(hostport);
	return (size_t)(colon - hostport);
}
