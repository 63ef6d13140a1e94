/*
 * accum.h
 *		The model-fit accumulator: the data a fit aggregate has seen so far,
 *		compressed to one entry per distinct observation.
 *
 * A fit needs every customer, but customers with identical (x, tx, T) have
 * identical likelihood terms, so the accumulator keeps a hash table keyed by
 * the bit pattern of (x, tx, T) (with -0.0 normalised to +0.0) holding the
 * summed weight of that pattern (Neumaier-compensated, so parallel and
 * serial runs differ at most in the last bits).  It also carries what the
 * fit needs besides the data: the model kind and the fit options (L2
 * penalizer, optional start vector), which every partial state of one
 * aggregate must share.
 *
 * Memory: 40 bytes per distinct observation (CrmAccumEntry, allocated in
 * blocks, so growth never copies them) plus an 8-byte hash slot (index + 32
 * hash bits) at a load factor between 1/4 and 1/2: 56-72 bytes per entry,
 * the upper end just after the index doubled.
 *
 * Flat mode: once a state holds CRM_ACCUM_FLAT_MIN entries and at least a
 * quarter of its rows so far were new keys (millions of customers, most of
 * them with their own recency and age), hashing only costs cache misses: the index is dropped
 * and further rows are appended as they come.  Equal keys are merged when
 * the entries are sorted (crm_accum_sorted, crm_accum_compact, and every
 * time the entry count has grown fourfold since the last compaction, but
 * not below CRM_ACCUM_COMPACT_MIN entries, so repeated keys cost at most
 * four entries' memory per distinct key, or 40 MB in all).  A
 * flat state is compacted before it is encoded, so its encoding has
 * distinct keys, in sorted order; decoding a large sorted encoding gives a
 * flat state again without building an index, and merging into a flat
 * state appends.
 *
 * The encoded form (crm_accum_encode / crm_accum_decode, codec.h) is the
 * on-disk and wire format of the SQL type crm.fit_state:
 *
 *	u8  version (CRM_ACCUM_VERSION = 2; version 1 is still read)
 *	u8  tag (CRM_TAG_FIT)
 *	u8  model kind (CrmModelKind)
 *	u8  nstart: 0 (no start vector) or the model's parameter count
 *	f64 penalizer (finite, >= 0, never -0.0)
 *	f64 start[nstart] (finite, > 0)
 *	i64 rows (data rows accumulated, >= entries)
 *	u64 entries
 *	entries x { u8 flags, then f64 x if flags & 1, f64 tx if & 2, f64 T if
 *	& 4, f64 w if & 8, f64 w_lo if & 16 }
 *
 * An absent key field repeats the previous entry's (+0.0 before the first
 * entry), an absent w is 1 and an absent w_lo is +0; a field is written
 * exactly when it differs (bitwise) from that default, so the encoding is
 * unique.  Sorted entries of customers with whole-unit weights then take
 * about 10 bytes each instead of 40 (a parallel fit sends them through
 * PostgreSQL's tuple queue, which copies them twice).  Version 1 wrote
 * every entry as the five f64 (40 bytes).
 *
 * All little-endian.  Entries keep insertion order, so decode followed by
 * encode gives identical bytes (a version-1 input re-encodes as version 2).
 * The decoder checks every field (lengths, counts, kind, option values,
 * flags, each observation with the model's check_obs, canonical keys and
 * flags, no duplicate keys, weights finite and > 0) before anything is
 * trusted.
 */
#ifndef CRM_ACCUM_H
#define CRM_ACCUM_H

#include "crm_model.h"
#include "optim.h"

#define CRM_ACCUM_VERSION 2

/* One distinct observation; the weight is w + w_lo (Neumaier pair). */
typedef struct CrmAccumEntry
{
	double		x;
	double		tx;
	double		T;
	double		w;				/* running sum */
	double		w_lo;			/* compensation */
} CrmAccumEntry;

/*
 * One hash slot: idx = entry index + 1 (0 = empty) and 32 bits of the key's
 * hash, so probing and rehashing never touch the entries of other keys.
 */
typedef struct CrmAccumSlot
{
	uint32_t	idx;
	uint32_t	hash;
} CrmAccumSlot;

/*
 * Rows added but not yet in the hash table.  crm_accum_add computes a row's
 * hash, prefetches its slot and parks the row; the parked rows are inserted
 * CRM_ACCUM_PEND at a time, by when their slots are in cache, so that the
 * misses of many rows overlap (with millions of distinct rows the index is
 * far larger than the caches, and a lone probe waits for memory).  Room for
 * the parked rows is reserved when they are parked, so inserting them never
 * fails.  Every function below except crm_accum_add inserts them first
 * (crm_accum_flush); the logical content does not change, so functions
 * taking a const accumulator do it too.
 */
#define CRM_ACCUM_PEND 16

typedef struct CrmAccumPend
{
	double		x;
	double		tx;
	double		T;
	double		w;
	uint32_t	hash;
} CrmAccumPend;

#define CRM_ACCUM_BLOCK_SHIFT 14

/* entries (nearly all distinct) from which a state goes flat */
#define CRM_ACCUM_FLAT_MIN ((size_t) 1 << 14)
/* fewest entries at which a flat state is compacted (40 MB of entries) */
#define CRM_ACCUM_COMPACT_MIN ((size_t) 1 << 20)
#define CRM_ACCUM_BLOCK ((size_t) 1 << CRM_ACCUM_BLOCK_SHIFT)

/* bytes of one encoded entry: in format version 1; at most, in version 2 */
#define CRM_ACCUM_ENTRY_BYTES_V1 40
#define CRM_ACCUM_ENTRY_BYTES_MAX 41

typedef struct CrmAccum
{
	CrmModelKind kind;
	int			nparams;		/* of the kind's spec */
	double		penalizer;		/* >= 0 */
	bool		has_start;
	double		start[CRM_MAX_PARAMS];
	int64_t		rows;			/* data rows added (or merged) */
	size_t		n;				/* entries in use */
	size_t		cap;			/* entries allocated */
	/*
	 * Entries in insertion order, in blocks: block 0 grows by doubling up
	 * to CRM_ACCUM_BLOCK entries (so small states stay small), then each
	 * new block is as large as all before it.  A large state thus grows
	 * without copying what it holds, and its big blocks get huge pages
	 * (see the glue's allocator).  Read them with crm_accum_entry().
	 */
	CrmAccumEntry **blocks;
	size_t		nblocks;		/* blocks allocated */
	size_t		blocks_cap;		/* length of the blocks array */
	CrmAccumSlot *slots;		/* open-addressing index (linear probing) */
	size_t		nslots;			/* power of two, or 0 */
	/*
	 * Flat mode (see "Flat mode" above): no index, rows are appended and
	 * equal keys merged only when sorted.  flat_distinct: no two entries
	 * share a key; flat_next: entry count at which the entries are next
	 * compacted (sorted and merged), which bounds the memory of repeated
	 * keys to a few times that of distinct ones.
	 */
	bool		flat;
	bool		flat_distinct;
	size_t		flat_next;
	int			npend;			/* parked rows (counted in rows, not in n) */
	CrmAccumPend pend[CRM_ACCUM_PEND];
} CrmAccum;

/*
 * Entry i (< n, after crm_accum_flush) of an accumulator.  Block 0 holds
 * entries [0, B), block b >= 1 holds [B 2^(b-1), B 2^b), B = CRM_ACCUM_BLOCK.
 */
static inline CrmAccumEntry *
crm_accum_entry(const CrmAccum *a, size_t i)
{
	uint64_t	q = (uint64_t) (i >> CRM_ACCUM_BLOCK_SHIFT);
	int			b = 0;

	if (q == 0)
		return &a->blocks[0][i];
#if defined(__GNUC__) || defined(__clang__)
	b = 64 - __builtin_clzll(q);
#else
	while (q != 0)
	{
		q >>= 1;
		b++;
	}
#endif
	return &a->blocks[b][i - (CRM_ACCUM_BLOCK << (b - 1))];
}

/*
 * Start an empty accumulator for a model kind with the given options
 * (penalizer finite >= 0; when has_start, start[0..nparams) finite > 0).
 * CRM_EPARAM for bad options, CRM_EUNSUP for a kind without a spec.
 * Allocates nothing.
 */
extern CrmStatus crm_accum_init(CrmAccum *a, CrmModelKind kind, double penalizer,
								bool has_start, const double *start);

/* Release the arrays (the struct itself belongs to the caller). */
extern void crm_accum_free(CrmAccum *a);

/*
 * Add one observation (x, tx, T) with weight w.  The caller has checked it
 * with the spec's check_obs and w finite > 0.  CRM_OK or CRM_ENOMEM (the
 * accumulator is then unchanged), or CRM_ERANGE when the row count would
 * overflow.
 */
extern CrmStatus crm_accum_add(CrmAccum *a, double x, double tx, double T, double w);

/*
 * Insert the parked rows (see CrmAccumPend); never fails.  Call it before
 * reading n or entries directly.
 */
extern void crm_accum_flush(CrmAccum *a);

/* True when a and b are for the same kind with identical options. */
extern bool crm_accum_compatible(const CrmAccum *a, const CrmAccum *b);

/*
 * Merge src into dst (compatible, checked by the caller with
 * crm_accum_compatible: CRM_EPARAM otherwise).  CRM_OK, CRM_ENOMEM or
 * CRM_ERANGE (row count overflow); after CRM_ENOMEM dst holds part of src.
 */
extern CrmStatus crm_accum_merge(CrmAccum *dst, const CrmAccum *src);

/*
 * Merge an encoded state (validated as crm_accum_decode does, except that
 * duplicate keys are simply added) into dst, without building a hash
 * table for it.  Nothing changes unless the whole input is valid.
 * CRM_EPARAM when its kind or options differ from dst's; decode statuses
 * (with *reason) otherwise; CRM_ENOMEM (dst then holds part of it).
 */
extern CrmStatus crm_accum_merge_encoded(CrmAccum *dst, const unsigned char *buf, size_t len,
										 const char **reason);

/*
 * Sort and merge the entries of a flat state that may hold equal keys (a
 * no-op otherwise), so that n is the number of distinct keys.  The
 * encoding functions do it themselves (ignoring failure, in which case the
 * encoding has repeated keys, which only crm_accum_merge_encoded accepts);
 * call it first to catch CRM_ENOMEM.
 */
extern CrmStatus crm_accum_compact(CrmAccum *a);

/* Exact size of the encoded form. */
extern size_t crm_accum_encoded_size(const CrmAccum *a);

/* Encode into buf (cap >= crm_accum_encoded_size); CRM_EINTERNAL if short. */
extern CrmStatus crm_accum_encode(const CrmAccum *a, unsigned char *buf, size_t cap);

/*
 * Decode and validate bytes into *a (initialised here; free with
 * crm_accum_free, also after an error).  CRM_EVERSION for an unknown
 * version, CRM_EUNSUP for a model kind this build lacks, CRM_EDATA for
 * anything malformed (with *reason a static phrase), CRM_ENOMEM.
 */
extern CrmStatus crm_accum_decode(const unsigned char *buf, size_t len, CrmAccum *a,
								  const char **reason);

/*
 * The data as an array of CrmObs sorted by (x, tx, T), weights w + w_lo,
 * allocated with crm_alloc_huge (the caller frees it with crm_free_huge);
 * *total = their sum, added in
 * sorted order so the result does not depend on insertion order.  Does not
 * modify the accumulator.  *out is NULL when the accumulator is empty.
 * CRM_ERANGE (nothing allocated) when the total weight overflows.
 */
extern CrmStatus crm_accum_sorted(const CrmAccum *a, CrmObs **out, size_t *n, double *total);

/* The fit options the accumulator carries. */
extern void crm_accum_fit_options(const CrmAccum *a, CrmFitOptions *opt);

#endif							/* CRM_ACCUM_H */
