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
 * The amount ±(ip + fp/10^12) from its magnitude (ip < 10^18, fp < 10^12):
 * a negative fraction borrows one unit, -1.25 = -2 + 0.75.
 */
static CrmMoney
money_from_magnitude(bool negative, uint64_t ip, uint64_t fp)
{
	CrmMoney	m;

	if (negative && fp > 0)
	{
		m.units = -(int64_t) ip - 1;
		m.pico = CRM_MONEY_SCALE - (int64_t) fp;
	}
	else
	{
		m.units = negative ? -(int64_t) ip : (int64_t) ip;
		m.pico = (int64_t) fp;
	}
	return m;
}

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
	*out = money_from_magnitude(negative, ip, fp);
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
	*out = money_from_magnitude(negative, ip, fp);
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
		if (months > CRM_RFM_MAX_MONTHS)
			return CRM_ERANGE;
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

/* A period is valid when exactly one of its fields is positive (months bounded). */
static bool
period_valid(const CrmRfmPeriod *p)
{
	return (p->usec > 0 && p->months == 0) ||
		(p->usec == 0 && p->months > 0 && p->months <= CRM_RFM_MAX_MONTHS);
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

/*
 * Format (version 1), after the version byte and CRM_TAG_RFM; "u" is an
 * unsigned LEB128 varint (minimal length), "s" a zigzag-coded signed one:
 *	u bucket.usec, u bucket.months, u unit.usec, u unit.months
 *	s end_at, u end_at - cut_at, s end_bucket, u end_bucket - cut_bucket
 *	u n_rows, u n_refunds, u dscale, u n (distinct buckets)
 *	n buckets, increasing: u end_bucket - k0, then u k(i) - k(i-1) (>= 1)
 *	if a bucket is <= cut_bucket: s end_at - first_at, u last_at - first_at
 *	4 sums (sum_cal, sum_first, sum_hold, refunds): s units,
 *	  u pico / 10^(12 - dscale) (every amount has at most dscale digits)
 * The counts per period, the first bucket and the last calibration bucket
 * follow from the buckets.  A partial state of a typical customer takes
 * 50-80 bytes, which matters: parallel plans sort and send them.  Time
 * differences wrap modulo 2^64 and are decoded the same way, so they never
 * overflow.
 */

/* Maximum length of a varint */
#define VARINT_MAX 10

/* A bound on the encoded length (exact length: crm_rfm_encode's *len). */
size_t
crm_rfm_encoded_bound(const CrmRfmState *s)
{
	return 2 + 18 * VARINT_MAX + (size_t) set_count(s) * VARINT_MAX;
}

/*
 * Varints are written and read straight into the codec's buffer when at
 * least VARINT_MAX bytes remain (the common case), else byte by byte
 * through the codec's checked calls: per-byte calls cost more than all the
 * rest of a parallel plan's serialization.
 */
static inline void
put_uvarint(CrmWriter *w, uint64_t v)
{
	unsigned char *p;

	if (w->overflow || w->cap - w->pos < VARINT_MAX)
	{
		while (v >= 0x80)
		{
			crm_put_u8(w, (uint8_t) (v | 0x80));
			v >>= 7;
		}
		crm_put_u8(w, (uint8_t) v);
		return;
	}
	p = w->buf + w->pos;
	while (v >= 0x80)
	{
		*p++ = (unsigned char) (v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char) v;
	w->pos = (size_t) (p - w->buf);
}

static inline void
put_svarint(CrmWriter *w, int64_t v)
{
	put_uvarint(w, ((uint64_t) v << 1) ^ (uint64_t) (v < 0 ? -1 : 0));
}

/*
 * Read a minimal-length varint; sets r->error on anything else.  It reads
 * the codec reader's fields directly and never passes the reader to an
 * out-of-line function, so the decoder keeps it in registers.
 */
static inline uint64_t
get_uvarint(CrmReader *r)
{
	uint64_t	v = 0;
	int			shift;

	if (r->error)
		return 0;
	for (shift = 0; shift < 64 && r->pos < r->len; shift += 7)
	{
		uint8_t		b = r->buf[r->pos++];

		if (shift == 63 && b > 1)
			break;				/* more than 64 bits */
		v |= (uint64_t) (b & 0x7F) << shift;
		if ((b & 0x80) == 0)
		{
			if (b == 0 && shift > 0)
				break;			/* not minimal */
			return v;
		}
	}
	r->error = true;
	return 0;
}

static inline int64_t
get_svarint(CrmReader *r)
{
	uint64_t	u = get_uvarint(r);

	return (int64_t) (u >> 1) ^ -(int64_t) (u & 1);
}

/* 10^(12 - dscale): the granularity of every sum */
static int64_t
money_quantum(int32_t dscale)
{
	int64_t		q = 1;
	int			i;

	for (i = dscale; i < CRM_MONEY_FRAC_DIGITS; i++)
		q *= 10;
	return q;
}

static void
put_money(CrmWriter *w, CrmMoney m, int64_t quantum)
{
	put_svarint(w, m.units);
	put_uvarint(w, (uint64_t) (m.pico / quantum));
}

/* A sum: units, then the fraction in quanta; r->error when malformed. */
static CrmMoney
get_money(CrmReader *r, int64_t quantum)
{
	CrmMoney	m;
	uint64_t	q;

	m.units = get_svarint(r);
	q = get_uvarint(r);
	if (q >= (uint64_t) (CRM_MONEY_SCALE / quantum))
	{
		r->error = true;
		q = 0;
	}
	m.pico = (int64_t) q * quantum;
	return m;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a;
	int64_t		y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

#define RFM_SORT_STACK 64

/* Encode a state; buckets sorted so that equal states encode equally. */
CrmStatus
crm_rfm_encode(const CrmRfmState *s, unsigned char *buf, size_t cap, size_t *len)
{
	CrmWriter	w;
	uint32_t	n = set_count(s);
	uint32_t	i;
	uint32_t	j = 0;
	int64_t		stack[RFM_SORT_STACK];
	int64_t    *sorted = stack;
	int64_t		quantum = money_quantum(s->dscale);

	if (n > RFM_SORT_STACK && (sorted = crm_alloc((size_t) n * sizeof(int64_t))) == NULL)
		return CRM_ENOMEM;
	if (s->cap == 0)
	{
		for (i = 0; i < n; i++)
			sorted[j++] = s->inl[i];
	}
	else
	{
		for (i = 0; i < s->cap && j < n; i++)
			if (s->keys[i] != RFM_EMPTY_KEY)
				sorted[j++] = s->keys[i];
	}
	if (j <= 16)
	{
		/* insertion sort: most customers have a handful of buckets */
		for (i = 1; i < j; i++)
		{
			int64_t		v = sorted[i];
			uint32_t	h = i;

			while (h > 0 && sorted[h - 1] > v)
			{
				sorted[h] = sorted[h - 1];
				h--;
			}
			sorted[h] = v;
		}
	}
	else
		qsort(sorted, j, sizeof(int64_t), cmp_i64);

	crm_writer_init(&w, buf, cap);
	crm_put_u8(&w, RFM_FORMAT_VERSION);
	crm_put_u8(&w, CRM_TAG_RFM);
	put_uvarint(&w, (uint64_t) s->p.bucket.usec);
	put_uvarint(&w, (uint64_t) s->p.bucket.months);
	put_uvarint(&w, (uint64_t) s->p.unit.usec);
	put_uvarint(&w, (uint64_t) s->p.unit.months);
	put_svarint(&w, s->p.end_at);
	put_uvarint(&w, (uint64_t) s->p.end_at - (uint64_t) s->p.cut_at);
	put_svarint(&w, s->p.end_bucket);
	put_uvarint(&w, (uint64_t) s->p.end_bucket - (uint64_t) s->p.cut_bucket);
	put_uvarint(&w, (uint64_t) s->n_rows);
	put_uvarint(&w, (uint64_t) s->n_refunds);
	put_uvarint(&w, (uint64_t) s->dscale);
	put_uvarint(&w, n);
	for (i = 0; i < j; i++)
		put_uvarint(&w, i == 0 ? (uint64_t) s->p.end_bucket - (uint64_t) sorted[0] :
					(uint64_t) sorted[i] - (uint64_t) sorted[i - 1]);
	if (s->n_cal > 0)
	{
		put_svarint(&w, (int64_t) ((uint64_t) s->p.end_at - (uint64_t) s->first_at));
		put_uvarint(&w, (uint64_t) s->last_at - (uint64_t) s->first_at);
	}
	put_money(&w, s->sum_cal, quantum);
	put_money(&w, s->sum_first, quantum);
	put_money(&w, s->sum_hold, quantum);
	put_money(&w, s->refunds, quantum);
	if (sorted != stack)
		crm_free(sorted);
	if (j != n || w.overflow)
		return CRM_EINTERNAL;
	*len = w.pos;
	return CRM_OK;
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
/*
 * Local times a decoded bucket index may stand for: PostgreSQL's timestamp
 * range (4714-11-24 BC to 294276 AD) widened by two days for the zone
 * offset.  Keeping decoded bucket indexes inside it keeps the bucket start
 * times computed from them (crm_rfm_span) inside int64.
 */
#define RFM_LOCAL_MIN (INT64_C(-211813488000000000) - 2 * CRM_USECS_PER_DAY)
#define RFM_LOCAL_MAX (INT64_C(9223371331200000000) + 2 * CRM_USECS_PER_DAY)

CrmStatus
crm_rfm_decode(const unsigned char *buf, size_t len, CrmRfmState **out)
{
	CrmReader	r;
	CrmRfmParams p;
	CrmRfmState *s;
	uint64_t	bu,
				bm,
				uu,
				um,
				d,
				n_rows,
				n_refunds,
				dscale,
				n;
	uint32_t	i;
	int64_t		k = 0;
	int64_t		quantum;
	int64_t		lo;
	CrmStatus	st;

	*out = NULL;
	if (len < 2)
		return CRM_EDATA;
	if (buf[0] != RFM_FORMAT_VERSION)
		return CRM_EVERSION;
	if (buf[1] != CRM_TAG_RFM)
		return CRM_EDATA;
	crm_reader_init(&r, buf + 2, len - 2);
	memset(&p, 0, sizeof(p));
	bu = get_uvarint(&r);
	bm = get_uvarint(&r);
	uu = get_uvarint(&r);
	um = get_uvarint(&r);
	p.end_at = get_svarint(&r);
	d = get_uvarint(&r);
	p.cut_at = (int64_t) ((uint64_t) p.end_at - d);
	p.end_bucket = get_svarint(&r);
	d = get_uvarint(&r);
	p.cut_bucket = (int64_t) ((uint64_t) p.end_bucket - d);
	n_rows = get_uvarint(&r);
	n_refunds = get_uvarint(&r);
	dscale = get_uvarint(&r);
	n = get_uvarint(&r);
	if (r.error || bu > (uint64_t) INT64_MAX || bm > (uint64_t) INT32_MAX ||
		uu > (uint64_t) INT64_MAX || um > (uint64_t) INT32_MAX)
		return CRM_EDATA;
	p.bucket.usec = (int64_t) bu;
	p.bucket.months = (int32_t) bm;
	p.unit.usec = (int64_t) uu;
	p.unit.months = (int32_t) um;
	/* (wrapped differences: cut_at <= end_at is checked here, not assumed) */
	if (crm_rfm_params_check(&p) != CRM_OK)
		return CRM_EDATA;
	/* bucket indexes of representable times only (see RFM_LOCAL_MIN) */
	lo = crm_rfm_bucket(&p.bucket, RFM_LOCAL_MIN);
	if (p.cut_bucket < lo || p.end_bucket > crm_rfm_bucket(&p.bucket, RFM_LOCAL_MAX))
		return CRM_EDATA;
	if (n_rows > (uint64_t) INT64_MAX || n_refunds > n_rows || n > (uint64_t) INT32_MAX ||
		n_rows - n_refunds < n || dscale > CRM_MONEY_FRAC_DIGITS ||
		n > r.len - r.pos)		/* each bucket takes a byte at least */
		return CRM_EDATA;

	s = crm_rfm_new(&p);
	if (s == NULL)
		return CRM_ENOMEM;
	if ((st = set_reserve(s, (uint32_t) n)) != CRM_OK)
	{
		crm_rfm_free(s);
		return st;
	}
	for (i = 0; i < (uint32_t) n; i++)
	{
		d = get_uvarint(&r);
		if (i == 0)
		{
			/* k0 <= end_bucket and above the empty-slot marker */
			if (d > (uint64_t) p.end_bucket - (uint64_t) (INT64_MIN + 1))
				break;
			k = (int64_t) ((uint64_t) p.end_bucket - d);
			if (k < lo)
				break;
			s->min_bucket = k;
		}
		else
		{
			/* strictly increasing and <= end_bucket */
			if (d == 0 || d > (uint64_t) p.end_bucket - (uint64_t) k)
				break;
			k = (int64_t) ((uint64_t) k + d);
		}
		if (r.error)
			break;
		if (s->cap == 0)
			s->inl[i] = k;
		else
			table_put(s->keys, s->cap, k);
		if (k <= p.cut_bucket)
		{
			s->n_cal++;
			s->max_cal_bucket = k;
		}
		else
			s->n_hold++;
	}
	if (i != (uint32_t) n)
	{
		crm_rfm_free(s);
		return CRM_EDATA;
	}
	s->n_rows = (int64_t) n_rows;
	s->n_refunds = (int64_t) n_refunds;
	s->dscale = (int32_t) dscale;
	if (s->n_cal > 0)
	{
		s->first_at = (int64_t) ((uint64_t) p.end_at - (uint64_t) get_svarint(&r));
		d = get_uvarint(&r);
		if (d > (uint64_t) INT64_MAX - (uint64_t) s->first_at)
			r.error = true;
		else
			s->last_at = (int64_t) ((uint64_t) s->first_at + d);
	}
	quantum = money_quantum(s->dscale);
	s->sum_cal = get_money(&r, quantum);
	s->sum_first = get_money(&r, quantum);
	s->sum_hold = get_money(&r, quantum);
	s->refunds = get_money(&r, quantum);
	if (r.error || r.pos != r.len ||
		crm_money_is_negative(s->sum_cal) || crm_money_is_negative(s->sum_first) ||
		crm_money_is_negative(s->sum_hold) || crm_money_is_negative(s->refunds) ||
		money_is_zero(s->refunds) != (s->n_refunds == 0) ||
		(s->n_cal == 0 && !money_is_zero(s->sum_cal)) ||
		(s->n_hold == 0 && !money_is_zero(s->sum_hold)) ||
		(n == 0 && !money_is_zero(s->sum_first)))
	{
		crm_rfm_free(s);
		return CRM_EDATA;
	}
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
