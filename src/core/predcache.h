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
 * Keys.  An entry is keyed by the exact bit patterns of two doubles
 * (k1, k2) and lives in the table of one tag (which factor, < 8) of one
 * context: the bit patterns of up to CRM_PREDCACHE_MAXCTX doubles (the
 * model parameters, the horizon, ...), set with crm_predcache_use() before
 * the lookups of a row.  The cache remembers the last CRM_PREDCACHE_NCTX
 * contexts, so a query alternating between a few models keeps the factors
 * of each; the tables of a context it forgets are freed, and a context seen
 * again starts empty.  A stored value is the value the caller computed, so
 * a hit returns exactly what computing would have returned; callers store
 * only successful results.  The key whose first half has the bit pattern
 * CRM_PREDCACHE_EMPTY (a NaN) marks free entries: it is never stored and
 * never found.
 *
 * Layout.  A table is an open-addressing hash table with linear probing
 * of 32-byte entries (two keys and two values), two to a 64-byte cache
 * line: a hit usually costs one line, where a lookup of the former
 * four-way table of 56-byte entries keyed also by tag and context touched
 * up to four, in a table three times the size.  Probing stops at a free
 * entry or after CRM_PREDCACHE_PROBE entries; entries are overwritten but
 * never freed, so a key is always found before the first free entry after
 * its home.  A table starts at 2^CRM_PREDCACHE_MIN_LOG2 entries (2 kB: a
 * query over a handful of rows pays nothing for it; allocated at the first
 * store) and doubles, its entries moved over, when more than 5/8 of it is
 * in use, up to 2^CRM_PREDCACHE_MAX_LOG2 entries (8 MB) and a total of
 * CRM_PREDCACHE_BUDGET bytes for the whole cache.  From
 * 2^CRM_PREDCACHE_FREE_LOG2 entries on (512 kB, about what the CPU cache
 * keeps near) it doubles only if the lookups since it last grew found
 * something (one hit per 16 stores): input whose keys never repeat (every
 * t distinct) keeps a table that stays in the CPU cache instead of probing
 * megabytes at random for nothing.  A table that cannot grow goes on with
 * what it has: a new key takes the first free entry of its probe window,
 * or else replaces the key at its home.  Tables of 2 MB and more are
 * aligned to 2 MB and passed to the allocator's advise_huge: probed at
 * random, with 4 kB pages nearly every lookup also missed the TLB (a third
 * of a Pareto/NBD P(alive) on a virtual machine).  Memory comes from the
 * allocator given at creation (the glue passes one for the function's
 * long-lived memory context); when it fails, the table keeps its current
 * size (or none: every lookup misses).
 *
 * Plain C, no PostgreSQL headers; unit-tested in test/unit/test_predcache.c.
 */
#ifndef CRM_PREDCACHE_H
#define CRM_PREDCACHE_H

#include <string.h>

#include "crm_core.h"

#define CRM_PREDCACHE_NVAL 2	/* doubles of value per entry */
#define CRM_PREDCACHE_NTAG 8	/* tables per context (tags 0..7) */
#define CRM_PREDCACHE_MAXCTX 8	/* doubles of context */
#define CRM_PREDCACHE_NCTX 8	/* contexts remembered */
#define CRM_PREDCACHE_PROBE 8	/* entries a lookup looks at, at most */
#define CRM_PREDCACHE_MIN_LOG2 6	/* 64 entries (2 kB) */
#define CRM_PREDCACHE_FREE_LOG2 14	/* grows freely to 16384 entries (512 kB) */
#define CRM_PREDCACHE_MAX_LOG2 18	/* 262144 entries (8 MB) */
#define CRM_PREDCACHE_BUDGET ((size_t) 16 << 20)	/* bytes of all tables */
#define CRM_PREDCACHE_EMPTY UINT64_MAX	/* k1 of a free entry */

/* One entry: 32 bytes, two to a cache line. */
typedef struct CrmPredEntry
{
	uint64_t	k1,				/* key bit patterns (k1 = EMPTY: free) */
				k2;
	double		v[CRM_PREDCACHE_NVAL];
} CrmPredEntry;

/* The table of one tag in one context. */
typedef struct CrmPredTable
{
	CrmPredEntry *e;			/* 2^log2 entries, 64-byte aligned; NULL: none yet */
	void	   *base;			/* the allocation e lies in */
	size_t		bytes;			/* its size (counted against the budget) */
	int			log2;
	uint32_t	used;			/* entries in use */
	uint64_t	stores;			/* stores since it last grew */
	uint64_t	hits_at_resize; /* the cache's hits when it last grew */
} CrmPredTable;

/* A remembered context. */
typedef struct CrmPredCtx
{
	bool		valid;
	int			n;
	uint64_t	bits[CRM_PREDCACHE_MAXCTX];
	CrmPredTable tab[CRM_PREDCACHE_NTAG];
} CrmPredCtx;

typedef struct CrmPredCache
{
	CrmAllocator alloc;			/* where the tables come from */
	int			cur;			/* index in ctx[] of the current context, -1: none */
	uint32_t	clock;			/* for least-recently-used context eviction */
	uint32_t	used[CRM_PREDCACHE_NCTX];
	size_t		bytes;			/* allocated for tables, all contexts */
	uint64_t	hits,			/* statistics (growth rule, tests, tuning) */
				misses;
	CrmPredCtx	ctx[CRM_PREDCACHE_NCTX];
} CrmPredCache;

/*
 * A new empty cache whose tables are allocated with *a (its ctx included);
 * NULL when even the struct cannot be allocated.
 */
extern CrmPredCache *crm_predcache_create(const CrmAllocator *a);

/* Free the cache and its tables (NULL is ignored). */
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
	if (c->cur >= 0 && c->ctx[c->cur].n == n &&
		memcmp(c->ctx[c->cur].bits, ctx, sizeof(double) * n) == 0)
		return;
	crm_predcache_context(c, ctx, n);
}

/* Store a miss's value (slow path of crm_predcache_put). */
extern void crm_predcache_store(CrmPredCache *c, uint32_t tag, uint64_t k1, uint64_t k2,
								const double *v);

/* log2 of the entries of tag's table in the current context (0: none). */
extern int	crm_predcache_table_log2(const CrmPredCache *c, uint32_t tag);

/* Home entry of a key in a table of 2^log2 entries (log2 >= 1). */
static inline size_t
crm_predcache_home(uint64_t k1, uint64_t k2, int log2)
{
	uint64_t	h = k1 * UINT64_C(0x9E3779B97F4A7C15);

	h ^= h >> 31;
	h += k2;
	h *= UINT64_C(0xBF58476D1CE4E5B9);
	h ^= h >> 29;
	h *= UINT64_C(0x94D049BB133111EB);
	return (size_t) (h >> (64 - log2));
}

/* tag's table in the current context, or NULL (no cache, context or table). */
static inline const CrmPredTable *
crm_predcache_table(const CrmPredCache *c, uint32_t tag)
{
	const CrmPredTable *t;

	if (c == NULL || c->cur < 0)
		return NULL;
	t = &c->ctx[c->cur].tab[tag & (CRM_PREDCACHE_NTAG - 1)];
	return t->e != NULL ? t : NULL;
}

/*
 * Look up the value of (tag, k1, k2) in the current context: true and v
 * filled on a hit.  c may be NULL (always a miss).
 */
static inline bool
crm_predcache_get(CrmPredCache *c, uint32_t tag, double k1, double k2, double *v)
{
	const CrmPredTable *t = crm_predcache_table(c, tag);
	uint64_t	b1,
				b2;
	size_t		mask,
				i;
	int			n;

	if (t == NULL)
	{
		if (c != NULL)
			c->misses++;
		return false;
	}
	b1 = crm_double_bits(k1);
	b2 = crm_double_bits(k2);
	mask = ((size_t) 1 << t->log2) - 1;
	i = crm_predcache_home(b1, b2, t->log2);
	for (n = 0; n < CRM_PREDCACHE_PROBE; n++, i = (i + 1) & mask)
	{
		const CrmPredEntry *e = &t->e[i];

		if (e->k1 == b1 && e->k2 == b2 && b1 != CRM_PREDCACHE_EMPTY)
		{
			memcpy(v, e->v, sizeof(e->v));
			c->hits++;
			return true;
		}
		if (e->k1 == CRM_PREDCACHE_EMPTY)
			break;
	}
	c->misses++;
	return false;
}

/*
 * Start loading the home entry of (tag, k1, k2) in the current context
 * into the CPU cache: a large table is probed at random, so a lookup waits
 * for memory; issuing the loads of a row's keys first lets them overlap
 * with each other and with arithmetic.  c may be NULL.
 */
static inline void
crm_predcache_prefetch(const CrmPredCache *c, uint32_t tag, double k1, double k2)
{
#if defined(__GNUC__)
	const CrmPredTable *t = crm_predcache_table(c, tag);
	size_t		i;

	if (t == NULL)
		return;
	i = crm_predcache_home(crm_double_bits(k1), crm_double_bits(k2), t->log2);
	__builtin_prefetch(&t->e[i]);
	if (i & 1)					/* the next entry is on the next line */
		__builtin_prefetch(&t->e[(i + 1) & (((size_t) 1 << t->log2) - 1)]);
#else
	(void) c;
	(void) tag;
	(void) k1;
	(void) k2;
#endif
}

/*
 * Store the value of (tag, k1, k2) in the current context (only values
 * that were computed successfully).  c may be NULL (nothing happens).
 */
static inline void
crm_predcache_put(CrmPredCache *c, uint32_t tag, double k1, double k2, const double *v)
{
	if (c == NULL || c->cur < 0)
		return;
	crm_predcache_store(c, tag, crm_double_bits(k1), crm_double_bits(k2), v);
}

#endif							/* CRM_PREDCACHE_H */
