/* Fuzz target: the knowledge base (data/kb.json) as a helpdesk may edit it. The bytes are
 * loaded with ndr_kb_load() through a memory file; a knowledge base that loads is then
 * queried and used to classify a few fixed bounces. */
#include "config.h"	/* _GNU_SOURCE: memfd_create */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "ndr.h"
#include "ndr_classify.h"
#include "ndr_kb.h"

static const char *const bounces[] = {
	"550 5.1.1 <bob@example.test>: Recipient address rejected: User unknown in local "
	    "recipient table",
	"Reporting-MTA: dns; mx.example.test\n\nFinal-Recipient: rfc822; a@example.test\n"
	    "Action: failed\nStatus: 5.7.1\nDiagnostic-Code: smtp; 554 5.7.1 Relay access denied\n",
	"554 5.1.8 <x@corp.local>: Sender address rejected: Domain not found",
	"451 4.7.1 Greylisted, try again later",
	"530 5.7.1 Client was not authenticated",
	"Delivery has failed to these recipients or groups: mailbox full",
};

static int fd = -1;
static char path[64];

static void
check_cause(const struct ndr_kb *kb, const struct ndr_cause *k)
{
	size_t i;

	FUZZ_ASSERT(k->id != NULL && k->reason != NULL && k->side != NULL);
	FUZZ_ASSERT(ndr_kb_find(kb, k->id) != NULL);
	for (i = 0; i < k->n_verify; i++)
		FUZZ_ASSERT(k->verify[i] != NULL);
	for (i = 0; i < k->n_refs; i++)
		FUZZ_ASSERT(k->refs[i] != NULL);
	for (i = 0; i < k->n_phrases; i++)
		FUZZ_ASSERT(k->phrases[i] != NULL);
	for (i = 0; i < k->n_status; i++)
		FUZZ_ASSERT(k->status[i] != NULL);
	ndr_kb_for_reason(kb, k->reason);
	for (i = 0; i < k->n_status; i++)
		ndr_kb_for_status_class(kb, k->status[i]);
}

FUZZ_TARGET(kb)
{
	struct ndr_kb *kb;
	struct ndr_kb_match m;
	const char *phrase = NULL;
	char err[512];
	size_t i;

	if (fd < 0) {
		fd = memfd_create("fuzz-kb", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	kb = ndr_kb_load(path, err, sizeof(err));
	if (kb == NULL) {
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
		return 0;
	}
	FUZZ_ASSERT(ndr_kb_count(kb) > 0);
	for (i = 0; i < ndr_kb_count(kb); i++)
		check_cause(kb, ndr_kb_cause(kb, i));
	ndr_kb_for_status_class(kb, "5.7.99");
	ndr_kb_for_reason(kb, "userunknown");
	for (i = 0; i < sizeof(bounces) / sizeof(bounces[0]); i++) {
		struct ndr *n = ndr_parse(bounces[i], strlen(bounces[i]));

		ndr_classify(n, kb);
		ndr_free(n);
		memset(&m, 0, sizeof(m));
		ndr_kb_scan(kb, bounces[i], strlen(bounces[i]), &m);
		ndr_kb_first(kb, &m, "5.1.1", &phrase);
		ndr_kb_match_fini(&m);
	}
	ndr_kb_free(kb);
	return 0;
}
