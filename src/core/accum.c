/*
 * accum.c
 *		The model-fit accumulator: a hash table of distinct observations with
 *		compensated weight sums, its merge, its portable encoding and the
 *		sorted view the optimizer consumes.  See accum.h.
 *
 * Written by hand because it is small and must allocate only through
 * crm_alloc (so that the glue can place it in an aggregate's memory
 * context) and encode through codec.c; no library hash table offers both.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "accum.h"
#include "codec.h"

#define ACCUM_MIN_CAP 4

static int	obs_cmp(const void *pa, const void *pb);

/* header bytes before the start vector: version, tag, kind, nstart, penalizer */
#define ACCUM_HEAD_BYTES (4 + 8)
/* bytes after the start vector, before the entries: rows, entries */
#define ACCUM_COUNTS_BYTES (8 + 8)

/* -0.0 -> +0.0, so both zeros share one key */
static inline double
norm_zero(double v)
{
	return v == 0.0 ? 0.0 : v;
}

/* 64-bit finaliser of MurmurHash3: a cheap, well-mixing permutation */
static inline uint64_t
fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	k *= UINT64_C(0xc4ceb9fe1a85ec53);
	k ^= k >> 33;
	return k;
}

/* Hash of a (normalised) key by its bit pattern. */
static inline uint64_t
key_hash(double x, double tx, double T)
{
	/* one multiply per field, then one finaliser (not part of the encoding) */
	uint64_t	h = crm_double_bits(x) * UINT64_C(0x9e3779b97f4a7c15) ^
		crm_double_bits(tx) * UINT64_C(0xc2b2ae3d27d4eb4f) ^
		(crm_double_bits(T) + UINT64_C(0x632be59bd9b4e019)) * UINT64_C(0x165667b19e3779f9);

	return fmix64(h);
}

/* Keys are equal when their bit patterns are (keys are normalised). */
static inline bool
key_equal(const CrmAccumEntry *e, double x, double tx, double T)
{
	return crm_double_bits(e->x) == crm_double_bits(x) && crm_double_bits(e->tx) == crm_double_bits(tx) &&
		crm_double_bits(e->T) == crm_double_bits(T);
}

/* Start an empty accumulator; see accum.h. */
CrmStatus
crm_accum_init(CrmAccum *a, CrmModelKind kind, double penalizer, bool has_start,
			   const double *start)
{
	const CrmModelSpec *spec = crm_model_spec(kind);
	int			i;

	/*
	 * Everything but the parked-row buffer, which is unused while npend is
	 * 0: the fit glue builds an options template with this for every row.
	 */
	memset(a, 0, offsetof(CrmAccum, pend));
	if (spec == NULL)
		return CRM_EUNSUP;
	if (!crm_isfinite(penalizer) || penalizer < 0)
		return CRM_EPARAM;
	a->kind = kind;
	a->nparams = spec->nparams;
	a->penalizer = norm_zero(penalizer);
	a->has_start = has_start;
	if (has_start)
	{
		for (i = 0; i < spec->nparams; i++)
		{
			if (!crm_isfinite(start[i]) || start[i] <= 0)
				return CRM_EPARAM;
			a->start[i] = start[i];
		}
	}
	return CRM_OK;
}

/* Release the arrays. */
void
crm_accum_free(CrmAccum *a)
{
	size_t		b;

	/* block 0 grows by crm_realloc, the others are crm_alloc_huge blocks */
	if (a->nblocks > 0)
		crm_free(a->blocks[0]);
	for (b = 1; b < a->nblocks; b++)
		crm_free_huge(a->blocks[b]);
	crm_free(a->blocks);
	crm_free(a->slots);
	a->blocks = NULL;
	a->slots = NULL;
	a->n = a->cap = a->nslots = a->nblocks = a->blocks_cap = 0;
	a->npend = 0;
	a->flat = a->flat_distinct = false;
	a->flat_next = 0;
}

/*
 * Slot of key (hash h) in the index: the slot holding it, or the empty slot
 * where it goes.  The stored 32 hash bits are compared first, so a probe
 * reads an entry only when its hash matches.
 */
static inline size_t
find_slot(const CrmAccum *a, uint32_t h, double x, double tx, double T)
{
	size_t		mask = a->nslots - 1;
	size_t		i = (size_t) h & mask;

	for (;;)
	{
		const CrmAccumSlot *s = &a->slots[i];

		if (s->idx == 0 || (s->hash == h && key_equal(crm_accum_entry(a, s->idx - 1), x, tx, T)))
			return i;
		i = (i + 1) & mask;
	}
}

/*
 * Grow the entry storage by one step: block 0 doubles up to CRM_ACCUM_BLOCK
 * entries, then a block as large as all the others is added (nothing is
 * copied; capacity doubles either way).  On failure nothing changes.
 */
static CrmStatus
grow_entries(CrmAccum *a)
{
	CrmAccumEntry *blk;

	if (a->blocks_cap == 0)
	{
		a->blocks = crm_alloc(4 * sizeof(CrmAccumEntry *));
		if (a->blocks == NULL)
			return CRM_ENOMEM;
		a->blocks_cap = 4;
	}
	if (a->cap < CRM_ACCUM_BLOCK)
	{
		size_t		newcap = a->cap == 0 ? ACCUM_MIN_CAP : a->cap * 2;

		if (newcap > CRM_ACCUM_BLOCK)
			newcap = CRM_ACCUM_BLOCK;
		blk = crm_realloc(a->nblocks > 0 ? a->blocks[0] : NULL, a->n * sizeof(CrmAccumEntry),
						  newcap * sizeof(CrmAccumEntry));
		if (blk == NULL)
			return CRM_ENOMEM;
		a->blocks[0] = blk;
		a->nblocks = 1;
		a->cap = newcap;
		return CRM_OK;
	}
	if (a->nblocks == a->blocks_cap)
	{
		CrmAccumEntry **nb;

		if (a->blocks_cap > SIZE_MAX / (2 * sizeof(CrmAccumEntry *)))
			return CRM_ENOMEM;
		nb = crm_realloc(a->blocks, a->blocks_cap * sizeof(CrmAccumEntry *),
						 2 * a->blocks_cap * sizeof(CrmAccumEntry *));
		if (nb == NULL)
			return CRM_ENOMEM;
		a->blocks = nb;
		a->blocks_cap *= 2;
	}
	/* block b holds as many entries as blocks 0..b-1 together: cap doubles */
	if (a->cap > SIZE_MAX / (2 * sizeof(CrmAccumEntry)))
		return CRM_ENOMEM;
	blk = crm_alloc_huge(a->cap * sizeof(CrmAccumEntry));
	if (blk == NULL)
		return CRM_ENOMEM;
	a->blocks[a->nblocks++] = blk;
	a->cap *= 2;
	return CRM_OK;
}

/*
 * Make room for one more entry (besides the parked rows): more entry
 * storage when full, and a doubled index, rebuilt from the stored hashes
 * without reading the entries, when the load factor would exceed 1/2.  On
 * failure nothing observable changes (at most capacity was added).
 */
static CrmStatus
ensure_room(CrmAccum *a)
{
	size_t		need = a->n + (size_t) a->npend + 1,
				newslots,
				i;
	CrmAccumSlot *ns;
	CrmStatus	st;

	/* slot indexes are entry index + 1 in a uint32; sizes must not overflow */
	if (need > (size_t) UINT32_MAX / 4 || need > SIZE_MAX / (8 * sizeof(CrmAccumEntry)))
		return CRM_ENOMEM;
	if (need > a->cap)
	{
		st = grow_entries(a);
		if (st != CRM_OK)
			return st;
	}
	if (a->flat || 2 * need <= a->nslots)
		return CRM_OK;
	newslots = a->nslots == 0 ? 2 * ACCUM_MIN_CAP : 2 * a->nslots;
	ns = crm_alloc(newslots * sizeof(CrmAccumSlot));
	if (ns == NULL)
		return CRM_ENOMEM;
	memset(ns, 0, newslots * sizeof(CrmAccumSlot));
	for (i = 0; i < a->nslots; i++)
	{
		size_t		j;

		if (a->slots[i].idx == 0)
			continue;
		j = (size_t) a->slots[i].hash & (newslots - 1);
		while (ns[j].idx != 0)
			j = (j + 1) & (newslots - 1);
		ns[j] = a->slots[i];
	}
	crm_free(a->slots);
	a->slots = ns;
	a->nslots = newslots;
	return CRM_OK;
}

/*
 * Add weight (w, w_lo) to key (x, tx, T).  *is_new says whether a new entry
 * was made.
 */
static CrmStatus
add_hashed(CrmAccum *a, double x, double tx, double T, double w, double w_lo, uint32_t h,
		   bool *is_new)
{
	size_t		i;
	CrmStatus	st;

	*is_new = false;
	if (a->nslots > 0)
	{
		i = find_slot(a, h, x, tx, T);
		if (a->slots[i].idx != 0)
		{
			CrmAccumEntry *e = crm_accum_entry(a, a->slots[i].idx - 1);

			crm_neumaier_add(&e->w, &e->w_lo, w);
			e->w_lo += w_lo;
			return CRM_OK;
		}
	}
	st = ensure_room(a);
	if (st != CRM_OK)
		return st;
	i = find_slot(a, h, x, tx, T);
	{
		CrmAccumEntry *e = crm_accum_entry(a, a->n);

		e->x = x;
		e->tx = tx;
		e->T = T;
		e->w = w;
		e->w_lo = w_lo;
	}
	a->n++;
	a->slots[i].idx = (uint32_t) a->n;
	a->slots[i].hash = h;
	*is_new = true;
	return CRM_OK;
}

/* Append an entry to a flat state (no index; equal keys merged later). */
static inline CrmStatus
append_flat(CrmAccum *a, double x, double tx, double T, double w, double w_lo)
{
	CrmAccumEntry *e;

	if (a->n >= a->cap)
	{
		CrmStatus	st = ensure_room(a);

		if (st != CRM_OK)
			return st;
	}
	e = crm_accum_entry(a, a->n);
	e->x = x;
	e->tx = tx;
	e->T = T;
	e->w = w;
	e->w_lo = w_lo;
	a->n++;
	a->flat_distinct = false;
	return CRM_OK;
}

/*
 * Entry count at which a flat state with n distinct entries is compacted
 * next: 4n, but not before CRM_ACCUM_COMPACT_MIN entries (40 MB), so that
 * typical distinct data (a few million rows) is sorted only once.
 */
static inline size_t
flat_next_check(size_t n)
{
	return 4 * n > CRM_ACCUM_COMPACT_MIN ? 4 * n : CRM_ACCUM_COMPACT_MIN;
}

/* Drop the index: from now on rows are appended (see "Flat mode" in accum.h). */
static void
go_flat(CrmAccum *a)
{
	crm_accum_flush(a);
	crm_free(a->slots);
	a->slots = NULL;
	a->nslots = 0;
	a->flat = true;
	a->flat_distinct = true;
	a->flat_next = flat_next_check(a->n);
}

/*
 * Whether rows that made n distinct entries are distinct enough for flat
 * mode: at least a quarter of them were new keys.  An index of n >=
 * CRM_ACCUM_FLAT_MIN entries is larger than the caches, so every probe is a
 * cache miss (about 190 ns a row measured on 1M customers with 58 % distinct
 * keys); appending costs a few ns a row, and the later sort about 60 ns an
 * entry, i.e. at most 4 entries (the compaction rule) per distinct key.
 */
static inline bool
mostly_new(uint64_t rows, size_t n)
{
	return rows - n <= 3 * (rows / 4);
}

/* Go flat when the state is large and its rows were mostly new keys. */
static inline void
maybe_go_flat(CrmAccum *a)
{
	if (!a->flat && a->npend == 0 && a->n >= CRM_ACCUM_FLAT_MIN &&
		mostly_new((uint64_t) a->rows, a->n))
		go_flat(a);
}

static CrmStatus sorted_merged(const CrmAccum *a, CrmObs **out, size_t *n);

/* Sort and merge equal keys of a flat state; see accum.h. */
CrmStatus
crm_accum_compact(CrmAccum *a)
{
	CrmObs	   *obs;
	size_t		m,
				i;
	CrmStatus	st;

	crm_accum_flush(a);
	if (!a->flat || a->flat_distinct)
		return CRM_OK;
	st = sorted_merged(a, &obs, &m);
	if (st != CRM_OK)
		return st;
	for (i = 0; i < m; i++)
	{
		CrmAccumEntry *e = crm_accum_entry(a, i);

		e->x = obs[i].x;
		e->tx = obs[i].tx;
		e->T = obs[i].T;
		e->w = obs[i].w;
		e->w_lo = 0.0;
	}
	crm_free_huge(obs);
	a->n = m;
	a->flat_distinct = true;
	a->flat_next = flat_next_check(m);
	return CRM_OK;
}

/* Compact a flat state that has grown fourfold (failure only postpones it). */
static inline void
flat_check(CrmAccum *a)
{
	if (a->n >= a->flat_next && crm_accum_compact(a) != CRM_OK)
		a->flat_next = 2 * a->n;
}

/* Insert the parked rows; see accum.h. */
void
crm_accum_flush(CrmAccum *a)
{
	int			k = a->npend;
	int			i;
	bool		is_new;

	/* room for all of them was reserved: add_hashed cannot fail */
	a->npend = 0;
	for (i = 0; i < k; i++)
		(void) add_hashed(a, a->pend[i].x, a->pend[i].tx, a->pend[i].T, a->pend[i].w, 0.0,
						  a->pend[i].hash, &is_new);
}

/* Flush an accumulator passed as const (its logical content is unchanged). */
static inline void
flush_const(const CrmAccum *a)
{
	if (a->npend > 0)
		crm_accum_flush((CrmAccum *) a);
}

/*
 * Keys on their way into an accumulator in groups of CRM_ACCUM_PEND, for
 * merge and decode: hashed and their slots prefetched first, then inserted,
 * so that the cache misses of a group overlap (as crm_accum_add does).
 */
typedef struct KeyBatch
{
	int			n;
	CrmAccumPend k[CRM_ACCUM_PEND];
	double		w_lo[CRM_ACCUM_PEND];
} KeyBatch;

/* Queue a key (normalised and hashed here); the caller flushes when full. */
static inline void
batch_push(const CrmAccum *a, KeyBatch *b, double x, double tx, double T, double w,
		   double w_lo)
{
	CrmAccumPend *p = &b->k[b->n];

	p->x = norm_zero(x);
	p->tx = norm_zero(tx);
	p->T = norm_zero(T);
	p->w = w;
	p->hash = (uint32_t) key_hash(p->x, p->tx, p->T);
	b->w_lo[b->n] = w_lo;
	b->n++;
#if defined(__GNUC__) || defined(__clang__)
	if (a->nslots > 0)
		__builtin_prefetch(&a->slots[(size_t) p->hash & (a->nslots - 1)], 0, 1);
#endif
}

/* Insert the queued keys; *dups counts keys that were already present. */
static CrmStatus
batch_flush(CrmAccum *a, KeyBatch *b, size_t *dups)
{
	int			i;
	bool		is_new;

	for (i = 0; i < b->n; i++)
	{
		const CrmAccumPend *p = &b->k[i];
		CrmStatus	st = add_hashed(a, p->x, p->tx, p->T, p->w, b->w_lo[i], p->hash, &is_new);

		if (st != CRM_OK)
		{
			b->n = 0;
			return st;
		}
		if (!is_new)
			(*dups)++;
	}
	b->n = 0;
	return CRM_OK;
}

/* Add one observation (parked until CRM_ACCUM_PEND are waiting); see accum.h. */
CrmStatus
crm_accum_add(CrmAccum *a, double x, double tx, double T, double w)
{
	CrmAccumPend *p;
	CrmStatus	st;
	uint32_t	h;

	if (a->rows == INT64_MAX)
		return CRM_ERANGE;
	if (a->flat)
	{
		if (a->n >= a->flat_next)
			flat_check(a);
		st = append_flat(a, norm_zero(x), norm_zero(tx), norm_zero(T), w, 0.0);
		if (st == CRM_OK)
			a->rows++;
		return st;
	}
	/* reserve the entry now, so that the flush cannot fail */
	st = ensure_room(a);
	if (st != CRM_OK)
		return st;
	x = norm_zero(x);
	tx = norm_zero(tx);
	T = norm_zero(T);
	h = (uint32_t) key_hash(x, tx, T);
#if defined(__GNUC__) || defined(__clang__)
	__builtin_prefetch(&a->slots[(size_t) h & (a->nslots - 1)], 0, 1);
#endif
	p = &a->pend[a->npend++];
	p->x = x;
	p->tx = tx;
	p->T = T;
	p->w = w;
	p->hash = h;
	a->rows++;
	if (a->npend == CRM_ACCUM_PEND)
	{
		crm_accum_flush(a);
		maybe_go_flat(a);
	}
	return CRM_OK;
}

/* Same kind and bit-identical options. */
bool
crm_accum_compatible(const CrmAccum *a, const CrmAccum *b)
{
	int			i;

	if (a->kind != b->kind || a->nparams != b->nparams ||
		crm_double_bits(a->penalizer) != crm_double_bits(b->penalizer) || a->has_start != b->has_start)
		return false;
	if (a->has_start)
		for (i = 0; i < a->nparams; i++)
			if (crm_double_bits(a->start[i]) != crm_double_bits(b->start[i]))
				return false;
	return true;
}

/* Merge src into dst; see accum.h. */
CrmStatus
crm_accum_merge(CrmAccum *dst, const CrmAccum *src)
{
	size_t		i;
	size_t		dups = 0;
	KeyBatch	b;

	b.n = 0;
	if (!crm_accum_compatible(dst, src))
		return CRM_EPARAM;
	if (src->rows > INT64_MAX - dst->rows)
		return CRM_ERANGE;
	crm_accum_flush(dst);
	flush_const(src);
	if (!dst->flat && src->flat && dst->n + src->n >= CRM_ACCUM_FLAT_MIN)
		go_flat(dst);
	if (dst->flat)
	{
		for (i = 0; i < src->n; i++)
		{
			const CrmAccumEntry *e = crm_accum_entry(src, i);
			CrmStatus	st = append_flat(dst, e->x, e->tx, e->T, e->w, e->w_lo);

			if (st != CRM_OK)
				return st;
		}
		dst->rows += src->rows;
		flat_check(dst);
		return CRM_OK;
	}
	/* no interrupt polling: a merge is fast and must not stop half done */
	for (i = 0; i < src->n; i++)
	{
		const CrmAccumEntry *e = crm_accum_entry(src, i);

		batch_push(dst, &b, e->x, e->tx, e->T, e->w, e->w_lo);
		if (b.n == CRM_ACCUM_PEND || i + 1 == src->n)
		{
			CrmStatus	st = batch_flush(dst, &b, &dups);

			if (st != CRM_OK)
				return st;
		}
	}
	dst->rows += src->rows;
	maybe_go_flat(dst);
	return CRM_OK;
}

/*
 * Entry flags of format version 2 (see accum.h): which fields are written;
 * an absent key field repeats the previous entry's (+0.0 before the first),
 * an absent w is 1, an absent w_lo +0.
 */
#define ENT_X 0x01
#define ENT_TX 0x02
#define ENT_T 0x04
#define ENT_W 0x08
#define ENT_WLO 0x10
#define ENT_ALL (ENT_X | ENT_TX | ENT_T | ENT_W | ENT_WLO)

/* The previous entry's key while entries are written or read. */
typedef struct EntryCtx
{
	int			version;
	uint64_t	x,
				tx,
				T;				/* bits */
} EntryCtx;

static inline void
entry_ctx_init(EntryCtx *c, int version)
{
	c->version = version;
	c->x = c->tx = c->T = 0;	/* +0.0 */
}

/* Flags of entry e after the key in c (version 2); advances c. */
static inline unsigned
entry_flags(EntryCtx *c, const CrmAccumEntry *e)
{
	unsigned	f = 0;
	uint64_t	bx = crm_double_bits(e->x),
				btx = crm_double_bits(e->tx),
				bT = crm_double_bits(e->T);

	if (bx != c->x)
		f |= ENT_X;
	if (btx != c->tx)
		f |= ENT_TX;
	if (bT != c->T)
		f |= ENT_T;
	if (crm_double_bits(e->w) != crm_double_bits(1.0))
		f |= ENT_W;
	if (crm_double_bits(e->w_lo) != 0)
		f |= ENT_WLO;
	c->x = bx;
	c->tx = btx;
	c->T = bT;
	return f;
}

/* bytes of an entry with flags f */
static inline size_t
entry_bytes(unsigned f)
{
	return 1 + 8 * (size_t) (((f & ENT_X) != 0) + ((f & ENT_TX) != 0) + ((f & ENT_T) != 0) +
							 ((f & ENT_W) != 0) + ((f & ENT_WLO) != 0));
}

/* Size of the encoded form. */
size_t
crm_accum_encoded_size(const CrmAccum *a)
{
	EntryCtx	c;
	size_t		i,
				n;

	flush_const(a);
	if (a->flat && !a->flat_distinct)
		(void) crm_accum_compact((CrmAccum *) a);
	n = ACCUM_HEAD_BYTES + (a->has_start ? (size_t) a->nparams * 8 : 0) + ACCUM_COUNTS_BYTES;
	entry_ctx_init(&c, CRM_ACCUM_VERSION);
	for (i = 0; i < a->n; i++)
		n += entry_bytes(entry_flags(&c, crm_accum_entry(a, i)));
	return n;
}

/* Encode; see accum.h for the layout. */
CrmStatus
crm_accum_encode(const CrmAccum *a, unsigned char *buf, size_t cap)
{
	CrmWriter	w;
	size_t		i;
	int			k;

	flush_const(a);
	if (a->flat && !a->flat_distinct)
		(void) crm_accum_compact((CrmAccum *) a);
	crm_writer_init(&w, buf, cap);
	crm_put_u8(&w, CRM_ACCUM_VERSION);
	crm_put_u8(&w, CRM_TAG_FIT);
	crm_put_u8(&w, (uint8_t) a->kind);
	crm_put_u8(&w, (uint8_t) (a->has_start ? a->nparams : 0));
	crm_put_f64(&w, a->penalizer);
	if (a->has_start)
		for (k = 0; k < a->nparams; k++)
			crm_put_f64(&w, a->start[k]);
	crm_put_i64(&w, a->rows);
	crm_put_u64(&w, (uint64_t) a->n);
	{
		EntryCtx	c;

		entry_ctx_init(&c, CRM_ACCUM_VERSION);
		for (i = 0; i < a->n; i++)
		{
			const CrmAccumEntry *e = crm_accum_entry(a, i);
			unsigned	f = entry_flags(&c, e);

			crm_put_u8(&w, (uint8_t) f);
			if (f & ENT_X)
				crm_put_f64(&w, e->x);
			if (f & ENT_TX)
				crm_put_f64(&w, e->tx);
			if (f & ENT_T)
				crm_put_f64(&w, e->T);
			if (f & ENT_W)
				crm_put_f64(&w, e->w);
			if (f & ENT_WLO)
				crm_put_f64(&w, e->w_lo);
		}
	}
	return (w.overflow || w.pos != crm_accum_encoded_size(a)) ? CRM_EINTERNAL : CRM_OK;
}

/* true when v is -0.0 */
static inline bool
is_neg_zero(double v)
{
	return v == 0.0 && signbit(v);
}

/*
 * Read and validate the header of an encoding: version, tag, kind, options,
 * counts.  On success *a is an initialised empty accumulator with the
 * encoded kind and options, *rows and *nent are the counts, and the reader
 * stands at the first entry with exactly nent entries left.
 */
static CrmStatus
decode_header(CrmReader *r, CrmAccum *a, int64_t *rows, uint64_t *nent, int *version_out,
			  const char **reason)
{
	uint8_t		version,
				tag,
				kind,
				nstart;
	double		penalizer;
	double		start[CRM_MAX_PARAMS];
	const CrmModelSpec *spec;
	int			k;

	memset(a, 0, sizeof(*a));
	version = crm_get_u8(r);
	tag = crm_get_u8(r);
	if (r->error)
	{
		*reason = "the state is truncated";
		return CRM_EDATA;
	}
	if (version != 1 && version != CRM_ACCUM_VERSION)
	{
		*reason = "the state has an unknown format version";
		return CRM_EVERSION;
	}
	*version_out = version;
	if (tag != CRM_TAG_FIT)
	{
		*reason = "the bytes are not a fit state";
		return CRM_EDATA;
	}
	kind = crm_get_u8(r);
	nstart = crm_get_u8(r);
	penalizer = crm_get_f64(r);
	if (r->error)
	{
		*reason = "the state is truncated";
		return CRM_EDATA;
	}
	if (kind < 1 || kind > CRM_MODEL_KIND_MAX)
	{
		*reason = "the state names an unknown model kind";
		return CRM_EDATA;
	}
	spec = crm_model_spec((CrmModelKind) kind);
	if (spec == NULL)
	{
		*reason = "the state is for a model this build does not have";
		return CRM_EUNSUP;
	}
	if (nstart != 0 && nstart != spec->nparams)
	{
		*reason = "the start vector has the wrong length";
		return CRM_EDATA;
	}
	if (!crm_isfinite(penalizer) || penalizer < 0 || is_neg_zero(penalizer))
	{
		*reason = "the penalizer is not a finite non-negative number";
		return CRM_EDATA;
	}
	for (k = 0; k < nstart; k++)
		start[k] = crm_get_f64(r);
	*rows = crm_get_i64(r);
	*nent = crm_get_u64(r);
	if (r->error)
	{
		*reason = "the state is truncated";
		return CRM_EDATA;
	}
	for (k = 0; k < nstart; k++)
		if (!crm_isfinite(start[k]) || start[k] <= 0)
		{
			*reason = "a start value is not a finite positive number";
			return CRM_EDATA;
		}
	if (*rows < 0 || (uint64_t) *rows < *nent)
	{
		*reason = "the row count is smaller than the number of entries";
		return CRM_EDATA;
	}
	if (version == 1
		? (*nent > crm_reader_left(r) / CRM_ACCUM_ENTRY_BYTES_V1 ||
		   *nent * CRM_ACCUM_ENTRY_BYTES_V1 != crm_reader_left(r))
		: *nent > crm_reader_left(r))	/* version 2: at least a byte an entry */
	{
		*reason = "the length does not match the number of entries";
		return CRM_EDATA;
	}
	if (crm_accum_init(a, (CrmModelKind) kind, penalizer, nstart != 0, start) != CRM_OK)
	{
		*reason = "the options are invalid";
		return CRM_EDATA;
	}
	return CRM_OK;
}

/* Read and validate one entry (canonical key, weights, the model's check_obs). */
static CrmStatus
decode_entry(CrmReader *r, EntryCtx *c, const CrmModelSpec *spec, CrmObs *o, double *w_lo,
			 const char **reason)
{
	const char *why = NULL;

	if (c->version == 1)
	{
		o->x = crm_get_f64(r);
		o->tx = crm_get_f64(r);
		o->T = crm_get_f64(r);
		o->w = crm_get_f64(r);
		*w_lo = crm_get_f64(r);
	}
	else
	{
		unsigned	f = crm_get_u8(r);
		CrmAccumEntry e;
		EntryCtx	c2 = *c;

		if (f & ~(unsigned) ENT_ALL)
		{
			*reason = "an entry has unknown flags";
			return CRM_EDATA;
		}
		memcpy(&o->x, &c->x, sizeof(double));
		memcpy(&o->tx, &c->tx, sizeof(double));
		memcpy(&o->T, &c->T, sizeof(double));
		o->w = 1.0;
		*w_lo = 0.0;
		if (f & ENT_X)
			o->x = crm_get_f64(r);
		if (f & ENT_TX)
			o->tx = crm_get_f64(r);
		if (f & ENT_T)
			o->T = crm_get_f64(r);
		if (f & ENT_W)
			o->w = crm_get_f64(r);
		if (f & ENT_WLO)
			*w_lo = crm_get_f64(r);
		if (r->error)
		{
			*reason = "the state is truncated";
			return CRM_EDATA;
		}
		/* canonical: a field is written exactly when it differs from its default */
		e.x = o->x;
		e.tx = o->tx;
		e.T = o->T;
		e.w = o->w;
		e.w_lo = *w_lo;
		if (entry_flags(&c2, &e) != f)
		{
			*reason = "an entry is not in canonical form";
			return CRM_EDATA;
		}
		*c = c2;
	}
	if (r->error)
	{
		*reason = "the state is truncated";
		return CRM_EDATA;
	}
	if (is_neg_zero(o->x) || is_neg_zero(o->tx) || is_neg_zero(o->T))
	{
		*reason = "an entry has a non-canonical key (-0)";
		return CRM_EDATA;
	}
	if (!crm_isfinite(o->w) || !crm_isfinite(*w_lo) || o->w <= 0 || fabs(*w_lo) >= o->w ||
		!(o->w + *w_lo > 0))
	{
		*reason = "an entry has a weight that is not finite and positive";
		return CRM_EDATA;
	}
	if (spec->check_obs(o, &why) != CRM_OK)
	{
		*reason = "an entry is not a valid observation for its model";
		return CRM_EDATA;
	}
	return CRM_OK;
}

/* CRM_OK when the reader stands at the end of its bytes (after the last entry). */
static CrmStatus
entries_end(const CrmReader *r, const char **reason)
{
	if (crm_reader_left(r) == 0)
		return CRM_OK;
	*reason = "the length does not match the entries";
	return CRM_EDATA;
}

/* Decode and validate; see accum.h. */
CrmStatus
crm_accum_decode(const unsigned char *buf, size_t len, CrmAccum *a, const char **reason)
{
	CrmReader	r;
	const CrmModelSpec *spec;
	int64_t		rows;
	uint64_t	nent;
	uint64_t	i;
	KeyBatch	b;
	size_t		dups = 0;
	int			version;
	EntryCtx	ec;
	CrmStatus	st;

	*reason = NULL;
	crm_reader_init(&r, buf, len);
	st = decode_header(&r, a, &rows, &nent, &version, reason);
	if (st != CRM_OK)
		return st;
	entry_ctx_init(&ec, version);
	spec = crm_model_spec(a->kind);
	if (nent >= CRM_ACCUM_FLAT_MIN)
	{
		/*
		 * A large state in strictly increasing key order (as a flat state
		 * encodes): flat, no index.  Appended while read; at the first key
		 * out of order, start over with the index.
		 */
		size_t		entries_at = r.pos;
		CrmObs		prev = {0, 0, 0, 0};
		bool		sorted = true;

		a->flat = true;
		for (i = 0; i < nent; i++)
		{
			CrmObs		o;
			double		w_lo;

			st = decode_entry(&r, &ec, spec, &o, &w_lo, reason);
			if (st != CRM_OK)
				return st;
			if (i > 0 && obs_cmp(&prev, &o) >= 0)
			{
				sorted = false;
				break;
			}
			prev = o;
			st = append_flat(a, o.x, o.tx, o.T, o.w, w_lo);
			if (st != CRM_OK)
				return st;
			if ((i & 0xFFFF) == 0xFFFF && crm_interrupted())
				return CRM_EINTERRUPTED;
		}
		if (sorted)
		{
			if ((st = entries_end(&r, reason)) != CRM_OK)
				return st;
			a->rows = rows;
			a->flat_distinct = true;
			a->flat_next = flat_next_check(a->n);
			return CRM_OK;
		}
		/* keep the entry blocks (capacity), drop what was appended */
		a->flat = false;
		a->flat_distinct = false;
		a->n = 0;
		r.pos = entries_at;
		entry_ctx_init(&ec, version);
	}
	b.n = 0;
	for (i = 0; i < nent; i++)
	{
		CrmObs		o;
		double		w_lo;

		st = decode_entry(&r, &ec, spec, &o, &w_lo, reason);
		if (st != CRM_OK)
			return st;
		batch_push(a, &b, o.x, o.tx, o.T, o.w, w_lo);
		if (b.n == CRM_ACCUM_PEND || i + 1 == nent)
		{
			st = batch_flush(a, &b, &dups);
			if (st != CRM_OK)
				return st;
			if (dups > 0)
			{
				*reason = "two entries have the same key";
				return CRM_EDATA;
			}
		}
		if ((i & 0xFFFF) == 0xFFFF && crm_interrupted())
			return CRM_EINTERRUPTED;
	}
	if ((st = entries_end(&r, reason)) != CRM_OK)
		return st;
	a->rows = rows;
	maybe_go_flat(a);
	return CRM_OK;
}

/* Merge an encoded state into dst without decoding it first; see accum.h. */
CrmStatus
crm_accum_merge_encoded(CrmAccum *dst, const unsigned char *buf, size_t len,
						const char **reason)
{
	CrmReader	r;
	CrmAccum	hdr;
	const CrmModelSpec *spec;
	int64_t		rows;
	uint64_t	nent;
	uint64_t	i;
	size_t		entries_at;
	KeyBatch	b;
	size_t		dups = 0;
	int			version;
	EntryCtx	ec;
	CrmStatus	st;

	*reason = NULL;
	crm_reader_init(&r, buf, len);
	st = decode_header(&r, &hdr, &rows, &nent, &version, reason);
	if (st != CRM_OK)
		return st;
	entry_ctx_init(&ec, version);
	if (!crm_accum_compatible(dst, &hdr))
		return CRM_EPARAM;
	if (rows > INT64_MAX - dst->rows)
		return CRM_ERANGE;
	spec = crm_model_spec(hdr.kind);
	crm_accum_flush(dst);
	if (!dst->flat && dst->n + nent >= CRM_ACCUM_FLAT_MIN &&
		mostly_new((uint64_t) rows, nent))
		go_flat(dst);			/* changes how dst is stored, not what it holds */
	if (dst->flat)
	{
		/* one pass: append while validating, and take it all back on an error */
		size_t		n0 = dst->n;
		bool		distinct0 = dst->flat_distinct;

		for (i = 0; i < nent; i++)
		{
			CrmObs		o;
			double		w_lo;

			st = decode_entry(&r, &ec, spec, &o, &w_lo, reason);
			if (st == CRM_OK && (i & 0xFFFF) == 0xFFFF && crm_interrupted())
				st = CRM_EINTERRUPTED;
			if (st == CRM_OK)
				st = append_flat(dst, o.x, o.tx, o.T, o.w, w_lo);
			if (st != CRM_OK)
			{
				dst->n = n0;
				dst->flat_distinct = distinct0;
				return st;
			}
		}
		if ((st = entries_end(&r, reason)) != CRM_OK)
		{
			dst->n = n0;
			dst->flat_distinct = distinct0;
			return st;
		}
		dst->rows += rows;
		flat_check(dst);
		return CRM_OK;
	}
	/* validate everything before changing dst */
	entries_at = r.pos;
	for (i = 0; i < nent; i++)
	{
		CrmObs		o;
		double		w_lo;

		st = decode_entry(&r, &ec, spec, &o, &w_lo, reason);
		if (st != CRM_OK)
			return st;
		if ((i & 0xFFFF) == 0xFFFF && crm_interrupted())
			return CRM_EINTERRUPTED;
	}
	if ((st = entries_end(&r, reason)) != CRM_OK)
		return st;
	r.pos = entries_at;
	entry_ctx_init(&ec, version);
	b.n = 0;
	for (i = 0; i < nent; i++)
	{
		CrmObs		o;
		double		w_lo;

		(void) decode_entry(&r, &ec, spec, &o, &w_lo, reason);
		batch_push(dst, &b, o.x, o.tx, o.T, o.w, w_lo);
		if (b.n == CRM_ACCUM_PEND || i + 1 == nent)
		{
			st = batch_flush(dst, &b, &dups);
			if (st != CRM_OK)
				return st;
		}
	}
	dst->rows += rows;
	maybe_go_flat(dst);
	return CRM_OK;
}

/*
 * Sorting the data for the optimizer, in the numeric order of (x, tx, T).
 * Written by hand because the C library offers only qsort, whose merge
 * sort with a comparator call per comparison took a quarter of a
 * 1M-customer fit.  Three steps:
 *	1. a bucket pass on the integer part of x (values from RADIX_SIZE - 1
 *	   up share the last bucket): one histogram pass over the entries and
 *	   one scatter into the output array.  x is a purchase count in every
 *	   model, so a bucket usually holds one value of x, and the buckets
 *	   are small (a 1M-customer fit: 181 values of x, the largest bucket
 *	   14 % of the rows);
 *	2. within each bucket, an LSD radix sort (11-bit digits; T first, then
 *	   tx, then x) on the top RADIX_KEEP_BITS bits in which the bucket's
 *	   keys differ: at most two passes per key, none for a key that is the
 *	   same throughout the bucket (x, usually), each pass within a bucket
 *	   that mostly fits in the caches, with scratch space only as large as
 *	   the largest bucket (the whole array would need a second copy of the
 *	   data, which costs as much in page faults as the sort itself);
 *	3. only rows whose truncated keys tie can then be out of order, and
 *	   they are close together: an insertion sort on the full keys puts
 *	   them right in O(n + inversions) (finish_sort).  With distinct
 *	   unrounded values, 22 bits leave few ties; with rounded values the
 *	   truncation usually loses nothing.
 */
#define RADIX_BITS 11
#define RADIX_SIZE (1 << RADIX_BITS)
#define RADIX_KEEP_BITS (2 * RADIX_BITS)

/* Order-preserving map of a double (not NaN, -0 normalised) to uint64. */
static inline uint64_t
order_bits(double v)
{
	uint64_t	b = crm_double_bits(v);

	return (b & UINT64_C(0x8000000000000000)) ? ~b : (b | UINT64_C(0x8000000000000000));
}

/* key field f (0: x, 1: tx, 2: T) of an observation, mapped */
static inline uint64_t
obs_key(const CrmObs *o, int f)
{
	return order_bits(f == 0 ? o->x : (f == 1 ? o->tx : o->T));
}

/* qsort comparator: by x, then tx, then T (keys are unique, never NaN). */
static int
obs_cmp(const void *pa, const void *pb)
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
 * Finish a nearly sorted array: insertion sort on the full keys, which
 * costs O(n + inversions).  If the inversions exceed a budget (many keys
 * that differ only below the truncated bits), qsort the whole array
 * instead, so the worst case stays O(n log n).
 */
static void
finish_sort(CrmObs *a, size_t n)
{
	size_t		budget = 8 * n + 1024;
	size_t		moves = 0;
	size_t		i;

	for (i = 1; i < n; i++)
	{
		CrmObs		v;
		size_t		j = i;

		if (obs_cmp(&a[i - 1], &a[i]) <= 0)
			continue;
		v = a[i];
		while (j > 0 && obs_cmp(&a[j - 1], &v) > 0)
		{
			a[j] = a[j - 1];
			j--;
			moves++;
		}
		a[j] = v;
		if (moves > budget)
		{
			qsort(a, n, sizeof(CrmObs), obs_cmp);
			return;
		}
	}
}

/*
 * Do the keys of field f that share their digit at shift all have the same
 * value?  Then sorting on that digit alone orders them (rounded data: a few
 * hundred distinct values of T or tx, which their top 11 varying bits tell
 * apart).  first[] and seen[] are RADIX_SIZE scratch entries.
 */
static bool
digit_determines_key(const CrmObs *a, size_t n, int f, int shift, uint64_t *first,
					 unsigned char *seen)
{
	size_t		i;

	memset(seen, 0, RADIX_SIZE);
	for (i = 0; i < n; i++)
	{
		uint64_t	k = obs_key(&a[i], f);
		size_t		d = (k >> shift) & (RADIX_SIZE - 1);

		if (!seen[d])
		{
			seen[d] = 1;
			first[d] = k;
		}
		else if (first[d] != k)
			return false;
	}
	return true;
}

/*
 * Sort a[0..n) by (x, tx, T) using tmp[0..n) as scratch and count[0..
 * RADIX_SIZE) as the histogram; returns the array (a or tmp) that holds the
 * result.
 */
static CrmObs *
radix_sort_obs(CrmObs *a, CrmObs *tmp, size_t n, size_t *count)
{
	static const int fields[3] = {2, 1, 0};	/* least significant first */
	uint64_t	orv[3] = {0, 0, 0},
				andv[3] = {~UINT64_C(0), ~UINT64_C(0), ~UINT64_C(0)};
	int			lowbit[3];
	uint64_t	first[RADIX_SIZE];
	unsigned char seen[RADIX_SIZE];
	size_t		i;
	int			fi,
				f;

	if (n < 2)
		return a;
	for (i = 0; i < n; i++)
		for (f = 0; f < 3; f++)
		{
			uint64_t	k = obs_key(&a[i], f);

			orv[f] |= k;
			andv[f] &= k;
		}
	/*
	 * per key: sort on the RADIX_KEEP_BITS bits from its highest varying bit
	 * down, or on the top RADIX_BITS of them alone when those tell the
	 * distinct values apart (one scatter pass instead of two; the check
	 * reads the keys once)
	 */
	for (f = 0; f < 3; f++)
	{
		uint64_t	varying = orv[f] ^ andv[f];
		int			top = 0;

		while (top < 64 && (varying >> top) != 0)
			top++;				/* bits [top, 64) are the same in every key */
		lowbit[f] = top > RADIX_KEEP_BITS ? top - RADIX_KEEP_BITS : 0;
		if (top > RADIX_BITS && n >= 4096 &&
			digit_determines_key(a, n, f, top - RADIX_BITS, first, seen))
			lowbit[f] = top - RADIX_BITS;
	}
	for (fi = 0; fi < 3; fi++)
	{
		int			shift;

		f = fields[fi];
		for (shift = lowbit[f]; shift < 64; shift += RADIX_BITS)
		{
			uint64_t	varying = (orv[f] ^ andv[f]) >> shift;
			size_t		sum = 0;
			CrmObs	   *t;

			if ((varying & (RADIX_SIZE - 1)) == 0)
				continue;		/* every key has the same digit here */
			memset(count, 0, RADIX_SIZE * sizeof(size_t));
			for (i = 0; i < n; i++)
				count[(obs_key(&a[i], f) >> shift) & (RADIX_SIZE - 1)]++;
			for (i = 0; i < RADIX_SIZE; i++)
			{
				size_t		c = count[i];

				count[i] = sum;
				sum += c;
			}
			for (i = 0; i < n; i++)
				tmp[count[(obs_key(&a[i], f) >> shift) & (RADIX_SIZE - 1)]++] = a[i];
			t = a;
			a = tmp;
			tmp = t;
		}
	}
	/* only rows whose truncated keys tie can be out of order */
	finish_sort(a, n);
	return a;
}

/* buckets of at most this many rows are insertion sorted */
#define SMALL_BUCKET 24

/*
 * Bucket of x: its integer part, the last bucket for all x >= RADIX_SIZE - 1
 * (monotone in x, so the buckets are in order; each is sorted on the full
 * keys).
 */
static inline size_t
x_bucket(double x)
{
	if (!(x > 0.0))
		return 0;
	if (x >= (double) (RADIX_SIZE - 1))
		return RADIX_SIZE - 1;
	return (size_t) x;
}

/*
 * Copy the entries of a into obs[0..a->n) sorted by (x, tx, T) (weights
 * w + w_lo); see "Sorting the data" above.  CRM_ENOMEM leaves obs
 * unspecified.
 */
static CrmStatus
bucket_sort_entries(const CrmAccum *a, CrmObs *obs)
{
	size_t		n = a->n;
	size_t	   *start,
			   *count;
	CrmObs	   *tmp = NULL;
	size_t		i,
				b,
				sum = 0,
				maxb = 0;

	start = crm_alloc((RADIX_SIZE + 1) * sizeof(size_t));
	count = crm_alloc(RADIX_SIZE * sizeof(size_t));
	if (start == NULL || count == NULL)
	{
		crm_free(start);
		crm_free(count);
		return CRM_ENOMEM;
	}
	memset(start, 0, (RADIX_SIZE + 1) * sizeof(size_t));
	for (i = 0; i < n; i++)
		start[x_bucket(crm_accum_entry(a, i)->x)]++;
	for (b = 0; b < RADIX_SIZE; b++)
	{
		size_t		c = start[b];

		if (c > maxb)
			maxb = c;
		start[b] = sum;
		count[b] = sum;
		sum += c;
	}
	start[RADIX_SIZE] = n;
	for (i = 0; i < n; i++)
	{
		const CrmAccumEntry *e = crm_accum_entry(a, i);
		CrmObs	   *o = &obs[count[x_bucket(e->x)]++];

		o->x = e->x;
		o->tx = e->tx;
		o->T = e->T;
		o->w = e->w + e->w_lo;
	}
	if (maxb > SMALL_BUCKET)
	{
		tmp = crm_alloc_huge(maxb * sizeof(CrmObs));
		if (tmp == NULL)
		{
			crm_free(start);
			crm_free(count);
			return CRM_ENOMEM;
		}
	}
	for (b = 0; b < RADIX_SIZE; b++)
	{
		size_t		lo = start[b],
					m = start[b + 1] - lo;

		if (m <= SMALL_BUCKET)
			finish_sort(obs + lo, m);
		else
		{
			CrmObs	   *res = radix_sort_obs(obs + lo, tmp, m, count);

			if (res != obs + lo)
				memcpy(obs + lo, res, m * sizeof(CrmObs));
		}
	}
	crm_free_huge(tmp);
	crm_free(start);
	crm_free(count);
	return CRM_OK;
}

/*
 * At most this many sorted runs are merged rather than radix sorted: a
 * state combined from a few compacted (hence sorted) partial states, as in
 * a parallel plan, is sorted in log2(runs) sequential passes.
 */
#define MERGE_MAX_RUNS 16

/*
 * Sort a[0..n) that consists of nruns sorted runs starting at bounds[0..
 * nruns) (bounds[nruns] = n) by merging pairs of runs, using tmp as
 * scratch; returns the array holding the result.  Stable (the left run
 * wins ties).  Modifies bounds.
 */
static CrmObs *
merge_runs(CrmObs *a, CrmObs *tmp, size_t *bounds, int nruns)
{
	while (nruns > 1)
	{
		int			r,
					k = 0;
		CrmObs	   *t;

		for (r = 0; r < nruns; r += 2)
		{
			/* runs r and r + 1, or the last run alone (copied) */
			size_t		lo = bounds[r],
						mid = r + 1 < nruns ? bounds[r + 1] : bounds[nruns],
						hi = r + 1 < nruns ? bounds[r + 2] : bounds[nruns],
						i = lo,
						j = mid,
						o = lo;

			while (i < mid && j < hi)
				tmp[o++] = obs_cmp(&a[j], &a[i]) < 0 ? a[j++] : a[i++];
			while (i < mid)
				tmp[o++] = a[i++];
			while (j < hi)
				tmp[o++] = a[j++];
			bounds[k++] = lo;
		}
		bounds[k] = bounds[nruns];
		nruns = k;
		t = a;
		a = tmp;
		tmp = t;
	}
	return a;
}

/*
 * The entries as CrmObs (weights w + w_lo) sorted by key, with equal keys
 * (only a flat state has them) merged by a compensated sum: *n distinct
 * rows, allocated with crm_alloc_huge.  Does not modify the accumulator (the
 * caller has flushed it; n > 0).
 */
static CrmStatus
sorted_merged(const CrmAccum *a, CrmObs **out, size_t *n)
{
	CrmObs	   *obs,
			   *tmp,
			   *res;
	size_t		i,
				m;
	size_t		bounds[MERGE_MAX_RUNS + 1];
	int			nruns = 1;

	/* where sorted runs end (flat states merged from encodings are runs) */
	for (i = 1; i < a->n && nruns <= MERGE_MAX_RUNS; i++)
	{
		const CrmAccumEntry *p = crm_accum_entry(a, i - 1),
				   *q = crm_accum_entry(a, i);

		if (p->x > q->x || (p->x == q->x && (p->tx > q->tx || (p->tx == q->tx && p->T > q->T))))
		{
			if (nruns < MERGE_MAX_RUNS)
				bounds[nruns] = i;
			nruns++;
		}
	}
	obs = crm_alloc_huge(a->n * sizeof(CrmObs));
	if (obs == NULL)
		return CRM_ENOMEM;
	if (nruns > MERGE_MAX_RUNS)
	{
		if (bucket_sort_entries(a, obs) != CRM_OK)
		{
			crm_free_huge(obs);
			return CRM_ENOMEM;
		}
		res = obs;
		tmp = NULL;
	}
	else
	{
		tmp = crm_alloc_huge(a->n * sizeof(CrmObs));
		if (tmp == NULL)
		{
			crm_free_huge(obs);
			return CRM_ENOMEM;
		}
		for (i = 0; i < a->n; i++)
		{
			const CrmAccumEntry *e = crm_accum_entry(a, i);

			obs[i].x = e->x;
			obs[i].tx = e->tx;
			obs[i].T = e->T;
			obs[i].w = e->w + e->w_lo;
		}
		bounds[0] = 0;
		bounds[nruns] = a->n;
		res = merge_runs(obs, tmp, bounds, nruns);
	}
	crm_free_huge(res == obs ? tmp : obs);
	m = a->n;
	if (a->flat && !a->flat_distinct)
	{
		/* merge runs of equal keys (bit-equal: keys are normalised, never NaN) */
		size_t		k = 0;

		i = 0;
		while (i < a->n)
		{
			CrmObs		o = res[i];
			double		s = o.w,
						c = 0.0;

			for (i++; i < a->n && crm_double_bits(res[i].x) == crm_double_bits(o.x) &&
				 crm_double_bits(res[i].tx) == crm_double_bits(o.tx) && crm_double_bits(res[i].T) == crm_double_bits(o.T); i++)
				crm_neumaier_add(&s, &c, res[i].w);
			o.w = s + c;
			res[k++] = o;
		}
		m = k;
	}
	*out = res;
	*n = m;
	return CRM_OK;
}

/* Sorted copy of the data; see accum.h. */
CrmStatus
crm_accum_sorted(const CrmAccum *a, CrmObs **out, size_t *n, double *total)
{
	CrmObs	   *res;
	size_t		i,
				m;
	double		s = 0.0,
				c = 0.0;
	CrmStatus	st;

	*out = NULL;
	*n = 0;
	*total = 0.0;
	flush_const(a);
	if (a->n == 0)
		return CRM_OK;
	st = sorted_merged(a, &res, &m);
	if (st != CRM_OK)
		return st;
	for (i = 0; i < m; i++)
		crm_neumaier_add(&s, &c, res[i].w);
	*total = s + c;
	if (!isfinite(*total))
	{
		/* finite weights whose sum overflows (a decoded state may hold them) */
		crm_free_huge(res);
		*total = 0.0;
		return CRM_ERANGE;
	}
	*out = res;
	*n = m;
	return CRM_OK;
}

/* The fit options carried by the accumulator. */
void
crm_accum_fit_options(const CrmAccum *a, CrmFitOptions *opt)
{
	int			k;

	crm_fit_options_default(opt);
	opt->penalizer = a->penalizer;
	opt->has_start = a->has_start;
	if (a->has_start)
		for (k = 0; k < a->nparams; k++)
			opt->start[k] = a->start[k];
}
