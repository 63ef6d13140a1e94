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
#include <stdint.h>
#include <string.h>

#include "predcache.h"

/* Free t's entries (the budget gets them back); t is then empty. */
static void
table_free(CrmPredCache *c, CrmPredTable *t)
{
	if (t->base != NULL)
	{
		c->alloc.free(t->base, c->alloc.ctx);
		c->bytes -= t->bytes;
	}
	memset(t, 0, sizeof(CrmPredTable));
}

/*
 * Allocate t's entries for 2^log2 entries, all free: aligned to a cache
 * line, or to CRM_HUGE_ALIGN (and advised) from that size on.  False (t
 * unchanged) when the budget or the allocator says no.
 */
static bool
table_alloc(CrmPredCache *c, CrmPredTable *t, int log2)
{
	size_t		size = sizeof(CrmPredEntry) << log2;
	size_t		align = size >= CRM_HUGE_ALIGN ? CRM_HUGE_ALIGN : 64;
	size_t		bytes = size + align;
	char	   *base;
	uintptr_t	p;

	if (c->bytes + bytes > CRM_PREDCACHE_BUDGET)
		return false;
	base = c->alloc.alloc(bytes, c->alloc.ctx);
	if (base == NULL)
		return false;
	p = ((uintptr_t) base + align - 1) & ~(uintptr_t) (align - 1);
	if (align == CRM_HUGE_ALIGN && c->alloc.advise_huge != NULL)
		c->alloc.advise_huge((void *) p, size, c->alloc.ctx);
	/* all bits set: k1 = CRM_PREDCACHE_EMPTY in every entry */
	memset((void *) p, 0xFF, size);
	t->e = (CrmPredEntry *) p;
	t->base = base;
	t->bytes = bytes;
	t->log2 = log2;
	t->used = 0;
	t->stores = 0;
	t->hits_at_resize = c->hits;
	c->bytes += bytes;
	return true;
}

/*
 * Put (k1, k2, v) into t: over the key's own entry, into the first free
 * entry of its probe window, or else over the key at its home.  Returns
 * true when a free entry was taken.
 */
static bool
table_insert(CrmPredTable *t, uint64_t k1, uint64_t k2, const double *v)
{
	size_t		mask = ((size_t) 1 << t->log2) - 1,
				home = crm_predcache_home(k1, k2, t->log2),
				i = home;
	CrmPredEntry *e = NULL;
	bool		fresh = false;
	int			n;

	for (n = 0; n < CRM_PREDCACHE_PROBE; n++, i = (i + 1) & mask)
	{
		if (t->e[i].k1 == k1 && t->e[i].k2 == k2)
		{
			e = &t->e[i];
			break;
		}
		if (t->e[i].k1 == CRM_PREDCACHE_EMPTY)
		{
			e = &t->e[i];
			fresh = true;
			break;
		}
	}
	if (e == NULL)
		e = &t->e[home];
	e->k1 = k1;
	e->k2 = k2;
	memcpy(e->v, v, sizeof(e->v));
	if (fresh)
		t->used++;
	return fresh;
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
	c->cur = -1;
	return c;
}

/* Free the cache and its tables. */
void
crm_predcache_destroy(CrmPredCache *c)
{
	int			i,
				j;

	if (c == NULL)
		return;
	for (i = 0; i < CRM_PREDCACHE_NCTX; i++)
		for (j = 0; j < CRM_PREDCACHE_NTAG; j++)
			table_free(c, &c->ctx[i].tab[j]);
	c->alloc.free(c, c->alloc.ctx);
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
	c->clock++;
	victim = -1;
	for (i = 0; i < CRM_PREDCACHE_NCTX; i++)
	{
		CrmPredCtx *s = &c->ctx[i];

		if (s->valid && s->n == n && memcmp(s->bits, bits, sizeof(uint64_t) * n) == 0)
		{
			c->cur = i;
			c->used[i] = c->clock;
			return;
		}
		if (!s->valid && victim < 0)
			victim = i;
	}
	/* a new context: an unused slot, or the least recently used one's */
	if (victim < 0)
	{
		victim = 0;
		for (i = 1; i < CRM_PREDCACHE_NCTX; i++)
			if (c->used[i] < c->used[victim])
				victim = i;
	}
	for (i = 0; i < CRM_PREDCACHE_NTAG; i++)
		table_free(c, &c->ctx[victim].tab[i]);
	c->ctx[victim].valid = true;
	c->ctx[victim].n = n;
	memcpy(c->ctx[victim].bits, bits, sizeof(uint64_t) * n);
	c->used[victim] = c->clock;
	c->cur = victim;
}

/*
 * Double t (see predcache.h for when), its entries moved over; on failure
 * it stays as it is.
 */
static void
table_maybe_grow(CrmPredCache *c, CrmPredTable *t)
{
	CrmPredTable old = *t;
	size_t		n,
				i;

	if (t->log2 >= CRM_PREDCACHE_MAX_LOG2 ||
		(uint64_t) t->used * 8 <= (uint64_t) 5 << t->log2)
		return;
	if (t->log2 >= CRM_PREDCACHE_FREE_LOG2 &&
		(c->hits - t->hits_at_resize) * 16 < t->stores)
	{
		/* restart the counts now and then, so that late repeats count */
		if (t->stores > ((uint64_t) 16 << t->log2))
		{
			t->stores = 0;
			t->hits_at_resize = c->hits;
		}
		return;
	}
	if (!table_alloc(c, t, t->log2 + 1))
	{
		t->stores = 0;			/* try again after as many stores */
		t->hits_at_resize = c->hits;
		return;
	}
	n = (size_t) 1 << old.log2;
	for (i = 0; i < n; i++)
		if (old.e[i].k1 != CRM_PREDCACHE_EMPTY)
			table_insert(t, old.e[i].k1, old.e[i].k2, old.e[i].v);
	table_free(c, &old);
}

/* Store (slow path of crm_predcache_put). */
void
crm_predcache_store(CrmPredCache *c, uint32_t tag, uint64_t k1, uint64_t k2, const double *v)
{
	CrmPredTable *t = &c->ctx[c->cur].tab[tag & (CRM_PREDCACHE_NTAG - 1)];

	if (k1 == CRM_PREDCACHE_EMPTY)
		return;
	if (t->e == NULL && !table_alloc(c, t, CRM_PREDCACHE_MIN_LOG2))
		return;
	t->stores++;
	table_maybe_grow(c, t);
	table_insert(t, k1, k2, v);
}

/* log2 of the size of tag's table in the current context (0: none). */
int
crm_predcache_table_log2(const CrmPredCache *c, uint32_t tag)
{
	const CrmPredTable *t = crm_predcache_table(c, tag);

	return t != NULL ? t->log2 : 0;
}
