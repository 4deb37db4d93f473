// SPDX-License-Identifier: MIT
/*
 * The bootstrap's wire records without sockets: preamble, frame header,
 * hello. Everything a peer sends passes through these checks before
 * common/oob.c trusts it; the fuzz targets (tests/fuzz) feed them directly.
 */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "oob.h"

#define TOOL_LEN (BM_OOB_TOOL_MAX + 1)

struct oob_preamble {
	uint32_t magic;
	uint16_t version;
	uint16_t pad;
} __attribute__((packed));

/* First frame each way. Integers big-endian; params text follows. */
struct oob_hello {
	uint16_t rank;
	uint16_t nranks;
	uint16_t status;	/* reply: enum bm_oob_status */
	uint16_t pad;
	char	 tool[TOOL_LEN];
	uint64_t digest;
} __attribute__((packed));

_Static_assert(sizeof(struct oob_preamble) == BM_OOB_PREAMBLE_LEN,
	       "preamble size");
_Static_assert(sizeof(struct oob_hello) == BM_OOB_HELLO_LEN, "hello size");

uint64_t bm_digest_n(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; s && i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t bm_digest(const char *s)
{
	return bm_digest_n(s, s ? strlen(s) : 0);
}

/* Value of key in a "k=v\n" text, as a pointer and length; NULL if absent. */
static const char *param_find(const char *txt, const char *key, size_t klen,
			      size_t *vlen)
{
	const char *p = txt;

	while (p && *p) {
		const char *eol = strchr(p, '\n'), *eq = strchr(p, '=');

		if (!eol)
			eol = p + strlen(p);
		if (eq && eq < eol && (size_t)(eq - p) == klen &&
		    !strncmp(p, key, klen)) {
			*vlen = (size_t)(eol - eq - 1);
			return eq + 1;
		}
		p = *eol ? eol + 1 : eol;
	}
	return NULL;
}

/* Checks every key of a against b. */
static int diff_one_way(const char *a, const char *b, bool a_is_mine,
			char *buf, size_t len)
{
	const char *p = a;

	while (p && *p) {
		const char *eol = strchr(p, '\n'), *eq = strchr(p, '='), *bv;
		size_t klen, alen, blen = 0;

		if (!eol)
			eol = p + strlen(p);
		if (eq && eq < eol) {
			klen = (size_t)(eq - p);
			alen = (size_t)(eol - eq - 1);
			bv = param_find(b, p, klen, &blen);
			if (!bv || blen != alen || strncmp(bv, eq + 1, alen)) {
				const char *mv = a_is_mine ? eq + 1 : bv;
				const char *pv = a_is_mine ? bv : eq + 1;
				int ml = (int)(a_is_mine ? alen : blen);
				int pl = (int)(a_is_mine ? blen : alen);

				snprintf(buf, len, "%.*s: here %.*s, peer %.*s",
					 (int)klen, p, mv ? ml : 8,
					 mv ? mv : "(absent)", pv ? pl : 8,
					 pv ? pv : "(absent)");
				return 1;
			}
		}
		p = *eol ? eol + 1 : eol;
	}
	return 0;
}

int bm_params_diff(const char *mine, const char *peer, char *buf, size_t len)
{
	if (diff_one_way(mine, peer, true, buf, len))
		return 1;
	return diff_one_way(peer, mine, false, buf, len);
}

void bm_oob_preamble_format(void *buf)
{
	struct oob_preamble p = { htobe32(BM_OOB_MAGIC),
				  htobe16(BM_OOB_VERSION), 0 };

	memcpy(buf, &p, sizeof(p));
}

int bm_oob_preamble_check(const void *buf, size_t len)
{
	struct oob_preamble p;

	if (len != sizeof(p))
		return -EPROTO;
	memcpy(&p, buf, sizeof(p));
	if (be32toh(p.magic) != BM_OOB_MAGIC)
		return BM_OOB_EMAGIC;
	if (be16toh(p.version) != BM_OOB_VERSION)
		return BM_OOB_EVERSION;
	return p.pad ? -EPROTO : 0;
}

int bm_oob_frame_len(const void *hdr, size_t cap, size_t *len_p)
{
	uint32_t h;

	memcpy(&h, hdr, sizeof(h));
	h = be32toh(h);
	if (h > BM_OOB_FRAME_MAX || h > cap)
		return -EMSGSIZE;
	*len_p = h;
	return 0;
}

static bool tool_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* A peer's text goes into messages (and the JSON "error"): no control
 * characters but the line breaks that separate keys. */
static bool params_char(unsigned char c)
{
	return c == '\n' || (c >= 0x20 && c != 0x7f);
}

int bm_oob_hello_parse(const void *buf, size_t len, struct bm_oob_hello *h_p,
		       const char **why_p)
{
	const char *text = (const char *)buf + sizeof(struct oob_hello);
	struct bm_oob_hello h = { 0 };
	struct oob_hello w;
	const char *why = NULL;
	size_t i, tl;

	if (len > BM_OOB_HELLO_MAX) {
		*why_p = "longer than the largest hello";
		return -EMSGSIZE;
	}
	if (len < sizeof(w)) {
		*why_p = "truncated";
		return -EPROTO;
	}
	memcpy(&w, buf, sizeof(w));
	h.rank = be16toh(w.rank);
	h.nranks = be16toh(w.nranks);
	h.status = be16toh(w.status);
	h.digest = be64toh(w.digest);
	h.params = text;
	h.params_len = len - sizeof(w);
	tl = strnlen(w.tool, sizeof(w.tool));
	if (w.pad)
		why = "nonzero padding";
	else if (h.nranks < 1 || h.rank >= h.nranks)
		why = "rank out of range";
	else if (h.status >= BM_OOB_NSTATUS)
		why = "unknown status";
	else if (tl == 0 || tl == sizeof(w.tool))
		why = "tool name empty or unterminated";
	for (i = 0; !why && i < sizeof(w.tool); i++)
		if (i < tl ? !tool_char(w.tool[i]) : w.tool[i] != '\0')
			why = "bad tool name";
	for (i = 0; !why && i < h.params_len; i++)
		if (!params_char((unsigned char)text[i]))
			why = "control character in params";
	if (!why && bm_digest_n(text, h.params_len) != h.digest)
		why = "digest does not match its params";
	if (why) {
		*why_p = why;
		return -EPROTO;
	}
	memcpy(h.tool, w.tool, tl);
	h.tool[tl] = '\0';
	*h_p = h;
	return 0;
}

int bm_oob_hello_format(const struct bm_oob_hello *h, void *buf, size_t cap,
			size_t *len_p)
{
	struct oob_hello w = { 0 };
	size_t tl = strnlen(h->tool, sizeof(h->tool)), i;

	if (h->nranks < 1 || h->nranks > 65535 || h->rank < 0 ||
	    h->rank >= h->nranks || h->status < 0 ||
	    h->status >= BM_OOB_NSTATUS || !tl || tl > BM_OOB_TOOL_MAX ||
	    h->params_len > BM_OOB_PARAMS_MAX ||
	    (h->params_len && !h->params))
		return -EINVAL;
	for (i = 0; i < tl; i++)
		if (!tool_char(h->tool[i]))
			return -EINVAL;
	for (i = 0; i < h->params_len; i++)
		if (!params_char((unsigned char)h->params[i]))
			return -EINVAL;
	if (cap < sizeof(w) + h->params_len)
		return -ENOSPC;
	w.rank = htobe16((uint16_t)h->rank);
	w.nranks = htobe16((uint16_t)h->nranks);
	w.status = htobe16((uint16_t)h->status);
	memcpy(w.tool, h->tool, tl);
	w.digest = htobe64(bm_digest_n(h->params, h->params_len));
	memcpy(buf, &w, sizeof(w));
	if (h->params_len)
		memcpy((char *)buf + sizeof(w), h->params, h->params_len);
	*len_p = sizeof(w) + h->params_len;
	return 0;
}
