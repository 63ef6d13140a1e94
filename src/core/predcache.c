/*
 * predcache.c
 *		The bounded memo of prediction factors (see predcache.h): creation,
 *		context switching, stores and growth.  Lookups are inline in the
 *		header.
 *
 * Why by hand: a fixed-size, allocation-free (after growth) memo keyed by
 * bit patterns is a few dozen lines; the hash tables PostgreSQL has
 * (simplehash, dynahash) would need PostgreSQL headers in the core, and a
 * general-purpose library table would add a dependency for less.
 */
#include <string.h>

#include "predcache.h"

/* Allocate and zero a table of 2^log2 sets with c's allocator; NULL on failure. */
static CrmPredEntry *
table_new(const CrmPredCache *c, int log2)
{
	size_t		sz = sizeof(CrmPredEntry) * ((size_t) CRM_PREDCACHE_WAYS << log2);
	CrmPredEntry *t = c->alloc.alloc(sz, c->alloc.ctx);

	if (t != NULL)
		memset(t, 0, sz);
	return t;
}

/* A new empty cache (see predcache.h). */
CrmPredCache *
crm_predcache_create(const CrmAllocator *a)
{
	CrmPredCache *c = a->alloc(sizeof(CrmPredCache), a->ctx);

	if (c == NULL)
		return NULL;
	memset(c, 0, sizeof(CrmPredCache));
	c->alloc = *a;
	c->next_id = 1;
	c->log2 = CRM_PREDCACHE_MIN_LOG2;
	c->table = table_new(c, c->log2);	/* NULL: the cache stays empty */
	return c;
}

/* Free the cache and its table. */
void
crm_predcache_destroy(CrmPredCache *c)
{
	if (c == NULL)
		return;
	if (c->table != NULL)
		c->alloc.free(c->table, c->alloc.ctx);
	c->alloc.free(c, c->alloc.ctx);
}

/* Forget every context and entry (when the context ids wrap around). */
static void
predcache_reset(CrmPredCache *c)
{
	if (c->table != NULL)
		memset(c->table, 0, sizeof(CrmPredEntry) * ((size_t) CRM_PREDCACHE_WAYS << c->log2));
	memset(c->ctx, 0, sizeof(c->ctx));
	memset(c->used, 0, sizeof(c->used));
	c->cur = 0;
	c->cur_slot = 0;
	c->next_id = 1;
}

/* Do slot i's bits equal ctx[0..n)? */
static bool
ctx_equal(const CrmPredCtx *s, const uint64_t *bits, int n)
{
	return s->id != 0 && s->n == n && memcmp(s->bits, bits, sizeof(uint64_t) * n) == 0;
}

/* Make ctx[0..n) the current context (see predcache.h). */
void
crm_predcache_context(CrmPredCache *c, const double *ctx, int n)
{
	uint64_t	bits[CRM_PREDCACHE_MAXCTX];
	int			i,
				victim;

	if (n > CRM_PREDCACHE_MAXCTX)
		n = CRM_PREDCACHE_MAXCTX;	/* cannot happen: callers pass <= 8 */
	if (n < 0)
		n = 0;
	memcpy(bits, ctx, sizeof(double) * n);
	/* the usual case: the same context as the previous row */
	if (c->cur != 0 && ctx_equal(&c->ctx[c->cur_slot], bits, n))
		return;
	c->clock++;
	for (i = 0; i < CRM_PREDCACHE_NCTX; i++)
		if (ctx_equal(&c->ctx[i], bits, n))
		{
			c->cur = c->ctx[i].id;
			c->cur_slot = i;
			c->used[i] = c->clock;
			return;
		}
	/* a new context: replace the least recently used (or an unused) slot */
	victim = -1;
	for (i = 0; i < CRM_PREDCACHE_NCTX && victim < 0; i++)
		if (c->ctx[i].id == 0)
			victim = i;
	if (victim < 0)
	{
		victim = 0;
		for (i = 1; i < CRM_PREDCACHE_NCTX; i++)
			if (c->used[i] < c->used[victim])
				victim = i;
	}
	if (c->next_id == UINT32_MAX)
	{
		predcache_reset(c);
		victim = 0;
		c->clock = 1;
	}
	c->ctx[victim].id = c->next_id++;
	c->ctx[victim].n = n;
	memcpy(c->ctx[victim].bits, bits, sizeof(uint64_t) * n);
	c->used[victim] = c->clock;
	c->cur = c->ctx[victim].id;
	c->cur_slot = victim;
}

/*
 * Replace the table by one four times larger (up to CRM_PREDCACHE_MAX_LOG2
 * sets), with the entries moved over, when the stores since the last resize
 * exceed half its capacity (the input has more distinct keys than fit
 * well).  From CRM_PREDCACHE_FREE_LOG2 sets on (0.5 MB, about what the CPU
 * cache keeps near) the lookups in that time must also have found
 * something (one hit per 16 stores): input whose keys never repeat (every
 * t distinct) keeps a table that stays in the CPU cache instead of probing
 * megabytes at random for nothing, while input with many distinct keys
 * that do repeat hits often enough in 8192 entries to grow on.  The counts
 * restart after eight capacities of stores without growth, so that repeats
 * that come late still make it grow.  On allocation failure keep the
 * current table.
 */
static void
predcache_maybe_grow(CrmPredCache *c)
{
	int			log2;
	CrmPredEntry *t;
	uint64_t	half = (uint64_t) (CRM_PREDCACHE_WAYS / 2) << c->log2;

	if (c->log2 >= CRM_PREDCACHE_MAX_LOG2 || c->stores_since_resize <= half)
		return;
	if (c->log2 >= CRM_PREDCACHE_FREE_LOG2 &&
		(c->hits - c->hits_at_resize) * 16 < c->stores_since_resize)
	{
		if (c->stores_since_resize > 16 * half)
		{
			c->stores_since_resize = 0;
			c->hits_at_resize = c->hits;
		}
		return;
	}
	log2 = c->log2 + 2 < CRM_PREDCACHE_MAX_LOG2 ? c->log2 + 2 : CRM_PREDCACHE_MAX_LOG2;
	c->stores_since_resize = 0;
	c->hits_at_resize = c->hits;
	t = table_new(c, log2);
	if (t == NULL)
		return;
	if (c->table != NULL)
	{
		/* move the entries over (oldest first, so that way order is kept) */
		size_t		n = (size_t) 1 << c->log2,
					i;
		int			w;

		for (w = CRM_PREDCACHE_WAYS - 1; w >= 0; w--)
			for (i = 0; i < n; i++)
			{
				const CrmPredEntry *o = &c->table[CRM_PREDCACHE_WAYS * i + w];
				CrmPredEntry *e;

				if (o->ctx == 0)
					continue;
				e = &t[CRM_PREDCACHE_WAYS * (size_t) crm_predcache_hash(o->tag, o->k1, o->k2,
																		 o->ctx, log2)];
				memmove(&e[1], &e[0], sizeof(CrmPredEntry) * (CRM_PREDCACHE_WAYS - 1));
				e[0] = *o;
			}
		c->alloc.free(c->table, c->alloc.ctx);
	}
	c->table = t;
	c->log2 = log2;
}

/* Store (slow path of crm_predcache_put). */
void
crm_predcache_store(CrmPredCache *c, uint32_t tag, uint64_t k1, uint64_t k2, const double *v)
{
	CrmPredEntry *e;
	int			w;

	c->stores_since_resize++;
	predcache_maybe_grow(c);
	if (c->table == NULL)
		return;
	e = &c->table[CRM_PREDCACHE_WAYS * (size_t) crm_predcache_hash(tag, k1, k2, c->cur, c->log2)];
	for (w = 0; w < CRM_PREDCACHE_WAYS; w++)
		if (e[w].k1 == k1 && e[w].k2 == k2 && e[w].ctx == c->cur && e[w].tag == tag)
			break;
	if (w < CRM_PREDCACHE_WAYS)
		e += w;					/* already stored: overwrite it in place */
	else
		memmove(&e[1], &e[0], sizeof(CrmPredEntry) * (CRM_PREDCACHE_WAYS - 1));
	e[0].k1 = k1;
	e[0].k2 = k2;
	e[0].ctx = c->cur;
	e[0].tag = tag;
	memcpy(e[0].v, v, sizeof(e[0].v));
}
