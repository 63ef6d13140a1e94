/*
 * test_rfm.c
 *		The RFM core: exact money (numeric digits, text, sums), calendar
 *		arithmetic and bucket alignment (weeks, months, leap years), spans in
 *		units, the accumulator (order independence, refunds, the cut,
 *		calibration/holdout, combine) and its encoding (round trip, canonical
 *		bytes, truncated, corrupted and wrong-version input).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "rfm.h"
#include "codec.h"

void		test_rfm(void);

#define DAY CRM_USECS_PER_DAY

static CrmMoney
money(int64_t units, int64_t pico)
{
	CrmMoney	m;

	m.units = units;
	m.pico = pico;
	return m;
}

/* parse text that must be valid */
static CrmMoney
M(const char *text)
{
	CrmMoney	m = {0, 0};
	int			dscale;
	bool		tp;

	if (crm_money_parse(text, &m, &dscale, &tp) != CRM_OK)
		ut_ok(false, "cannot parse %s", text);
	return m;
}

static bool
money_eq(CrmMoney a, CrmMoney b)
{
	return a.units == b.units && a.pico == b.pico;
}

/* local time of a civil date and time of day */
static int64_t
at(int64_t y, int mo, int d, int h, int mi)
{
	return crm_days_from_civil(y, mo, d) * DAY + ((int64_t) h * 60 + mi) * INT64_C(60000000);
}

static void
money_digits(void)
{
	CrmMoney	m;
	bool		tp;

	ut_begin("rfm: numeric base-10000 digits to exact money");
	{
		uint16_t	d[] = {1, 2345, 6700};	/* 12345.67 */

		ut_ok(crm_money_from_base10000(false, 1, d, 3, &m, &tp) == CRM_OK &&
			  money_eq(m, money(12345, 670000000000)), "12345.67 -> %lld %lld",
			  (long long) m.units, (long long) m.pico);
		ut_ok(crm_money_from_base10000(true, 1, d, 3, &m, &tp) == CRM_OK &&
			  money_eq(m, money(-12346, 330000000000)), "-12345.67");
	}
	{
		uint16_t	d[] = {1};		/* 10^-12 at position -3 */

		ut_ok(crm_money_from_base10000(true, -3, d, 1, &m, &tp) == CRM_OK &&
			  money_eq(m, money(-1, CRM_MONEY_SCALE - 1)), "-1e-12");
		ut_ok(crm_money_from_base10000(false, -4, d, 1, &m, &tp) == CRM_ERANGE && tp,
			  "1e-16 is too precise");
	}
	{
		uint16_t	d[] = {99, 9999, 9999, 9999, 9999, 9999, 9999, 9999};	/* 10^18 - 10^-12 */
		uint16_t	big[] = {100};	/* 10^18 */
		uint16_t	huge[] = {1};	/* 10^20 */
		uint16_t	bad[] = {10000};

		ut_ok(crm_money_from_base10000(false, 4, d, 8, &m, &tp) == CRM_OK &&
			  money_eq(m, money(INT64_C(999999999999999999), 999999999999)), "largest amount");
		ut_ok(crm_money_from_base10000(false, 4, big, 1, &m, &tp) == CRM_ERANGE && !tp, "10^18");
		ut_ok(crm_money_from_base10000(false, 5, huge, 1, &m, &tp) == CRM_ERANGE && !tp, "10^20");
		ut_ok(crm_money_from_base10000(false, 0, bad, 1, &m, &tp) == CRM_EDATA, "digit 10000");
	}
	{
		uint16_t	z[] = {0, 0, 5, 0};	/* non-normalised zeros around 5·10^-4 */

		ut_ok(crm_money_from_base10000(false, 9, z, 0, &m, &tp) == CRM_OK &&
			  money_eq(m, money(0, 0)), "zero has no digits");
		ut_ok(crm_money_from_base10000(false, 1, z, 4, &m, &tp) == CRM_OK &&
			  money_eq(m, money(0, 500000000)), "zeros outside the range are fine");
	}
	ut_end();
}

static void
money_text(void)
{
	CrmMoney	m;
	CrmMoney	n;
	int			ds;
	bool		tp;
	char		buf[CRM_MONEY_TEXT_MAX];
	size_t		len;

	ut_begin("rfm: money text, sums, negation, formatting");
	ut_ok(crm_money_parse("-0.50", &m, &ds, &tp) == CRM_OK && money_eq(m, money(-1, 500000000000)) && ds == 2,
		  "-0.50");
	ut_ok(crm_money_parse("+7", &m, &ds, &tp) == CRM_OK && money_eq(m, money(7, 0)) && ds == 0, "+7");
	ut_ok(crm_money_parse("0.1234567890120000", &m, &ds, &tp) == CRM_OK && m.pico == 123456789012 && ds == 16,
		  "trailing zeros beyond 12 digits are fine");
	ut_ok(crm_money_parse("0.0000000000001", &m, &ds, &tp) == CRM_ERANGE && tp, "13th digit");
	ut_ok(crm_money_parse("1000000000000000000", &m, &ds, &tp) == CRM_ERANGE && !tp, "10^18");
	ut_ok(crm_money_parse("999999999999999999.5", &m, &ds, &tp) == CRM_OK, "just below 10^18");
	ut_ok(crm_money_parse("", &m, &ds, &tp) == CRM_EDATA, "empty");
	ut_ok(crm_money_parse("1e5", &m, &ds, &tp) == CRM_EDATA, "exponent");
	ut_ok(crm_money_parse("NaN", &m, &ds, &tp) == CRM_EDATA, "NaN");
	ut_ok(crm_money_parse(".5", &m, &ds, &tp) == CRM_OK && m.pico == 500000000000, ".5");

	m = M("0.7");
	ut_ok(crm_money_add(&m, M("0.6")) == CRM_OK && money_eq(m, M("1.3")), "carry");
	ut_ok(crm_money_add(&m, M("-2.35")) == CRM_OK && money_eq(m, M("-1.05")), "to negative");
	ut_ok(crm_money_neg(m, &n) == CRM_OK && money_eq(n, M("1.05")), "negate");
	ut_ok(crm_money_sub(M("3"), M("4.25"), &n) == CRM_OK && money_eq(n, M("-1.25")), "subtract");
	m = money(INT64_MAX, 999999999999);
	ut_ok(crm_money_add(&m, M("0.000000000001")) == CRM_ERANGE && m.units == INT64_MAX, "overflow leaves acc");
	ut_ok(crm_money_neg(money(INT64_MIN, 0), &n) == CRM_ERANGE, "-INT64_MIN");
	ut_ok(crm_money_neg(money(INT64_MIN, 1), &n) == CRM_OK && n.units == INT64_MAX, "-(INT64_MIN + 1e-12)");

	ut_ok(crm_money_format(M("-1.05"), 2, buf, &len) == CRM_OK && strcmp(buf, "-1.05") == 0 && len == 5,
		  "format -1.05 gave %s", buf);
	ut_ok(crm_money_format(M("12"), 3, buf, &len) == CRM_OK && strcmp(buf, "12.000") == 0, "format 12.000");
	ut_ok(crm_money_format(M("-0.000000000001"), 12, buf, &len) == CRM_OK &&
		  strcmp(buf, "-0.000000000001") == 0, "format -1e-12 gave %s", buf);
	ut_ok(crm_money_format(M("1.25"), 1, buf, &len) == CRM_EDOMAIN, "digits would be lost");
	ut_ok(crm_money_format(money(INT64_MIN, 0), 0, buf, &len) == CRM_OK &&
		  strcmp(buf, "-9223372036854775808") == 0, "format INT64_MIN gave %s", buf);
	ut_ok(crm_money_format(M("0"), 0, buf, &len) == CRM_OK && strcmp(buf, "0") == 0, "format 0");

	ut_close(crm_money_to_double(M("-1.25")), -1.25, 0, "to double");
	ut_close(crm_money_div(M("44.69"), 2), 22.345, 1e-15, "mean");
	ut_end();
}

static void
calendar(void)
{
	int64_t		d;
	int64_t		y;
	int			m;
	int			dd;
	int			bad = 0;

	ut_begin("rfm: civil dates round trip, leap years, weekdays");
	ut_ok(crm_days_from_civil(2000, 1, 1) == 0, "2000-01-01 is day 0");
	ut_ok(crm_days_from_civil(2000, 1, 3) == 2, "2000-01-03 is day 2");
	ut_ok(crm_days_from_civil(2000, 3, 1) - crm_days_from_civil(2000, 2, 28) == 2, "2000 is a leap year");
	ut_ok(crm_days_from_civil(1900, 3, 1) - crm_days_from_civil(1900, 2, 28) == 1, "1900 is not");
	ut_ok(crm_days_from_civil(2100, 3, 1) - crm_days_from_civil(2100, 2, 28) == 1, "2100 is not");
	ut_ok(crm_days_from_civil(2024, 3, 1) - crm_days_from_civil(2024, 2, 28) == 2, "2024 is");
	ut_ok(crm_days_from_civil(1970, 1, 1) == -10957, "unix epoch");
	/* 1997-01-01 was a Wednesday: (day + 5) mod 7 == 2 with Monday = 0 */
	d = crm_days_from_civil(1997, 1, 1);
	ut_ok(((d % 7) + 7 + 5) % 7 == 2, "1997-01-01 is a Wednesday");
	for (d = -2500000; d <= 110000000; d += 997)
	{
		crm_civil_from_days(d, &y, &m, &dd);
		if (crm_days_from_civil(y, m, dd) != d || m < 1 || m > 12 || dd < 1 || dd > 31)
			bad++;
	}
	crm_civil_from_days(crm_days_from_civil(-4713, 11, 24), &y, &m, &dd);
	ut_ok(y == -4713 && m == 11 && dd == 24, "4714 BC (year -4713)");
	crm_civil_from_days(crm_days_from_civil(294276, 12, 31), &y, &m, &dd);
	ut_ok(y == 294276 && m == 12 && dd == 31, "294276 AD");
	ut_ok(bad == 0, "%d day numbers did not round trip", bad);
	ut_end();
}

static void
buckets(void)
{
	CrmRfmPeriod day;
	CrmRfmPeriod week;
	CrmRfmPeriod hour;
	CrmRfmPeriod mon;
	CrmRfmPeriod quarter;
	CrmRfmPeriod year;
	CrmRfmPeriod p;
	double		v;

	ut_begin("rfm: period construction and its errors");
	ut_ok(crm_rfm_period_make(0, 1, 0, &day) == CRM_OK && day.usec == DAY && day.months == 0, "1 day");
	ut_ok(crm_rfm_period_make(0, 7, 0, &week) == CRM_OK && week.usec == 7 * DAY, "7 days");
	ut_ok(crm_rfm_period_make(INT64_C(3600000000), 0, 0, &hour) == CRM_OK, "1 hour");
	ut_ok(crm_rfm_period_make(0, 0, 1, &mon) == CRM_OK && mon.months == 1 && mon.usec == 0, "1 mon");
	ut_ok(crm_rfm_period_make(0, 0, 3, &quarter) == CRM_OK, "3 mons");
	ut_ok(crm_rfm_period_make(0, 0, 12, &year) == CRM_OK, "1 year");
	ut_ok(crm_rfm_period_make(0, 1, 1, &p) == CRM_EUNSUP, "1 mon 1 day");
	ut_ok(crm_rfm_period_make(1, 0, 1, &p) == CRM_EUNSUP, "1 mon 1 usec");
	ut_ok(crm_rfm_period_make(0, 0, 0, &p) == CRM_EDOMAIN, "zero");
	ut_ok(crm_rfm_period_make(0, -1, 0, &p) == CRM_EDOMAIN, "-1 day");
	ut_ok(crm_rfm_period_make(0, 0, -1, &p) == CRM_EDOMAIN, "-1 mon");
	ut_ok(crm_rfm_period_make(-INT64_C(3600000000), 1, 0, &p) == CRM_OK && p.usec == DAY - INT64_C(3600000000),
		  "1 day -1 hour is 23 hours");
	ut_ok(crm_rfm_period_make(INT64_MAX, 1, 0, &p) == CRM_ERANGE, "overflow");
	ut_ok(crm_rfm_period_make(0, 106751991, 0, &p) == CRM_OK, "106751991 days fit in int64 microseconds");
	ut_ok(crm_rfm_period_make(0, 106751992, 0, &p) == CRM_ERANGE, "106751992 days do not");
	ut_ok(crm_rfm_period_make(0, INT32_MAX, 0, &p) == CRM_ERANGE, "2^31 days do not");
	ut_ok(crm_rfm_unit_check(&day, &mon) == CRM_EUNSUP, "month unit over day buckets");
	ut_ok(crm_rfm_unit_check(&mon, &day) == CRM_OK, "day unit over month buckets");
	ut_end();

	ut_begin("rfm: fixed buckets align to Monday 2000-01-03 local");
	ut_ok(crm_rfm_bucket(&day, at(2000, 1, 3, 0, 0)) == 0, "day 0");
	ut_ok(crm_rfm_bucket(&day, at(2000, 1, 2, 23, 59)) == -1, "the day before");
	ut_ok(crm_rfm_bucket(&day, at(1997, 9, 30, 23, 59)) == crm_rfm_bucket(&day, at(1997, 9, 30, 0, 0)),
		  "a day is a calendar day before 2000");
	ut_ok(crm_rfm_bucket(&day, at(1997, 9, 30, 0, 0)) - crm_rfm_bucket(&day, at(1997, 1, 1, 0, 0)) == 272,
		  "1997-01-01 to 1997-09-30 is 272 days");
	ut_ok(crm_rfm_bucket(&week, at(2000, 1, 3, 0, 0)) == 0 && crm_rfm_bucket(&week, at(2000, 1, 9, 23, 59)) == 0,
		  "week 0 is Monday 2000-01-03 .. Sunday 2000-01-09");
	ut_ok(crm_rfm_bucket(&week, at(2000, 1, 10, 0, 0)) == 1, "next Monday");
	ut_ok(crm_rfm_bucket(&week, at(1996, 12, 30, 0, 0)) == crm_rfm_bucket(&week, at(1997, 1, 5, 23, 0)) &&
		  crm_rfm_bucket(&week, at(1997, 1, 6, 0, 0)) == crm_rfm_bucket(&week, at(1997, 1, 5, 0, 0)) + 1,
		  "the week of 1997-01-01 runs Mon 1996-12-30 .. Sun 1997-01-05");
	ut_ok(crm_rfm_bucket_start(&week, crm_rfm_bucket(&week, at(1997, 1, 1, 12, 0))) == at(1996, 12, 30, 0, 0),
		  "start of that week");
	ut_ok(crm_rfm_bucket(&hour, at(2000, 1, 3, 1, 30)) == 1 && crm_rfm_bucket(&hour, at(2000, 1, 3, 0, 0) - 1) == -1,
		  "hours");
	ut_ok(crm_rfm_bucket(&day, at(-4713, 11, 24, 0, 0)) < 0 && crm_rfm_bucket(&day, at(294276, 12, 31, 23, 59)) > 0,
		  "extremes of PostgreSQL's range");
	ut_end();

	ut_begin("rfm: month buckets are calendar months, quarters, years");
	ut_ok(crm_rfm_bucket(&mon, at(2000, 1, 1, 0, 0)) == 0 && crm_rfm_bucket(&mon, at(2000, 1, 31, 23, 59)) == 0,
		  "January 2000");
	ut_ok(crm_rfm_bucket(&mon, at(2000, 2, 29, 12, 0)) == 1 && crm_rfm_bucket(&mon, at(2000, 3, 1, 0, 0)) == 2,
		  "leap day is in February");
	ut_ok(crm_rfm_bucket(&mon, at(1999, 12, 31, 23, 59)) == -1, "December 1999");
	ut_ok(crm_rfm_bucket(&mon, at(1997, 9, 30, 0, 0)) == -28, "September 1997");
	ut_ok(crm_rfm_bucket(&quarter, at(1997, 9, 30, 0, 0)) == -10 && crm_rfm_bucket(&quarter, at(1997, 10, 1, 0, 0)) == -9,
		  "Q3/Q4 1997");
	ut_ok(crm_rfm_bucket(&quarter, at(2000, 4, 1, 0, 0)) == 1 && crm_rfm_bucket(&quarter, at(2000, 3, 31, 23, 0)) == 0,
		  "Q1/Q2 2000");
	ut_ok(crm_rfm_bucket(&year, at(1997, 12, 31, 23, 59)) == -3 && crm_rfm_bucket(&year, at(2024, 2, 29, 0, 0)) == 24,
		  "years");
	ut_ok(crm_rfm_bucket_start(&quarter, -9) == at(1997, 10, 1, 0, 0), "start of Q4 1997");
	ut_end();

	ut_begin("rfm: spans in units");
	ut_ok(crm_rfm_span(&day, &week, 0, 213, &v) == CRM_OK && v == 213.0 / 7.0, "days / 7 as lifetimes");
	ut_ok(crm_rfm_span(&day, &day, 5, 5, &v) == CRM_OK && v == 0.0, "zero span");
	ut_ok(crm_rfm_span(&week, &day, 0, 3, &v) == CRM_OK && v == 21.0, "weeks in days");
	ut_ok(crm_rfm_span(&mon, &year, 0, 18, &v) == CRM_OK && v == 1.5, "months in years");
	ut_ok(crm_rfm_span(&quarter, &mon, -3, 1, &v) == CRM_OK && v == 12.0, "quarters in months");
	ut_ok(crm_rfm_span(&mon, &day, 0, 2, &v) == CRM_OK && v == 60.0, "Jan+Feb 2000 = 60 days");
	ut_ok(crm_rfm_span(&mon, &day, 12, 14, &v) == CRM_OK && v == 59.0, "Jan+Feb 2001 = 59 days");
	ut_ok(crm_rfm_span(&year, &week, 0, 1, &v) == CRM_OK && v == 366.0 / 7.0, "2000 in weeks");
	ut_ok(crm_rfm_span(&day, &mon, 0, 1, &v) == CRM_EDOMAIN, "month unit over days");
	ut_ok(crm_rfm_span(&day, &day, 2, 1, &v) == CRM_EDOMAIN, "negative span");
	p.usec = 1;
	p.months = 0;
	ut_ok(crm_rfm_span(&p, &day, crm_rfm_bucket(&p, INT64_C(-211813488000000000)),
					   crm_rfm_bucket(&p, INT64_C(9223371331199999999)), &v) == CRM_OK &&
		  ut_close(v, (9223371331199999999.0 + 211813488000000000.0) / 86400e6, 1e-15, "v %g", v),
		  "microsecond buckets across all of PostgreSQL's range");
	ut_end();
}

static CrmRfmParams
params(CrmRfmPeriod bucket, CrmRfmPeriod unit, int64_t cut_local, int64_t end_local)
{
	CrmRfmParams p;

	memset(&p, 0, sizeof(p));
	p.bucket = bucket;
	p.unit = unit;
	/* identity values: the tests use local == UTC */
	p.cut_at = cut_local;
	p.end_at = end_local;
	p.cut_bucket = crm_rfm_bucket(&bucket, cut_local);
	p.end_bucket = crm_rfm_bucket(&bucket, end_local);
	return p;
}

typedef struct Row
{
	int64_t		t;
	const char *amount;
} Row;

static CrmStatus
add_row(CrmRfmState *s, const Row *r)
{
	CrmMoney	m;
	int			ds;
	bool		tp;
	CrmStatus	st = crm_money_parse(r->amount, &m, &ds, &tp);

	if (st != CRM_OK)
		return st;
	return crm_rfm_add(s, r->t, crm_rfm_bucket(&s->p.bucket, r->t), m, ds);
}

/* encode s into a malloc'd buffer; NULL on failure */
static unsigned char *
encode(const CrmRfmState *s, size_t *len)
{
	size_t		cap = crm_rfm_encoded_bound(s);
	unsigned char *buf = malloc(cap);

	if (crm_rfm_encode(s, buf, cap, len) != CRM_OK || *len > cap)
	{
		free(buf);
		return NULL;
	}
	return buf;
}

static bool
same_state(const CrmRfmState *a, const CrmRfmState *b)
{
	size_t		na = 0;
	size_t		nb = 0;
	unsigned char *ba = encode(a, &na);
	unsigned char *bb = encode(b, &nb);
	bool		same = ba != NULL && bb != NULL && na == nb && memcmp(ba, bb, na) == 0;

	free(ba);
	free(bb);
	return same;
}

static void
accumulate(void)
{
	CrmRfmPeriod day;
	CrmRfmPeriod week;
	CrmRfmParams p;
	CrmRfmState *s;
	CrmRfmState *r;
	CrmRfmResult res;
	char		buf[CRM_MONEY_TEXT_MAX];
	size_t		len;
	int			i;

	/* CDNOW customer 1 up to 1997-09-30: 01-01 29.33, 01-18 29.73, 08-02 14.96 */
	Row			c1[] = {
		{0, "29.33"}, {0, "29.73"}, {0, "14.96"}, {0, "26.48"},
	};

	c1[0].t = at(1997, 1, 1, 0, 0);
	c1[1].t = at(1997, 1, 18, 0, 0);
	c1[2].t = at(1997, 8, 2, 0, 0);
	c1[3].t = at(1997, 12, 12, 0, 0);	/* after the end */
	crm_rfm_period_make(0, 1, 0, &day);
	crm_rfm_period_make(0, 7, 0, &week);
	p = params(day, week, at(1997, 9, 30, 0, 0), at(1997, 9, 30, 0, 0));

	ut_begin("rfm: CDNOW customer 1, D buckets in weeks");
	s = crm_rfm_new(&p);
	for (i = 3; i >= 0; i--)
		ut_ok(add_row(s, &c1[i]) == CRM_OK, "row %d", i);
	ut_ok(crm_rfm_result(s, &res) == CRM_OK && res.present, "result");
	ut_ok(res.frequency == 2, "frequency %d", res.frequency);
	ut_close(res.recency, 213.0 / 7.0, 0, "recency");
	ut_close(res.t, 272.0 / 7.0, 0, "T");
	ut_close(res.monetary, 22.345, 1e-15, "monetary");
	ut_ok(res.n_rows == 3 && res.n_refunds == 0, "3 rows up to the end");
	ut_ok(res.first_at == c1[0].t && res.last_at == c1[2].t, "first/last");
	ut_ok(crm_money_format(res.revenue, res.dscale, buf, &len) == CRM_OK && strcmp(buf, "74.02") == 0,
		  "revenue %s", buf);
	ut_ok(res.frequency_holdout == 0 && res.duration_holdout == 0.0, "no holdout");
	crm_rfm_free(s);
	ut_end();

	ut_begin("rfm: same-day rows, refunds, zero amounts, all rows after the end");
	{
		Row			rows[] = {
			{0, "10.00"}, {0, "5"}, {0, "-3.50"}, {0, "0"}, {0, "-1"}, {0, "7.125"},
		};

		rows[0].t = at(2020, 5, 1, 9, 0);
		rows[1].t = at(2020, 5, 1, 18, 0);	/* same day */
		rows[2].t = at(2020, 5, 2, 10, 0);	/* refund: no bucket */
		rows[3].t = at(2020, 5, 3, 10, 0);	/* zero is a purchase */
		rows[4].t = at(2020, 4, 1, 10, 0);	/* refund before the first purchase */
		rows[5].t = at(2020, 5, 3, 11, 0);
		p = params(day, day, at(2020, 5, 10, 0, 0), at(2020, 5, 10, 0, 0));
		s = crm_rfm_new(&p);
		for (i = 0; i < 6; i++)
			add_row(s, &rows[i]);
		ut_ok(crm_rfm_result(s, &res) == CRM_OK && res.present && res.frequency == 1, "frequency %d", res.frequency);
		ut_close(res.recency, 2, 0, "recency");
		ut_close(res.t, 9, 0, "T");
		ut_close(res.monetary, 7.125, 0, "monetary is the repeat day's sum");
		ut_ok(res.n_rows == 6 && res.n_refunds == 2, "counts");
		ut_ok(crm_money_format(res.refunds, 2, buf, &len) == CRM_OK && strcmp(buf, "4.50") == 0, "refunds %s", buf);
		ut_ok(res.dscale == 3 && crm_money_format(res.revenue, res.dscale, buf, &len) == CRM_OK &&
			  strcmp(buf, "17.625") == 0, "revenue %s", buf);
		ut_ok(res.first_at == rows[0].t && res.last_at == rows[5].t, "first/last purchase");
		crm_rfm_free(s);

		p = params(day, day, at(2020, 1, 1, 0, 0), at(2020, 1, 1, 0, 0));
		s = crm_rfm_new(&p);
		for (i = 0; i < 6; i++)
			add_row(s, &rows[i]);
		ut_ok(crm_rfm_result(s, &res) == CRM_OK && !res.present && res.n_rows == 0, "nothing up to the end");
		crm_rfm_free(s);

		p = params(day, day, at(2020, 4, 20, 0, 0), at(2020, 4, 20, 0, 0));
		s = crm_rfm_new(&p);
		for (i = 0; i < 6; i++)
			add_row(s, &rows[i]);
		ut_ok(crm_rfm_result(s, &res) == CRM_OK && !res.present && res.n_rows == 1 && res.n_refunds == 1,
			  "only a refund up to the end");
		crm_rfm_free(s);
	}
	ut_end();

	ut_begin("rfm: the cut is at bucket granularity");
	{
		Row			late = {0, "1"};

		late.t = at(1997, 9, 30, 23, 59);
		p = params(day, day, at(1997, 9, 30, 0, 0), at(1997, 9, 30, 0, 0));
		s = crm_rfm_new(&p);
		add_row(s, &late);
		ut_ok(crm_rfm_result(s, &res) == CRM_OK && res.present && res.t == 0.0,
			  "a row later on the end day is kept");
		crm_rfm_free(s);
	}
	ut_end();

	ut_begin("rfm: calibration and holdout");
	{
		Row			rows[] = {
			{0, "10"}, {0, "20"}, {0, "30"}, {0, "1"}, {0, "2"}, {0, "4"}, {0, "100"},
		};

		rows[0].t = at(2021, 1, 4, 0, 0);
		rows[1].t = at(2021, 1, 11, 0, 0);
		rows[2].t = at(2021, 1, 31, 12, 0);	/* calibration end day */
		rows[3].t = at(2021, 2, 1, 0, 0);	/* holdout */
		rows[4].t = at(2021, 2, 1, 5, 0);	/* same holdout day */
		rows[5].t = at(2021, 2, 10, 0, 0);
		rows[6].t = at(2021, 3, 1, 0, 0);	/* after the end */
		p = params(day, week, at(2021, 1, 31, 0, 0), at(2021, 2, 28, 0, 0));
		s = crm_rfm_new(&p);
		for (i = 0; i < 7; i++)
			add_row(s, &rows[i]);
		ut_ok(crm_rfm_result(s, &res) == CRM_OK && res.present, "present");
		ut_ok(res.frequency == 2, "frequency_cal %d", res.frequency);
		ut_close(res.recency, 27.0 / 7.0, 0, "recency_cal");
		ut_close(res.t, 27.0 / 7.0, 0, "T_cal");
		ut_close(res.monetary, 25, 0, "monetary_cal");
		ut_ok(res.frequency_holdout == 2, "frequency_holdout %d", res.frequency_holdout);
		ut_close(res.duration_holdout, 4, 0, "duration_holdout");
		ut_close(res.monetary_holdout, 3.5, 0, "monetary_holdout: mean of day sums 3 and 4");
		ut_ok(res.last_at == rows[2].t, "last_at is in the calibration period");
		crm_rfm_free(s);

		/* first purchase in the holdout: not part of the calibration */
		s = crm_rfm_new(&p);
		for (i = 3; i < 7; i++)
			add_row(s, &rows[i]);
		ut_ok(crm_rfm_result(s, &res) == CRM_OK && !res.present, "new in the holdout");
		crm_rfm_free(s);
	}
	ut_end();

	ut_begin("rfm: order independence and combine over 5000 buckets");
	{
		CrmRfmState *a = NULL;
		CrmRfmState *b = NULL;
		CrmRfmState *c = NULL;
		CrmRfmState *parts[3];
		int64_t		base = at(2010, 1, 1, 0, 0);
		int			n = 20000;
		unsigned	seed = 12345;
		int		   *perm = malloc(sizeof(int) * n);
		int			ok = 1;

		p = params(day, week, base + 3000 * DAY, base + 4000 * DAY);
		a = crm_rfm_new(&p);
		b = crm_rfm_new(&p);
		for (i = 0; i < 3; i++)
			parts[i] = crm_rfm_new(&p);
		for (i = 0; i < n; i++)
			perm[i] = i;
		for (i = n - 1; i > 0; i--)
		{
			int			j;
			int			t;

			seed = seed * 1103515245u + 12345u;
			j = (int) ((seed >> 8) % (unsigned) (i + 1));
			t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}
		for (i = 0; i < n; i++)
		{
			/* row i: day (i * 7919) mod 5000, amount i/100 - 20 (some refunds) */
			Row			r;
			Row			q;
			char		amt[32];
			char		amt2[32];

			r.t = base + (int64_t) ((i * 7919) % 5000) * DAY + (i % 24) * INT64_C(3600000000);
			snprintf(amt, sizeof(amt), "%d.%02d", i / 100 - 20 + (i < 2000 ? -1 : 0), i % 100);
			r.amount = amt;
			q.t = base + (int64_t) ((perm[i] * 7919) % 5000) * DAY + (perm[i] % 24) * INT64_C(3600000000);
			snprintf(amt2, sizeof(amt2), "%d.%02d", perm[i] / 100 - 20 + (perm[i] < 2000 ? -1 : 0), perm[i] % 100);
			q.amount = amt2;
			ok &= add_row(a, &r) == CRM_OK;
			ok &= add_row(b, &q) == CRM_OK;
			ok &= add_row(parts[i % 3], &q) == CRM_OK;
		}
		ut_ok(ok, "rows added");
		ut_ok(a->n_cal + a->n_hold == 4001, "distinct buckets up to the end: %d", a->n_cal + a->n_hold);
		ut_ok(same_state(a, b), "sorted and shuffled input give the same state");
		c = crm_rfm_copy(parts[2]);
		ut_ok(crm_rfm_combine(c, parts[0]) == CRM_OK && crm_rfm_combine(c, parts[1]) == CRM_OK, "combine");
		ut_ok(same_state(a, c), "combined partial states equal the serial state");
		ut_ok(c->n_rows == parts[0]->n_rows + parts[1]->n_rows + parts[2]->n_rows, "rows add up");
		crm_rfm_free(a);
		crm_rfm_free(b);
		crm_rfm_free(c);
		for (i = 0; i < 3; i++)
			crm_rfm_free(parts[i]);
		free(perm);
	}
	ut_end();

	ut_begin("rfm: combine refuses different parameters");
	{
		CrmRfmParams p2;

		p = params(day, day, at(2020, 1, 1, 0, 0), at(2020, 1, 1, 0, 0));
		p2 = params(day, day, at(2020, 1, 2, 0, 0), at(2020, 1, 2, 0, 0));
		s = crm_rfm_new(&p);
		r = crm_rfm_new(&p2);
		ut_ok(crm_rfm_combine(s, r) == CRM_EDOMAIN, "different end");
		crm_rfm_free(r);
		p2 = params(day, week, at(2020, 1, 1, 0, 0), at(2020, 1, 1, 0, 0));
		r = crm_rfm_new(&p2);
		ut_ok(crm_rfm_combine(s, r) == CRM_EDOMAIN, "different unit");
		crm_rfm_free(r);
		crm_rfm_free(s);
	}
	ut_end();

	ut_begin("rfm: sums overflow with CRM_ERANGE, state unchanged");
	{
		CrmRfmResult before;
		CrmMoney	big;
		int			ds;
		bool		tp;

		p = params(day, day, at(2020, 1, 1, 0, 0), at(2020, 1, 1, 0, 0));
		s = crm_rfm_new(&p);
		crm_money_parse("999999999999999999", &big, &ds, &tp);
		for (i = 0; i < 9; i++)
			ut_ok(crm_rfm_add(s, at(2019, 1, 1, 0, 0) + i * DAY, crm_rfm_bucket(&day, at(2019, 1, 1, 0, 0) + i * DAY),
							  big, 0) == CRM_OK, "row %d", i);
		crm_rfm_result(s, &before);
		ut_ok(crm_rfm_add(s, at(2019, 2, 1, 0, 0), crm_rfm_bucket(&day, at(2019, 2, 1, 0, 0)), big, 0) == CRM_ERANGE,
			  "tenth 10^18 overflows");
		crm_rfm_result(s, &res);
		ut_ok(res.n_rows == before.n_rows && res.frequency == before.frequency, "unchanged");
		crm_rfm_free(s);
	}
	ut_end();
}

static CrmRfmState *
sample_state(int nrows)
{
	CrmRfmPeriod day;
	CrmRfmPeriod week;
	CrmRfmParams p;
	CrmRfmState *s;
	int			i;

	crm_rfm_period_make(0, 1, 0, &day);
	crm_rfm_period_make(0, 7, 0, &week);
	p = params(day, week, at(2020, 6, 1, 0, 0), at(2020, 12, 31, 0, 0));
	s = crm_rfm_new(&p);
	for (i = 0; i < nrows; i++)
	{
		Row			r;

		r.t = at(2020, 1, 1, 0, 0) + (int64_t) ((i * 37) % 400) * DAY;
		r.amount = i % 5 == 4 ? "-2.5" : "12.34";
		add_row(s, &r);
	}
	return s;
}

static void
codec(void)
{
	int			sizes[] = {0, 1, 3, 4, 5, 40, 300};
	int			k;

	ut_begin("rfm: encode/decode round trip (inline and table sets)");
	for (k = 0; k < 7; k++)
	{
		CrmRfmState *s = sample_state(sizes[k]);
		CrmRfmState *d = NULL;
		size_t		n = 0;
		size_t		m = 0;
		unsigned char *buf = encode(s, &n);

		ut_ok(buf != NULL, "encode %d rows (%zu bytes)", sizes[k], n);
		ut_ok(buf != NULL && crm_rfm_decode(buf, n, &d) == CRM_OK && same_state(s, d),
			  "decode %d rows", sizes[k]);
		ut_ok(buf != NULL && crm_rfm_encode(s, buf, n - 1, &m) == CRM_EINTERNAL, "short buffer is caught");
		crm_rfm_free(s);
		crm_rfm_free(d);
		free(buf);
	}
	ut_end();

	ut_begin("rfm: the encoding is compact");
	{
		CrmRfmState *s = sample_state(10);
		size_t		n = 0;
		unsigned char *buf = encode(s, &n);

		ut_ok(buf != NULL && n <= 80, "a 10-row customer takes %zu bytes", n);
		crm_rfm_free(s);
		free(buf);
	}
	ut_end();

	ut_begin("rfm: truncated, extended, wrong version/tag, corrupted input");
	{
		CrmRfmState *s = sample_state(40);
		CrmRfmState *d = NULL;
		size_t		n = 0;
		unsigned char *buf = encode(s, &n);
		unsigned char *copy = malloc(n + 8);
		size_t		i;
		int			bad_trunc = 0;
		int			accepted_bad = 0;
		int			other = 0;
		int			accepted = 0;

		for (i = 0; i < n; i++)
		{
			CrmStatus	st = crm_rfm_decode(buf, i, &d);

			if (st != CRM_EDATA && !(i >= 1 && st == CRM_EVERSION))
				bad_trunc++;
			crm_rfm_free(d);
			d = NULL;
		}
		ut_ok(bad_trunc == 0, "%d truncations not rejected", bad_trunc);
		memcpy(copy, buf, n);
		memset(copy + n, 0, 8);
		ut_ok(crm_rfm_decode(copy, n + 8, &d) == CRM_EDATA, "trailing bytes");
		memcpy(copy, buf, n);
		copy[0] = 2;
		ut_ok(crm_rfm_decode(copy, n, &d) == CRM_EVERSION, "version 2");
		copy[0] = 1;
		copy[1] = CRM_TAG_FIT;
		ut_ok(crm_rfm_decode(copy, n, &d) == CRM_EDATA, "wrong tag");
		{
			/* a non-minimal varint: 0 written as 0x80 0x00 (bucket months) */
			unsigned char *odd = malloc(n + 1);
			size_t		pos = 2;

			while (buf[pos] & 0x80)
				pos++;
			pos++;				/* now at bucket.months, which is 0 */
			memcpy(odd, buf, pos);
			odd[pos] = 0x80;
			memcpy(odd + pos + 1, buf + pos, n - pos);
			ut_ok(buf[pos] == 0 && crm_rfm_decode(odd, n + 1, &d) == CRM_EDATA, "non-minimal varint");
			free(odd);
		}

		/*
		 * Flip every bit: the decoder must reject the input or return a
		 * state that encodes back to exactly the input (never crash: ASan).
		 */
		for (i = 0; i < n * 8; i++)
		{
			CrmStatus	st;

			memcpy(copy, buf, n);
			copy[i / 8] ^= (unsigned char) (1u << (i % 8));
			st = crm_rfm_decode(copy, n, &d);
			if (st == CRM_OK)
			{
				size_t		m = 0;
				unsigned char *again = encode(d, &m);

				accepted++;
				if (again == NULL || m != n || memcmp(again, copy, n) != 0)
					accepted_bad++;
				free(again);
				crm_rfm_free(d);
				d = NULL;
			}
			else if (st != CRM_EDATA && st != CRM_EVERSION)
				other++;
		}
		ut_ok(accepted_bad == 0 && other == 0, "bit flips: %d of %d accepted inconsistently, %d odd statuses",
			  accepted_bad, accepted, other);
		crm_rfm_free(s);
		free(buf);
		free(copy);
	}
	ut_end();

	ut_begin("rfm: random bytes never crash the decoder");
	{
		unsigned char junk[96];
		unsigned	seed = 7;
		int			i;
		int			j;
		int			odd = 0;

		for (i = 0; i < 20000; i++)
		{
			CrmRfmState *d = NULL;
			CrmStatus	st;
			size_t		len = (size_t) (i % 96);

			for (j = 0; j < 96; j++)
			{
				seed = seed * 1103515245u + 12345u;
				junk[j] = (unsigned char) (seed >> 16);
			}
			junk[0] = 1;
			junk[1] = CRM_TAG_RFM;
			st = crm_rfm_decode(junk, len, &d);
			if (st != CRM_OK && st != CRM_EDATA)
				odd++;
			crm_rfm_free(d);
		}
		ut_ok(odd == 0, "%d odd statuses", odd);
	}
	ut_end();
}

void
test_rfm(void)
{
	money_digits();
	money_text();
	calendar();
	buckets();
	accumulate();
	codec();
}
