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
 *     its keys nor its hash;
 *   - any document's steps, read one by one and finished afresh
 *     (reseal), load back strictly to the same bytes.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The lax path: the document's header and steps read one by one (as
 * state/ reads its rows), whatever their keys, numbering and hash, then
 * finished afresh.  Any plan plan_finish accepts must load back strictly
 * and write the same bytes: so the fuzzer reaches valid plans too,
 * which the hash would otherwise almost never let through.
 */
static void reseal(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, 0, NULL);
	const json_t *steps = json_object_get(doc, "steps");
	if (!json_is_object(doc) || !json_is_array(steps)) {
		json_decref(doc);
		return;
	}
	json_incref((json_t *)steps);
	char empty[MAE_SHA256_HEX_LEN + 1];
	mae_sha256_hex("[]", 2, empty);
	json_object_set_new(doc, "steps", json_array());
	json_object_set_new(doc, "hash", json_string(empty));
	struct plan *p = NULL;
	if (plan_from_json(doc, "fuzz", &p, NULL) < 0)
		goto out;
	for (size_t i = 0; i < json_array_size(steps); i++)
		if (plan_step_from_json(p, json_array_get(steps, i), "fuzz",
					NULL) < 0)
			goto out;
	struct mae_error e;
	if (plan_finish(p, &e) < 0) {
		if (strncmp(e.msg, "dependency cycle", 16) &&
		    strstr(e.msg, "not in the plan") == NULL)
			abort();
		goto out;
	}
	char *text = plan_to_text(p);
	struct plan *q = NULL;
	int rc = plan_from_text(text, strlen(text), "resealed", &q, &e);
	/* a step on a ship without settings, or a container where its kind
	 * has none, is refused on load and not by plan_finish: fine */
	if (rc == 0) {
		char *again = plan_to_text(q);
		if (strcmp(again, text))
			abort();
		free(again);
	} else if (!strstr(e.msg, ".ship: ship '") &&
		   !strstr(e.msg, ".container: ") &&
		   !strstr(e.msg, ".ship: empty ship name")) {
		abort();
	}
	plan_free(q);
	free(text);
out:
	plan_free(p);
	json_decref((json_t *)steps);
	json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	reseal(data, size);
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
