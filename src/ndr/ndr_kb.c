/* Knowledge base of bounce causes (data/kb.json): reading its causes and looking them up;
 * their phrases and the matching are ndr_kb_phrases.c's. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fileio.h"
#include "ndr.h"
#include "ndr_kb.h"
#include "ndr_kb_int.h"
#include "xmalloc.h"

#define KB_MAX_BYTES (64 * 1024 * 1024)	/* a knowledge base is some 100 kB */

static const char **
string_array(json_t *arr, size_t *n)
{
	const char **out;
	size_t i, k = 0;
	json_t *v;

	*n = 0;
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return NULL;
	out = xcalloc(json_array_size(arr), sizeof(*out));
	json_array_foreach(arr, i, v)
		if (json_is_string(v))
			out[k++] = json_string_value(v);
	*n = k;
	return out;
}

/* The finding ids of a proof's "still" or "clear": each must be a known id. */
static int
proof_ids(json_t *arr, const char ***out, size_t *n, ndr_kb_known_fn *is_finding,
    const char *path, const char *cause, char *err, size_t err_len)
{
	size_t i;
	json_t *v;

	if (arr == NULL)
		return 0;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || (is_finding != NULL && !is_finding(json_string_value(v)))) {
			snprintf(err, err_len, "%s: cause %s: verify: unknown finding id \"%s\"", path,
			    cause, json_is_string(v) ? json_string_value(v) : "?");
			return -1;
		}
	}
	if (!json_is_array(arr)) {
		snprintf(err, err_len, "%s: cause %s: verify: finding ids must be an array", path,
		    cause);
		return -1;
	}
	*out = string_array(arr, n);
	return 0;
}

/* One "verify" entry: a diagnosis's name, or an object naming it with its reading. */
static int
load_proof(json_t *v, struct ndr_proof *p, ndr_kb_known_fn *is_check,
    ndr_kb_known_fn *is_finding, const char *path, const char *cause, char *err,
    size_t err_len)
{
	const char *on;
	char id[96];

	if (json_is_object(v)) {
		p->check = json_string_value(json_object_get(v, "check"));
		p->as = json_string_value(json_object_get(v, "as"));
		p->is_cause = json_is_true(json_object_get(v, "is_cause"));
		p->needs_ip = json_is_true(json_object_get(v, "needs_ip"));
		p->next = json_string_value(json_object_get(v, "next"));
		on = json_string_value(json_object_get(v, "next_on"));
		p->is_next_on_sender = on != NULL && strcmp(on, "sending-server") == 0;
		if (on != NULL && !p->is_next_on_sender) {
			snprintf(err, err_len, "%s: cause %s: verify: \"next_on\" must be "
			    "\"sending-server\"", path, cause);
			return -1;
		}
		on = json_string_value(json_object_get(v, "on"));
		p->is_sender_side = on != NULL && strcmp(on, "sender") == 0;
		if (on != NULL && !p->is_sender_side && strcmp(on, "recipient") != 0) {
			snprintf(err, err_len, "%s: cause %s: verify: \"on\" must be \"sender\" or "
			    "\"recipient\"", path, cause);
			return -1;
		}
		if (proof_ids(json_object_get(v, "still"), &p->still, &p->n_still, is_finding,
		    path, cause, err, err_len) < 0 ||
		    proof_ids(json_object_get(v, "clear"), &p->clear, &p->n_clear, is_finding,
		    path, cause, err, err_len) < 0)
			return -1;
	} else {
		p->check = json_string_value(v);
	}
	if (p->check == NULL) {
		snprintf(err, err_len, "%s: cause %s: verify: an entry names no diagnosis", path,
		    cause);
		return -1;
	}
	if (is_check != NULL && !is_check(p->check)) {
		snprintf(err, err_len, "%s: cause %s: verify: unknown diagnosis \"%s\"", path,
		    cause, p->check);
		return -1;
	}
	if (p->as == NULL)
		p->as = p->check;
	snprintf(id, sizeof(id), "ndr.verify-%s", p->as);
	if (is_finding != NULL && !is_finding(id)) {
		snprintf(err, err_len, "%s: cause %s: verify: unknown finding id \"%s\"", path,
		    cause, id);
		return -1;
	}
	return 0;
}

static int
load_proofs(struct ndr_cause *k, json_t *arr, ndr_kb_known_fn *is_check,
    ndr_kb_known_fn *is_finding, const char *path, char *err, size_t err_len)
{
	size_t i;
	json_t *v;

	if (arr == NULL)
		return 0;
	if (!json_is_array(arr)) {
		snprintf(err, err_len, "%s: cause %s: \"verify\" must be an array", path, k->id);
		return -1;
	}
	if (json_array_size(arr) == 0)
		return 0;
	k->proofs = xcalloc(json_array_size(arr), sizeof(*k->proofs));
	k->verify = xcalloc(json_array_size(arr), sizeof(*k->verify));
	json_array_foreach(arr, i, v) {
		k->n_verify = i + 1;	/* what ndr_kb_free() frees, also after a failure */
		if (load_proof(v, &k->proofs[i], is_check, is_finding, path, k->id, err,
		    err_len) < 0)
			return -1;
		k->verify[i] = k->proofs[i].check;
	}
	return 0;
}

static void
lang_pair(json_t *obj, const char *out[2])
{
	out[NDR_LANG_EN] = json_string_value(json_object_get(obj, "en"));
	out[NDR_LANG_JA] = json_string_value(json_object_get(obj, "ja"));
	if (out[NDR_LANG_JA] == NULL)
		out[NDR_LANG_JA] = out[NDR_LANG_EN];
}

const char *
ndr_kb_default_path(void)
{
	static char buf[4096];

	return fileio_data_path("MXD_KB", "kb.json", buf, sizeof(buf));
}

/* kb.json parsed from one read of the file: json_loadb() takes a byte by an index where
 * json_load_file() calls fgetc() per byte. NULL with err set as json_load_file() words
 * it ("unable to open"), or on a file past KB_MAX_BYTES. */
static json_t *
load_json(const char *path, char *err, size_t err_len)
{
	json_error_t jerr;
	json_t *root;
	bool too_big;
	size_t len;
	char *buf;

	if (strcmp(path, "-") == 0) {	/* a file named "-", as before, not stdin */
		root = json_load_file(path, 0, &jerr);
	} else {
		buf = fileio_read_bounded(path, KB_MAX_BYTES, &len, &too_big);
		if (buf == NULL) {
			if (too_big)
				snprintf(err, err_len, "%s: larger than %d bytes", path,
				    KB_MAX_BYTES);
			else
				snprintf(err, err_len, "%s:-1: unable to open %s: %s", path, path,
				    strerror(errno));
			return NULL;
		}
		root = json_loadb(buf, len, 0, &jerr);
		free(buf);
	}
	if (root == NULL)
		snprintf(err, err_len, "%s:%d: %s", path, jerr.line, jerr.text);
	return root;
}

struct ndr_kb *
ndr_kb_load(const char *path, char *err, size_t err_len)
{
	return ndr_kb_load_checked(path, NULL, NULL, err, err_len);
}

struct ndr_kb *
ndr_kb_load_checked(const char *path, ndr_kb_known_fn *is_check, ndr_kb_known_fn *is_finding,
    char *err, size_t err_len)
{
	json_t *root, *causes, *c, *classes;
	struct ndr_kb *kb;
	size_t i, n_phr = 0;

	root = load_json(path, err, err_len);
	if (root == NULL)
		return NULL;
	causes = json_object_get(root, "causes");
	if (!json_is_array(causes) || json_array_size(causes) == 0) {
		snprintf(err, err_len, "%s: no \"causes\" array", path);
		json_decref(root);
		return NULL;
	}
	kb = xcalloc(1, sizeof(*kb));
	kb->root = root;
	kb->n_causes = json_array_size(causes);
	kb->causes = xcalloc(kb->n_causes, sizeof(*kb->causes));
	json_array_foreach(causes, i, c) {
		struct ndr_cause *k = &kb->causes[i];
		json_t *m = json_object_get(c, "match");

		k->id = json_string_value(json_object_get(c, "id"));
		k->reason = json_string_value(json_object_get(c, "reason"));
		k->side = json_string_value(json_object_get(c, "side"));
		if (k->id == NULL || k->reason == NULL) {
			snprintf(err, err_len, "%s: cause %zu has no \"id\" or \"reason\"", path, i);
			ndr_kb_free(kb);
			return NULL;
		}
		if (k->side == NULL)
			k->side = "none";
		k->act = json_string_value(json_object_get(c, "act"));
		if (k->act == NULL)
			k->act = "unknown";
		k->next = json_string_value(json_object_get(c, "next"));
		lang_pair(json_object_get(c, "title"), k->title);
		lang_pair(json_object_get(c, "explanation"), k->explanation);
		lang_pair(json_object_get(c, "fix"), k->fix);
		if (load_proofs(k, json_object_get(c, "verify"), is_check, is_finding, path, err,
		    err_len) < 0) {
			ndr_kb_free(kb);
			return NULL;
		}
		k->refs = string_array(json_object_get(c, "refs"), &k->n_refs);
		k->status = string_array(json_object_get(m, "status"), &k->n_status);
		k->reply = string_array(json_object_get(m, "reply"), &k->n_reply);
		k->command = string_array(json_object_get(m, "command"), &k->n_command);
		k->first_reply = string_array(json_object_get(m, "first_reply"), &k->n_first_reply);
		k->first_status = string_array(json_object_get(m, "first_status"),
		    &k->n_first_status);
		k->rcpt_domains = string_array(json_object_get(m, "rcpt_domains"),
		    &k->n_rcpt_domains);
		k->refines = string_array(json_object_get(m, "refines"), &k->n_refines);
		k->when_status = string_array(json_object_get(m, "when_status"),
		    &k->n_when_status);
		k->unless_status = string_array(json_object_get(m, "unless_status"),
		    &k->n_unless_status);
		k->confirm_command = string_array(json_object_get(m, "confirm_command"),
		    &k->n_confirm_command);
		k->otherwise = json_string_value(json_object_get(m, "otherwise"));
		k->confirmed = string_array(json_object_get(m, "confirmed"), &k->n_confirmed);
		k->if_final = json_string_value(json_object_get(m, "if_final"));
		k->phrases = string_array(json_object_get(m, "phrases"), &k->n_phrases);
		k->first_phrase = n_phr;
		n_phr += k->n_phrases;
	}
	kb->phr = xcalloc(n_phr ? n_phr : 1, sizeof(*kb->phr));
	if (ndr_kb_phrases_build(kb, n_phr, path, err, err_len) < 0) {
		ndr_kb_free(kb);
		return NULL;
	}

	classes = json_object_get(root, "status_classes");
	if (json_is_object(classes)) {
		const char *key;
		json_t *v;

		kb->classes = xcalloc(json_object_size(classes) + 1, sizeof(*kb->classes));
		json_object_foreach(classes, key, v) {
			const struct ndr_cause *k = ndr_kb_find(kb, json_string_value(v));

			if (k == NULL || strlen(key) >= sizeof(kb->classes[0].cls)) {
				snprintf(err, err_len, "%s: status class %s names no cause", path, key);
				ndr_kb_free(kb);
				return NULL;
			}
			snprintf(kb->classes[kb->n_classes].cls, sizeof(kb->classes[0].cls), "%s",
			    key);
			kb->classes[kb->n_classes++].cause = (size_t)(k - kb->causes);
		}
	}
	return kb;
}

void
ndr_kb_free(struct ndr_kb *kb)
{
	size_t i, j;

	if (kb == NULL)
		return;
	for (i = 0; i < kb->n_causes; i++) {
		free(kb->causes[i].verify);
		for (j = 0; kb->causes[i].proofs != NULL && j < kb->causes[i].n_verify; j++) {
			free(kb->causes[i].proofs[j].still);
			free(kb->causes[i].proofs[j].clear);
		}
		free(kb->causes[i].proofs);
		free(kb->causes[i].refs);
		free(kb->causes[i].status);
		free(kb->causes[i].reply);
		free(kb->causes[i].command);
		free(kb->causes[i].first_reply);
		free(kb->causes[i].first_status);
		free(kb->causes[i].rcpt_domains);
		free(kb->causes[i].refines);
		free(kb->causes[i].when_status);
		free(kb->causes[i].unless_status);
		free(kb->causes[i].confirm_command);
		free(kb->causes[i].confirmed);
		free(kb->causes[i].phrases);
	}
	ndr_kb_phrases_free(kb);
	free(kb->causes);
	free(kb->classes);
	json_decref(kb->root);
	free(kb);
}

size_t
ndr_kb_count(const struct ndr_kb *kb)
{
	return kb->n_causes;
}

const struct ndr_cause *
ndr_kb_cause(const struct ndr_kb *kb, size_t i)
{
	return i < kb->n_causes ? &kb->causes[i] : NULL;
}

const struct ndr_cause *
ndr_kb_causes(const struct ndr_kb *kb, size_t *n)
{
	*n = kb->n_causes;
	return kb->causes;
}

const struct ndr_cause *
ndr_kb_find(const struct ndr_kb *kb, const char *id)
{
	size_t i;

	if (id == NULL)
		return NULL;
	for (i = 0; i < kb->n_causes; i++)
		if (strcmp(kb->causes[i].id, id) == 0)
			return &kb->causes[i];
	return NULL;
}

json_t *
ndr_kb_root(const struct ndr_kb *kb)
{
	return kb->root;
}

const struct ndr_cause *
ndr_kb_for_reason(const struct ndr_kb *kb, const char *reason)
{
	json_t *map = json_object_get(kb->root, "reasons");
	const struct ndr_cause *k = ndr_kb_find(kb, json_string_value(json_object_get(
	    json_object_get(map, reason), "cause")));
	size_t i;

	if (k != NULL)
		return k;
	for (i = 0; i < kb->n_causes; i++)
		if (strcmp(kb->causes[i].reason, reason) == 0)
			return &kb->causes[i];
	return NULL;
}

const struct ndr_cause *
ndr_kb_for_status_class(const struct ndr_kb *kb, const char *status)
{
	char cls[8];
	const char *dot;
	size_t i, l;

	/* RFC 3463 2: class.subject; also try "X.subject" */
	if (status == NULL || status[0] == '\0' || status[1] == '\0')
		return NULL;	/* "5" has no class.subject; status + 2 would be past its end */
	dot = strchr(status + 2, '.');
	l = dot != NULL ? (size_t)(dot - status) : strlen(status);
	if (l >= sizeof(cls))
		return NULL;
	memcpy(cls, status, l);
	cls[l] = '\0';
	for (i = 0; i < kb->n_classes; i++)
		if (strcmp(kb->classes[i].cls, cls) == 0)
			return &kb->causes[kb->classes[i].cause];
	return NULL;
}
