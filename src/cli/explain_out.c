/* explain's words for a helpdesk: what the server said, the codes and the remote host, who
 * must act, the fix and the next command, all shown without -v. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "explain_out.h"
#include "i18n.h"
#include "ndr_search.h"
#include "ndr_text.h"
#include "report.h"
#include "text.h"

#define SHOWN_WORDS	400	/* bytes of the server's words on the message line */

/* The words every finding uses, translated once for the run (once per thread: explain
 * writes on several): a gettext() call costs about 1.7 K instructions, several per bounce. */
static _Thread_local struct {
	bool is_ready;
	const char *status, *no_status, *reply, *remote, *answer, *undetermined, *no_rule,
	    *said, *no_words, *who, *next;
} txt;

static void
words_init(void)
{
	if (txt.is_ready)
		return;
	txt.status = _("Status %s");
	txt.no_status = _("No status code");
	txt.reply = _("reply %s");
	txt.remote = _("remote host %s");
	txt.answer = _("answer to %s");
	txt.undetermined = _("Cause not determined");
	txt.no_rule = _("No knowledge-base rule recognises this failure.");
	txt.said = _("The server said:");
	txt.no_words = _("(no words in the bounce)");
	txt.who = _("Who must act:");
	txt.next = _("Next:");
	txt.is_ready = true;
}

const char *
explain_act_text(const char *act)
{
	static const struct { const char *act, *text; } acts[] = {
		{ "sender", N_("the sender (check the address or the message, then send again)") },
		{ "sender-admin", N_("the sender's mail administrator") },
		{ "recipient", N_("the recipient (tell them by another channel)") },
		{ "recipient-admin", N_("the recipient's mail administrator") },
		{ "retry", N_("nobody for now: the sending server retries by itself") },
		{ "none", N_("nobody: this is not a delivery failure") },
	};
	/* translated once per thread */
	static _Thread_local const char *shown[sizeof(acts) / sizeof(acts[0]) + 1];
	size_t i;

	for (i = 0; act != NULL && i < sizeof(acts) / sizeof(acts[0]); i++)
		if (strcmp(acts[i].act, act) == 0)
			break;
	if (shown[i] == NULL)
		shown[i] = i < sizeof(acts) / sizeof(acts[0]) ? _(acts[i].text) :
		    _("not determined: read the server's words above");
	return shown[i];
}

/* The first mail address in s into buf (lower case); false when none. */
static bool
first_addr(const char *s, char *buf, size_t len)
{
	size_t pos = 0;

	return s != NULL && ndr_text_find_addr(s, strlen(s), &pos, buf, len) >= 0;
}

void
explain_fill_tokens(const char *tmpl, const char *const keys[][2], size_t n_keys, char *out,
    size_t out_len)
{
	size_t o = 0;

	while (*tmpl != '\0' && o + 1 < out_len) {
		size_t k = n_keys, l = 0;

		for (k = *tmpl == '{' ? 0 : n_keys; k < n_keys; k++) {
			l = strlen(keys[k][0]);
			if (strncmp(tmpl, keys[k][0], l) == 0)
				break;
		}
		if (k == n_keys) {
			out[o++] = *tmpl++;
			continue;
		}
		if (keys[k][1] != NULL && keys[k][1][0] != '\0') {
			o += (size_t)snprintf(out + o, out_len - o, "%s", keys[k][1]);
		} else {
			size_t i;

			for (i = 1; i + 1 < l && o + 1 < out_len; i++)
				out[o++] = (char)toupper((unsigned char)keys[k][0][i]);
		}
		if (o >= out_len)
			o = out_len - 1;
		tmpl += l;
	}
	out[o] = '\0';
}

/* The cause's next command with what the bounce names filled in. */
static void
next_command(const char *tmpl, const struct ndr *n, const struct ndr_rcpt *r,
    const char *sender, const char *ip, char *out, size_t out_len)
{
	char from[320] = "", rcpt[320] = "", host[256] = "";
	const char *sdom = NULL, *rdom = NULL, *at;

	if (sender != NULL && strchr(sender, '@') == NULL)
		sdom = sender;
	else if (first_addr(sender != NULL ? sender : (n->orig_from != NULL ? n->orig_from :
	    n->bounce_to), from, sizeof(from)) && (at = strrchr(from, '@')) != NULL)
		sdom = at + 1;
	if (first_addr(r->addr, rcpt, sizeof(rcpt)) && (at = strrchr(rcpt, '@')) != NULL)
		rdom = at + 1;
	if (r->remote_mta != NULL)
		snprintf(host, sizeof(host), "%.*s", (int)strcspn(r->remote_mta, " [(;"),
		    r->remote_mta);
	{
		/* the placeholders of kb.json's proofs, and two more of the bounce's */
		const char *const keys[][2] = {
			{ "{sender_domain}", sdom }, { "{rcpt_domain}", rdom },
			{ "{remote_host}", host }, { "{sender}", from }, { "{rcpt}", rcpt },
			{ "{ip}", ip != NULL ? ip : (n->sending_ip_source != NULL ?
			    n->sending_ip : NULL) },
		};

		explain_fill_tokens(tmpl, keys, sizeof(keys) / sizeof(keys[0]), out, out_len);
	}
}

/* the list separator and one more piece of the codes line */
static void __attribute__((format(printf, 4, 5)))
add_piece(char *out, size_t len, size_t *o, const char *fmt, ...)
{
	const char *sep = text_list_sep();
	size_t sl = strlen(sep);
	va_list ap;
	int w;

	if (*o + sl >= len)
		return;
	memcpy(out + *o, sep, sl + 1);
	*o += sl;
	va_start(ap, fmt);
	w = vsnprintf(out + *o, len - *o, fmt, ap);
	va_end(ap);
	if (w > 0)
		*o = *o + (size_t)w < len ? *o + (size_t)w : len - 1;
}

/* "Status 5.7.8, reply 535, remote host mx.example.org, answer to AUTH" */
static void
codes_line(const struct ndr_rcpt *r, char *out, size_t len)
{
	size_t o;
	int w;

	words_init();
	if (r->status[0] != '\0')
		w = snprintf(out, len, txt.status, r->status);
	else
		w = snprintf(out, len, "%s", txt.no_status);
	o = w > 0 && (size_t)w < len ? (size_t)w : 0;
	if (r->reply[0] != '\0')
		add_piece(out, len, &o, txt.reply, r->reply);
	if (r->remote_mta != NULL)
		add_piece(out, len, &o, txt.remote, r->remote_mta);
	if (r->command != NULL)
		add_piece(out, len, &o, txt.answer, r->command);
}

void
explain_rcpt_text(struct finding *f, const struct ndr *n, const struct ndr_rcpt *r,
    enum ndr_lang lang, const char *sender, const char *ip)
{
	const struct ndr_cause *k = r->cause;
	const char *words = r->diag != NULL && r->diag[0] != '\0' ? r->diag :
	    (r->n_evidence > 0 ? r->evidence[0] : NULL);
	const char *act = k != NULL ? k->act : "unknown";
	char codes[512], next[512] = "", shown[SHOWN_WORDS + 8];
	size_t i;

	words_init();
	codes_line(r, codes, sizeof(codes));
	shown[0] = '\0';
	if (words != NULL) {
		size_t l = ndr_utf8_prefix(words, strlen(words), SHOWN_WORDS);

		snprintf(shown, sizeof(shown), "%.*s%s", (int)l, words,
		    l < strlen(words) ? "..." : "");
	}
	if (k != NULL && k->next != NULL)
		next_command(k->next, n, r, sender, ip, next, sizeof(next));
	/* the lines a helpdesk reads: cause, the server's words, codes, who acts */
	finding_msg(f, "%s: %s\n%s %s\n%s\n%s %s",
	    k != NULL ? k->title[lang] : txt.undetermined,
	    k != NULL ? k->explanation[lang] : txt.no_rule,
	    txt.said, shown[0] != '\0' ? shown : txt.no_words,
	    codes, txt.who, explain_act_text(act));
	if (k != NULL && next[0] != '\0')
		finding_fix(f, "%s\n%s %s", k->fix[lang], txt.next, next);
	else if (k != NULL)
		finding_fix(f, "%s", k->fix[lang]);
	for (i = 0; k != NULL && i < k->n_refs; i++)
		finding_ref(f, k->refs[i]);
	finding_data(f, "act", report_json_string(act));
	if (next[0] != '\0')
		finding_data(f, "next_command", report_json_string(next));
}
