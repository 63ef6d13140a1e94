/*
 * rfm.c
 *		RFM accumulation: exact fixed-point money, calendar/fixed buckets,
 *		the per-customer set of purchase buckets and its portable encoding.
 *		See rfm.h.
 *
 * Written by hand: the pieces are small and specific (PostgreSQL's numeric
 * digits, pandas-compatible period alignment, a set of int64 with an inline
 * small mode).  No Debian library does exact decimal sums, proleptic
 * Gregorian day numbers and int64 hash sets without dragging in its own
 * allocator or a C++ runtime.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfm.h"
#include "codec.h"

#define RFM_FORMAT_VERSION 1
#define RFM_EMPTY_KEY INT64_MIN

/* ------------------------------------------------------------ integers */

/* a + b into *r; false on overflow (no builtin needed: plain C99). */
static bool
add_i64(int64_t a, int64_t b, int64_t *r)
{
	if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
		return false;
	*r = a + b;
	return true;
}

/* floor(a / b) for b > 0 */
static inline int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t		q = a / b;

	if (a % b != 0 && a < 0)
		q--;
	return q;
}

/* greatest common divisor of two non-negative numbers (gcd(0, b) = b) */
static int64_t
gcd_i64(int64_t a, int64_t b)
{
	while (b != 0)
	{
		int64_t		t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* -------------------------------------------------------------- money */

/*
 * Build an amount from numeric's base-10000 digits.  Digit i has weight
 * 10000^(weight - i); positions 4..0 are whole units (|v| < 10^18 means a
 * digit at position 4 below 100), positions -1..-3 the 12 fractional digits.
 */
CrmStatus
crm_money_from_base10000(bool negative, int weight, const uint16_t *digits, int ndigits,
						 CrmMoney *out, bool *too_precise)
{
	static const uint64_t pow_int[5] = {
		UINT64_C(1), UINT64_C(10000), UINT64_C(100000000),
		UINT64_C(1000000000000), UINT64_C(10000000000000000)
	};
	static const uint64_t pow_frac[3] = {
		UINT64_C(100000000), UINT64_C(10000), UINT64_C(1)
	};
	uint64_t	ip = 0;
	uint64_t	fp = 0;
	int			i;

	*too_precise = false;
	for (i = 0; i < ndigits; i++)
	{
		uint64_t	d = digits[i];
		long		pos = (long) weight - i;

		if (d > 9999)
			return CRM_EDATA;
		if (d == 0)
			continue;
		if (pos > 4 || (pos == 4 && d >= 100))
			return CRM_ERANGE;
		if (pos >= 0)
			ip += d * pow_int[pos];
		else if (pos >= -3)
			fp += d * pow_frac[-pos - 1];
		else
		{
			*too_precise = true;
			return CRM_ERANGE;
		}
	}
	if (ip >= (uint64_t) CRM_MONEY_UNITS_LIMIT)
		return CRM_ERANGE;
	if (negative && fp > 0)
	{
		out->units = -(int64_t) ip - 1;
		out->pico = CRM_MONEY_SCALE - (int64_t) fp;
	}
	else
	{
		out->units = negative ? -(int64_t) ip : (int64_t) ip;
		out->pico = (int64_t) fp;
	}
	return CRM_OK;
}

/*
 * Parse "[-+]digits[.digits]" exactly (numeric_out's form); the slow path
 * and the self-check of the glue's numeric decoding use it.
 */
CrmStatus
crm_money_parse(const char *text, CrmMoney *out, int *dscale, bool *too_precise)
{
	const char *p = text;
	bool		negative = false;
	uint64_t	ip = 0;
	uint64_t	fp = 0;
	uint64_t	place = UINT64_C(100000000000);	/* 10^11: first fractional digit */
	int			nint = 0;
	int			nfrac = 0;

	*too_precise = false;
	*dscale = 0;
	if (*p == '-' || *p == '+')
		negative = (*p++ == '-');
	for (; *p >= '0' && *p <= '9'; p++, nint++)
	{
		if (ip >= (uint64_t) CRM_MONEY_UNITS_LIMIT / 10 && ip * 10 + (uint64_t) (*p - '0') >= (uint64_t) CRM_MONEY_UNITS_LIMIT)
			return CRM_ERANGE;
		ip = ip * 10 + (uint64_t) (*p - '0');
	}
	if (*p == '.')
	{
		for (p++; *p >= '0' && *p <= '9'; p++, nfrac++)
		{
			if (nfrac < CRM_MONEY_FRAC_DIGITS)
			{
				fp += (uint64_t) (*p - '0') * place;
				place /= 10;
			}
			else if (*p != '0')
			{
				*too_precise = true;
				return CRM_ERANGE;
			}
		}
	}
	if (*p != '\0' || nint + nfrac == 0)
		return CRM_EDATA;
	*dscale = nfrac;
	if (negative && fp > 0)
	{
		out->units = -(int64_t) ip - 1;
		out->pico = CRM_MONEY_SCALE - (int64_t) fp;
	}
	else
	{
		out->units = negative ? -(int64_t) ip : (int64_t) ip;
		out->pico = (int64_t) fp;
	}
	return CRM_OK;
}

/* *acc += v, exactly; CRM_ERANGE and acc unchanged on overflow. */
CrmStatus
crm_money_add(CrmMoney *acc, CrmMoney v)
{
	int64_t		pico = acc->pico + v.pico;	/* < 2·10^12: no overflow */
	int64_t		carry = 0;
	int64_t		units;

	if (pico >= CRM_MONEY_SCALE)
	{
		pico -= CRM_MONEY_SCALE;
		carry = 1;
	}
	if (!add_i64(acc->units, v.units, &units) || !add_i64(units, carry, &units))
		return CRM_ERANGE;
	acc->units = units;
	acc->pico = pico;
	return CRM_OK;
}

/* -v; CRM_ERANGE when it does not fit. */
CrmStatus
crm_money_neg(CrmMoney v, CrmMoney *out)
{
	if (v.pico > 0)
	{
		/* -(u + f) = (-u - 1) + (1 - f); -(u + 1) cannot overflow */
		out->units = -(v.units + 1);
		out->pico = CRM_MONEY_SCALE - v.pico;
		return CRM_OK;
	}
	if (v.units == INT64_MIN)
		return CRM_ERANGE;
	out->units = -v.units;
	out->pico = 0;
	return CRM_OK;
}

/* a - b; CRM_ERANGE on overflow. */
CrmStatus
crm_money_sub(CrmMoney a, CrmMoney b, CrmMoney *out)
{
	CrmMoney	nb;
	CrmStatus	st = crm_money_neg(b, &nb);

	if (st != CRM_OK)
		return st;
	if ((st = crm_money_add(&a, nb)) != CRM_OK)
		return st;
	*out = a;
	return CRM_OK;
}

/* The double nearest to units + pico/10^12 (to within one rounding more). */
double
crm_money_to_double(CrmMoney v)
{
	return (double) v.units + (double) v.pico / (double) CRM_MONEY_SCALE;
}

/* v / k as a double, k >= 1. */
double
crm_money_div(CrmMoney v, int64_t k)
{
	return crm_money_to_double(v) / (double) k;
}

/* Plain decimal text of v with dscale fractional digits. */
CrmStatus
crm_money_format(CrmMoney v, int dscale, char *buf, size_t *len)
{
	static const int64_t pow10[13] = {
		INT64_C(1), INT64_C(10), INT64_C(100), INT64_C(1000), INT64_C(10000),
		INT64_C(100000), INT64_C(1000000), INT64_C(10000000), INT64_C(100000000),
		INT64_C(1000000000), INT64_C(10000000000), INT64_C(100000000000),
		INT64_C(1000000000000)
	};
	bool		negative = v.units < 0;
	uint64_t	mag_units;
	int64_t		mag_pico;
	int64_t		drop;
	int			n;

	if (dscale < 0 || dscale > CRM_MONEY_FRAC_DIGITS || v.pico < 0 || v.pico >= CRM_MONEY_SCALE)
		return CRM_EDOMAIN;
	if (!negative)
	{
		mag_units = (uint64_t) v.units;
		mag_pico = v.pico;
	}
	else if (v.pico > 0)
	{
		mag_units = (uint64_t) (-(v.units + 1));
		mag_pico = CRM_MONEY_SCALE - v.pico;
	}
	else
	{
		mag_units = (uint64_t) (-(v.units + 1)) + 1;
		mag_pico = 0;
	}
	drop = pow10[CRM_MONEY_FRAC_DIGITS - dscale];
	if (mag_pico % drop != 0)
		return CRM_EDOMAIN;
	if (dscale > 0)
		n = snprintf(buf, CRM_MONEY_TEXT_MAX, "%s%llu.%0*lld", negative ? "-" : "",
					 (unsigned long long) mag_units, dscale, (long long) (mag_pico / drop));
	else
		n = snprintf(buf, CRM_MONEY_TEXT_MAX, "%s%llu", negative ? "-" : "",
					 (unsigned long long) mag_units);
	if (n < 0 || n >= CRM_MONEY_TEXT_MAX)
		return CRM_EINTERNAL;
	*len = (size_t) n;
	return CRM_OK;
}

/* ------------------------------------------------------------ buckets */

/* Civil date of a day number (days since 2000-01-01); H. Hinnant's algorithm. */
void
crm_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t		z = days + 10957 + 719468;	/* days since 0000-03-01 */
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;
	int			m = (int) (mp < 10 ? mp + 3 : mp - 9);

	*day = (int) (doy - (153 * mp + 2) / 5 + 1);
	*month = m;
	*year = yoe + era * 400 + (m <= 2);
}

/* Day number (days since 2000-01-01) of a proleptic Gregorian date. */
int64_t
crm_days_from_civil(int64_t year, int month, int day)
{
	int64_t		y = year - (month <= 2);
	int64_t		era = (y >= 0 ? y : y - 399) / 400;
	int64_t		yoe = y - era * 400;
	int64_t		doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	int64_t		doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468 - 10957;
}

/* A bucket or unit from an interval's fields; see rfm.h. */
CrmStatus
crm_rfm_period_make(int64_t time_us, int32_t days, int32_t months, CrmRfmPeriod *out)
{
	int64_t		day_us;
	int64_t		total;

	out->usec = 0;
	out->months = 0;
	if (months != 0)
	{
		if (days != 0 || time_us != 0)
			return CRM_EUNSUP;
		if (months < 0)
			return CRM_EDOMAIN;
		out->months = months;
		return CRM_OK;
	}
	/* |days| < 2^31 and 86400e6 < 2^37: the product fits in 2^68 > int64 */
	if (days > INT64_MAX / CRM_USECS_PER_DAY || days < INT64_MIN / CRM_USECS_PER_DAY)
		return CRM_ERANGE;
	day_us = (int64_t) days * CRM_USECS_PER_DAY;
	if (!add_i64(day_us, time_us, &total))
		return CRM_ERANGE;
	if (total <= 0)
		return CRM_EDOMAIN;
	out->usec = total;
	return CRM_OK;
}

/* A month unit cannot measure fixed-length buckets. */
CrmStatus
crm_rfm_unit_check(const CrmRfmPeriod *bucket, const CrmRfmPeriod *unit)
{
	if (bucket->months == 0 && unit->months != 0)
		return CRM_EUNSUP;
	return CRM_OK;
}

/* month index (months since January 2000) of local time t */
static int64_t
month_index(int64_t local_t)
{
	int64_t		year;
	int			month;
	int			day;

	crm_civil_from_days(floor_div(local_t, CRM_USECS_PER_DAY), &year, &month, &day);
	return (year - 2000) * 12 + (month - 1);
}

/* Bucket index of local time t. */
int64_t
crm_rfm_bucket(const CrmRfmPeriod *bucket, int64_t local_t)
{
	if (bucket->months == 0)
		return floor_div(local_t - CRM_RFM_ORIGIN, bucket->usec);
	return floor_div(month_index(local_t), bucket->months);
}

/* Local start time of bucket b. */
int64_t
crm_rfm_bucket_start(const CrmRfmPeriod *bucket, int64_t b)
{
	int64_t		mi;
	int64_t		y;

	if (bucket->months == 0)
		return CRM_RFM_ORIGIN + b * bucket->usec;
	mi = b * bucket->months;
	y = floor_div(mi, 12);
	return crm_days_from_civil(2000 + y, (int) (mi - 12 * y) + 1, 1) * CRM_USECS_PER_DAY;
}

/*
 * Start of bucket b0 to start of bucket b1, in units.  The numerator and the
 * denominator are exact integers (microseconds or months); dividing them by
 * their gcd first keeps them small, so the one division rounds correctly
 * (days/7 gives exactly lifetimes' freq='D', freq_multiplier=7 values).
 */
CrmStatus
crm_rfm_span(const CrmRfmPeriod *bucket, const CrmRfmPeriod *unit,
			 int64_t b0, int64_t b1, double *out)
{
	int64_t		num;
	int64_t		den;
	uint64_t	steps;
	int64_t		len;
	int64_t		g;

	if (b1 < b0 || crm_rfm_unit_check(bucket, unit) != CRM_OK)
		return CRM_EDOMAIN;
	/* b1 - b0 can exceed INT64_MAX (microsecond buckets across the range) */
	steps = (uint64_t) b1 - (uint64_t) b0;
	if (bucket->months != 0 && unit->months == 0)
	{
		/* calendar months measured in a fixed unit: real elapsed local time */
		num = crm_rfm_bucket_start(bucket, b1) - crm_rfm_bucket_start(bucket, b0);
		den = unit->usec;
	}
	else
	{
		len = bucket->months != 0 ? bucket->months : bucket->usec;
		den = unit->months != 0 ? unit->months : unit->usec;
		if (steps != 0 && (uint64_t) len > (uint64_t) INT64_MAX / steps)
		{
			/* beyond exact integers: a span of more than 2^63 bucket units */
			*out = (double) steps * ((double) len / (double) den);
			return CRM_OK;
		}
		num = (int64_t) steps * len;
	}
	g = gcd_i64(num, den);
	if (g > 1)
	{
		num /= g;
		den /= g;
	}
	*out = (double) num / (double) den;
	return CRM_OK;
}

/* -------------------------------------------------------------- state */

/* A period is valid when exactly one of its fields is positive. */
static bool
period_valid(const CrmRfmPeriod *p)
{
	return (p->usec > 0 && p->months == 0) || (p->usec == 0 && p->months > 0);
}

/* Check a parameter set; see rfm.h. */
CrmStatus
crm_rfm_params_check(const CrmRfmParams *p)
{
	if (!period_valid(&p->bucket) || !period_valid(&p->unit) ||
		crm_rfm_unit_check(&p->bucket, &p->unit) != CRM_OK ||
		p->cut_at > p->end_at || p->cut_bucket > p->end_bucket)
		return CRM_EDOMAIN;
	return CRM_OK;
}

/* Same parameters?  (Field by field: the struct has padding.) */
bool
crm_rfm_params_equal(const CrmRfmParams *a, const CrmRfmParams *b)
{
	return a->end_at == b->end_at && a->cut_at == b->cut_at &&
		a->end_bucket == b->end_bucket && a->cut_bucket == b->cut_bucket &&
		a->bucket.usec == b->bucket.usec && a->bucket.months == b->bucket.months &&
		a->unit.usec == b->unit.usec && a->unit.months == b->unit.months;
}

/* Allocate an empty state. */
CrmRfmState *
crm_rfm_new(const CrmRfmParams *p)
{
	CrmRfmState *s = crm_alloc(sizeof(CrmRfmState));

	if (s == NULL)
		return NULL;
	memset(s, 0, sizeof(CrmRfmState));
	s->p = *p;
	s->first_at = INT64_MAX;
	s->last_at = INT64_MIN;
	s->min_bucket = INT64_MAX;
	s->max_cal_bucket = INT64_MIN;
	s->keys = NULL;
	return s;
}

/* Free a state and its table. */
void
crm_rfm_free(CrmRfmState *s)
{
	if (s == NULL)
		return;
	crm_free(s->keys);
	crm_free(s);
}

/* number of distinct buckets in the set */
static inline uint32_t
set_count(const CrmRfmState *s)
{
	return (uint32_t) s->n_cal + (uint32_t) s->n_hold;
}

/* slot of key k in a table of cap (power of two) slots: Fibonacci hashing */
static inline uint32_t
slot_of(int64_t k, uint32_t cap)
{
	uint64_t	h = (uint64_t) k * UINT64_C(0x9E3779B97F4A7C15);

	return (uint32_t) (h ^ (h >> 32)) & (cap - 1);
}

/* Insert k into a table known not to hold it and to have a free slot. */
static void
table_put(int64_t *keys, uint32_t cap, int64_t k)
{
	uint32_t	i = slot_of(k, cap);

	while (keys[i] != RFM_EMPTY_KEY)
		i = (i + 1) & (cap - 1);
	keys[i] = k;
}

/*
 * Make room for n members: switch from inline storage to a table, or double
 * the table, keeping the load factor at most 3/4.
 */
static CrmStatus
set_reserve(CrmRfmState *s, uint32_t n)
{
	uint32_t	cap;
	uint32_t	i;
	int64_t    *keys;

	if (s->cap == 0 ? n <= CRM_RFM_INLINE_KEYS : (uint64_t) n * 4 <= (uint64_t) s->cap * 3)
		return CRM_OK;
	cap = s->cap == 0 ? 16 : s->cap;
	while ((uint64_t) n * 4 > (uint64_t) cap * 3)
	{
		if (cap >= UINT32_C(0x80000000))
			return CRM_ERANGE;
		cap *= 2;
	}
	keys = crm_alloc((size_t) cap * sizeof(int64_t));
	if (keys == NULL)
		return CRM_ENOMEM;
	for (i = 0; i < cap; i++)
		keys[i] = RFM_EMPTY_KEY;
	if (s->cap == 0)
	{
		for (i = 0; i < set_count(s); i++)
			table_put(keys, cap, s->inl[i]);
	}
	else
	{
		for (i = 0; i < s->cap; i++)
			if (s->keys[i] != RFM_EMPTY_KEY)
				table_put(keys, cap, s->keys[i]);
		crm_free(s->keys);
	}
	s->keys = keys;
	s->cap = cap;
	return CRM_OK;
}

/* Is k in the set? */
static bool
set_contains(const CrmRfmState *s, int64_t k)
{
	uint32_t	i;

	if (s->cap == 0)
	{
		for (i = 0; i < set_count(s); i++)
			if (s->inl[i] == k)
				return true;
		return false;
	}
	for (i = slot_of(k, s->cap); s->keys[i] != RFM_EMPTY_KEY; i = (i + 1) & (s->cap - 1))
		if (s->keys[i] == k)
			return true;
	return false;
}

/*
 * Add bucket k if new, counting it as calibration or holdout.  CRM_ERANGE
 * when the count would pass INT32_MAX, CRM_ENOMEM; the set is unchanged then.
 */
static CrmStatus
set_add(CrmRfmState *s, int64_t k)
{
	CrmStatus	st;

	if (set_contains(s, k))
		return CRM_OK;
	if (set_count(s) >= (uint32_t) INT32_MAX)
		return CRM_ERANGE;
	if ((st = set_reserve(s, set_count(s) + 1)) != CRM_OK)
		return st;
	if (s->cap == 0)
		s->inl[set_count(s)] = k;
	else
		table_put(s->keys, s->cap, k);
	if (k <= s->p.cut_bucket)
		s->n_cal++;
	else
		s->n_hold++;
	return CRM_OK;
}

/* Add one row; see rfm.h. */
CrmStatus
crm_rfm_add(CrmRfmState *s, int64_t at, int64_t bucket, CrmMoney amount, int dscale)
{
	CrmStatus	st;
	CrmMoney	sum;
	CrmMoney	first;

	if (bucket > s->p.end_bucket)
		return CRM_OK;
	if (dscale > CRM_MONEY_FRAC_DIGITS)
		dscale = CRM_MONEY_FRAC_DIGITS;
	if (crm_money_is_negative(amount))
	{
		/* a refund: no purchase bucket, not in monetary */
		CrmMoney	refunds = s->refunds;
		CrmMoney	back;

		if ((st = crm_money_neg(amount, &back)) != CRM_OK ||
			(st = crm_money_add(&refunds, back)) != CRM_OK)
			return st;
		s->refunds = refunds;
		s->n_refunds++;
		s->n_rows++;
		if (dscale > s->dscale)
			s->dscale = dscale;
		return CRM_OK;
	}

	/* compute everything that can fail before changing the state */
	sum = bucket <= s->p.cut_bucket ? s->sum_cal : s->sum_hold;
	if ((st = crm_money_add(&sum, amount)) != CRM_OK)
		return st;
	first = s->sum_first;
	if (bucket < s->min_bucket)
		first = amount;
	else if (bucket == s->min_bucket && (st = crm_money_add(&first, amount)) != CRM_OK)
		return st;
	if ((st = set_add(s, bucket)) != CRM_OK)
		return st;

	if (bucket <= s->p.cut_bucket)
	{
		s->sum_cal = sum;
		if (at < s->first_at)
			s->first_at = at;
		if (at > s->last_at)
			s->last_at = at;
		if (bucket > s->max_cal_bucket)
			s->max_cal_bucket = bucket;
	}
	else
		s->sum_hold = sum;
	if (bucket <= s->min_bucket)
	{
		s->min_bucket = bucket;
		s->sum_first = first;
	}
	s->n_rows++;
	if (dscale > s->dscale)
		s->dscale = dscale;
	return CRM_OK;
}

/*
 * Merge src into dst.  The sums are checked before anything changes; after
 * that only the set can fail (CRM_ENOMEM), leaving dst partly merged: the
 * glue then raises an error, which discards the state.
 */
CrmStatus
crm_rfm_combine(CrmRfmState *dst, const CrmRfmState *src)
{
	CrmMoney	sum_cal = dst->sum_cal;
	CrmMoney	sum_hold = dst->sum_hold;
	CrmMoney	refunds = dst->refunds;
	CrmMoney	first = dst->sum_first;
	int64_t		n_rows;
	int64_t		n_refunds;
	CrmStatus	st;
	uint32_t	i;

	if (!crm_rfm_params_equal(&dst->p, &src->p))
		return CRM_EDOMAIN;
	if ((st = crm_money_add(&sum_cal, src->sum_cal)) != CRM_OK ||
		(st = crm_money_add(&sum_hold, src->sum_hold)) != CRM_OK ||
		(st = crm_money_add(&refunds, src->refunds)) != CRM_OK)
		return st;
	if (src->min_bucket < dst->min_bucket)
		first = src->sum_first;
	else if (src->min_bucket == dst->min_bucket &&
			 (st = crm_money_add(&first, src->sum_first)) != CRM_OK)
		return st;
	if (!add_i64(dst->n_rows, src->n_rows, &n_rows) ||
		!add_i64(dst->n_refunds, src->n_refunds, &n_refunds))
		return CRM_ERANGE;
	if ((uint64_t) set_count(dst) + set_count(src) > (uint64_t) INT32_MAX)
		return CRM_ERANGE;
	if ((st = set_reserve(dst, set_count(dst) + set_count(src))) != CRM_OK)
		return st;

	dst->sum_cal = sum_cal;
	dst->sum_hold = sum_hold;
	dst->refunds = refunds;
	dst->sum_first = first;
	if (src->min_bucket < dst->min_bucket)
		dst->min_bucket = src->min_bucket;
	if (src->max_cal_bucket > dst->max_cal_bucket)
		dst->max_cal_bucket = src->max_cal_bucket;
	if (src->first_at < dst->first_at)
		dst->first_at = src->first_at;
	if (src->last_at > dst->last_at)
		dst->last_at = src->last_at;
	dst->n_rows = n_rows;
	dst->n_refunds = n_refunds;
	if (src->dscale > dst->dscale)
		dst->dscale = src->dscale;
	/* room is reserved, so set_add cannot fail below */
	if (src->cap == 0)
	{
		for (i = 0; i < set_count(src); i++)
			if ((st = set_add(dst, src->inl[i])) != CRM_OK)
				return st;
	}
	else
	{
		for (i = 0; i < src->cap; i++)
			if (src->keys[i] != RFM_EMPTY_KEY && (st = set_add(dst, src->keys[i])) != CRM_OK)
				return st;
	}
	return CRM_OK;
}

/* Deep copy. */
CrmRfmState *
crm_rfm_copy(const CrmRfmState *s)
{
	CrmRfmState *c = crm_alloc(sizeof(CrmRfmState));

	if (c == NULL)
		return NULL;
	memcpy(c, s, sizeof(CrmRfmState));
	if (s->cap > 0)
	{
		c->keys = crm_alloc((size_t) s->cap * sizeof(int64_t));
		if (c->keys == NULL)
		{
			crm_free(c);
			return NULL;
		}
		memcpy(c->keys, s->keys, (size_t) s->cap * sizeof(int64_t));
	}
	return c;
}

/* ------------------------------------------------------------- codec */

/* header, params, counters, sums, counts; then 8 bytes per bucket */
#define RFM_FIXED_BYTES (2 + (8 + 4) * 2 + 8 * 4 + 8 * 6 + 16 * 4 + 4 * 4)

/* Bytes of the encoding. */
size_t
crm_rfm_encoded_size(const CrmRfmState *s)
{
	return RFM_FIXED_BYTES + (size_t) set_count(s) * 8;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a;
	int64_t		y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

static void
put_money(CrmWriter *w, CrmMoney m)
{
	crm_put_i64(w, m.units);
	crm_put_i64(w, m.pico);
}

static CrmMoney
get_money(CrmReader *r)
{
	CrmMoney	m;

	m.units = crm_get_i64(r);
	m.pico = crm_get_i64(r);
	return m;
}

/* Encode a state; buckets sorted so that equal states encode equally. */
CrmStatus
crm_rfm_encode(const CrmRfmState *s, unsigned char *buf, size_t cap)
{
	CrmWriter	w;
	uint32_t	n = set_count(s);
	uint32_t	i;
	uint32_t	j = 0;
	int64_t    *sorted;

	sorted = crm_alloc((size_t) (n == 0 ? 1 : n) * sizeof(int64_t));
	if (sorted == NULL)
		return CRM_ENOMEM;
	if (s->cap == 0)
	{
		for (i = 0; i < n; i++)
			sorted[j++] = s->inl[i];
	}
	else
	{
		for (i = 0; i < s->cap; i++)
			if (s->keys[i] != RFM_EMPTY_KEY)
				sorted[j++] = s->keys[i];
	}
	if (j != n)
	{
		crm_free(sorted);
		return CRM_EINTERNAL;
	}
	qsort(sorted, n, sizeof(int64_t), cmp_i64);

	crm_writer_init(&w, buf, cap);
	crm_put_u8(&w, RFM_FORMAT_VERSION);
	crm_put_u8(&w, CRM_TAG_RFM);
	crm_put_i64(&w, s->p.bucket.usec);
	crm_put_u32(&w, (uint32_t) s->p.bucket.months);
	crm_put_i64(&w, s->p.unit.usec);
	crm_put_u32(&w, (uint32_t) s->p.unit.months);
	crm_put_i64(&w, s->p.end_at);
	crm_put_i64(&w, s->p.cut_at);
	crm_put_i64(&w, s->p.end_bucket);
	crm_put_i64(&w, s->p.cut_bucket);
	crm_put_i64(&w, s->n_rows);
	crm_put_i64(&w, s->n_refunds);
	crm_put_i64(&w, s->first_at);
	crm_put_i64(&w, s->last_at);
	crm_put_i64(&w, s->min_bucket);
	crm_put_i64(&w, s->max_cal_bucket);
	put_money(&w, s->sum_cal);
	put_money(&w, s->sum_first);
	put_money(&w, s->sum_hold);
	put_money(&w, s->refunds);
	crm_put_u32(&w, (uint32_t) s->n_cal);
	crm_put_u32(&w, (uint32_t) s->n_hold);
	crm_put_u32(&w, (uint32_t) s->dscale);
	crm_put_u32(&w, n);
	for (i = 0; i < n; i++)
		crm_put_i64(&w, sorted[i]);
	crm_free(sorted);
	if (w.overflow || w.pos != crm_rfm_encoded_size(s))
		return CRM_EINTERNAL;
	return CRM_OK;
}

static bool
money_valid(CrmMoney m)
{
	return m.pico >= 0 && m.pico < CRM_MONEY_SCALE;
}

static bool
money_is_zero(CrmMoney m)
{
	return m.units == 0 && m.pico == 0;
}

/*
 * Decode and validate; every field is checked against the invariants the
 * accumulator keeps, so a decoded state is as good as one built by rows.
 */
CrmStatus
crm_rfm_decode(const unsigned char *buf, size_t len, CrmRfmState **out)
{
	CrmReader	r;
	CrmRfmParams p;
	CrmRfmState tmp;
	CrmRfmState *s;
	uint32_t	n_cal;
	uint32_t	n_hold;
	uint32_t	dscale;
	uint32_t	n;
	uint32_t	i;
	uint32_t	seen_cal = 0;
	int64_t		prev = INT64_MIN;
	int64_t		max_cal = INT64_MIN;
	CrmStatus	st;

	*out = NULL;
	if (len < 2)
		return CRM_EDATA;
	crm_reader_init(&r, buf, len);
	if (crm_get_u8(&r) != RFM_FORMAT_VERSION)
		return CRM_EVERSION;
	if (crm_get_u8(&r) != CRM_TAG_RFM)
		return CRM_EDATA;
	memset(&p, 0, sizeof(p));
	p.bucket.usec = crm_get_i64(&r);
	p.bucket.months = (int32_t) crm_get_u32(&r);
	p.unit.usec = crm_get_i64(&r);
	p.unit.months = (int32_t) crm_get_u32(&r);
	p.end_at = crm_get_i64(&r);
	p.cut_at = crm_get_i64(&r);
	p.end_bucket = crm_get_i64(&r);
	p.cut_bucket = crm_get_i64(&r);
	memset(&tmp, 0, sizeof(tmp));
	tmp.n_rows = crm_get_i64(&r);
	tmp.n_refunds = crm_get_i64(&r);
	tmp.first_at = crm_get_i64(&r);
	tmp.last_at = crm_get_i64(&r);
	tmp.min_bucket = crm_get_i64(&r);
	tmp.max_cal_bucket = crm_get_i64(&r);
	tmp.sum_cal = get_money(&r);
	tmp.sum_first = get_money(&r);
	tmp.sum_hold = get_money(&r);
	tmp.refunds = get_money(&r);
	n_cal = crm_get_u32(&r);
	n_hold = crm_get_u32(&r);
	dscale = crm_get_u32(&r);
	n = crm_get_u32(&r);
	if (r.error || crm_rfm_params_check(&p) != CRM_OK)
		return CRM_EDATA;
	if (n_cal > (uint32_t) INT32_MAX || n_hold > (uint32_t) INT32_MAX - n_cal ||
		n != n_cal + n_hold || crm_reader_left(&r) / 8 != n || crm_reader_left(&r) % 8 != 0)
		return CRM_EDATA;
	if (dscale > CRM_MONEY_FRAC_DIGITS || tmp.n_rows < 0 || tmp.n_refunds < 0 ||
		tmp.n_refunds > tmp.n_rows || tmp.n_rows - tmp.n_refunds < (int64_t) n)
		return CRM_EDATA;
	if (!money_valid(tmp.sum_cal) || !money_valid(tmp.sum_first) ||
		!money_valid(tmp.sum_hold) || !money_valid(tmp.refunds) ||
		crm_money_is_negative(tmp.sum_cal) || crm_money_is_negative(tmp.sum_first) ||
		crm_money_is_negative(tmp.sum_hold) || crm_money_is_negative(tmp.refunds) ||
		money_is_zero(tmp.refunds) != (tmp.n_refunds == 0))
		return CRM_EDATA;
	if (n_cal == 0 && (tmp.first_at != INT64_MAX || tmp.last_at != INT64_MIN ||
					   tmp.max_cal_bucket != INT64_MIN || !money_is_zero(tmp.sum_cal)))
		return CRM_EDATA;
	if (n_cal > 0 && tmp.first_at > tmp.last_at)
		return CRM_EDATA;
	if ((n_hold == 0 && !money_is_zero(tmp.sum_hold)) ||
		(n == 0 && (tmp.min_bucket != INT64_MAX || !money_is_zero(tmp.sum_first))))
		return CRM_EDATA;

	s = crm_rfm_new(&p);
	if (s == NULL)
		return CRM_ENOMEM;
	if ((st = set_reserve(s, n)) != CRM_OK)
	{
		crm_rfm_free(s);
		return st;
	}
	for (i = 0; i < n; i++)
	{
		int64_t		k = crm_get_i64(&r);

		/* strictly increasing, so distinct, and never the empty marker */
		if ((i == 0 ? k != tmp.min_bucket || k == RFM_EMPTY_KEY : k <= prev) ||
			k > p.end_bucket)
		{
			crm_rfm_free(s);
			return CRM_EDATA;
		}
		if (k <= p.cut_bucket)
		{
			seen_cal++;
			max_cal = k;
		}
		if (s->cap == 0)
			s->inl[i] = k;
		else
			table_put(s->keys, s->cap, k);
		prev = k;
	}
	if (r.error || seen_cal != n_cal || (n_cal > 0 && max_cal != tmp.max_cal_bucket))
	{
		crm_rfm_free(s);
		return CRM_EDATA;
	}
	s->n_rows = tmp.n_rows;
	s->n_refunds = tmp.n_refunds;
	s->first_at = tmp.first_at;
	s->last_at = tmp.last_at;
	s->min_bucket = tmp.min_bucket;
	s->max_cal_bucket = tmp.max_cal_bucket;
	s->sum_cal = tmp.sum_cal;
	s->sum_first = tmp.sum_first;
	s->sum_hold = tmp.sum_hold;
	s->refunds = tmp.refunds;
	s->n_cal = (int32_t) n_cal;
	s->n_hold = (int32_t) n_hold;
	s->dscale = (int32_t) dscale;
	*out = s;
	return CRM_OK;
}

/* ------------------------------------------------------------ result */

/* The figures of a state; see rfm.h. */
CrmStatus
crm_rfm_result(const CrmRfmState *s, CrmRfmResult *r)
{
	CrmStatus	st;
	CrmMoney	repeat;
	CrmMoney	gross = s->sum_cal;

	memset(r, 0, sizeof(*r));
	if ((st = crm_rfm_params_check(&s->p)) != CRM_OK)
		return CRM_EINTERNAL;
	r->n_rows = s->n_rows;
	r->n_refunds = s->n_refunds;
	r->refunds = s->refunds;
	r->dscale = s->dscale;
	if ((st = crm_money_add(&gross, s->sum_hold)) != CRM_OK ||
		(st = crm_money_sub(gross, s->refunds, &r->revenue)) != CRM_OK)
		return st;
	if (s->n_cal == 0)
		return CRM_OK;			/* not present: first purchase after the cut */
	r->present = true;
	r->frequency = s->n_cal - 1;
	r->first_at = s->first_at;
	r->last_at = s->last_at;
	if ((st = crm_rfm_span(&s->p.bucket, &s->p.unit, s->min_bucket, s->max_cal_bucket,
						   &r->recency)) != CRM_OK ||
		(st = crm_rfm_span(&s->p.bucket, &s->p.unit, s->min_bucket, s->p.cut_bucket,
						   &r->t)) != CRM_OK ||
		(st = crm_rfm_span(&s->p.bucket, &s->p.unit, s->p.cut_bucket, s->p.end_bucket,
						   &r->duration_holdout)) != CRM_OK)
		return CRM_EINTERNAL;
	if (s->n_cal > 1)
	{
		if ((st = crm_money_sub(s->sum_cal, s->sum_first, &repeat)) != CRM_OK)
			return st;
		r->monetary = crm_money_div(repeat, s->n_cal - 1);
	}
	r->frequency_holdout = s->n_hold;
	if (s->n_hold > 0)
		r->monetary_holdout = crm_money_div(s->sum_hold, s->n_hold);
	return CRM_OK;
}
