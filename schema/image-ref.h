/*
 * image-ref.h - image references and registry matching: the one parser
 * and the one matcher every part of maestro uses (docs/registries.md,
 * docs/environment.md).  An image is read twice:
 *
 *   - as MaestroNG split it (spec §3.4), for the environment (DOCKER_TAG)
 *     and `image_parts`: at the last ':' unless what follows holds a '/';
 *     digests are not understood there ("app@sha256:ab" has the tag "ab");
 *   - as Docker reads a reference, name[:tag][@digest], for matching a
 *     `registries` entry and for pulls.
 *
 * Included by compute.h.  Nothing here prints.  Strings are owned by the
 * struct (image_ref_release() frees them).
 */
#ifndef MAESTRO_SCHEMA_IMAGE_REF_H
#define MAESTRO_SCHEMA_IMAGE_REF_H

#include <stddef.h>

struct image_ref {
	/* MaestroNG's split */
	char *repository; /* the image without its tag */
	char *tag;        /* "latest" when none is written */
	char *registry;   /* first path component when the repository has
			   * one (not at its start), else NULL */
	/* Docker's reference */
	char *name;       /* without tag and digest: "quay.io/foo/bar" */
	char *ref_tag;    /* the tag, NULL when none is written */
	char *digest;     /* "sha256:...", NULL when none is written */
	char *host;       /* the registry host Docker pulls from: the first
			   * component of name when it has a '.' or a ':' or
			   * is "localhost", else "docker.io" */
};

/* Parse image (never fails: every string is some reference). */
void image_ref_parse(const char *image, struct image_ref *ret);
void image_ref_release(struct image_ref *r);

/*
 * The `tag` parameter of a pull (POST /images/create): the digest when
 * one is written, else the tag, else "latest".  Borrowed from r.
 */
const char *image_ref_pull_tag(const struct image_ref *r);

/*
 * Which `registries` entry serves the image (spec §2.3): Docker's name
 * must hold a '/' (not at its start) and its first component is the
 * candidate; the first entry whose name is the candidate matches, else the
 * first whose `registry` URL has the candidate as its host[:port], or as
 * its host without the port.  A `registry` without "scheme://" is read as
 * a host ("quay.io" matches quay.io/...), and userinfo ("user@") is not
 * part of the host.  names[i] and urls[i] describe entry i (urls[i] may
 * be NULL).  Returns the index of the entry, or -1.
 */
long registry_match(const struct image_ref *r, const char *const *names,
		    const char *const *urls, size_t n);

#endif
