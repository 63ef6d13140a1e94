/*
 * agg_rfm.c
 *		fmgr glue of the aggregates crm.rfm_summary and
 *		crm.rfm_calibration_holdout: transition (sfunc), combine, serial,
 *		deserial and final functions over a CrmRfmState (src/core/rfm.h).
 *
 * The state is `internal`, one per customer (group).  The first transition
 * call allocates it in the aggregate context in one piece; later calls
 * update it in place.  Per row there is no palloc, no numeric arithmetic and
 * no time zone lookup: amounts are decoded from numeric's digits and local
 * times come from a cached UTC offset (rfm_input.c).  Parameters
 * (observation_end, calibration_end, bucket, unit) are validated once per
 * distinct value and cached in fn_extra; every row and every partial state
 * of a group must carry the same parameters.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "crm_pg.h"
#include "rfm_input.h"
#include "core/rfm.h"

/* Per-call-site cache (fn_extra of the transition function). */
typedef struct RfmCallCache
{
	CrmClock	clock;
	bool		valid;
	TimestampTz end_at;			/* the raw arguments params came from */
	TimestampTz cut_at;
	Interval	bucket;
	Interval	unit;
	CrmRfmParams params;
} RfmCallCache;

/* Per-call-site cache of a final function: the blessed result row type. */
typedef struct RfmFinalCache
{
	TupleDesc	tupdesc;
} RfmFinalCache;

/* The default bucket and unit: '1 day'. */
static const Interval rfm_one_day = {0, 1, 0};

/* Text of a timestamptz, for messages. */
static char *
timestamptz_text(TimestampTz t)
{
	return DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(t)));
}

/* Text of a period as an interval, for messages. */
static char *
period_text(const CrmRfmPeriod *p)
{
	Interval	iv;

	iv.time = p->usec % USECS_PER_DAY;
	iv.day = (int32) (p->usec / USECS_PER_DAY);
	iv.month = p->months;
	return DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(&iv)));
}

/* "observation_end …, bucket …, unit …" (and calibration_end when it differs). */
static char *
params_text(const CrmRfmParams *p)
{
	if (p->cut_at != p->end_at)
		return psprintf("calibration_end %s, observation_end %s, bucket %s, unit %s",
						timestamptz_text(p->cut_at), timestamptz_text(p->end_at),
						period_text(&p->bucket), period_text(&p->unit));
	return psprintf("observation_end %s, bucket %s, unit %s",
					timestamptz_text(p->end_at), period_text(&p->bucket),
					period_text(&p->unit));
}

/* 22023: the parameters differ inside one group. */
static void
report_params_mismatch(const CrmRfmParams *a, const CrmRfmParams *b, bool partial)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("observation_end, calibration_end, bucket and unit must be the same for all rows of a group"),
			 partial ?
			 errdetail("Partial aggregates of one group were built with %s and with %s.",
					   params_text(a), params_text(b)) :
			 errdetail("One row has %s, another has %s.", params_text(a), params_text(b)),
			 errhint("Pass constants, or values that are constant within each group.")));
}

/*
 * ereport for a bad core status of the state: overflowing sums (CRM_ERANGE)
 * get their own message, the rest crm_report_status's.  Never returns (not
 * declared so: the attribute's spelling changed in PostgreSQL 18).
 */
static void
report_state_status(CrmStatus st, const char *what)
{
	if (st == CRM_ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("sum of amounts is out of range"),
				 errdetail("A customer's amounts, or their net sum, reach 9.2e18 or more in absolute value.")));
	crm_report_status(st, what);
}

/* 22023 for a NULL or infinite timestamp argument. */
static TimestampTz
timestamp_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	TimestampTz t;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be null", name),
				 errhint("Pass the end of the period as a timestamptz, e.g. '1997-09-30'.")));
	t = PG_GETARG_TIMESTAMPTZ(argno);
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be finite", name),
				 errdetail("The value given is %s.", timestamptz_text(t))));
	return t;
}

/* The interval argument argno, or dflt when the aggregate has fewer args. */
static Interval
interval_arg(FunctionCallInfo fcinfo, int argno, const char *name, const Interval *dflt)
{
	if (PG_NARGS() <= argno)
		return *dflt;
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be null", name),
				 errhint("Pass an interval such as '1 day', '7 days' or '1 mon'.")));
	return *PG_GETARG_INTERVAL_P(argno);
}

/* Turn an interval into a period, raising the documented errors. */
static CrmRfmPeriod
period_from_interval(const Interval *iv, const char *name)
{
	CrmRfmPeriod p;
	CrmStatus	st;
	char	   *text;

	/* infinite intervals (PostgreSQL 17+) have every field at its extreme */
	if ((iv->month == PG_INT32_MAX && iv->day == PG_INT32_MAX && iv->time == PG_INT64_MAX) ||
		(iv->month == PG_INT32_MIN && iv->day == PG_INT32_MIN && iv->time == PG_INT64_MIN))
		st = CRM_EDOMAIN;
	else
		st = crm_rfm_period_make(iv->time, iv->day, iv->month, &p);
	if (st == CRM_OK)
		return p;
	text = DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv)));
	if (st == CRM_EUNSUP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s mixing months with days or time is not supported", name),
				 errdetail("The value given is %s; a month has no fixed number of days.", text),
				 errhint("Use whole months ('1 mon', '3 mons', '1 year') or a fixed length ('1 day', '7 days', '1 hour').")));
	if (st == CRM_ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s is too long", name),
				 errdetail("The value given is %s; buckets and units must be shorter than 106751991 days, or at most %d months.",
						   text, CRM_RFM_MAX_MONTHS)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s must be a positive finite interval", name),
			 errdetail("The value given is %s.", text)));
	pg_unreachable();
}

/*
 * The parameters of this row, validated and converted once per distinct
 * set of raw values.  Argument layout: (state, occurred_at, amount,
 * [calibration_end,] observation_end [, bucket [, unit]]).
 */
static const CrmRfmParams *
rfm_params(FunctionCallInfo fcinfo, RfmCallCache *cache, bool holdout)
{
	int			end_arg = holdout ? 4 : 3;
	TimestampTz end_at = timestamp_arg(fcinfo, end_arg, "observation_end");
	TimestampTz cut_at = holdout ? timestamp_arg(fcinfo, 3, "calibration_end") : end_at;
	Interval	bucket = interval_arg(fcinfo, end_arg + 1, "bucket", &rfm_one_day);
	Interval	unit = interval_arg(fcinfo, end_arg + 2, "unit", &bucket);
	CrmRfmParams p;

	if (likely(cache->valid) && end_at == cache->end_at && cut_at == cache->cut_at &&
		bucket.time == cache->bucket.time && bucket.day == cache->bucket.day &&
		bucket.month == cache->bucket.month && unit.time == cache->unit.time &&
		unit.day == cache->unit.day && unit.month == cache->unit.month)
		return &cache->params;

	memset(&p, 0, sizeof(p));
	p.bucket = period_from_interval(&bucket, "bucket");
	p.unit = period_from_interval(&unit, "unit");
	if (crm_rfm_unit_check(&p.bucket, &p.unit) != CRM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("unit in months needs a bucket in months"),
				 errdetail("The bucket is %s and the unit %s; a month has no fixed number of days.",
						   period_text(&p.bucket), period_text(&p.unit)),
				 errhint("Measure in a fixed unit such as '30 days' or '7 days', or use a month bucket such as '1 mon'.")));
	if (cut_at > end_at)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calibration_end must not be after observation_end"),
				 errdetail("calibration_end is %s and observation_end is %s.",
						   timestamptz_text(cut_at), timestamptz_text(end_at))));
	p.end_at = end_at;
	p.cut_at = cut_at;
	p.end_bucket = crm_rfm_bucket(&p.bucket, crm_clock_local(&cache->clock, end_at));
	p.cut_bucket = crm_rfm_bucket(&p.bucket, crm_clock_local(&cache->clock, cut_at));
	if (p.cut_bucket > p.end_bucket)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calibration_end falls in a later bucket than observation_end"),
				 errdetail("calibration_end is %s and observation_end is %s; a daylight saving change turns local time back between them.",
						   timestamptz_text(cut_at), timestamptz_text(end_at)),
				 errhint("Use a longer bucket or move one of the two ends.")));
	cache->params = p;
	cache->end_at = end_at;
	cache->cut_at = cut_at;
	cache->bucket = bucket;
	cache->unit = unit;
	cache->valid = true;
	return &cache->params;
}

/* The transition function of both aggregates. */
static Datum
rfm_transition(FunctionCallInfo fcinfo, bool holdout)
{
	MemoryContext aggcontext;
	MemoryContext old;
	RfmCallCache *cache = (RfmCallCache *) fcinfo->flinfo->fn_extra;
	CrmRfmState *state = PG_ARGISNULL(0) ? NULL : (CrmRfmState *) PG_GETARG_POINTER(0);
	const CrmRfmParams *params;
	TimestampTz at;
	CrmMoney	amount;
	int			dscale;
	CrmStatus	st;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "RFM transition function called in non-aggregate context");
	if (unlikely(cache == NULL))
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RfmCallCache));
		crm_clock_init(&cache->clock, fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = cache;
	}
	params = rfm_params(fcinfo, cache, holdout);
	if (state != NULL && unlikely(!crm_rfm_params_equal(&state->p, params)))
		report_params_mismatch(&state->p, params, false);

	/* a row with NULL occurred_at or amount is skipped, as in sum() */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (state == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(state);
	}
	if (state == NULL)
	{
		old = MemoryContextSwitchTo(aggcontext);
		state = crm_rfm_new(params);
		MemoryContextSwitchTo(old);
		if (state == NULL)
			crm_report_status(CRM_ENOMEM, "cannot allocate the RFM state");
	}

	at = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(at))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("occurred_at must be finite"),
				 errdetail("The value given is %s.", timestamptz_text(at)),
				 errhint("Use NULL for an unknown time: such rows are skipped.")));
	crm_rfm_amount(PG_GETARG_DATUM(2), &amount, &dscale);

	old = MemoryContextSwitchTo(aggcontext);
	st = crm_rfm_add(state, at,
					 crm_rfm_bucket(&params->bucket, crm_clock_local(&cache->clock, at)),
					 amount, dscale);
	MemoryContextSwitchTo(old);
	if (unlikely(st != CRM_OK))
		report_state_status(st, "cannot add a row to the RFM state");
	PG_RETURN_POINTER(state);
}

/* Combine two partial states; the second is copied when the first is NULL. */
static Datum
rfm_combine(FunctionCallInfo fcinfo)
{
	MemoryContext aggcontext;
	MemoryContext old;
	CrmRfmState *s1 = PG_ARGISNULL(0) ? NULL : (CrmRfmState *) PG_GETARG_POINTER(0);
	CrmRfmState *s2 = PG_ARGISNULL(1) ? NULL : (CrmRfmState *) PG_GETARG_POINTER(1);
	CrmStatus	st;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "RFM combine function called in non-aggregate context");
	if (s2 == NULL)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	old = MemoryContextSwitchTo(aggcontext);
	if (s1 == NULL)
	{
		s1 = crm_rfm_copy(s2);
		st = s1 == NULL ? CRM_ENOMEM : CRM_OK;
	}
	else
		st = crm_rfm_combine(s1, s2);
	MemoryContextSwitchTo(old);
	if (st == CRM_EDOMAIN)
		report_params_mismatch(&s1->p, &s2->p, true);
	if (st != CRM_OK)
		report_state_status(st, "cannot combine RFM states");
	PG_RETURN_POINTER(s1);
}

/* Serialize a state to bytea (codec: version byte, tag, varints; see rfm.c). */
static Datum
rfm_serial(FunctionCallInfo fcinfo)
{
	CrmRfmState *s;
	size_t		cap;
	size_t		n;
	bytea	   *out;
	CrmStatus	st;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "RFM serialize function called in non-aggregate context");
	s = (CrmRfmState *) PG_GETARG_POINTER(0);
	cap = crm_rfm_encoded_bound(s);
	out = (bytea *) palloc(VARHDRSZ + cap);
	st = crm_rfm_encode(s, (unsigned char *) VARDATA(out), cap, &n);
	if (st != CRM_OK)
		crm_report_status(st, "cannot serialize an RFM state");
	SET_VARSIZE(out, VARHDRSZ + n);
	PG_RETURN_BYTEA_P(out);
}

/* Deserialize, checking every length and invariant (22P02 when bad). */
static Datum
rfm_deserial(FunctionCallInfo fcinfo)
{
	bytea	   *in;
	CrmRfmState *s;
	CrmStatus	st;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "RFM deserialize function called in non-aggregate context");
	in = PG_GETARG_BYTEA_PP(0);
	st = crm_rfm_decode((const unsigned char *) VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), &s);
	if (st != CRM_OK)
		crm_report_status(st, "invalid serialized RFM state");
	PG_RETURN_POINTER(s);
}

/* The figures of a state, or false when the group has no result row. */
static bool
rfm_figures(FunctionCallInfo fcinfo, CrmRfmResult *r)
{
	CrmRfmState *s = (CrmRfmState *) PG_GETARG_POINTER(0);
	CrmStatus	st = crm_rfm_result(s, r);

	if (st != CRM_OK)
		report_state_status(st, "cannot compute the RFM summary");
	return r->present;
}

/* The blessed tuple descriptor of the final function's composite result. */
static TupleDesc
final_tupdesc(FunctionCallInfo fcinfo, int natts)
{
	RfmFinalCache *cache = (RfmFinalCache *) fcinfo->flinfo->fn_extra;
	TupleDesc	td;
	MemoryContext old;

	if (likely(cache != NULL))
		return cache->tupdesc;
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "RFM final function must return a composite type");
	if (td->natts != natts)
		elog(ERROR, "RFM result type has %d attributes, expected %d", td->natts, natts);
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	cache = palloc(sizeof(RfmFinalCache));
	cache->tupdesc = BlessTupleDesc(CreateTupleDescCopy(td));
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = cache;
	return cache->tupdesc;
}

#define RFM_NATTS 10

/* crm.rfm: the summary of one customer, NULL when no purchase <= the end. */
static Datum
rfm_summary_result(FunctionCallInfo fcinfo)
{
	CrmRfmResult r;
	TupleDesc	td;
	Datum		values[RFM_NATTS];
	bool		nulls[RFM_NATTS] = {false};

	if (!rfm_figures(fcinfo, &r))
		PG_RETURN_NULL();
	td = final_tupdesc(fcinfo, RFM_NATTS);
	values[0] = Int32GetDatum(r.frequency);
	values[1] = Float8GetDatum(r.recency);
	values[2] = Float8GetDatum(r.t);
	values[3] = Float8GetDatum(r.monetary);
	values[4] = TimestampTzGetDatum(r.first_at);
	values[5] = TimestampTzGetDatum(r.last_at);
	values[6] = Int64GetDatum(r.n_rows);
	values[7] = Int64GetDatum(r.n_refunds);
	values[8] = crm_rfm_money_numeric(r.refunds, r.dscale);
	values[9] = crm_rfm_money_numeric(r.revenue, r.dscale);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

#define RFM_HOLDOUT_NATTS 7

/* crm.rfm_holdout: NULL when the first purchase is after calibration_end. */
static Datum
rfm_holdout_result(FunctionCallInfo fcinfo)
{
	CrmRfmResult r;
	TupleDesc	td;
	Datum		values[RFM_HOLDOUT_NATTS];
	bool		nulls[RFM_HOLDOUT_NATTS] = {false};

	if (!rfm_figures(fcinfo, &r))
		PG_RETURN_NULL();
	td = final_tupdesc(fcinfo, RFM_HOLDOUT_NATTS);
	values[0] = Int32GetDatum(r.frequency);
	values[1] = Float8GetDatum(r.recency);
	values[2] = Float8GetDatum(r.t);
	values[3] = Float8GetDatum(r.monetary);
	values[4] = Int32GetDatum(r.frequency_holdout);
	values[5] = Float8GetDatum(r.duration_holdout);
	values[6] = Float8GetDatum(r.monetary_holdout);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

/* ------------------------------------------------ SQL-callable entries */

PG_FUNCTION_INFO_V1(rfm_summary_sfunc);
PG_FUNCTION_INFO_V1(rfm_summary_combine);
PG_FUNCTION_INFO_V1(rfm_summary_serial);
PG_FUNCTION_INFO_V1(rfm_summary_deserial);
PG_FUNCTION_INFO_V1(rfm_summary_final);
PG_FUNCTION_INFO_V1(rfm_calibration_holdout_sfunc);
PG_FUNCTION_INFO_V1(rfm_calibration_holdout_combine);
PG_FUNCTION_INFO_V1(rfm_calibration_holdout_serial);
PG_FUNCTION_INFO_V1(rfm_calibration_holdout_deserial);
PG_FUNCTION_INFO_V1(rfm_calibration_holdout_final);

/* crm.rfm_summary_sfunc(internal, timestamptz, numeric, timestamptz [, interval [, interval]]) */
Datum
rfm_summary_sfunc(PG_FUNCTION_ARGS)
{
	return rfm_transition(fcinfo, false);
}

/* crm.rfm_summary_combine(internal, internal) */
Datum
rfm_summary_combine(PG_FUNCTION_ARGS)
{
	return rfm_combine(fcinfo);
}

/* crm.rfm_summary_serial(internal) */
Datum
rfm_summary_serial(PG_FUNCTION_ARGS)
{
	return rfm_serial(fcinfo);
}

/* crm.rfm_summary_deserial(bytea, internal) */
Datum
rfm_summary_deserial(PG_FUNCTION_ARGS)
{
	return rfm_deserial(fcinfo);
}

/* crm.rfm_summary_final(internal) */
Datum
rfm_summary_final(PG_FUNCTION_ARGS)
{
	return rfm_summary_result(fcinfo);
}

/* crm.rfm_calibration_holdout_sfunc(internal, timestamptz, numeric, timestamptz, timestamptz [, interval [, interval]]) */
Datum
rfm_calibration_holdout_sfunc(PG_FUNCTION_ARGS)
{
	return rfm_transition(fcinfo, true);
}

/* crm.rfm_calibration_holdout_combine(internal, internal) */
Datum
rfm_calibration_holdout_combine(PG_FUNCTION_ARGS)
{
	return rfm_combine(fcinfo);
}

/* crm.rfm_calibration_holdout_serial(internal) */
Datum
rfm_calibration_holdout_serial(PG_FUNCTION_ARGS)
{
	return rfm_serial(fcinfo);
}

/* crm.rfm_calibration_holdout_deserial(bytea, internal) */
Datum
rfm_calibration_holdout_deserial(PG_FUNCTION_ARGS)
{
	return rfm_deserial(fcinfo);
}

/* crm.rfm_calibration_holdout_final(internal) */
Datum
rfm_calibration_holdout_final(PG_FUNCTION_ARGS)
{
	return rfm_holdout_result(fcinfo);
}
