/* The knowledge base's insides, shared by ndr_kb.c (its causes, read from kb.json) and
 * ndr_kb_phrases.c (its phrases: the automaton that finds them in a text). Not for
 * anything else: the rest of mxdiag uses ndr_kb.h. */
#ifndef MXD_NDR_KB_INT_H
#define MXD_NDR_KB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ndr_kb.h"

/*
 * The automaton is a full transition table (a DFA) over byte classes, one row per node of
 * the phrases' trie, each entry the next node; a row is 1 << shift entries (the columns
 * rounded up to a power of two), so a node's row is found with a shift. Entries are 16
 * bits: the table is some 5 MB, not 10, which a run for one bounce had to fault in. Column
 * 0 of a row is not a byte: it holds 1 + the first node with an output on the node's fail
 * chain (0: none), so a step and its check read one row. Column 1 is every byte no phrase
 * has: it leads back to the root (node 0) from anywhere.
 */
#define COL_REPORT 0
#define CLS_OTHER 1
#define CLS_SPECIAL 0xffff	/* in text_cls: a byte normalising looks at twice (blank, 0xe2) */

/* A node of the phrases' trie (0 is the root), for building the table. */
struct ac_node {
	int child;		/* first child, -1 none */
	int sibling;		/* next child of the parent, -1 none */
	int fail;		/* longest proper suffix that is also a node */
	int out;		/* a phrase ending here, -1 none */
	int dict;		/* nearest node on the fail chain with an output, -1 none */
	unsigned cls;		/* class of the byte that leads here */
	bool is_code;		/* a provider code's prefix ends here */
};

struct phrase {
	char *norm;		/* normalised phrase */
	size_t cause;		/* index of its cause */
	int same_next;		/* next phrase whose first piece ends at the same node */
	size_t first_len;	/* bytes of its first piece (all of it without '*') */
	bool is_wild;
};

struct ndr_kb {
	json_t *root;		/* owns every borrowed string */
	struct ndr_cause *causes;
	size_t n_causes;
	struct phrase *phr;
	size_t n_phr;
	struct ac_node *ac;
	size_t n_ac;
	uint16_t *next;		/* n_ac rows of 1 << shift entries (n_cls used) */
	size_t next_bytes;	/* its mapping's size (xmap_zeroed()) */
	size_t n_cls;		/* columns of a row */
	unsigned shift;
	uint16_t cls[256];	/* normalised byte -> its column */
	uint16_t text_cls[256];	/* text byte -> its normalised byte's column, or CLS_SPECIAL */
	unsigned char fold[256];	/* text byte -> normalised byte (ASCII lower case) */
	bool is_code_unfiltered;	/* a provider prefix the scan cannot see: always look */
	const char **code_prefixes;	/* every provider code prefix (borrowed) */
	size_t n_code_prefixes;
	size_t min_code_prefix;	/* bytes of the shortest */
	struct { char cls[8]; size_t cause; } *classes;
	size_t n_classes;
};

/* The causes' phrases (kb->phr sized for n_phr of them) normalised and built into the
 * automaton. -1 with err set on an empty phrase or one too many phrase bytes. */
int ndr_kb_phrases_build(struct ndr_kb *kb, size_t n_phr, const char *path, char *err,
    size_t err_len);
/* What ndr_kb_phrases_build() made (its part of ndr_kb_free()). */
void ndr_kb_phrases_free(struct ndr_kb *kb);

#endif
