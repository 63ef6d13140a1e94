/*
 * test_predcache.c
 *		The prediction memo (predcache.c): hits return exactly what was
 *		stored and nothing else, keys and contexts compare by bit pattern,
 *		forgotten contexts never match, the table grows and survives a
 *		failing allocator; and the memoized predictions of bgnbd.c and
 *		pnbd.c give bit for bit the values and statuses of the plain ones
 *		over repeated and alternating rows and models, never caching a
 *		failure.
 */
#include <math.h>
#include <string.h>

#include "unit.h"
#include "predcache.h"
#include "bgnbd.h"
#include "pnbd.h"

void		test_predcache(void);

/* ---- allocators ---- */

static int	live_blocks;

static void *
count_alloc(size_t size, void *ctx)
{
	void	   *p = crm_alloc(size);

	(void) ctx;
	if (p != NULL)
		live_blocks++;
	return p;
}

static void
count_free(void *ptr, void *ctx)
{
	(void) ctx;
	live_blocks--;
	crm_free(ptr);
}

static const CrmAllocator counting = {count_alloc, count_free, NULL, NULL};

/* fails after *ctx successful allocations */
static void *
limited_alloc(size_t size, void *ctx)
{
	int		   *left = (int *) ctx;

	if (*left <= 0)
		return NULL;
	(*left)--;
	return count_alloc(size, NULL);
}

/* A value that depends on the whole key, to tell entries apart. */
static void
value_of(uint32_t tag, double k1, double k2, double *v)
{
	v[0] = k1 * 3.0 + k2 + tag;
	v[1] = (k1 - k2) * 0.5 - tag;
}

static bool
same_bits(const double *a, const double *b, int n)
{
	return memcmp(a, b, sizeof(double) * n) == 0;
}

/* deterministic pseudo-random numbers (xorshift) */
static uint64_t rng_state = UINT64_C(0x243F6A8885A308D3);

static double
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double) (rng_state >> 11) / 9007199254740992.0;
}

static void
basics(void)
{
	CrmPredCache *c;
	double		ctx1[5] = {1, 2, 3, 4, 52},
				ctx2[5] = {1, 2, 3, 4, 26},
				v[CRM_PREDCACHE_NVAL],
				w[CRM_PREDCACHE_NVAL],
				got[CRM_PREDCACHE_NVAL];

	ut_begin("predcache: store, hit, keys and contexts by bit pattern");
	live_blocks = 0;
	c = crm_predcache_create(&counting);
	ut_ok(c != NULL && live_blocks == 1, "create allocates the struct only (%d)", live_blocks);
	ut_ok(!crm_predcache_get(c, 1, 1.0, 2.0, got), "no context: miss");
	crm_predcache_put(c, 1, 1.0, 2.0, v);	/* no context: ignored */
	crm_predcache_use(c, ctx1, 5);
	ut_ok(!crm_predcache_get(c, 1, 1.0, 2.0, got), "empty: miss");
	value_of(1, 1.0, 2.0, v);
	crm_predcache_put(c, 1, 1.0, 2.0, v);
	ut_ok(live_blocks == 2 && crm_predcache_table_log2(c, 1) == CRM_PREDCACHE_MIN_LOG2,
		  "the first store allocates the tag's table (%d blocks)", live_blocks);
	ut_ok(crm_predcache_get(c, 1, 1.0, 2.0, got) && same_bits(got, v, CRM_PREDCACHE_NVAL),
		  "hit returns the stored bits");
	ut_ok(!crm_predcache_get(c, 2, 1.0, 2.0, got), "another tag: miss");
	ut_ok(!crm_predcache_get(c, 1, 2.0, 1.0, got), "swapped key: miss");
	ut_ok(!crm_predcache_get(c, 1, 1.0, nextafter(2.0, 3.0), got), "key one ulp away: miss");
	/* 0.0 and -0.0 are different keys (they may give different results) */
	value_of(1, 0.0, 0.0, v);
	crm_predcache_put(c, 1, 0.0, 0.0, v);
	ut_ok(!crm_predcache_get(c, 1, -0.0, 0.0, got), "-0.0 is not 0.0");
	value_of(1, -0.0, 0.0, w);
	w[1] = 99.0;
	crm_predcache_put(c, 1, -0.0, 0.0, w);
	ut_ok(crm_predcache_get(c, 1, 0.0, 0.0, got) && same_bits(got, v, CRM_PREDCACHE_NVAL) &&
		  crm_predcache_get(c, 1, -0.0, 0.0, got) && same_bits(got, w, CRM_PREDCACHE_NVAL),
		  "both signed zeros kept apart");
	/* another context (one argument differs) sees nothing of the first */
	crm_predcache_use(c, ctx2, 5);
	ut_ok(!crm_predcache_get(c, 1, 1.0, 2.0, got), "another context: miss");
	value_of(1, 1.0, 2.0, w);
	w[0] = -1.0;
	crm_predcache_put(c, 1, 1.0, 2.0, w);
	crm_predcache_use(c, ctx1, 5);
	value_of(1, 1.0, 2.0, v);
	ut_ok(crm_predcache_get(c, 1, 1.0, 2.0, got) && same_bits(got, v, CRM_PREDCACHE_NVAL),
		  "back to the first context: its value");
	crm_predcache_use(c, ctx2, 5);
	ut_ok(crm_predcache_get(c, 1, 1.0, 2.0, got) && same_bits(got, w, CRM_PREDCACHE_NVAL),
		  "and the second context's");
	/* a context of another length is another context */
	crm_predcache_use(c, ctx1, 4);
	ut_ok(!crm_predcache_get(c, 1, 1.0, 2.0, got), "prefix of a context: miss");
	ut_ok(c->hits > 0 && c->misses > 0, "statistics counted");
	/* the bit pattern that marks free entries is never stored nor found */
	{
		uint64_t	eb = CRM_PREDCACHE_EMPTY;
		double		ek;

		memcpy(&ek, &eb, sizeof(ek));
		crm_predcache_use(c, ctx1, 5);
		crm_predcache_put(c, 1, ek, ek, v);
		ut_ok(!crm_predcache_get(c, 1, ek, ek, got), "the free-entry pattern as key: never stored");
		ut_ok(!crm_predcache_get(c, 1, NAN, 1.0, got), "a NaN key: miss");
	}
	crm_predcache_destroy(c);
	ut_ok(live_blocks == 0, "destroy frees everything (%d blocks left)", live_blocks);
	/* NULL cache: always a miss, stores ignored */
	crm_predcache_use(NULL, ctx1, 5);
	crm_predcache_put(NULL, 1, 1.0, 2.0, v);
	ut_ok(!crm_predcache_get(NULL, 1, 1.0, 2.0, got), "NULL cache misses");
	crm_predcache_destroy(NULL);
	ut_end();
}

static void
contexts_forgotten(void)
{
	CrmPredCache *c;
	double		ctx[2],
				v[CRM_PREDCACHE_NVAL],
				got[CRM_PREDCACHE_NVAL];
	int			i,
				ok = 0;

	ut_begin("predcache: the last contexts are remembered, older ones never match again");
	c = crm_predcache_create(&counting);
	for (i = 0; i < CRM_PREDCACHE_NCTX + 1; i++)
	{
		ctx[0] = i;
		ctx[1] = 0.5;
		crm_predcache_use(c, ctx, 2);
		value_of(7, i, 0.0, v);
		crm_predcache_put(c, 7, 1.0, 1.0, v);
	}
	/* contexts 1..NCTX remembered (0 was the least recently used) */
	for (i = 1; i < CRM_PREDCACHE_NCTX + 1; i++)
	{
		ctx[0] = i;
		crm_predcache_use(c, ctx, 2);
		value_of(7, i, 0.0, v);
		ok += crm_predcache_get(c, 7, 1.0, 1.0, got) && same_bits(got, v, CRM_PREDCACHE_NVAL);
	}
	ut_ok(ok == CRM_PREDCACHE_NCTX, "%d of %d remembered contexts hit", ok, CRM_PREDCACHE_NCTX);
	ctx[0] = 0;
	crm_predcache_use(c, ctx, 2);
	ut_ok(!crm_predcache_get(c, 7, 1.0, 1.0, got), "the forgotten context misses");
	/* alternating between two contexts row by row keeps both */
	ok = 0;
	for (i = 0; i < 100; i++)
	{
		ctx[0] = 100 + i % 2;
		crm_predcache_use(c, ctx, 2);
		value_of(3, i % 2, 5.0, v);
		if (crm_predcache_get(c, 3, 5.0, 5.0, got))
			ok += same_bits(got, v, CRM_PREDCACHE_NVAL);
		else
			crm_predcache_put(c, 3, 5.0, 5.0, v);
	}
	ut_ok(ok == 98, "alternating contexts: %d of 98 repeats hit with their own value", ok);
	crm_predcache_destroy(c);
	ut_end();
}

static void
growth_and_exactness(void)
{
	CrmPredCache *c;
	double		ctx[1] = {1.0},
				v[CRM_PREDCACHE_NVAL],
				got[CRM_PREDCACHE_NVAL];
	int			i,
				wrong = 0,
				hits = 0;

	ut_begin("predcache: grows with distinct keys; a hit is always the key's own value");
	live_blocks = 0;
	c = crm_predcache_create(&counting);
	crm_predcache_use(c, ctx, 1);
	ut_ok(crm_predcache_table_log2(c, 1) == 0, "no table before the first store");
	/* 400000 lookups of keys drawn from 20000 (x whole, T in days / 7) */
	for (i = 0; i < 400000; i++)
	{
		double		x = floor(rnd() * 100.0),
					T = floor(rnd() * 200.0) / 7.0;
		uint32_t	tag = 1 + (uint32_t) (rnd() * 2.0);

		value_of(tag, x, T, v);
		if (crm_predcache_get(c, tag, x, T, got))
		{
			hits++;
			wrong += !same_bits(got, v, CRM_PREDCACHE_NVAL);
		}
		else
			crm_predcache_put(c, tag, x, T, v);
	}
	ut_ok(wrong == 0, "%d hits returned another key's value", wrong);
	ut_ok(crm_predcache_table_log2(c, 1) == 15 && crm_predcache_table_log2(c, 2) == 15,
		  "each tag's table grew to fit its 20000 keys at most 5/8 full (log2 %d, %d)",
		  crm_predcache_table_log2(c, 1), crm_predcache_table_log2(c, 2));
	ut_ok(hits > 355000, "%d of 400000 lookups hit (40000 distinct keys: none lost)", hits);
	ut_ok(live_blocks == 3, "old tables freed (%d blocks)", live_blocks);
	ut_ok(c->bytes == 2 * (((size_t) 32 << 15) + 64), "%zu bytes of tables", c->bytes);
	/* all distinct keys: always a miss, never a wrong value; no growth */
	crm_predcache_destroy(c);
	c = crm_predcache_create(&counting);
	crm_predcache_use(c, ctx, 1);
	hits = 0;
	for (i = 0; i < 100000; i++)
	{
		double		T = 1000.0 + i * 1e-6;

		if (crm_predcache_get(c, 1, 3.0, T, got))
			hits++;
		value_of(1, 3.0, T, v);
		crm_predcache_put(c, 1, 3.0, T, v);
	}
	ut_ok(hits == 0, "distinct keys: %d hits", hits);
	ut_ok(crm_predcache_table_log2(c, 1) <= CRM_PREDCACHE_FREE_LOG2,
		  "distinct keys: the table stays small (log2 %d)", crm_predcache_table_log2(c, 1));
	/* then repeats: it grows */
	for (i = 0; i < 200000; i++)
	{
		double		T = floor(rnd() * 5000.0);

		value_of(1, 3.0, T, v);
		if (crm_predcache_get(c, 1, 3.0, T, got))
			wrong += !same_bits(got, v, CRM_PREDCACHE_NVAL);
		else
			crm_predcache_put(c, 1, 3.0, T, v);
	}
	ut_ok(wrong == 0, "%d hits returned another key's value", wrong);
	ut_ok(crm_predcache_table_log2(c, 1) > CRM_PREDCACHE_FREE_LOG2,
		  "repeats after distinct keys: grew (log2 %d)", crm_predcache_table_log2(c, 1));
	crm_predcache_destroy(c);
	ut_ok(live_blocks == 0, "destroy frees everything (%d blocks left)", live_blocks);
	ut_end();
}

static void
failing_allocator(void)
{
	CrmPredCache *c;
	CrmAllocator a = {limited_alloc, count_free, NULL, NULL};
	int			left;
	double		ctx[1] = {2.0},
				v[CRM_PREDCACHE_NVAL] = {1, 2},
				got[CRM_PREDCACHE_NVAL];
	int			i;

	ut_begin("predcache: allocation failures leave a working (smaller or empty) cache");
	live_blocks = 0;
	left = 0;
	a.ctx = &left;
	ut_ok(crm_predcache_create(&a) == NULL, "no memory at all: NULL");
	left = 1;
	c = crm_predcache_create(&a);
	crm_predcache_use(c, ctx, 1);
	crm_predcache_put(c, 1, 1.0, 1.0, v);
	ut_ok(c != NULL && crm_predcache_table_log2(c, 1) == 0, "no memory for a table: none");
	ut_ok(!crm_predcache_get(c, 1, 1.0, 1.0, got), "empty cache misses");
	crm_predcache_destroy(c);
	left = 2;
	c = crm_predcache_create(&a);
	crm_predcache_use(c, ctx, 1);
	for (i = 0; i < 10000; i++)
		crm_predcache_put(c, 1, i, 1.0, v);
	ut_ok(crm_predcache_table_log2(c, 1) == CRM_PREDCACHE_MIN_LOG2, "cannot grow: keeps %d entries",
		  1 << crm_predcache_table_log2(c, 1));
	for (i = 0, left = 0; i < 10000; i++)
		left += crm_predcache_get(c, 1, i, 1.0, got) && same_bits(got, v, CRM_PREDCACHE_NVAL);
	ut_ok(left > 0 && left <= 1 << CRM_PREDCACHE_MIN_LOG2, "the full table keeps %d keys", left);
	left = 0;
	crm_predcache_put(c, 1, 0.5, 1.0, v);
	ut_ok(crm_predcache_get(c, 1, 0.5, 1.0, got) && same_bits(got, v, CRM_PREDCACHE_NVAL),
		  "and still works");
	crm_predcache_destroy(c);
	ut_ok(live_blocks == 0, "destroy frees everything (%d blocks left)", live_blocks);
	ut_end();
}

static void
budget(void)
{
	CrmPredCache *c;
	double		ctx[1] = {3.0},
				v[CRM_PREDCACHE_NVAL],
				got[CRM_PREDCACHE_NVAL];
	int			i,
				rep,
				wrong = 0,
				hits = 0;
	uint32_t	tag;

	live_blocks = 0;
	c = crm_predcache_create(&counting);
	ut_begin("predcache: all tables together stay within the budget, and still hit right");
	crm_predcache_use(c, ctx, 1);
	/* 100000 keys per tag, drawn at random: each table would grow to 8 MB */
	for (rep = 0; rep < 3; rep++)
		for (tag = 0; tag < CRM_PREDCACHE_NTAG; tag++)
			for (i = 0; i < 100000; i++)
			{
				double		k = floor(rnd() * 100000.0);

				value_of(tag, k, 7.0, v);
				if (crm_predcache_get(c, tag, k, 7.0, got))
				{
					hits++;
					wrong += !same_bits(got, v, CRM_PREDCACHE_NVAL);
				}
				else
					crm_predcache_put(c, tag, k, 7.0, v);
			}
	ut_ok(c->bytes <= CRM_PREDCACHE_BUDGET, "%zu bytes of tables (budget %zu)", c->bytes,
		  CRM_PREDCACHE_BUDGET);
	ut_ok(crm_predcache_table_log2(c, 0) > CRM_PREDCACHE_FREE_LOG2, "the first tables grew (log2 %d)",
		  crm_predcache_table_log2(c, 0));
	ut_ok(wrong == 0 && hits > 0, "%d hits, %d wrong", hits, wrong);
	crm_predcache_destroy(c);
	ut_ok(live_blocks == 0, "destroy frees everything (%d blocks left)", live_blocks);
	ut_end();
}

/* ---- the memoized predictions ---- */

static const double BG_PAR[2][4] = {
	{0.24259292827982198, 4.413532265271817, 0.7928859664406002, 2.4257523826255123},
	{0.8228702441020308, 3.075551172670277, 0.5066904652333454, 4.006062953281743}
};
static const double PN_PAR[3][4] = {
	{0.5532815861528053, 10.577753122778805, 0.6061714462872277, 11.666906530603386},
	{0.5, 12.0, 0.6, 5.0},		/* alpha >= beta */
	{1.0772540424819197, 4.5683563315901745, 1.0, 31.762999186639313}	/* s = 1 */
};

/* A customer of a weekly summary: x whole, tx and T in days / 7, some repeats. */
static void
customer(int i, double *x, double *tx, double *T)
{
	*x = floor(rnd() * 12.0);
	*T = floor(rnd() * 180.0 + 1.0) / 7.0;
	*tx = *x == 0.0 ? 0.0 : floor(rnd() * (*T * 7.0 + 1.0)) / 7.0;
	if (i % 17 == 0)
		*tx = *T;				/* bought at the end */
}

/* same status and, when OK, the same bits */
static bool
same_result(CrmStatus s1, double v1, CrmStatus s2, double v2)
{
	return s1 == s2 && (s1 != CRM_OK || memcmp(&v1, &v2, sizeof(double)) == 0);
}

static void
memo_predictions(void)
{
	CrmPredCache *c[8];
	int			i,
				k,
				bad[8] = {0},
				n = 6000;
	double		cx[64],
				ctx[64],
				cT[64];

	ut_begin("predcache: memoized predictions are bit for bit the plain ones (rows repeated, models alternating)");
	for (k = 0; k < 8; k++)
		c[k] = crm_predcache_create(&counting);
	/* a pool of 64 customers, drawn from with repeats */
	for (i = 0; i < 64; i++)
		customer(i, &cx[i], &ctx[i], &cT[i]);
	for (i = 0; i < n; i++)
	{
		int			j = (int) (rnd() * 64.0);
		double		x = cx[j],
					tx = ctx[j],
					T = cT[j];
		const double *bp = BG_PAR[i % 2];
		const double *pp = PN_PAR[(i / 3) % 3];
		double		v1 = 0.0,
					v2 = 0.0,
					h = (i % 5 == 0) ? 26.0 : 52.0;
		CrmStatus	s1,
					s2;

		if (i % 7 == 0)
			customer(i, &x, &tx, &T);	/* a new customer now and then */

		s1 = crm_bgnbd_cond_expected(bp, h, x, tx, T, &v1);
		s2 = crm_bgnbd_cond_expected_memo(bp, h, x, tx, T, c[0], &v2);
		bad[0] += !same_result(s1, v1, s2, v2);
		s1 = crm_mbgnbd_cond_expected(bp, h, x, tx, T, &v1);
		s2 = crm_mbgnbd_cond_expected_memo(bp, h, x, tx, T, c[1], &v2);
		bad[1] += !same_result(s1, v1, s2, v2);
		s1 = crm_pnbd_p_alive(pp, x, tx, T, &v1);
		s2 = crm_pnbd_p_alive_memo(pp, x, tx, T, c[2], &v2);
		bad[2] += !same_result(s1, v1, s2, v2);
		s1 = crm_pnbd_cond_expected(pp, h, x, tx, T, &v1);
		s2 = crm_pnbd_cond_expected_memo(pp, h, x, tx, T, c[3], &v2);
		bad[3] += !same_result(s1, v1, s2, v2);
		s1 = crm_pnbd_cond_prob_n(pp, (double) ((i / 500) % 3), h, x, tx, T, &v1);
		s2 = crm_pnbd_cond_prob_n_memo(pp, (double) ((i / 500) % 3), h, x, tx, T, c[4], &v2);
		bad[4] += !same_result(s1, v1, s2, v2);
		if (i % 10 == 0)
		{
			/* DERT: slower, fewer rows */
			s1 = crm_pnbd_dert(pp, 0.0027, x, tx, T, &v1);
			s2 = crm_pnbd_dert_memo(pp, 0.0027, x, tx, T, c[5], &v2);
			bad[5] += !same_result(s1, v1, s2, v2);
			s1 = crm_bgnbd_dert(bp, 0.0027, x, tx, T, &v1);
			s2 = crm_bgnbd_dert_memo(bp, 0.0027, x, tx, T, c[6], &v2);
			bad[6] += !same_result(s1, v1, s2, v2);
			s1 = crm_mbgnbd_dert(bp, 0.0027, x, tx, T, &v1);
			s2 = crm_mbgnbd_dert_memo(bp, 0.0027, x, tx, T, c[7], &v2);
			bad[7] += !same_result(s1, v1, s2, v2);
		}
	}
	ut_ok(bad[0] == 0, "BG/NBD conditional expected purchases: %d mismatches", bad[0]);
	ut_ok(bad[1] == 0, "MBG/NBD conditional expected purchases: %d mismatches", bad[1]);
	ut_ok(bad[2] == 0, "Pareto/NBD P(alive): %d mismatches", bad[2]);
	ut_ok(bad[3] == 0, "Pareto/NBD conditional expected purchases: %d mismatches", bad[3]);
	ut_ok(bad[4] == 0, "Pareto/NBD conditional purchase-count pmf: %d mismatches", bad[4]);
	ut_ok(bad[5] == 0, "Pareto/NBD DERT: %d mismatches", bad[5]);
	ut_ok(bad[6] == 0, "BG/NBD DERT: %d mismatches", bad[6]);
	ut_ok(bad[7] == 0, "MBG/NBD DERT: %d mismatches", bad[7]);
	for (k = 0; k < 8; k++)
	{
		ut_ok(c[k]->hits > c[k]->misses / 4, "cache %d: %llu hits, %llu misses", k,
			  (unsigned long long) c[k]->hits, (unsigned long long) c[k]->misses);
		crm_predcache_destroy(c[k]);
	}
	ut_end();
}

static void
memo_failures(void)
{
	CrmPredCache *c = crm_predcache_create(&counting);
	/* rows that fail: bad customers, and factors out of range */
	static const double rows[][3] = {
		{1.5, 1.0, 2.0},		/* fractional frequency */
		{2.0, 3.0, 2.0},		/* recency > age */
		{0.0, 1.0, 2.0},		/* recency without purchases */
		{1.0, NAN, 2.0},
		{1.0, 1.0, INFINITY},
		{1e300, 1e300, 1e300},	/* overflows */
		{3.0, 1e308, 1.7e308},
		{3.0, 1.0, 1.7e308}
	};
	double		bad_par[4] = {0.5, -1.0, 0.6, 5.0};
	int			i,
				rep,
				mism = 0,
				fails = 0;

	ut_begin("predcache: failing rows fail the same way with a memo, also when repeated");
	for (rep = 0; rep < 3; rep++)
		for (i = 0; i < (int) (sizeof(rows) / sizeof(rows[0])); i++)
		{
			double		x = rows[i][0],
						tx = rows[i][1],
						T = rows[i][2],
						v1 = 0.0,
						v2 = 0.0;
			CrmStatus	s1,
						s2;

			s1 = crm_pnbd_p_alive(PN_PAR[1], x, tx, T, &v1);
			s2 = crm_pnbd_p_alive_memo(PN_PAR[1], x, tx, T, c, &v2);
			mism += !same_result(s1, v1, s2, v2);
			fails += s2 != CRM_OK;
			s1 = crm_pnbd_cond_expected(PN_PAR[0], 52.0, x, tx, T, &v1);
			s2 = crm_pnbd_cond_expected_memo(PN_PAR[0], 52.0, x, tx, T, c, &v2);
			mism += !same_result(s1, v1, s2, v2);
			s1 = crm_bgnbd_cond_expected(BG_PAR[0], 52.0, x, tx, T, &v1);
			s2 = crm_bgnbd_cond_expected_memo(BG_PAR[0], 52.0, x, tx, T, c, &v2);
			mism += !same_result(s1, v1, s2, v2);
			fails += s2 != CRM_OK;
			s1 = crm_mbgnbd_cond_expected(BG_PAR[1], 1e300, x, tx, T, &v1);
			s2 = crm_mbgnbd_cond_expected_memo(BG_PAR[1], 1e300, x, tx, T, c, &v2);
			mism += !same_result(s1, v1, s2, v2);
			s1 = crm_pnbd_p_alive(bad_par, x, tx, T, &v1);
			s2 = crm_pnbd_p_alive_memo(bad_par, x, tx, T, c, &v2);
			mism += !same_result(s1, v1, s2, v2) || s2 != CRM_EPARAM;
		}
	ut_ok(mism == 0, "%d results or statuses differ", mism);
	ut_ok(fails >= 3 * 10, "%d failures seen (the rows do fail)", fails);
	crm_predcache_destroy(c);
	ut_end();
}

void
test_predcache(void)
{
	basics();
	contexts_forgotten();
	growth_and_exactness();
	failing_allocator();
	budget();
	memo_predictions();
	memo_failures();
}
