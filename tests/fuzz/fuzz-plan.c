/*
 * fuzz-plan.c - fuzz target for reading a stored plan back
 * (plan_from_text: every field validated, keys, numbering and hash
 * recomputed).  Properties checked for any input:
 *   - a failed load returns no plan and an error that starts with the
 *     place it was asked to name;
 *   - plan_to_text (written by hand around the specs) is the canonical
 *     writer's text of plan_to_json;
 *   - a plan that loads writes back (plan_to_text) to a document that
 *     loads again and writes the same bytes, with the same hash;
 *   - finishing it again (plan_finish) changes neither its numbering,
 *     its keys nor its hash.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan *p = NULL;
	struct mae_error e;
	mae_error_clear(&e);
	int rc = plan_from_text((const char *)data, size, "fuzz", &p, &e);
	if (rc < 0) {
		if (p || strncmp(e.msg, "fuzz", 4))
			abort();
		return 0;
	}
	char *text = plan_to_text(p);
	/* the hand-written text is the canonical writer's text */
	json_t *doc = plan_to_json(p);
	char *canon = mae_json_canonical(doc);
	if (strcmp(text, canon))
		abort();
	free(canon);
	json_decref(doc);
	struct plan *q = NULL;
	if (plan_from_text(text, strlen(text), "again", &q, &e) < 0)
		abort();
	char *again = plan_to_text(q);
	if (strcmp(text, again) || strcmp(p->hash, q->hash))
		abort();
	char hash[MAE_SHA256_HEX_LEN + 1];
	memcpy(hash, q->hash, sizeof(hash));
	if (plan_finish(q, &e) < 0 || strcmp(hash, q->hash))
		abort();
	char *finished = plan_to_text(q);
	if (strcmp(finished, text))
		abort();
	free(finished);
	free(again);
	free(text);
	plan_free(q);
	plan_free(p);
	return 0;
}
