/*
 * fuzz_decoders.c
 *		libFuzzer target for the core's parsers of untrusted input: the text
 *		form of encoded states (crm_text_decode), the fit accumulator's
 *		decoder and encoded merge (crm_accum_decode, crm_accum_merge_encoded),
 *		the RFM state decoder (crm_rfm_decode) and the exact money parser
 *		(crm_money_parse).  Built with clang -fsanitize=fuzzer,address,undefined
 *		by `make test/fuzz/fuzz_decoders`; a test tool, not part of the
 *		extension.
 *
 * The first input byte picks the parser, the rest is its input.  What
 * decodes is re-encoded and decoded again, and must give the same bytes
 * (accumulator) or a state that encodes identically (RFM), so that the
 * fuzzer also checks that accepted input is self-consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crm_core.h"
#include "codec.h"
#include "accum.h"
#include "rfm.h"

/* Abort (a finding for libFuzzer) when a round trip disagrees. */
static void
require(int cond)
{
	if (!cond)
		abort();
}

/* Decoded accumulator: re-encode, decode again, compare, use it. */
static void
accum_roundtrip(const CrmAccum *a)
{
	size_t		n = crm_accum_encoded_size(a);
	unsigned char *buf = malloc(n ? n : 1);
	unsigned char *buf2;
	CrmAccum	b;
	const char *reason = NULL;
	CrmObs	   *obs = NULL;
	size_t		nobs = 0;
	double		total = 0;

	require(buf != NULL);
	require(crm_accum_encode(a, buf, n) == CRM_OK);
	require(crm_accum_decode(buf, n, &b, &reason) == CRM_OK);
	require(crm_accum_encoded_size(&b) == n);
	buf2 = malloc(n ? n : 1);
	require(buf2 != NULL);
	require(crm_accum_encode(&b, buf2, n) == CRM_OK);
	require(memcmp(buf, buf2, n) == 0);
	/* merging a state into a copy of itself must work too */
	if (crm_accum_merge_encoded(&b, buf, n, &reason) == CRM_OK)
		require(b.n == a->n);
	if (crm_accum_sorted(a, &obs, &nobs, &total) == CRM_OK)
		crm_free_huge(obs);
	crm_accum_free(&b);
	free(buf);
	free(buf2);
}

static void
fuzz_accum(const uint8_t *data, size_t size)
{
	CrmAccum	a;
	const char *reason = NULL;

	if (crm_accum_decode(data, size, &a, &reason) == CRM_OK)
		accum_roundtrip(&a);
	crm_accum_free(&a);
}

static void
fuzz_accum_merge(const uint8_t *data, size_t size)
{
	/* split: the first part decodes into dst, the rest is merged into it */
	size_t		cut = size > 0 ? data[0] % (size) : 0;
	CrmAccum	a;
	const char *reason = NULL;

	if (size == 0)
		return;
	if (crm_accum_decode(data + 1, cut, &a, &reason) == CRM_OK)
		(void) crm_accum_merge_encoded(&a, data + 1 + cut, size - 1 - cut, &reason);
	crm_accum_free(&a);
}

static void
fuzz_rfm(const uint8_t *data, size_t size)
{
	CrmRfmState *s = NULL;
	CrmRfmState *t = NULL;
	CrmRfmResult r;

	if (crm_rfm_decode(data, size, &s) == CRM_OK && s != NULL)
	{
		size_t		cap = crm_rfm_encoded_bound(s);
		unsigned char *buf = malloc(cap ? cap : 1);
		size_t		len = 0;

		require(buf != NULL);
		require(crm_rfm_encode(s, buf, cap, &len) == CRM_OK);
		require(crm_rfm_decode(buf, len, &t) == CRM_OK);
		(void) crm_rfm_result(s, &r);
		require(crm_rfm_combine(t, s) != CRM_EINTERNAL);
		crm_rfm_free(t);
		free(buf);
	}
	if (s != NULL)
		crm_rfm_free(s);
}

static void
fuzz_text(const uint8_t *data, size_t size, const char *prefix)
{
	char	   *text = malloc(size + 1);
	unsigned char *bytes = NULL;
	size_t		n = 0;

	require(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	if (crm_text_decode(prefix, text, &bytes, &n) == CRM_OK)
	{
		CrmAccum	a;
		const char *reason = NULL;

		if (crm_accum_decode(bytes, n, &a, &reason) == CRM_OK)
			accum_roundtrip(&a);
		crm_accum_free(&a);
		crm_free(bytes);
	}
	free(text);
}

static void
fuzz_money(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	CrmMoney	m;
	int			dscale = 0;
	bool		too_precise = false;

	require(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	if (crm_money_parse(text, &m, &dscale, &too_precise) == CRM_OK)
	{
		char		buf[128];
		size_t		len = sizeof(buf);

		(void) crm_money_format(m, dscale, buf, &len);
	}
	free(text);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 6)
	{
		case 0:
			fuzz_accum(data + 1, size - 1);
			break;
		case 1:
			fuzz_accum_merge(data + 1, size - 1);
			break;
		case 2:
			fuzz_rfm(data + 1, size - 1);
			break;
		case 3:
			fuzz_text(data + 1, size - 1, "fitstate");
			break;
		case 4:
			fuzz_text(data + 1, size - 1, "");
			break;
		default:
			fuzz_money(data + 1, size - 1);
			break;
	}
	return 0;
}
