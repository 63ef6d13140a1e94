/*
 * rfm.h
 *		RFM accumulation: exact money, calendar buckets, and the per-customer
 *		state behind crm.rfm_summary and crm.rfm_calibration_holdout.
 *
 * Time is PostgreSQL's: microseconds since 2000-01-01 00:00.  The core never
 * sees a time zone: the glue converts each timestamptz to local wall-clock
 * microseconds ("local time") before asking for its bucket, and passes the
 * UTC value only where the result reports it (first_at, last_at).
 *
 * Buckets (lifetimes' "periods"):
 *	- fixed length L (days, hours, '7 days', ...): bucket k covers local
 *	  times [origin + k·L, origin + (k+1)·L) with origin Monday 2000-01-03
 *	  00:00, so '1 day' is the calendar day and '7 days' the ISO week
 *	  Monday..Sunday (pandas 'W' = 'W-SUN').
 *	- whole months M ('1 mon', '3 mons', '1 year'): bucket k covers the
 *	  calendar months [k·M, (k+1)·M) counted from January 2000, so '3 mons'
 *	  are calendar quarters and '1 year' calendar years.
 *
 * Money is exact: amounts are fixed-point numbers with 12 fractional digits
 * (CrmMoney), summed in integers, so every sum is independent of the order
 * of the rows and of how partial states are combined.
 */
#ifndef CRM_RFM_H
#define CRM_RFM_H

#include "crm_core.h"

/* ---------------------------------------------------------------- money */

/*
 * An exact amount: units + pico / 10^12, with 0 <= pico < 10^12 (so -1.25 is
 * units -2, pico 750000000000).  Single amounts are limited to |v| < 10^18
 * and 12 fractional digits; sums to the int64 range of units.
 */
typedef struct CrmMoney
{
	int64_t		units;
	int64_t		pico;
} CrmMoney;

#define CRM_MONEY_SCALE INT64_C(1000000000000)	/* 10^12 */
#define CRM_MONEY_FRAC_DIGITS 12
#define CRM_MONEY_UNITS_LIMIT INT64_C(1000000000000000000)	/* 10^18 */

/*
 * Build an amount from PostgreSQL numeric's base-10000 digits: value =
 * (negative ? -1 : 1) · Σ digits[i] · 10000^(weight - i).  CRM_ERANGE when
 * |value| >= 10^18 or a non-zero digit lies beyond 12 fractional digits
 * (*too_precise tells which), CRM_EDATA when a digit is outside 0..9999.
 */
extern CrmStatus crm_money_from_base10000(bool negative, int weight,
										  const uint16_t *digits, int ndigits,
										  CrmMoney *out, bool *too_precise);

/*
 * Parse a plain decimal ("-123.4500", no exponent) exactly; *dscale gets the
 * number of fractional digits written.  Same limits and statuses as above;
 * CRM_EDATA for malformed text.
 */
extern CrmStatus crm_money_parse(const char *text, CrmMoney *out, int *dscale,
								 bool *too_precise);

/* *acc += v; CRM_ERANGE (acc unchanged) when units would overflow. */
extern CrmStatus crm_money_add(CrmMoney *acc, CrmMoney v);

/* a - b into *out; CRM_ERANGE on overflow. */
extern CrmStatus crm_money_sub(CrmMoney a, CrmMoney b, CrmMoney *out);

/* -v into *out; CRM_ERANGE on overflow. */
extern CrmStatus crm_money_neg(CrmMoney v, CrmMoney *out);

/* true when v < 0 */
static inline bool
crm_money_is_negative(CrmMoney v)
{
	return v.units < 0;
}

/* The nearest double to v (two roundings at most; exact for cents < 2^53). */
extern double crm_money_to_double(CrmMoney v);

/*
 * v / k as a double, k >= 1 (a mean of k amounts).
 */
extern double crm_money_div(CrmMoney v, int64_t k);

/*
 * Write v as a plain decimal with exactly dscale fractional digits (0..12)
 * into buf (at least 34 bytes); digits beyond dscale must be zero
 * (CRM_EDOMAIN otherwise).  Returns the length in *len.
 */
#define CRM_MONEY_TEXT_MAX 34
extern CrmStatus crm_money_format(CrmMoney v, int dscale, char *buf, size_t *len);

/* -------------------------------------------------------------- buckets */

#define CRM_USECS_PER_DAY INT64_C(86400000000)
/* Monday 2000-01-03 00:00 local, the origin of fixed-length buckets */
#define CRM_RFM_ORIGIN (2 * CRM_USECS_PER_DAY)

/*
 * A bucket or unit length: either usec > 0 (fixed length) or months > 0
 * (calendar months), never both.
 */
typedef struct CrmRfmPeriod
{
	int64_t		usec;
	int32_t		months;
} CrmRfmPeriod;

/*
 * Longest month period: 200000 years.  The start of the bucket that holds
 * the earliest PostgreSQL timestamp (4714 BC) then lies after year -198000,
 * well inside 64-bit microseconds; an unbounded month count (up to 2^31
 * months) made that start overflow.  Fixed-length periods are bounded by
 * 64-bit microseconds themselves (about 292000 years).
 */
#define CRM_RFM_MAX_MONTHS 2400000

/*
 * Make a period from an interval's fields.  CRM_EUNSUP when months are mixed
 * with days or time (their length would depend on the month), CRM_EDOMAIN
 * when the length is zero or negative (or months negative), CRM_ERANGE when
 * days and time overflow 64-bit microseconds or months exceed
 * CRM_RFM_MAX_MONTHS.
 */
extern CrmStatus crm_rfm_period_make(int64_t time_us, int32_t days, int32_t months,
									 CrmRfmPeriod *out);

/*
 * Check that unit can measure spans of bucket: CRM_EUNSUP for a month unit
 * over fixed-length buckets (a month has no fixed number of days).
 */
extern CrmStatus crm_rfm_unit_check(const CrmRfmPeriod *bucket, const CrmRfmPeriod *unit);

/*
 * Index of the bucket holding local time t.  Precondition (the glue's): t is
 * a finite PostgreSQL timestamp shifted by a UTC offset (less than a day), so
 * t - CRM_RFM_ORIGIN cannot overflow.
 */
extern int64_t crm_rfm_bucket(const CrmRfmPeriod *bucket, int64_t local_t);

/* Local start time of bucket b (for tests and messages). */
extern int64_t crm_rfm_bucket_start(const CrmRfmPeriod *bucket, int64_t b);

/*
 * Time from the start of bucket b0 to the start of bucket b1, in units:
 * exact integers reduced by their gcd, then one division.  CRM_EDOMAIN when
 * b1 < b0 or unit cannot measure bucket (crm_rfm_unit_check).
 */
extern CrmStatus crm_rfm_span(const CrmRfmPeriod *bucket, const CrmRfmPeriod *unit,
							  int64_t b0, int64_t b1, double *out);

/* Civil date of a day number (days since 2000-01-01), proleptic Gregorian. */
extern void crm_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

/* Day number (days since 2000-01-01) of a civil date. */
extern int64_t crm_days_from_civil(int64_t year, int month, int day);

/* ---------------------------------------------------------------- state */

/*
 * The parameters a state was built with.  Every row of a group and every
 * partial state combined must have equal parameters.  For the plain summary
 * cut == end; for calibration/holdout, buckets <= cut_bucket are the
 * calibration period and (cut_bucket, end_bucket] the holdout.
 */
typedef struct CrmRfmParams
{
	CrmRfmPeriod bucket;
	CrmRfmPeriod unit;
	int64_t		end_at;			/* observation end (UTC; identity only) */
	int64_t		cut_at;			/* calibration end (UTC; identity only) */
	int64_t		end_bucket;		/* last bucket kept */
	int64_t		cut_bucket;		/* last calibration bucket, <= end_bucket */
} CrmRfmParams;

/* Check a parameter set (CRM_EDOMAIN if inconsistent). */
extern CrmStatus crm_rfm_params_check(const CrmRfmParams *p);

/* true when a and b are the same parameters */
extern bool crm_rfm_params_equal(const CrmRfmParams *a, const CrmRfmParams *b);

#define CRM_RFM_INLINE_KEYS 4

/*
 * One customer's accumulator.  The set of distinct purchase buckets lives in
 * inl[] while it has at most CRM_RFM_INLINE_KEYS members (cap == 0), then in
 * an open-addressing hash table keys[0..cap) (power of two, empty slots
 * INT64_MIN), so that adding a row costs amortised O(1) in any order.
 */
typedef struct CrmRfmState
{
	CrmRfmParams p;
	int64_t		n_rows;			/* rows <= end (purchases and refunds) */
	int64_t		n_refunds;		/* rows <= end with amount < 0 */
	int64_t		first_at;		/* earliest purchase <= cut (UTC) */
	int64_t		last_at;		/* latest purchase <= cut (UTC) */
	int64_t		min_bucket;		/* first purchase bucket (INT64_MAX: none) */
	int64_t		max_cal_bucket; /* last purchase bucket <= cut (INT64_MIN: none) */
	CrmMoney	sum_cal;		/* purchases in buckets <= cut */
	CrmMoney	sum_first;		/* purchases in min_bucket */
	CrmMoney	sum_hold;		/* purchases in buckets (cut, end] */
	CrmMoney	refunds;		/* -(sum of refunds) <= end, >= 0 */
	int32_t		n_cal;			/* distinct purchase buckets <= cut */
	int32_t		n_hold;			/* distinct purchase buckets in (cut, end] */
	int32_t		dscale;			/* largest input scale seen (<= 12) */
	uint32_t	cap;			/* hash table slots, 0 while inline */
	int64_t    *keys;			/* the hash table (cap > 0) */
	int64_t		inl[CRM_RFM_INLINE_KEYS];	/* the set while small */
} CrmRfmState;

/* Allocate (crm_alloc) and initialise an empty state; NULL when out of memory. */
extern CrmRfmState *crm_rfm_new(const CrmRfmParams *p);

/* Free a state and its table. */
extern void crm_rfm_free(CrmRfmState *s);

/*
 * Add one row: UTC time at (for first_at/last_at), its bucket, its amount
 * and the amount's display scale (capped at 12).  Rows in buckets after
 * end_bucket are ignored; amount < 0 is a refund.  CRM_ERANGE when a sum
 * overflows, CRM_ENOMEM when the set cannot grow; the state is unchanged then.
 */
extern CrmStatus crm_rfm_add(CrmRfmState *s, int64_t at, int64_t bucket,
							 CrmMoney amount, int dscale);

/*
 * Merge src into dst.  CRM_EDOMAIN when their parameters differ (dst is
 * unchanged then), CRM_ERANGE on overflow, CRM_ENOMEM.
 */
extern CrmStatus crm_rfm_combine(CrmRfmState *dst, const CrmRfmState *src);

/* A deep copy (crm_alloc), or NULL when out of memory. */
extern CrmRfmState *crm_rfm_copy(const CrmRfmState *s);

/* At least the number of bytes crm_rfm_encode writes. */
extern size_t crm_rfm_encoded_bound(const CrmRfmState *s);

/*
 * Encode into buf (cap bytes, at least crm_rfm_encoded_bound): version byte,
 * CRM_TAG_RFM, then varints (see rfm.c); the distinct buckets in increasing
 * order, so that equal states encode equally.  *len gets the length.
 */
extern CrmStatus crm_rfm_encode(const CrmRfmState *s, unsigned char *buf, size_t cap,
								size_t *len);

/*
 * Decode bytes made by crm_rfm_encode into a new state (crm_alloc).  Checks
 * every length, count and invariant: CRM_EVERSION for an unknown version,
 * CRM_EDATA for anything malformed, CRM_ENOMEM.
 */
extern CrmStatus crm_rfm_decode(const unsigned char *buf, size_t len, CrmRfmState **out);

/* The summary and calibration/holdout figures of a state. */
typedef struct CrmRfmResult
{
	bool		present;		/* false: no purchase in the calibration period */
	int32_t		frequency;		/* distinct calibration buckets - 1 */
	double		recency;		/* first to last calibration bucket, in units */
	double		t;				/* first bucket to cut bucket, in units */
	double		monetary;		/* mean repeat-bucket spend (0 when frequency 0) */
	int64_t		first_at;
	int64_t		last_at;
	int64_t		n_rows;
	int64_t		n_refunds;
	CrmMoney	refunds;		/* refunded amount, >= 0 */
	CrmMoney	revenue;		/* net: purchases - refunds, all rows <= end */
	int32_t		dscale;
	int32_t		frequency_holdout;	/* distinct holdout buckets */
	double		duration_holdout;	/* cut bucket to end bucket, in units */
	double		monetary_holdout;	/* mean holdout-bucket spend (0 if none) */
} CrmRfmResult;

/* Compute the figures (never modifies the state). CRM_ERANGE on overflow. */
extern CrmStatus crm_rfm_result(const CrmRfmState *s, CrmRfmResult *r);

#endif							/* CRM_RFM_H */
