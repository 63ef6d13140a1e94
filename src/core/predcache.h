/*
 * predcache.h
 *		A bounded memo of the expensive factors of per-row predictions.
 *
 * A prediction over a customer base is called once per customer with the
 * same model, but its costly part often depends on fewer inputs than the
 * row: the BG/NBD expected purchases of a customer alive now depend on
 * (x, T) only, the two Gauss hypergeometric terms of the Pareto/NBD on
 * (x, tx) and (x, T) separately.  Real data have few distinct such pairs
 * (x is a whole number, T and tx come from whole days), so one call site
 * keeps the factors it has computed in a CrmPredCache and looks them up
 * before computing.
 *
 * Keys.  Every entry is keyed by the exact bit patterns of two doubles
 * (k1, k2), a small tag (which factor) and the context the factor was
 * computed in: the bit patterns of up to CRM_PREDCACHE_MAXCTX doubles (the
 * model parameters, the horizon, ...), set with crm_predcache_context()
 * before the lookups of a row.  The cache remembers the last
 * CRM_PREDCACHE_NCTX contexts, so a query alternating between a few models
 * keeps the factors of each; a context it forgot gets a new id, and the
 * entries of the old one can never match again.  A stored value is the
 * value the caller computed, so a hit returns exactly what computing would
 * have returned; callers store only successful results.
 *
 * Layout.  Four-way set-associative, sets chosen by a multiplicative hash
 * of the key; a new entry goes to way 0 and pushes the others one way down
 * (the last one out).  Four ways rather than one or two: a miss costs a
 * special function (~0.3-1 us) where a probe costs a few ns, and with four
 * ways a table filled to half its capacity loses few keys to collisions.
 * The table starts small (CRM_PREDCACHE_MIN_LOG2 sets, 7 kB: a query over
 * a handful of rows pays nothing for it) and is replaced by one four times
 * larger, its entries moved over, when the stores since the last resize
 * exceed half its capacity and, beyond 0.5 MB, the lookups found something
 * meanwhile (keys that never repeat leave it small enough to stay in the
 * CPU cache, and cheap to probe), up to CRM_PREDCACHE_MAX_LOG2 sets (7 MB: a
 * summary of 1M customers has ~30000 distinct (x, tx) and ~16000 (x, T),
 * and the Pareto/NBD keeps up to three factors per customer).  Memory comes
 * from the allocator given at creation (the glue passes one for the
 * function's long-lived memory context); when it fails, the cache keeps its
 * current size.
 *
 * Plain C, no PostgreSQL headers; unit-tested in test/unit/test_predcache.c.
 */
#ifndef CRM_PREDCACHE_H
#define CRM_PREDCACHE_H

#include <string.h>

#include "crm_core.h"

#define CRM_PREDCACHE_NVAL 4	/* doubles of value per entry */
#define CRM_PREDCACHE_MAXCTX 8	/* doubles of context */
#define CRM_PREDCACHE_NCTX 8	/* contexts remembered */
#define CRM_PREDCACHE_WAYS 4	/* entries per set */
#define CRM_PREDCACHE_MIN_LOG2 5	/* 32 sets of 4 entries (7 kB) */
#define CRM_PREDCACHE_MAX_LOG2 15	/* 32768 sets of 4 entries (7 MB) */
#define CRM_PREDCACHE_FREE_LOG2 11	/* grows freely to 2048 sets (0.5 MB) */

/* One entry: 56 bytes. */
typedef struct CrmPredEntry
{
	uint64_t	k1,				/* key bit patterns */
				k2;
	uint32_t	ctx;			/* context id, 0 = empty */
	uint32_t	tag;
	double		v[CRM_PREDCACHE_NVAL];
} CrmPredEntry;

/* A remembered context. */
typedef struct CrmPredCtx
{
	uint32_t	id;				/* 0 = unused */
	int			n;
	uint64_t	bits[CRM_PREDCACHE_MAXCTX];
} CrmPredCtx;

typedef struct CrmPredCache
{
	CrmAllocator alloc;			/* where the table comes from */
	CrmPredEntry *table;		/* CRM_PREDCACHE_WAYS << log2 entries, or NULL */
	int			log2;			/* log2 of the number of sets */
	uint32_t	cur;			/* id of the current context (0: none) */
	uint32_t	next_id;
	int			cur_slot;		/* index in ctx[] of the current context */
	uint32_t	clock;			/* for least-recently-used context eviction */
	uint32_t	used[CRM_PREDCACHE_NCTX];
	CrmPredCtx	ctx[CRM_PREDCACHE_NCTX];
	uint64_t	stores_since_resize;
	uint64_t	hits_at_resize; /* hits when the counts last restarted */
	uint64_t	hits,			/* statistics (for tests and tuning) */
				misses;
} CrmPredCache;

/*
 * A new empty cache whose table is allocated with *a (its ctx included);
 * NULL when even the struct cannot be allocated.
 */
extern CrmPredCache *crm_predcache_create(const CrmAllocator *a);

/* Free the cache and its table (NULL is ignored). */
extern void crm_predcache_destroy(CrmPredCache *c);

/*
 * Make ctx[0..n) (n <= CRM_PREDCACHE_MAXCTX, compared by bit pattern) the
 * context of the following lookups and stores.
 */
extern void crm_predcache_context(CrmPredCache *c, const double *ctx, int n);

/*
 * crm_predcache_context() with its usual case inline: the same context as
 * the previous row costs one memcmp.  c may be NULL (nothing happens).
 */
static inline void
crm_predcache_use(CrmPredCache *c, const double *ctx, int n)
{
	if (c == NULL)
		return;
	if (c->cur != 0 && c->ctx[c->cur_slot].n == n &&
		memcmp(c->ctx[c->cur_slot].bits, ctx, sizeof(double) * n) == 0)
		return;
	crm_predcache_context(c, ctx, n);
}

/* Store a miss's value (slow path of crm_predcache_put). */
extern void crm_predcache_store(CrmPredCache *c, uint32_t tag, uint64_t k1, uint64_t k2,
								const double *v);

/* Set index of a key in a table of 2^log2 sets. */
static inline uint32_t
crm_predcache_hash(uint32_t tag, uint64_t k1, uint64_t k2, uint32_t ctx, int log2)
{
	uint64_t	h = k1 * UINT64_C(0x9E3779B97F4A7C15);

	h ^= h >> 31;
	h += k2;
	h *= UINT64_C(0xBF58476D1CE4E5B9);
	h ^= h >> 29;
	h += ((uint64_t) tag << 32) | ctx;
	h *= UINT64_C(0x94D049BB133111EB);
	return (uint32_t) (h >> (64 - log2));
}

/*
 * Look up the value of (tag, k1, k2) in the current context: true and v
 * filled on a hit.  c may be NULL (always a miss).
 */
static inline bool
crm_predcache_get(CrmPredCache *c, uint32_t tag, double k1, double k2, double *v)
{
	uint64_t	b1,
				b2;
	CrmPredEntry *e;
	int			w;

	if (c == NULL || c->table == NULL || c->cur == 0)
		return false;
	b1 = crm_double_bits(k1);
	b2 = crm_double_bits(k2);
	e = &c->table[CRM_PREDCACHE_WAYS * (size_t) crm_predcache_hash(tag, b1, b2, c->cur, c->log2)];
	for (w = 0; w < CRM_PREDCACHE_WAYS; w++)
		if (e[w].k1 == b1 && e[w].k2 == b2 && e[w].ctx == c->cur && e[w].tag == tag)
		{
			memcpy(v, e[w].v, sizeof(e[w].v));
			c->hits++;
			return true;
		}
	c->misses++;
	return false;
}

/*
 * Start loading the set of (tag, k1, k2) in the current context into the
 * CPU cache: a large table is probed at random, so a lookup waits for
 * memory; issuing the loads of a row's keys first lets them overlap with
 * each other and with arithmetic.  c may be NULL.
 */
static inline void
crm_predcache_prefetch(const CrmPredCache *c, uint32_t tag, double k1, double k2)
{
#if defined(__GNUC__)
	const CrmPredEntry *e;

	if (c == NULL || c->table == NULL || c->cur == 0)
		return;
	e = &c->table[CRM_PREDCACHE_WAYS *
				  (size_t) crm_predcache_hash(tag, crm_double_bits(k1),
											  crm_double_bits(k2), c->cur, c->log2)];
	__builtin_prefetch(e);
	__builtin_prefetch((const char *) e + 64);
#endif
}

/*
 * Store the value of (tag, k1, k2) in the current context (only values
 * that were computed successfully).  c may be NULL (nothing happens).
 */
static inline void
crm_predcache_put(CrmPredCache *c, uint32_t tag, double k1, double k2, const double *v)
{
	if (c == NULL || c->cur == 0)
		return;
	crm_predcache_store(c, tag, crm_double_bits(k1), crm_double_bits(k2), v);
}

#endif							/* CRM_PREDCACHE_H */
