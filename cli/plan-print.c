/*
 * plan-print.c - a plan as text, JSON or Graphviz (plan-print.h).
 */
#include "plan-print.h"

#include "cli.h"
#include "compiler.h"
#include "plan.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *short_id(const char *id, char buf[13])
{
	if (!id)
		return "";
	if (mae_startswith(id, "sha256:"))
		id += 7;
	snprintf(buf, 13, "%s", id);
	return buf;
}

/* The note of a container of a kind, or NULL. */
static const struct compile_note *find_note(const struct compile_note *v,
					    size_t n, enum compile_note_kind k,
					    const char *ship,
					    const char *container)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == k && mae_streq(v[i].ship, ship) &&
		    mae_streq(v[i].container, container))
			return &v[i];
	return NULL;
}

static void number(struct mae_buf *b, double x)
{
	if (x == (double)(long long)x)
		mae_buf_addf(b, "%lld", (long long)x);
	else
		mae_buf_addf(b, "%g", x);
}

/* What a step does, in a few words. */
static char *what(const struct plan_step *s, const struct compile_note *notes,
		  size_t nnotes)
{
	struct mae_buf b = MAE_BUF_INIT;
	char id[13];
	const json_t *spec = s->spec;
	switch (s->kind) {
	case STEP_PULL:
		mae_buf_adds(&b, json_string_value(json_object_get(spec, "image")));
		if (s->pre.state == PLAN_COND_IMAGE_ABSENT)
			mae_buf_adds(&b, s->pre.observed ? " (absent)" : " (if absent)");
		break;
	case STEP_CREATE: {
		const json_t *body = json_object_get(spec, "body");
		mae_buf_adds(&b, json_string_value(json_object_get(body, "Image")));
		if (s->pre.id) {
			mae_buf_addf(&b, ", replaces %s", short_id(s->pre.id, id));
			const struct compile_note *nt =
				find_note(notes, nnotes, NOTE_DRIFT, s->ship, s->container);
			if (!nt)
				nt = find_note(notes, nnotes, NOTE_BOUND, s->ship,
					       s->container);
			if (!nt)
				nt = find_note(notes, nnotes, NOTE_UNMANAGED, s->ship,
					       s->container);
			if (nt)
				mae_buf_addf(&b, ": %s", nt->detail);
		}
		break;
	}
	case STEP_START:
		mae_buf_adds(&b, s->pre.id ? "in place" : "the new container");
		break;
	case STEP_CHECK: {
		const json_t *checks = json_object_get(spec, "checks");
		mae_buf_adds(&b, json_string_value(json_object_get(spec, "state")));
		if (!json_array_size(checks)) {
			mae_buf_adds(&b, ": the container keeps running");
			break;
		}
		mae_buf_adds(&b, ":");
		size_t i;
		const json_t *k;
		json_array_foreach(checks, i, k)
			mae_buf_addf(&b, "%s %s", i ? "," : "",
				     json_string_value(json_object_get(k, "type")));
		break;
	}
	case STEP_STOP:
		mae_buf_adds(&b, "timeout ");
		number(&b, json_number_value(json_object_get(spec, "timeout")));
		mae_buf_adds(&b, "s");
		if (s->pre.id)
			mae_buf_addf(&b, ", %s", short_id(s->pre.id, id));
		break;
	case STEP_KILL:
		mae_buf_addf(&b, "signal %s",
			     json_string_value(json_object_get(spec, "signal")));
		if (s->pre.id)
			mae_buf_addf(&b, ", %s", short_id(s->pre.id, id));
		break;
	case STEP_REMOVE:
		mae_buf_adds(&b, s->pre.id ? short_id(s->pre.id, id) : "if stopped");
		break;
	case STEP_WAIT:
		number(&b, json_number_value(json_object_get(spec, "seconds")));
		mae_buf_addf(&b, "s (%s)",
			     json_string_value(json_object_get(spec, "reason")));
		break;
	}
	const json_t *oic = json_object_get(spec, "only_if_changed");
	if (oic)
		mae_buf_addf(&b, "; only if '%s' changed",
			     json_string_value(json_object_get(oic, "image")));
	return mae_buf_detach(&b);
}

static void counts_line(const char *head, const char *const *names,
			const size_t *counts, size_t n)
{
	struct mae_buf b = MAE_BUF_INIT;
	mae_buf_adds(&b, head);
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		if (!counts[i])
			continue;
		mae_buf_addf(&b, "%s %s %zu", any ? "," : "", names[i], counts[i]);
		any = true;
	}
	if (!any)
		mae_buf_adds(&b, " none");
	char *line = cli_escaped(mae_buf_str(&b), 0);
	cli_outf("%s\n", line);
	free(line);
	mae_buf_release(&b);
}

void cli_plan_print_text(const struct plan *p, const struct compile_note *notes,
			 size_t nnotes, bool notes_known, bool with_status)
{
	struct mae_buf b = MAE_BUF_INIT;
	mae_buf_addf(&b, "plan %lld  %.12s  environment '%s'  %s",
		     (long long)p->id, p->hash, p->environment, p->action);
	for (size_t i = 0; i < p->nargs; i++)
		mae_buf_addf(&b, " %s", p->args[i]);
	char *line = cli_escaped(mae_buf_str(&b), 0);
	cli_outf("%s\n", line);
	free(line);
	mae_buf_release(&b);

	size_t kinds[STEP_KIND_COUNT] = { 0 };
	const char *kind_names[STEP_KIND_COUNT];
	for (int k = 0; k < STEP_KIND_COUNT; k++)
		kind_names[k] = step_kind_name((enum step_kind)k);
	size_t *per_ship = mae_xcalloc(p->nships + 1, sizeof(*per_ship));
	const char **ship_names = mae_xcalloc(p->nships + 1, sizeof(*ship_names));
	for (size_t i = 0; i < p->nships; i++)
		ship_names[i] = p->ships[i].name;
	for (size_t i = 0; i < p->nsteps; i++) {
		kinds[p->steps[i].kind]++;
		for (size_t k = 0; k < p->nships; k++)
			if (strcmp(p->ships[k].name, p->steps[i].ship) == 0)
				per_ship[k]++;
	}
	char *head = mae_xasprintf("steps: %zu%s", p->nsteps,
				   p->nsteps ? "," : " (nothing to do)");
	if (p->nsteps)
		counts_line(head, kind_names, kinds, STEP_KIND_COUNT);
	else
		cli_outf("%s\n", head);
	free(head);
	if (p->nsteps)
		counts_line("ships:", ship_names, per_ship, p->nships);
	free(per_ship);
	free(ship_names);

	if (notes_known) {
		size_t c[NOTE_BOUND + 1] = { 0 };
		for (size_t i = 0; i < nnotes; i++)
			c[notes[i].kind]++;
		cli_outf("drift: %zu, orphans: %zu, unmanaged: %zu\n",
			 c[NOTE_DRIFT], c[NOTE_ORPHAN], c[NOTE_UNMANAGED]);
		for (size_t i = 0; i < nnotes; i++) {
			char *l = mae_xasprintf("  %-9s %s on %s: %s",
						compile_note_kind_name(notes[i].kind),
						notes[i].container, notes[i].ship,
						notes[i].detail);
			char *esc = cli_escaped(l, 0);
			cli_outf("%s\n", esc);
			free(esc);
			free(l);
		}
	}
	if (!p->nsteps)
		return;
	cli_outs("\n");
	const char *heads6[] = { "#", "KIND", "SHIP", "CONTAINER", "WAITS FOR",
				 "WHAT", "STATUS" };
	size_t ncols = with_status ? 7 : 6;
	struct cli_table t;
	cli_table_init(&t, ncols, heads6);
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct plan_step *s = &p->steps[i];
		char num[24];
		snprintf(num, sizeof(num), "%d", s->number);
		struct mae_buf deps = MAE_BUF_INIT;
		for (size_t k = 0; k < s->ndeps; k++)
			mae_buf_addf(&deps, "%s%d", k ? "," : "", s->depends_on[k]);
		char *w = what(s, notes, nnotes);
		char *shown = cli_secrets_shown(w);
		if (shown) {
			free(w);
			w = shown;
		}
		const char *cells[] = { num,
					step_kind_name(s->kind),
					s->ship,
					s->container ? s->container : "-",
					s->ndeps ? mae_buf_str(&deps) : "-",
					w,
					step_status_name(s->status) };
		cli_table_add(&t, cells);
		free(w);
		mae_buf_release(&deps);
	}
	cli_table_print(&t);
	cli_table_release(&t);
}

/*
 * Streamed a step at a time through cli_out (no whole-plan buffer to
 * overflow); a label is "NUMBER KIND", a DOT line break, then "CONTAINER
 * on SHIP" with every name escaped by cli_dot_escape.
 */
void cli_plan_print_dot(const struct plan *p)
{
	struct mae_buf b = MAE_BUF_INIT;
	cli_outs("digraph plan {\n  rankdir=LR;\n  node [shape=box];\n");
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct plan_step *s = &p->steps[i];
		mae_buf_reset(&b);
		mae_buf_addf(&b, "  s%d [label=\"%d %s\\n", s->number, s->number,
			     step_kind_name(s->kind));
		if (s->container) {
			cli_dot_escape(&b, s->container);
			mae_buf_adds(&b, " on ");
		}
		cli_dot_escape(&b, s->ship);
		mae_buf_adds(&b, "\"];\n");
		for (size_t k = 0; k < s->ndeps; k++)
			mae_buf_addf(&b, "  s%d -> s%d;\n", s->depends_on[k],
				     s->number);
		cli_out(mae_buf_str(&b), b.len);
	}
	cli_outs("}\n");
	mae_buf_release(&b);
}

/*
 * Secrets are stored as "hmac-sha256:HEX" (their keyed digests); what is
 * printed says <secret> (INTERFACES.md "Secrets").
 */
static void unmask(json_t *v);

/* One member or item: a string shown unmasked, anything else walked. */
static json_t *unmasked(json_t *x)
{
	if (!json_is_string(x)) {
		unmask(x);
		return NULL;
	}
	char *m = cli_secrets_shown(json_string_value(x));
	json_t *r = m ? json_string(m) : NULL;
	free(m);
	return r;
}

static void unmask(json_t *v)
{
	size_t i;
	const char *k;
	json_t *x, *r;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if ((r = unmasked(x)))
				json_array_set_new(v, i, r);
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, x)
			if ((r = unmasked(x)))
				json_object_set_new(v, k, r);
	}
}

char *cli_secrets_shown(const char *s)
{
	const char *p = strstr(s, MAE_SECRET_DIGEST_PREFIX);
	if (!p)
		return NULL;
	struct mae_buf b = MAE_BUF_INIT;
	size_t plen = strlen(MAE_SECRET_DIGEST_PREFIX);
	while (p) {
		mae_buf_add(&b, s, (size_t)(p - s));
		size_t n = 0;
		while (n < 64 && ((p[plen + n] >= '0' && p[plen + n] <= '9') ||
				  (p[plen + n] >= 'a' && p[plen + n] <= 'f')))
			n++;
		if (n == 64) {
			mae_buf_adds(&b, "<secret>");
			s = p + plen + 64;
		} else {
			mae_buf_add(&b, p, plen);
			s = p + plen;
		}
		p = strstr(s, MAE_SECRET_DIGEST_PREFIX);
	}
	mae_buf_adds(&b, s);
	return mae_buf_detach(&b);
}

void cli_plan_print_json(const struct plan *p)
{
	json_t *j = plan_to_json(p);
	unmask(j);
	cli_out_json_sorted(j);
	json_decref(j);
}
