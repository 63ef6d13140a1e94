/*
 * rfm_input.c
 *		Cheap per-row conversions for the RFM aggregates: numeric amounts to
 *		exact CrmMoney (decoding numeric's stored digits directly), money back
 *		to numeric, and timestamptz to local time with cached UTC offsets.
 *		See rfm_input.h.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "crm_pg.h"
#include "rfm_input.h"

/* ------------------------------------------------------------ numeric */

/*
 * numeric's stored layout, from src/backend/utils/adt/numeric.c.  It is the
 * on-disk format (pg_upgrade keeps numeric columns as they are), unchanged
 * since PostgreSQL 9.1 apart from the ±Infinity codes added in 14, so it is
 * safe to read.  After the varlena header comes a uint16 header word:
 *	- top bits 11 (0xC000): a special value, NaN 0xC000, +Inf 0xD000,
 *	  -Inf 0xF000;
 *	- top bit 1 (0x8000): short format: sign 0x2000, display scale in
 *	  0x1F80 >> 7, weight a 7-bit two's complement number in 0x007F;
 *	- otherwise long format: sign in 0xC000 (0x4000 negative), display
 *	  scale in 0x3FFF, then an int16 weight.
 * Then the base-10000 digits (int16, 0..9999), most significant first; the
 * first has weight 10000^weight.
 */
#define NUMERIC_STORED_SIGN_MASK	0xC000
#define NUMERIC_STORED_NEG			0x4000
#define NUMERIC_STORED_SHORT		0x8000
#define NUMERIC_STORED_SPECIAL		0xC000
#define NUMERIC_STORED_NAN			0xC000
#define NUMERIC_STORED_SHORT_SIGN	0x2000
#define NUMERIC_STORED_SHORT_DSCALE_MASK	0x1F80
#define NUMERIC_STORED_SHORT_DSCALE_SHIFT	7
#define NUMERIC_STORED_SHORT_WEIGHT_SIGN	0x0040
#define NUMERIC_STORED_SHORT_WEIGHT_MASK	0x003F
#define NUMERIC_STORED_DSCALE_MASK	0x3FFF

/* what a decoded amount turned out to be */
typedef enum AmountKind
{
	AMOUNT_OK,
	AMOUNT_NAN,
	AMOUNT_INFINITE,
	AMOUNT_TOO_LARGE,
	AMOUNT_TOO_PRECISE,
	AMOUNT_CORRUPT
} AmountKind;

/* What a core status from decoding an amount means. */
static AmountKind
amount_kind(CrmStatus st, bool too_precise)
{
	if (st == CRM_OK)
		return AMOUNT_OK;
	if (st == CRM_ERANGE)
		return too_precise ? AMOUNT_TOO_PRECISE : AMOUNT_TOO_LARGE;
	return AMOUNT_CORRUPT;
}

/* digits decoded on the stack; longer (non-normalised) values use palloc */
#define AMOUNT_STACK_DIGITS 16

/*
 * The one function that reads numeric's stored bytes (see the layout
 * above).  It works on the packed form, so a short-header datum straight
 * from a tuple is read in place, without the palloc'd copy that
 * PG_GETARG_NUMERIC (and so sum(numeric)) makes for every row.
 */
static AmountKind
amount_decode_stored(Datum d, CrmMoney *out, int *dscale)
{
	struct varlena *v = (struct varlena *) PG_DETOAST_DATUM_PACKED(d);
	const char *p = VARDATA_ANY(v);
	Size		len = VARSIZE_ANY_EXHDR(v);
	uint16		h;
	int16		w;
	bool		negative;
	int			weight;
	Size		hdr;
	int			ndigits;
	uint16		stack[AMOUNT_STACK_DIGITS];
	uint16	   *digits = stack;
	bool		too_precise;
	CrmStatus	st;

	if (len < sizeof(uint16))
		return AMOUNT_CORRUPT;
	memcpy(&h, p, sizeof(uint16));	/* packed data is not aligned */
	if ((h & NUMERIC_STORED_SIGN_MASK) == NUMERIC_STORED_SPECIAL)
		return h == NUMERIC_STORED_NAN ? AMOUNT_NAN : AMOUNT_INFINITE;
	if (h & NUMERIC_STORED_SHORT)
	{
		negative = (h & NUMERIC_STORED_SHORT_SIGN) != 0;
		*dscale = (h & NUMERIC_STORED_SHORT_DSCALE_MASK) >> NUMERIC_STORED_SHORT_DSCALE_SHIFT;
		weight = (h & NUMERIC_STORED_SHORT_WEIGHT_SIGN) ?
			(int) (h & NUMERIC_STORED_SHORT_WEIGHT_MASK) - (NUMERIC_STORED_SHORT_WEIGHT_MASK + 1) :
			(int) (h & NUMERIC_STORED_SHORT_WEIGHT_MASK);
		hdr = sizeof(uint16);
	}
	else
	{
		if (len < 2 * sizeof(uint16))
			return AMOUNT_CORRUPT;
		negative = (h & NUMERIC_STORED_SIGN_MASK) == NUMERIC_STORED_NEG;
		*dscale = h & NUMERIC_STORED_DSCALE_MASK;
		memcpy(&w, p + sizeof(uint16), sizeof(int16));
		weight = w;
		hdr = 2 * sizeof(uint16);
	}
	if ((len - hdr) % sizeof(uint16) != 0)
		return AMOUNT_CORRUPT;
	ndigits = (int) ((len - hdr) / sizeof(uint16));
	if (ndigits > AMOUNT_STACK_DIGITS)
		digits = palloc(ndigits * sizeof(uint16));
	memcpy(digits, p + hdr, ndigits * sizeof(uint16));
	st = crm_money_from_base10000(negative, weight, digits, ndigits, out, &too_precise);
	if (digits != stack)
		pfree(digits);
	if ((Pointer) v != DatumGetPointer(d))
		pfree(v);
	return amount_kind(st, too_precise);
}

/*
 * The slow exact path: numeric_out's text, parsed.  Used only if the
 * self-check below finds that this server stores numerics differently.
 */
static AmountKind
amount_decode_text(Datum d, CrmMoney *out, int *dscale)
{
	char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out, d));
	bool		too_precise;
	CrmStatus	st;

	if (strcmp(text, "NaN") == 0)
		return AMOUNT_NAN;
	if (strcmp(text, "Infinity") == 0 || strcmp(text, "-Infinity") == 0)
		return AMOUNT_INFINITE;
	st = crm_money_parse(text, out, dscale, &too_precise);
	pfree(text);
	return amount_kind(st, too_precise);
}

/* -1: not checked yet; 1: the stored layout reads right; 0: use text */
static int	amount_fast_ok = -1;

/*
 * Self-check, once per backend: decode numerics made by numeric_in, in
 * their 4-byte and 1-byte header forms, and compare with what numeric_out
 * prints.  Any disagreement switches to the slow exact path for good.
 */
static void
amount_self_check(void)
{
	static const char *const samples[] = {
		"0", "1", "-1", "0.5", "-0.5", "12345.67", "-12345.678", "10000",
		"100000000", "-9999.9999", "0.0001", "0.000000000001", "-0.000000000001",
		"999999999999999999.999999999999", "-999999999999999999.999999999999",
		"1000000000000000000", "0.0000000000001", "123456789.000", "1.10",
		"-0.00010", "31415926535.897932384626", "NaN"
	};
	int			i;
	bool		ok = true;

	for (i = 0; i < (int) lengthof(samples) && ok; i++)
	{
		Datum		n = DirectFunctionCall3(numeric_in, CStringGetDatum(samples[i]),
											ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		CrmMoney	m1 = {0, 0};
		CrmMoney	m2 = {0, 0};
		int			ds1 = 0;
		int			ds2 = 0;
		AmountKind	k1 = amount_decode_stored(n, &m1, &ds1);
		AmountKind	k2 = amount_decode_text(n, &m2, &ds2);
		Size		body = VARSIZE(DatumGetPointer(n)) - VARHDRSZ;

		ok = k1 == k2 && (k1 != AMOUNT_OK ||
						  (m1.units == m2.units && m1.pico == m2.pico && ds1 == ds2));
		if (ok && body + VARHDRSZ_SHORT <= VARATT_SHORT_MAX)
		{
			/* the same value with a 1-byte header, as tuples store it */
			char		packed[VARATT_SHORT_MAX];

			SET_VARSIZE_SHORT(packed, body + VARHDRSZ_SHORT);
			memcpy(packed + VARHDRSZ_SHORT, VARDATA(DatumGetPointer(n)), body);
			k1 = amount_decode_stored(PointerGetDatum(packed), &m1, &ds1);
			ok = k1 == k2 && (k1 != AMOUNT_OK ||
							  (m1.units == m2.units && m1.pico == m2.pico && ds1 == ds2));
		}
	}
	amount_fast_ok = ok ? 1 : 0;
	if (!ok)
		ereport(LOG,
				(errmsg("crm_ext: numeric values are not stored as expected; amounts are read through their text form"),
				 errdetail("The self-check failed for the value %s.", samples[i - 1])));
}

/* Decode an amount, raising the documented errors; see rfm_input.h. */
void
crm_rfm_amount(Datum numeric, CrmMoney *out, int *dscale)
{
	AmountKind	k;

	if (unlikely(amount_fast_ok != 1))
	{
		if (amount_fast_ok < 0)
			amount_self_check();
		k = amount_fast_ok ? amount_decode_stored(numeric, out, dscale) :
			amount_decode_text(numeric, out, dscale);
	}
	else
		k = amount_decode_stored(numeric, out, dscale);
	if (likely(k == AMOUNT_OK))
		return;

	switch (k)
	{
		case AMOUNT_NAN:
		case AMOUNT_INFINITE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("amount must be a finite number"),
					 errdetail("The value given is %s.",
							   DatumGetCString(DirectFunctionCall1(numeric_out, numeric))),
					 errhint("Use NULL for an unknown amount: such rows are skipped.")));
			break;
		case AMOUNT_TOO_LARGE:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("amount is out of range"),
					 errdetail("The value given is %s; amounts must be less than 10^18 in absolute value.",
							   DatumGetCString(DirectFunctionCall1(numeric_out, numeric)))));
			break;
		case AMOUNT_TOO_PRECISE:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("amount has more than 12 fractional digits"),
					 errdetail("The value given is %s; amounts are summed exactly with 12 fractional digits.",
							   DatumGetCString(DirectFunctionCall1(numeric_out, numeric))),
					 errhint("Round the amount first, e.g. round(amount, 2).")));
			break;
		default:
			elog(ERROR, "corrupt numeric value passed as amount");
	}
}

/*
 * A numeric holding v exactly, with dscale fractional digits.  Final
 * functions call this twice per customer, so where PostgreSQL offers it
 * (14+) a value that fits a scaled int64 is built directly; the text path
 * (numeric_in) handles the rest.
 */
Datum
crm_rfm_money_numeric(CrmMoney v, int dscale)
{
	char		buf[CRM_MONEY_TEXT_MAX];
	size_t		len;
	CrmStatus	st;

#ifdef CRM_HAVE_INT64_DIV_FAST_TO_NUMERIC
	{
		int64		pow10 = 1;
		int			i;

		for (i = 0; i < dscale; i++)
			pow10 *= 10;
		/* |scaled| <= INT64_MAX / 10000, the limit of the fast path */
		if (dscale >= 0 && dscale <= CRM_MONEY_FRAC_DIGITS &&
			v.units > -(PG_INT64_MAX / 10000) / pow10 && v.units < (PG_INT64_MAX / 10000) / pow10 - 1 &&
			v.pico % (CRM_MONEY_SCALE / pow10) == 0)
			return NumericGetDatum(int64_div_fast_to_numeric(v.units * pow10 + v.pico / (CRM_MONEY_SCALE / pow10),
															 dscale));
	}
#endif
	st = crm_money_format(v, dscale, buf, &len);
	if (st != CRM_OK)
		elog(ERROR, "cannot format an amount with scale %d", dscale);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/* -------------------------------------------------------------- clock */

/* seconds from 1970-01-01 to 2000-01-01 */
#define CLOCK_EPOCH_SECS ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)
#define CLOCK_MAX_WINDOWS 4096

/* Prepare an empty clock. */
void
crm_clock_init(CrmClock *c, MemoryContext mcxt)
{
	memset(c, 0, sizeof(CrmClock));
	c->mcxt = mcxt;
}

/* Start over for the current session time zone. */
static void
clock_reset(CrmClock *c)
{
	long		gmtoff;

	c->tz = session_timezone;
	c->nwin = 0;
	c->lo = 1;
	c->hi = 0;					/* empty current window */
	c->fixed = pg_get_timezone_offset(c->tz, &gmtoff);
	c->off = c->fixed ? (int64) gmtoff * USECS_PER_SEC : 0;
}

/* Remember window [t, hi) with offset off, merging with the one ending at hi. */
static void
clock_remember(CrmClock *c, TimestampTz t, TimestampTz hi, int64 off, int pos)
{
	if (pos < c->nwin && c->win[pos].hi == hi && c->win[pos].off == off)
	{
		if (t < c->win[pos].lo)
			c->win[pos].lo = t;
	}
	else
	{
		if (c->nwin >= CLOCK_MAX_WINDOWS)
		{
			c->nwin = 0;		/* a pathological zone: forget and start over */
			pos = 0;
		}
		if (c->nwin == c->capwin)
		{
			int			cap = c->capwin == 0 ? 16 : c->capwin * 2;

			c->win = c->win == NULL ?
				MemoryContextAlloc(c->mcxt, cap * sizeof(CrmClockWindow)) :
				repalloc(c->win, cap * sizeof(CrmClockWindow));
			c->capwin = cap;
		}
		memmove(&c->win[pos + 1], &c->win[pos], (c->nwin - pos) * sizeof(CrmClockWindow));
		c->win[pos].lo = t;
		c->win[pos].hi = hi;
		c->win[pos].off = off;
		c->nwin++;
	}
	c->lo = c->win[pos].lo;
	c->hi = hi;
	c->off = off;
}

/*
 * Find the UTC offset at t: first among the windows already known (binary
 * search by their end), else from the zone's transition table with
 * pg_next_dst_boundary(), which also says until when the offset holds.  With
 * rows in any order this asks the zone O(transitions · log rows) times, not
 * once per row.
 */
int64
crm_clock_local_slow(CrmClock *c, TimestampTz t)
{
	pg_time_t	secs;
	long		before_gmtoff;
	long		after_gmtoff;
	int			before_isdst;
	int			after_isdst;
	pg_time_t	boundary;
	TimestampTz hi;
	int			lo_i = 0;
	int			hi_i;
	int			r;

	if (c->tz != session_timezone)
		clock_reset(c);
	if (c->fixed)
		return t + c->off;

	/* first window with hi > t */
	hi_i = c->nwin;
	while (lo_i < hi_i)
	{
		int			mid = (lo_i + hi_i) / 2;

		if (c->win[mid].hi <= t)
			lo_i = mid + 1;
		else
			hi_i = mid;
	}
	if (lo_i < c->nwin && c->win[lo_i].lo <= t)
	{
		c->lo = c->win[lo_i].lo;
		c->hi = c->win[lo_i].hi;
		c->off = c->win[lo_i].off;
		return t + c->off;
	}

	/* floor(t / 10^6) seconds since 1970 */
	secs = (pg_time_t) (t / USECS_PER_SEC - (t % USECS_PER_SEC < 0 ? 1 : 0)) + CLOCK_EPOCH_SECS;
	r = pg_next_dst_boundary(&secs, &before_gmtoff, &before_isdst, &boundary,
							 &after_gmtoff, &after_isdst, c->tz);
	if (r < 0)
	{
		/* documented as not happening; ask the full conversion, no caching */
		struct pg_tm tm;
		fsec_t		fsec;
		int			tzp;

		if (timestamp2tm(t, &tzp, &tm, &fsec, NULL, NULL) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("timestamp out of range")));
		return t - (int64) tzp * USECS_PER_SEC;
	}
	if (r == 0 || boundary - CLOCK_EPOCH_SECS >= PG_INT64_MAX / USECS_PER_SEC)
		hi = PG_INT64_MAX;
	else
		hi = (boundary - CLOCK_EPOCH_SECS) * USECS_PER_SEC;
	clock_remember(c, t, hi, (int64) before_gmtoff * USECS_PER_SEC, lo_i);
	return t + c->off;
}
