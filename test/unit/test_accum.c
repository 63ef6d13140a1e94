/*
 * test_accum.c
 *		The model-fit accumulator (accum.c): compression of duplicates,
 *		-0.0/+0.0, hash growth to 1M entries, merge, option compatibility,
 *		encode/decode round trip, and rejection of truncated, corrupted and
 *		wrong-version input (plus a small deterministic fuzz).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "accum.h"
#include "codec.h"

void		test_accum(void);

/* weight of key (x, tx, T) or -1 when absent (linear scan, test only) */
static double
weight_of(const CrmAccum *a, double x, double tx, double T)
{
	size_t		i;

	for (i = 0; i < a->n; i++)
	{
		const CrmAccumEntry *e = crm_accum_entry(a, i);

		if (e->x == x && e->tx == tx && e->T == T)
			return e->w + e->w_lo;
	}
	return -1;
}

static void
compression(void)
{
	CrmAccum	a;
	int			i;
	CrmObs	   *obs;
	size_t		n;
	double		total;

	ut_begin("accum: duplicates compress, -0.0 and +0.0 share a key");
	ut_ok(crm_accum_init(&a, CRM_MODEL_SBG, 0.0, false, NULL) == CRM_OK, "init");
	for (i = 0; i < 1000; i++)
		crm_accum_add(&a, 3, 1, 0, 1.0);
	crm_accum_add(&a, 0.0, 0, 0, 2.0);
	crm_accum_add(&a, -0.0, 0, -0.0, 3.0);
	crm_accum_add(&a, 5, 0, 0, 0.1);
	for (i = 0; i < 9; i++)
		crm_accum_add(&a, 5, 0, 0, 0.1);
	crm_accum_flush(&a);		/* insert the parked rows before reading n */
	ut_ok(a.n == 3, "3 distinct entries (%zu)", a.n);
	ut_ok(a.rows == 1012, "rows %lld", (long long) a.rows);
	ut_close(weight_of(&a, 3, 1, 0), 1000, 0, "weight of (3,1)");
	ut_close(weight_of(&a, 0, 0, 0), 5, 0, "weight of (0,0) with -0.0 merged");
	ut_ok(!signbit(crm_accum_entry(&a, 1)->x) && !signbit(crm_accum_entry(&a, 1)->T), "stored key is +0.0");
	ut_close(weight_of(&a, 5, 0, 0), 1.0, 1e-16, "ten 0.1 weights sum to 1 (compensated)");
	ut_ok(crm_accum_sorted(&a, &obs, &n, &total) == CRM_OK && n == 3, "sorted");
	ut_ok(obs[0].x == 0 && obs[1].x == 3 && obs[2].x == 5, "sorted by x");
	ut_close(total, 1006.0, 1e-16, "total weight");
	crm_free_huge(obs);
	crm_accum_free(&a);
	ut_end();
}

static void
growth(void)
{
	CrmAccum	a;
	size_t		i;
	bool		ok = true;
	CrmObs	   *obs;
	size_t		n;
	double		total;

	ut_begin("accum: hash growth to 1M entries, lookups stay exact");
	crm_accum_init(&a, CRM_MODEL_SBG, 0.0, false, NULL);
	/* every key five times (weights summing to 1): too many repeats for flat mode, the index stays */
	for (i = 0; i < 1000000 && ok; i++)
	{
		static const double wparts[5] = {0.5, 0.25, 0.125, 0.0625, 0.0625};
		int			r;

		for (r = 0; r < 5 && ok; r++)
			ok = crm_accum_add(&a, (double) (i / 2 + 1), (double) (i % 2), 0, wparts[r]) == CRM_OK;
	}
	crm_accum_flush(&a);
	ut_ok(ok && a.n == 1000000 && !a.flat, "1M distinct entries (%zu), hashed", a.n);
	for (i = 0; i < 1000000 && ok; i++)
		ok = crm_accum_add(&a, (double) (i / 2 + 1), (double) (i % 2), 0, 2.0) == CRM_OK;
	crm_accum_flush(&a);
	ut_ok(ok && a.n == 1000000, "adding them again creates nothing (%zu)", a.n);
	ok = true;
	for (i = 0; i < a.n; i++)
		if (crm_accum_entry(&a, i)->w != 3.0)
			ok = false;
	ut_ok(ok, "every weight is 3");
	ut_ok(a.nslots >= 2 * a.n && a.nslots <= 4 * a.n + 64, "load factor: %zu slots for %zu entries",
		  a.nslots, a.n);
	ut_ok(crm_accum_sorted(&a, &obs, &n, &total) == CRM_OK && total == 3e6 && n == a.n, "total %g", total);
	ok = true;
	for (i = 1; i < n; i++)
		if (obs[i - 1].x > obs[i].x || (obs[i - 1].x == obs[i].x && obs[i - 1].tx >= obs[i].tx))
			ok = false;
	ut_ok(ok, "sorted strictly by (x, tx)");
	printf("# accum: 1M entries use %zu bytes of entries + %zu bytes of slots (%.1f bytes/entry)\n",
		   a.cap * sizeof(CrmAccumEntry), a.nslots * sizeof(CrmAccumSlot),
		   (double) (a.cap * sizeof(CrmAccumEntry) + a.nslots * sizeof(CrmAccumSlot)) / a.n);
	crm_free_huge(obs);
	crm_accum_free(&a);
	ut_end();
}

/* a small accumulator with options and fractional weights */
static void
make_sample(CrmAccum *a, double penalizer, bool has_start)
{
	double		start[2] = {0.5, 2.0};
	int			i;

	crm_accum_init(a, CRM_MODEL_SBG, penalizer, has_start, start);
	for (i = 0; i < 50; i++)
		crm_accum_add(a, (double) (i % 9 + 1), (double) (i % 2), 0, 0.25 + 0.1 * (i % 3));
}

/*
 * The state in format version 1 (every entry as five f64, 40 bytes), as
 * 1.0 wrote it: still read, and its fixed layout lets the tests corrupt a
 * chosen field.
 */
static unsigned char *
encode_v1(const CrmAccum *a, size_t *len)
{
	CrmWriter	w;
	unsigned char *buf;
	size_t		i;
	int			k;

	crm_accum_flush((CrmAccum *) a);
	*len = 12 + (a->has_start ? 8 * (size_t) a->nparams : 0) + 16 + 40 * a->n;
	buf = malloc(*len);
	crm_writer_init(&w, buf, *len);
	crm_put_u8(&w, 1);
	crm_put_u8(&w, CRM_TAG_FIT);
	crm_put_u8(&w, (uint8_t) a->kind);
	crm_put_u8(&w, (uint8_t) (a->has_start ? a->nparams : 0));
	crm_put_f64(&w, a->penalizer);
	if (a->has_start)
		for (k = 0; k < a->nparams; k++)
			crm_put_f64(&w, a->start[k]);
	crm_put_i64(&w, a->rows);
	crm_put_u64(&w, (uint64_t) a->n);
	for (i = 0; i < a->n; i++)
	{
		const CrmAccumEntry *e = crm_accum_entry(a, i);

		crm_put_f64(&w, e->x);
		crm_put_f64(&w, e->tx);
		crm_put_f64(&w, e->T);
		crm_put_f64(&w, e->w);
		crm_put_f64(&w, e->w_lo);
	}
	return buf;
}

static void put_f64_at(unsigned char *buf, size_t off, double v);

static void
merge(void)
{
	CrmAccum	a,
				b,
				c,
				all;
	int			i;
	bool		ok = true;

	ut_begin("accum: merge equals one accumulator over all rows; options must match");
	crm_accum_init(&a, CRM_MODEL_SBG, 0.1, false, NULL);
	crm_accum_init(&b, CRM_MODEL_SBG, 0.1, false, NULL);
	crm_accum_init(&all, CRM_MODEL_SBG, 0.1, false, NULL);
	for (i = 0; i < 300; i++)
	{
		double		x = (double) (i % 13),
					tx = (double) (i % 2 && i % 13);

		crm_accum_add(i < 170 ? &a : &b, x, tx, 0, 1.0 + i % 5);
		crm_accum_add(&all, x, tx, 0, 1.0 + i % 5);
	}
	crm_accum_flush(&all);
	ut_ok(crm_accum_merge(&a, &b) == CRM_OK, "merge");
	ut_ok(a.n == all.n && a.rows == all.rows, "entries %zu/%zu rows %lld/%lld", a.n, all.n,
		  (long long) a.rows, (long long) all.rows);
	for (i = 0; i < (int) all.n; i++)
		if (weight_of(&a, crm_accum_entry(&all, i)->x, crm_accum_entry(&all, i)->tx, 0) !=
			crm_accum_entry(&all, i)->w + crm_accum_entry(&all, i)->w_lo)
			ok = false;
	ut_ok(ok, "same weights");
	crm_accum_init(&c, CRM_MODEL_SBG, 0.2, false, NULL);
	ut_ok(!crm_accum_compatible(&a, &c), "different penalizer incompatible");
	ut_ok(crm_accum_merge(&a, &c) == CRM_EPARAM, "merge refuses");
	crm_accum_free(&c);
	{
		double		s1[2] = {1, 2},
					s2[2] = {1, 3};

		crm_accum_init(&c, CRM_MODEL_SBG, 0.1, true, s1);
		ut_ok(!crm_accum_compatible(&a, &c), "start vs none incompatible");
		crm_accum_free(&b);
		crm_accum_init(&b, CRM_MODEL_SBG, 0.1, true, s2);
		ut_ok(!crm_accum_compatible(&b, &c), "different start incompatible");
		crm_accum_free(&b);
		crm_accum_init(&b, CRM_MODEL_SBG, 0.1, true, s1);
		ut_ok(crm_accum_compatible(&b, &c), "same start compatible");
		crm_accum_free(&c);
	}
	{
		/* merging the encoded form gives the same result as merging the accumulator */
		CrmAccum	e1,
					e2;
		unsigned char *buf;
		size_t		len;
		const char *why;

		crm_accum_init(&e1, CRM_MODEL_SBG, 0.1, false, NULL);
		crm_accum_init(&e2, CRM_MODEL_SBG, 0.1, false, NULL);
		crm_accum_add(&e1, 3, 1, 0, 2.0);
		crm_accum_add(&e2, 3, 1, 0, 2.0);
		crm_accum_free(&b);
		crm_accum_init(&b, CRM_MODEL_SBG, 0.1, false, NULL);
		for (i = 0; i < 300; i++)
			crm_accum_add(&b, (double) (i % 17 + 1), (double) (i % 2), 0, 0.5 + i % 3);
		buf = encode_v1(&b, &len);
		ut_ok(crm_accum_merge(&e1, &b) == CRM_OK, "merge");
		ut_ok(crm_accum_merge_encoded(&e2, buf, len, &why) == CRM_OK, "merge_encoded (format 1)");
		ut_ok(e1.n == e2.n && e1.rows == e2.rows, "same size");
		ok = true;
		for (i = 0; i < (int) e1.n; i++)
			if (memcmp(crm_accum_entry(&e1, i), crm_accum_entry(&e2, i), sizeof(CrmAccumEntry)) != 0)
				ok = false;
		ut_ok(ok, "identical entries");
		put_f64_at(buf, len - 16, -1.0);	/* the last entry's weight */
		ut_ok(crm_accum_merge_encoded(&e2, buf, len, &why) == CRM_EDATA && e2.rows == e1.rows,
			  "invalid input leaves dst unchanged");
		crm_accum_init(&c, CRM_MODEL_SBG, 0.2, false, NULL);
		len = crm_accum_encoded_size(&c);
		crm_accum_encode(&c, buf, len);		/* (fits: an empty state is shorter) */
		ut_ok(crm_accum_merge_encoded(&e2, buf, len, &why) == CRM_EPARAM, "other options refused");
		free(buf);
		crm_accum_free(&c);
		crm_accum_free(&e1);
		crm_accum_free(&e2);
	}
	ut_ok(crm_accum_init(&c, CRM_MODEL_SBG, -1, false, NULL) == CRM_EPARAM, "negative penalizer");
	ut_ok(crm_accum_init(&c, CRM_MODEL_SBG, NAN, false, NULL) == CRM_EPARAM, "NaN penalizer");
	ut_ok(crm_accum_init(&c, (CrmModelKind) 42, 0, false, NULL) == CRM_EUNSUP, "unknown kind");
	crm_accum_free(&a);
	crm_accum_free(&b);
	crm_accum_free(&all);
	ut_end();
}

/* encode a into a fresh buffer */
static unsigned char *
encode(const CrmAccum *a, size_t *len)
{
	unsigned char *buf;

	*len = crm_accum_encoded_size(a);
	buf = malloc(*len);
	if (crm_accum_encode(a, buf, *len) != CRM_OK)
	{
		free(buf);
		return NULL;
	}
	return buf;
}

/* decode must fail with want (or any failure when want == CRM_OK) */
static bool
decode_fails(const unsigned char *buf, size_t len, CrmStatus want)
{
	CrmAccum	d;
	const char *why;
	CrmStatus	st = crm_accum_decode(buf, len, &d, &why);

	crm_accum_free(&d);
	if (want == CRM_OK)
		return st != CRM_OK;
	return st == want;
}

/* offset of entry i's field f (0 x, 1 tx, 2 T, 3 w, 4 w_lo) in an encoding with nstart starts */
static size_t
entry_off(int nstart, size_t i, int f)
{
	return 12 + 8 * (size_t) nstart + 16 + 40 * i + 8 * (size_t) f;
}

static void
put_f64_at(unsigned char *buf, size_t off, double v)
{
	CrmWriter	w;

	crm_writer_init(&w, buf + off, 8);
	crm_put_f64(&w, v);
}

static void
codec_roundtrip(void)
{
	CrmAccum	a,
				d;
	unsigned char *buf,
			   *buf1,
			   *buf2,
			   *bad;
	size_t		len,
				len1,
				len2,
				cut;
	const char *why;
	bool		ok = true;

	ut_begin("accum: encode/decode round trip gives identical bytes; format 1 is still read");
	make_sample(&a, 0.125, true);
	buf = encode(&a, &len);
	ut_ok(buf != NULL && buf[0] == CRM_ACCUM_VERSION && len < 12 + 16 + 16 + 40 * a.n,
		  "encoded size %zu (format 1: %zu)", len, 12 + 16 + 16 + 40 * a.n);
	ut_ok(crm_accum_decode(buf, len, &d, &why) == CRM_OK, "decode (%s)", why ? why : "");
	ut_ok(crm_accum_compatible(&a, &d) && d.n == a.n && d.rows == a.rows, "same header");
	buf2 = encode(&d, &len2);
	ut_ok(len2 == len && memcmp(buf, buf2, len) == 0, "identical bytes");
	free(buf2);
	crm_accum_free(&d);
	/* format 1 decodes to the same state, which re-encodes in format 2 */
	buf1 = encode_v1(&a, &len1);
	ut_ok(len1 == 12 + 16 + 16 + 40 * a.n && crm_accum_decode(buf1, len1, &d, &why) == CRM_OK,
		  "format 1 decodes (%s)", why ? why : "");
	buf2 = encode(&d, &len2);
	ut_ok(len2 == len && memcmp(buf, buf2, len) == 0, "and re-encodes as format 2, byte for byte");
	free(buf2);
	crm_accum_free(&d);
	{
		/* sorted customers with whole-unit weights (as a flat state encodes): the short form */
		CrmAccum	u;
		int			x,
					t1,
					k;

		crm_accum_init(&u, CRM_MODEL_BGNBD, 0.0, false, NULL);
		for (x = 0; x < 7; x++)
			for (t1 = 0; t1 < 5; t1++)
				for (k = 0; k < 30; k++)
					crm_accum_add(&u, (double) x, x ? 1.0 + t1 : 0.0, 10.0 + 100.0 * t1 + k, 1.0);
		buf2 = encode(&u, &len2);
		ut_ok(buf2 != NULL && len2 < 12 + 16 + 10 * u.n, "%zu customers in %zu bytes (format 1: %zu)",
			  u.n, len2, 12 + 16 + 40 * u.n);
		ut_ok(crm_accum_decode(buf2, len2, &d, &why) == CRM_OK && d.n == u.n, "and back");
		free(buf2);
		crm_accum_free(&d);
		crm_accum_free(&u);
	}
	ut_end();

	ut_begin("accum: truncated, corrupted and wrong-version input is rejected");
	for (cut = 0; cut < len; cut++)
		if (!decode_fails(buf, cut, CRM_OK))
			ok = false;
	ut_ok(ok, "every proper prefix rejected");
	ok = true;
	for (cut = 0; cut < len1; cut++)
		if (!decode_fails(buf1, cut, CRM_OK))
			ok = false;
	ut_ok(ok, "every proper prefix of format 1 rejected");
	{
		/* format 2 specifics: unknown flags, a field written that equals its default */
		size_t		e0 = 12 + 16 + 16;	/* the first entry's flags byte */

		bad = malloc(len);
		memcpy(bad, buf, len);
		bad[e0] |= 0x20;
		ut_ok(decode_fails(bad, len, CRM_EDATA), "unknown entry flags");
		free(bad);
		bad = malloc(len + 8);
		/* the first entry with tx written although it is +0.0 (its default) */
		ut_ok((buf[e0] & 0x02) == 0, "first entry's tx not written");
		memcpy(bad, buf, e0 + 1 + 8);
		bad[e0] |= 0x02;
		memcpy(bad + e0 + 1 + 8 + 8, buf + e0 + 1 + 8, len - (e0 + 1 + 8));
		put_f64_at(bad, e0 + 1 + 8, 0.0);
		ut_ok(decode_fails(bad, len + 8, CRM_EDATA), "a field equal to its default is not canonical");
		free(bad);
	}
	free(buf);
	buf = buf1;					/* the fixed layout of format 1 for the corruptions below */
	len = len1;
	bad = malloc(len + 8);
	memcpy(bad, buf, len);
	memset(bad + len, 0, 8);
	ut_ok(decode_fails(bad, len + 8, CRM_EDATA), "trailing bytes");
	memcpy(bad, buf, len);
	bad[0] = 3;
	ut_ok(decode_fails(bad, len, CRM_EVERSION), "version 3");
	bad[0] = 0;
	ut_ok(decode_fails(bad, len, CRM_EVERSION), "version 0");
	memcpy(bad, buf, len);
	bad[1] = CRM_TAG_RFM;
	ut_ok(decode_fails(bad, len, CRM_EDATA), "RFM tag");
	memcpy(bad, buf, len);
	bad[2] = 0;
	ut_ok(decode_fails(bad, len, CRM_EDATA), "kind 0");
	bad[2] = 200;
	ut_ok(decode_fails(bad, len, CRM_EDATA), "kind 200");
	memcpy(bad, buf, len);
	bad[3] = 3;
	ut_ok(decode_fails(bad, len, CRM_EDATA), "start length 3 for a 2-parameter model");
	memcpy(bad, buf, len);
	put_f64_at(bad, 4, -0.5);
	ut_ok(decode_fails(bad, len, CRM_EDATA), "negative penalizer");
	put_f64_at(bad, 4, -0.0);
	ut_ok(decode_fails(bad, len, CRM_EDATA), "penalizer -0.0");
	put_f64_at(bad, 4, NAN);
	ut_ok(decode_fails(bad, len, CRM_EDATA), "NaN penalizer");
	memcpy(bad, buf, len);
	put_f64_at(bad, 12, 0.0);
	ut_ok(decode_fails(bad, len, CRM_EDATA), "start value 0");
	memcpy(bad, buf, len);
	{
		CrmWriter	w;

		crm_writer_init(&w, bad + 12 + 16, 8);
		crm_put_i64(&w, 1);		/* rows < entries */
	}
	ut_ok(decode_fails(bad, len, CRM_EDATA), "rows < entries");
	memcpy(bad, buf, len);
	bad[12 + 16 + 8] ^= 1;		/* entry count off by one */
	ut_ok(decode_fails(bad, len, CRM_EDATA), "entry count off by one");
	memcpy(bad, buf, len);
	bad[12 + 16 + 8 + 7] = 0x80;	/* huge entry count */
	ut_ok(decode_fails(bad, len, CRM_EDATA), "huge entry count");
	memcpy(bad, buf, len);
	put_f64_at(bad, entry_off(2, 0, 3), -1.0);
	ut_ok(decode_fails(bad, len, CRM_EDATA), "negative weight");
	put_f64_at(bad, entry_off(2, 0, 3), 0.0);
	ut_ok(decode_fails(bad, len, CRM_EDATA), "zero weight");
	put_f64_at(bad, entry_off(2, 0, 3), INFINITY);
	ut_ok(decode_fails(bad, len, CRM_EDATA), "infinite weight");
	memcpy(bad, buf, len);
	put_f64_at(bad, entry_off(2, 0, 4), NAN);
	ut_ok(decode_fails(bad, len, CRM_EDATA), "NaN compensation");
	memcpy(bad, buf, len);
	put_f64_at(bad, entry_off(2, 1, 0), -3.0);
	ut_ok(decode_fails(bad, len, CRM_EDATA), "negative periods (check_obs)");
	put_f64_at(bad, entry_off(2, 1, 0), 1.5);
	ut_ok(decode_fails(bad, len, CRM_EDATA), "fractional periods (check_obs)");
	put_f64_at(bad, entry_off(2, 1, 0), NAN);
	ut_ok(decode_fails(bad, len, CRM_EDATA), "NaN periods");
	memcpy(bad, buf, len);
	put_f64_at(bad, entry_off(2, 1, 2), -0.0);
	ut_ok(decode_fails(bad, len, CRM_EDATA), "-0.0 key is not canonical");
	memcpy(bad, buf, len);
	/* entry 1 := entry 0's key: duplicate */
	memcpy(bad + entry_off(2, 1, 0), bad + entry_off(2, 0, 0), 24);
	ut_ok(decode_fails(bad, len, CRM_EDATA), "duplicate keys");
	free(bad);
	ut_end();

	free(buf);					/* back to format 2 */
	buf = encode(&a, &len);
	ut_begin("accum: deterministic fuzz of the decoder (byte flips)");
	{
		unsigned int seed = 12345;
		int			iter,
					accepted = 0;

		bad = malloc(len);
		ok = true;
		for (iter = 0; iter < 20000; iter++)
		{
			int			flips = 1 + iter % 4,
						k;
			CrmStatus	st;

			memcpy(bad, buf, len);
			for (k = 0; k < flips; k++)
			{
				seed = seed * 1103515245u + 12345u;
				bad[(seed >> 8) % len] ^= (unsigned char) (1u << ((seed >> 3) % 8));
			}
			st = crm_accum_decode(bad, len, &d, &why);
			if (st == CRM_OK)
			{
				/* anything accepted must re-encode to the same bytes */
				buf2 = encode(&d, &len2);
				if (buf2 == NULL || len2 != len || memcmp(buf2, bad, len) != 0)
					ok = false;
				free(buf2);
				accepted++;
			}
			else if (why == NULL && st != CRM_ENOMEM)
				ok = false;
			crm_accum_free(&d);
			/* the merge path reads the same bytes: it must agree on validity */
			{
				CrmAccum	m;
				CrmStatus	st2;

				crm_accum_init(&m, CRM_MODEL_SBG, a.penalizer, a.has_start, a.start);
				st2 = crm_accum_merge_encoded(&m, bad, len, &why);
				if (st == CRM_OK && st2 != CRM_OK && st2 != CRM_EPARAM)
					ok = false;
				if (st != CRM_OK && st2 == CRM_OK && st != CRM_EDATA)
					ok = false;
				crm_accum_free(&m);
			}
		}
		ut_ok(ok, "accepted inputs re-encode identically; rejections give a reason");
		printf("# accum fuzz: %d of 20000 mutated states were still valid\n", accepted);
		free(bad);
	}
	ut_end();

	free(buf);
	crm_accum_free(&a);
}

/* reference order for sorted_floats */
static int
ref_cmp(const void *pa, const void *pb)
{
	const CrmObs *p = pa;
	const CrmObs *q = pb;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	if (p->tx != q->tx)
		return p->tx < q->tx ? -1 : 1;
	if (p->T != q->T)
		return p->T < q->T ? -1 : 1;
	return 0;
}

/*
 * The radix sort of crm_accum_sorted on unrounded values (keys that tie in
 * their top bits and differ below), on near-duplicates, on negative and
 * mixed-sign keys and on rounded ones (one pass on T's top digit; two where
 * a few values share it): the same order as qsort with a plain comparator.
 */
static void
sorted_floats(void)
{
	int			round;

	ut_begin("accum: sorted view of unrounded, near-equal, signed, fractional, large and rounded keys equals qsort's order");
	for (round = 0; round < 6; round++)
	{
		CrmAccum	a;
		CrmObs	   *obs,
				   *ref;
		size_t		n,
					i;
		double		total;
		uint64_t	s = 12345 + round;
		bool		same;

		crm_accum_init(&a, CRM_MODEL_BGNBD, 0.0, false, NULL);
		for (i = 0; i < 200000; i++)
		{
			double		x,
						tx,
						T;

			s = s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
			x = (double) ((s >> 33) % 5);
			T = 1.0 + 77.0 * (double) ((s >> 11) & 0xfffff) / 1048576.0;
			if (round == 1)
				T = 1000.0 + (double) ((s >> 20) % 64) * 1e-12;	/* tie in the top bits */
			if (round == 2)
				x = -x;			/* the order of the bits of negatives is reversed */
			if (round == 3)		/* fractions, and values beyond the last x bucket */
				x = (double) ((s >> 33) % 5000) + 0.25 * (double) ((s >> 30) & 3);
			tx = x != 0 ? T * (double) ((s >> 40) % 1000) / 1000.0 : 0.0;
			if (round >= 4)
			{
				/* rounded (days / 7): one sort pass on T's top digit ... */
				T = (double) (365 + (s >> 11) % 182) / 7.0;
				tx = x != 0 ? (double) ((s >> 40) % 366) / 7.0 : 0.0;
				/* ... except where two values share it */
				if (round == 5 && i % 1000 == 0)
					T = 60.0 + 1e-9 * (double) (i % 3000);
			}
			crm_accum_add(&a, x, tx, T, 1.0);
		}
		ut_ok(crm_accum_sorted(&a, &obs, &n, &total) == CRM_OK, "sorted");
		ref = malloc(n * sizeof(CrmObs));
		memcpy(ref, obs, n * sizeof(CrmObs));
		qsort(ref, n, sizeof(CrmObs), ref_cmp);
		same = memcmp(ref, obs, n * sizeof(CrmObs)) == 0;
		ut_ok(same, "round %d: %zu rows in qsort's order", round, n);
		free(ref);
		crm_free_huge(obs);
		crm_accum_free(&a);
	}
	ut_end();
}

/* key of row i of the flat-mode test: the first 100000 distinct, then every other row repeats one */
static void
flat_row(size_t i, double *x, double *tx, double *T, double *w)
{
	size_t		k = i < 100000 || i % 2 == 1 ? i : (i * 7919) % 100000;
	uint64_t	s = (uint64_t) k * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);

	s ^= s >> 29;
	s *= UINT64_C(0xbf58476d1ce4e5b9);
	s ^= s >> 32;
	*x = (double) (s % 7);
	*T = 1.0 + 77.0 * (double) ((s >> 11) & 0xfffff) / 1048576.0;
	*tx = *x != 0 ? *T * (double) ((s >> 40) % 1000) / 1000.0 : 0.0;
	*w = 1.0 + (double) (i % 3);
}

/*
 * Flat mode: a large state of nearly distinct rows drops its index; rows
 * appended after that may repeat keys, which the sorted view, compaction,
 * encoding and merging (plain and encoded, as a parallel plan does) merge.
 * Everything must agree with a plain sort-and-sum of the same rows.
 */
static void
flat_mode(void)
{
	const size_t nrows = 300000;
	CrmObs	   *ref,
			   *obs;
	size_t		i,
				nref = 0,
				n,
				len;
	double		total,
				reft = 0.0;
	CrmAccum	one,
				part[3],
				dec;
	unsigned char *buf;
	const char *reason;
	int			p;
	bool		same;

	ut_begin("accum: flat mode (no index for distinct rows) gives the same sorted view, encoding and merges");
	ref = malloc(nrows * sizeof(CrmObs));
	for (i = 0; i < nrows; i++)
		flat_row(i, &ref[i].x, &ref[i].tx, &ref[i].T, &ref[i].w);
	qsort(ref, nrows, sizeof(CrmObs), ref_cmp);
	for (i = 0; i < nrows; i++)
	{
		if (nref > 0 && ref_cmp(&ref[nref - 1], &ref[i]) == 0)
			ref[nref - 1].w += ref[i].w;
		else
			ref[nref++] = ref[i];
	}
	for (i = 0; i < nref; i++)
		reft += ref[i].w;

	/* one state, rows in order */
	crm_accum_init(&one, CRM_MODEL_BGNBD, 0.0, false, NULL);
	for (p = 0; p < 3; p++)
		crm_accum_init(&part[p], CRM_MODEL_BGNBD, 0.0, false, NULL);
	for (i = 0; i < nrows; i++)
	{
		double		x,
					tx,
					T,
					w;

		flat_row(i, &x, &tx, &T, &w);
		crm_accum_add(&one, x, tx, T, w);
		/* three partial states: contiguous thirds, as parallel workers see blocks */
		crm_accum_add(&part[i * 3 / nrows], x, tx, T, w);
	}
	ut_ok(one.flat, "a state of 100000 distinct rows is flat");
	ut_ok(crm_accum_sorted(&one, &obs, &n, &total) == CRM_OK, "sorted");
	same = n == nref;
	for (i = 0; same && i < n; i++)
		same = ref_cmp(&obs[i], &ref[i]) == 0 && obs[i].w == ref[i].w;
	ut_ok(same, "one state: %zu distinct rows (want %zu), keys and weights equal", n, nref);
	ut_close(total, reft, 1e-15, "total weight");
	crm_free_huge(obs);

	/* encode part 1 (compacts it: sorted, distinct), decode it strictly: flat, no index */
	len = crm_accum_encoded_size(&part[1]);
	buf = malloc(len);
	ut_ok(crm_accum_encode(&part[1], buf, len) == CRM_OK, "encode part 1");
	ut_ok(part[1].flat_distinct, "encoding compacted part 1");
	ut_ok(crm_accum_decode(buf, len, &dec, &reason) == CRM_OK, "strict decode of a flat state's encoding");
	ut_ok(dec.flat && dec.nslots == 0 && dec.n == part[1].n && dec.rows == part[1].rows,
		  "decoded as a flat state of %zu entries", dec.n);
	/* a bad entry late in the encoding: a flat state takes nothing of it */
	{
		size_t		n0 = part[0].n;
		int64_t		rows0 = part[0].rows;
		unsigned char *bad = malloc(len);

		size_t		lenv1;

		free(bad);
		bad = encode_v1(&part[1], &lenv1);
		put_f64_at(bad, lenv1 - 10 * 40 + 24, -1.0);	/* a weight */
		ut_ok(crm_accum_merge_encoded(&part[0], bad, lenv1, &reason) == CRM_EDATA &&
			  part[0].n == n0 && part[0].rows == rows0,
			  "merge_encoded of a corrupt state into a flat one changes nothing");
		free(bad);
		/* the same with format 2: a truncated last entry */
		ut_ok(crm_accum_merge_encoded(&part[0], buf, len - 1, &reason) == CRM_EDATA &&
			  part[0].n == n0 && part[0].rows == rows0,
			  "merge_encoded of a truncated format-2 state into a flat one changes nothing");
	}
	/* combine: part 0 + encoded part 1 + part 2 */
	ut_ok(crm_accum_merge_encoded(&part[0], buf, len, &reason) == CRM_OK, "merge_encoded");
	ut_ok(crm_accum_merge(&part[0], &part[2]) == CRM_OK, "merge");
	ut_ok(part[0].rows == (int64_t) nrows, "row count %lld", (long long) part[0].rows);
	ut_ok(crm_accum_sorted(&part[0], &obs, &n, &total) == CRM_OK, "sorted (merged runs)");
	same = n == nref;
	for (i = 0; same && i < n; i++)
		same = ref_cmp(&obs[i], &ref[i]) == 0 && fabs(obs[i].w - ref[i].w) <= 1e-15 * ref[i].w;
	ut_ok(same, "combined states: %zu distinct rows (want %zu), same keys and weights", n, nref);
	ut_close(total, reft, 1e-15, "total weight");
	crm_free_huge(obs);
	free(buf);
	crm_accum_free(&dec);

	/* a compacted state encodes with distinct keys: the strict decoder takes it */
	ut_ok(crm_accum_compact(&one) == CRM_OK && one.n == nref, "compact: %zu entries", one.n);
	len = crm_accum_encoded_size(&one);
	buf = malloc(len);
	ut_ok(crm_accum_encode(&one, buf, len) == CRM_OK, "encode");
	ut_ok(crm_accum_decode(buf, len, &dec, &reason) == CRM_OK && dec.n == nref, "decode");
	free(buf);
	crm_accum_free(&dec);
	crm_accum_free(&one);

	/* a large hashed state (keys repeat, unsorted order) decodes through the index */
	crm_accum_init(&one, CRM_MODEL_BGNBD, 0.0, false, NULL);
	for (i = 0; i < 350000; i++)
	{
		double		x,
					tx,
					T,
					w;

		flat_row((i / 5 * 7919) % 70000, &x, &tx, &T, &w);
		crm_accum_add(&one, x, tx, T, w);
	}
	crm_accum_flush(&one);
	ut_ok(!one.flat && one.n > 69000, "repeated keys stay hashed (%zu entries)", one.n);
	len = crm_accum_encoded_size(&one);
	buf = malloc(len);
	ut_ok(crm_accum_encode(&one, buf, len) == CRM_OK, "encode hashed");
	ut_ok(crm_accum_decode(buf, len, &dec, &reason) == CRM_OK && !dec.flat && dec.n == one.n &&
		  dec.rows == 350000, "unsorted encoding decoded with an index");
	free(buf);
	crm_accum_free(&dec);
	crm_accum_free(&one);
	for (p = 0; p < 3; p++)
		crm_accum_free(&part[p]);
	free(ref);
	ut_end();
}

/* advise_huge hook of the test allocator: remembers its last call */
static void *advised_ptr;
static size_t advised_size;

static void
note_advice(void *ptr, size_t size, void *ctx)
{
	(void) ctx;
	advised_ptr = ptr;
	advised_size = size;
}

static void *
plain_alloc(size_t size, void *ctx)
{
	(void) ctx;
	return malloc(size == 0 ? 1 : size);
}

static void
plain_free(void *ptr, void *ctx)
{
	(void) ctx;
	free(ptr);
}

/*
 * crm_alloc_huge: large blocks start at a CRM_HUGE_ALIGN boundary and the
 * advise hook gets their aligned whole pages; small ones are ordinary;
 * every block is usable to its end and freed by crm_free_huge (ASan checks
 * both).
 */
static void
huge_blocks(void)
{
	CrmAllocator al = {plain_alloc, plain_free, NULL, note_advice};
	static const size_t sizes[] = {1, 100, CRM_HUGE_ALIGN - 1, CRM_HUGE_ALIGN,
	3 * CRM_HUGE_ALIGN + 12345};
	size_t		i;

	ut_begin("core: crm_alloc_huge aligns large blocks and advises their whole 2 MB pages");
	crm_set_allocator(&al);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
	{
		unsigned char *p;

		advised_ptr = NULL;
		advised_size = 0;
		p = crm_alloc_huge(sizes[i]);
		ut_ok(p != NULL, "%zu bytes allocated", sizes[i]);
		if (p == NULL)
			continue;
		memset(p, 0xA5, sizes[i]);
		if (sizes[i] >= CRM_HUGE_ALIGN)
			ut_ok(((uintptr_t) p % CRM_HUGE_ALIGN) == 0 && advised_ptr == p &&
				  advised_size == sizes[i] / CRM_HUGE_ALIGN * CRM_HUGE_ALIGN,
				  "%zu bytes: 2 MB-aligned, %zu bytes advised", sizes[i], advised_size);
		else
			ut_ok(((uintptr_t) p % 16) == 0 && advised_ptr == NULL,
				  "%zu bytes: 16-byte aligned, not advised", sizes[i]);
		crm_free_huge(p);
	}
	crm_free_huge(NULL);
	crm_set_allocator(NULL);
	ut_end();
}

void
test_accum(void)
{
	huge_blocks();
	compression();
	growth();
	sorted_floats();
	flat_mode();
	merge();
	codec_roundtrip();
}
