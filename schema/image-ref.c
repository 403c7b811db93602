/*
 * image-ref.c - image references and registry matching (image-ref.h).
 *
 * Must not: know about the model, or touch the network.
 */
#include "image-ref.h"

#include "base.h"

#include <stdlib.h>
#include <string.h>

/* MaestroNG's split (spec §3.4): at the last ':' unless a '/' follows. */
static void maestrong_split(const char *image, struct image_ref *r)
{
	const char *colon = strrchr(image, ':');
	if (colon && !strchr(colon + 1, '/')) {
		r->repository = mae_xstrndup(image, (size_t)(colon - image));
		/* "repo:" has an empty tag: Python's `p[1] or 'latest'` */
		r->tag = mae_xstrdup(colon[1] ? colon + 1 : "latest");
	} else {
		r->repository = mae_xstrdup(image);
		r->tag = mae_xstrdup("latest");
	}
	const char *slash = strchr(r->repository, '/');
	if (slash && slash != r->repository)
		r->registry = mae_xstrndup(r->repository,
					   (size_t)(slash - r->repository));
}

/* Docker's reference: name[:tag][@digest], the tag after the last '/'. */
static void docker_split(const char *image, struct image_ref *r)
{
	size_t n = strcspn(image, "@");
	if (image[n] == '@')
		r->digest = mae_xstrdup(image + n + 1);
	const char *last = image;
	for (size_t i = 0; i < n; i++)
		if (image[i] == '/')
			last = image + i + 1;
	const char *colon = memchr(last, ':', (size_t)(image + n - last));
	if (colon) {
		r->ref_tag = mae_xstrndup(colon + 1, (size_t)(image + n - colon - 1));
		n = (size_t)(colon - image);
	}
	r->name = mae_xstrndup(image, n);
	size_t first = strcspn(r->name, "/");
	if (r->name[first] == '/' && first > 0) {
		char *c = mae_xstrndup(r->name, first);
		if (strchr(c, '.') || strchr(c, ':') || mae_streq(c, "localhost")) {
			r->host = c;
			return;
		}
		free(c);
	}
	r->host = mae_xstrdup("docker.io");
}

void image_ref_parse(const char *image, struct image_ref *ret)
{
	memset(ret, 0, sizeof(*ret));
	maestrong_split(image, ret);
	docker_split(image, ret);
}

void image_ref_release(struct image_ref *r)
{
	if (!r)
		return;
	free(r->repository);
	free(r->tag);
	free(r->registry);
	free(r->name);
	free(r->ref_tag);
	free(r->digest);
	free(r->host);
	memset(r, 0, sizeof(*r));
}

const char *image_ref_pull_tag(const struct image_ref *r)
{
	if (r->digest)
		return r->digest;
	return r->ref_tag && *r->ref_tag ? r->ref_tag : "latest";
}

long registry_match(const struct image_ref *r, const char *const *names,
		    const char *const *urls, size_t n)
{
	size_t first = strcspn(r->name, "/");
	if (r->name[first] != '/' || first == 0)
		return -1;
	char *cand = mae_xstrndup(r->name, first);
	long found = -1;
	for (size_t i = 0; i < n && found < 0; i++)
		if (mae_streq(names[i], cand))
			found = (long)i;
	for (size_t i = 0; i < n && found < 0; i++) {
		if (!urls[i])
			continue;
		char *host = mae_url_host(urls[i]);
		size_t hostlen = mae_host_len(host);
		if (*host && (strcmp(host, cand) == 0 ||
			      (strlen(cand) == hostlen &&
			       strncmp(host, cand, hostlen) == 0)))
			found = (long)i;
		free(host);
	}
	free(cand);
	return found;
}
