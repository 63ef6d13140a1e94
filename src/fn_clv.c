/*
 * fn_clv.c
 *		SQL functions of customer lifetime value: crm.clv_discrete (the
 *		lifetimes recipe), crm.clv (explicit units: time unit, horizon,
 *		annual discount rate, margin), crm.discounted_purchases and
 *		crm.discount_rate_per_unit.  The numerical work is in src/core/clv.c.
 *
 * Units.  time_unit is the model's time unit as a fixed-length interval
 * ('7 days' for weekly data); an interval with months has no fixed length
 * and is refused (0A000).  A horizon may use months and years: they are
 * converted with the mean Gregorian month of 365.2425/12 days, never
 * PostgreSQL's 30-day interval arithmetic.  NULL horizon = infinite.
 */
#include "postgres.h"

#include <math.h>
#include <string.h>

#include "fmgr.h"
#include "utils/timestamp.h"

#include "crm_model_glue.h"
#include "core/clv.h"
#include "core/bgnbd.h"
#include "core/gg.h"

/*
 * Two model arguments (purchase and spend model) at one call site: each gets
 * its own crm_model_arg() cache, swapped into fn_extra around the call.
 *
 * Memo of discounted expected transactions.  Over a customer base many
 * customers share their (frequency, recency, t) -- every one-time buyer
 * acquired on the same day does -- and the infinite-horizon BG/NBD value
 * takes a numerical integration (~0.1 ms), so each call site keeps the
 * values of up to CLV_MEMO_SIZE / 2 distinct customers for the current
 * purchase model (cleared when the model changes).  For the infinite
 * horizon of the BG/NBD and MBG/NBD the memo holds ln(DERT / P(alive)),
 * which depends on (frequency, t) only, under the key (x, 0, T, delta,
 * inf), and each customer's value is exp(that + ln P(alive)), bit for bit
 * what crm_bgnbd_dert() returns: far fewer customers share (x, tx, T) than
 * (x, T) (on 20000 demo customers 9810 against 2041 among repeat buyers).
 */
#define CLV_MEMO_SIZE 16384		/* a power of 2 (16384 x 56 bytes per call site) */
#define CLV_MEMO_PROBES 8

typedef struct ClvMemoEntry
{
	double		key[5];			/* x, tx, T, delta, horizon */
	double		val;
	bool		used;
} ClvMemoEntry;

typedef struct ClvModelCaches
{
	void	   *slot[2];
	CrmModelKind memo_kind;
	double		memo_par[CRM_MAX_PARAMS];
	int			memo_n;
	ClvMemoEntry *memo;
} ClvModelCaches;

/* Hash of the 5 key doubles (their bits; FNV-style mixing). */
static uint32
clv_memo_hash(const double *key)
{
	uint64		h = UINT64CONST(1469598103934665603);
	int			i;

	for (i = 0; i < 5; i++)
	{
		uint64		b;

		memcpy(&b, &key[i], sizeof(b));
		h ^= b;
		h *= UINT64CONST(1099511628211);
		h ^= h >> 29;
	}
	return (uint32) (h ^ (h >> 32));
}

/*
 * The memo entry for key at this call site with model (kind, par): *found
 * tells whether it holds the value; NULL when the key is not stored and
 * there is no room (the caller then just computes).
 */
static ClvMemoEntry *
clv_memo_find(FunctionCallInfo fcinfo, CrmModelKind kind, const double *par,
			  const double *key, bool *found)
{
	ClvModelCaches *cc = (ClvModelCaches *) fcinfo->flinfo->fn_extra;
	uint32		h;
	int			i;

	*found = false;
	if (cc == NULL)
		return NULL;
	if (cc->memo == NULL)
		cc->memo = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
										  sizeof(ClvMemoEntry) * CLV_MEMO_SIZE);
	if (cc->memo_kind != kind || cc->memo_n < 0 ||
		memcmp(cc->memo_par, par, sizeof(double) * crm_model_spec_or_error(kind)->nparams) != 0)
	{
		memset(cc->memo, 0, sizeof(ClvMemoEntry) * CLV_MEMO_SIZE);
		cc->memo_kind = kind;
		memcpy(cc->memo_par, par, sizeof(double) * crm_model_spec_or_error(kind)->nparams);
		cc->memo_n = 0;
	}
	h = clv_memo_hash(key);
	for (i = 0; i < CLV_MEMO_PROBES; i++)
	{
		ClvMemoEntry *e = &cc->memo[(h + i) & (CLV_MEMO_SIZE - 1)];

		if (!e->used)
			return cc->memo_n < CLV_MEMO_SIZE / 2 ? e : NULL;
		if (memcmp(e->key, key, sizeof(e->key)) == 0)
		{
			*found = true;
			return e;
		}
	}
	return NULL;
}

/* crm_model_arg() for argument argno with cache slot (0 or 1). */
static const double *
clv_model_arg(FunctionCallInfo fcinfo, int argno, CrmModelKind kind, int slot)
{
	ClvModelCaches *volatile cc = (ClvModelCaches *) fcinfo->flinfo->fn_extra;
	const double *volatile par = NULL;

	if (cc == NULL)
		cc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ClvModelCaches));
	fcinfo->flinfo->fn_extra = cc->slot[slot];
	PG_TRY();
	{
		par = crm_model_arg(fcinfo, argno, kind);
	}
	PG_FINALLY();
	{
		cc->slot[slot] = fcinfo->flinfo->fn_extra;
		fcinfo->flinfo->fn_extra = cc;
	}
	PG_END_TRY();
	return par;
}

/* A readable model name for messages. */
static const char *
kind_label(CrmModelKind kind)
{
	switch (kind)
	{
		case CRM_MODEL_BGNBD:
			return "BG/NBD";
		case CRM_MODEL_MBGNBD:
			return "MBG/NBD";
		case CRM_MODEL_PNBD:
			return "Pareto/NBD";
		case CRM_MODEL_BGBB:
			return "BG/BB";
		default:
			return "model";
	}
}

/*
 * The customer (frequency, recency, t) in arguments argno..argno+2, checked
 * by the model's own rules (22023 with the values otherwise).
 */
static void
clv_customer(FunctionCallInfo fcinfo, int argno, CrmModelKind kind,
			 double *x, double *tx, double *T)
{
	const CrmModelSpec *spec = crm_model_spec_or_error(kind);
	const char *reason = NULL;
	CrmObs		o;

	o.x = *x = PG_GETARG_FLOAT8(argno);
	o.tx = *tx = PG_GETARG_FLOAT8(argno + 1);
	o.T = *T = PG_GETARG_FLOAT8(argno + 2);
	o.w = 1.0;
	if (spec->check_obs(&o, &reason) != CRM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s customer: %s", kind_label(kind),
						reason ? reason : "bad values"),
				 errdetail("The customer has frequency %g, recency %g and t %g.", *x, *tx, *T)));
}

/* Gamma-Gamma expected spend per transaction of (x, monetary). */
static double
clv_spend(const double *gg, double x, double monetary)
{
	double		m;
	CrmStatus	st;

	crm_check_nonneg(monetary, "monetary");
	if (x >= 1.0 && monetary <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("monetary must be positive for a customer with repeat purchases"),
				 errdetail("The customer has frequency %g and monetary %g.", x, monetary),
				 errhint("Pass the mean value of the repeat purchases (0 only when frequency is 0).")));
	st = crm_gg_cond_mean(gg, x, monetary, &m);
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the Gamma-Gamma expected spend");
	return m;
}

/* crm.clv_discrete body for a purchase model kind. */
static Datum
clv_discrete_common(FunctionCallInfo fcinfo, CrmModelKind kind)
{
	const double *par = clv_model_arg(fcinfo, 0, kind, 0);
	const double *gg = clv_model_arg(fcinfo, 1, CRM_MODEL_GG, 1);
	double		x,
				tx,
				T,
				monetary,
				step_length,
				rate,
				spend,
				v;
	int32		steps;
	CrmStatus	st;

	clv_customer(fcinfo, 2, kind, &x, &tx, &T);
	monetary = crm_arg_finite(fcinfo, 5, "monetary");
	steps = PG_GETARG_INT32(6);
	step_length = crm_arg_finite(fcinfo, 7, "step_length");
	rate = crm_arg_finite(fcinfo, 8, "rate_per_step");
	if (steps < 0 || steps > 1000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("steps must be between 0 and 1000000"),
				 errdetail("The value given is %d.", steps)));
	if (step_length <= 0.0 || (kind == CRM_MODEL_BGBB && step_length != floor(step_length)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("step_length must be positive%s",
						kind == CRM_MODEL_BGBB ? " and a whole number of periods for BG/BB" : ""),
				 errdetail("The value given is %g.", step_length),
				 errhint("Give the length of a step in the model's time unit (lifetimes uses 4.345 weeks for a month).")));
	if (rate <= -1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rate_per_step must be greater than -1"),
				 errdetail("The value given is %g.", rate)));
	spend = clv_spend(gg, x, monetary);
	CRM_CALL_CORE(st, crm_clv_discrete(kind, par, x, tx, T, spend, steps, step_length, rate, &v));
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the discrete customer lifetime value");
	PG_RETURN_FLOAT8(v);
}

/* The length in days of a time_unit interval: fixed, positive (0A000 / 22023). */
static double
clv_unit_days(FunctionCallInfo fcinfo, int argno)
{
	Interval   *iv = PG_GETARG_INTERVAL_P(argno);
	double		days;

	if (iv->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("time_unit must not contain months or years"),
				 errdetail("A month has no fixed length; the time unit given has %d months.", iv->month),
				 errhint("Use a fixed length such as '7 days' or '30 days'.")));
	days = crm_clv_interval_days(0.0, (double) iv->day, (double) iv->time / USECS_PER_SEC);
	if (!(days > 0.0) || days > 1e9)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time_unit must be a positive finite interval"),
				 errdetail("The time unit given is %g days.", days)));
	return days;
}

/*
 * The horizon in argument argno, in model units of unit_days days: NULL (or
 * an infinite interval, PostgreSQL 17+) = +inf; months are 365.2425/12 days.
 */
static double
clv_horizon_units(FunctionCallInfo fcinfo, int argno, double unit_days)
{
	Interval   *iv;
	double		days;

	if (PG_ARGISNULL(argno))
		return INFINITY;
	iv = PG_GETARG_INTERVAL_P(argno);
#ifdef INTERVAL_IS_NOEND
	if (INTERVAL_IS_NOEND(iv))
		return INFINITY;
	if (INTERVAL_IS_NOBEGIN(iv))
		days = -1.0;
	else
#endif
		days = crm_clv_interval_days((double) iv->month, (double) iv->day,
									 (double) iv->time / USECS_PER_SEC);
	if (!(days > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be a positive interval"),
				 errdetail("The horizon given is %g days.", days),
				 errhint("Pass NULL for an infinite horizon.")));
	return days / unit_days;
}

/* Continuous discount rate per unit of unit_days from argument argno (22023). */
static double
clv_delta(FunctionCallInfo fcinfo, int argno, double unit_days)
{
	double		rate = crm_arg_finite(fcinfo, argno, "annual_discount_rate");
	double		delta;

	if (rate <= -1.0 || crm_clv_continuous_rate(rate, unit_days, &delta) != CRM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("annual_discount_rate must be greater than -1"),
				 errdetail("The value given is %g.", rate),
				 errhint("Give the effective yearly rate as a fraction: 0.10 for 10%%.")));
	if (delta < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("annual_discount_rate must not be negative"),
				 errdetail("The value given is %g.", rate)));
	return delta;
}

/*
 * Infinite-horizon discounted expected transactions (DERT) of a BG/NBD or
 * MBG/NBD customer: the memoised ln(DERT / P(alive)) of (x, T) plus the
 * customer's ln P(alive) (see the memo above).
 */
static double
clv_bg_dert(FunctionCallInfo fcinfo, CrmModelKind kind, const double *par, double x,
			double tx, double T, double delta)
{
	double		key[5],
				lf,
				lpa,
				v;
	ClvMemoEntry *e;
	bool		found;
	CrmStatus	st;

	if (delta <= 0.0)
		crm_report_status(CRM_EDOMAIN, "cannot compute the discounted expected transactions");
	key[0] = x;
	key[1] = 0.0;
	key[2] = T;
	key[3] = delta;
	key[4] = INFINITY;
	e = clv_memo_find(fcinfo, kind, par, key, &found);
	if (found)
		lf = e->val;
	else
	{
		if (kind == CRM_MODEL_BGNBD)
			CRM_CALL_CORE(st, crm_bgnbd_log_dert_factor(par, delta, x, tx, T, &lf));
		else
			CRM_CALL_CORE(st, crm_mbgnbd_log_dert_factor(par, delta, x, tx, T, &lf));
		if (st != CRM_OK)
			crm_report_status(st, "cannot compute the discounted expected transactions");
		if (e != NULL)
		{
			ClvModelCaches *cc = (ClvModelCaches *) fcinfo->flinfo->fn_extra;

			memcpy(e->key, key, sizeof(e->key));
			e->val = lf;
			e->used = true;
			cc->memo_n++;
		}
	}
	if (kind == CRM_MODEL_BGNBD)
		CRM_CALL_CORE(st, crm_bgnbd_log_p_alive(par, x, tx, T, &lpa));
	else
		CRM_CALL_CORE(st, crm_mbgnbd_log_p_alive(par, x, tx, T, &lpa));
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the discounted expected transactions");
	v = exp(lf + lpa);
	if (!isfinite(v))
		crm_report_status(CRM_ERANGE, "cannot compute the discounted expected transactions");
	return v;
}

/*
 * Discounted expected transactions of the customer in arguments
 * cust..cust+2 with the unit, horizon and rate in arguments unit, unit+1,
 * unit+2.
 */
static double
clv_transactions(FunctionCallInfo fcinfo, CrmModelKind kind, const double *par, int cust,
				 int unit, double *x)
{
	double		tx,
				T,
				unit_days,
				H,
				delta,
				v,
				key[5];
	ClvMemoEntry *e;
	bool		found;
	CrmStatus	st;

	clv_customer(fcinfo, cust, kind, x, &tx, &T);
	unit_days = clv_unit_days(fcinfo, unit);
	H = clv_horizon_units(fcinfo, unit + 1, unit_days);
	delta = clv_delta(fcinfo, unit + 2, unit_days);
	if (isinf(H) && delta <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an infinite horizon needs a positive discount rate"),
				 errdetail("The annual discount rate given is 0."),
				 errhint("Give a finite horizon or a positive annual_discount_rate.")));
	if (kind == CRM_MODEL_BGBB && isfinite(H) && H > 1e7)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon too long for BG/BB"),
				 errdetail("The horizon is %g periods; at most 10000000 are summed.", H),
				 errhint("Pass NULL for an infinite horizon.")));
	if (isinf(H) && (kind == CRM_MODEL_BGNBD || kind == CRM_MODEL_MBGNBD))
		return clv_bg_dert(fcinfo, kind, par, *x, tx, T, delta);
	key[0] = *x;
	key[1] = tx;
	key[2] = T;
	key[3] = delta;
	key[4] = H;
	e = clv_memo_find(fcinfo, kind, par, key, &found);
	if (found)
		return e->val;
	CRM_CALL_CORE(st, crm_clv_discounted_transactions(kind, par, *x, tx, T, delta, H, &v));
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the discounted expected transactions");
	if (e != NULL)
	{
		ClvModelCaches *cc = (ClvModelCaches *) fcinfo->flinfo->fn_extra;

		memcpy(e->key, key, sizeof(e->key));
		e->val = v;
		e->used = true;
		cc->memo_n++;
	}
	return v;
}

/* A NULL in a required argument of the non-strict functions: the result is NULL. */
static bool
clv_any_null(FunctionCallInfo fcinfo, int n, int optional)
{
	int			i;

	for (i = 0; i < n; i++)
		if (i != optional && PG_ARGISNULL(i))
			return true;
	return false;
}

/*
 * crm.discounted_purchases(model, frequency, recency, t, time_unit, horizon,
 * annual_discount_rate) body.
 */
static Datum
discounted_purchases_common(FunctionCallInfo fcinfo, CrmModelKind kind)
{
	const double *par;
	double		x;

	if (clv_any_null(fcinfo, 7, 5))
		PG_RETURN_NULL();
	par = clv_model_arg(fcinfo, 0, kind, 0);
	PG_RETURN_FLOAT8(clv_transactions(fcinfo, kind, par, 1, 4, &x));
}

/*
 * crm.clv(purchase_model, spend_model, frequency, recency, t, monetary,
 * time_unit, horizon, annual_discount_rate, margin) body:
 * margin · E[spend] · discounted expected transactions.
 */
static Datum
clv_common(FunctionCallInfo fcinfo, CrmModelKind kind)
{
	const double *par;
	const double *gg;
	double		x,
				n,
				monetary,
				margin,
				spend,
				v;

	if (clv_any_null(fcinfo, 10, 7))
		PG_RETURN_NULL();
	par = clv_model_arg(fcinfo, 0, kind, 0);
	gg = clv_model_arg(fcinfo, 1, CRM_MODEL_GG, 1);
	monetary = crm_arg_finite(fcinfo, 5, "monetary");
	margin = crm_arg_finite(fcinfo, 9, "margin");
	if (margin > 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("margin must not exceed 1"),
				 errdetail("The value given is %g.", margin),
				 errhint("Give the margin as a fraction of revenue (0.3 for 30%%).")));
	n = clv_transactions(fcinfo, kind, par, 2, 6, &x);
	spend = clv_spend(gg, x, monetary);
	v = margin * spend * n;
	if (!isfinite(v))
		crm_report_status(CRM_ERANGE, "cannot compute the customer lifetime value");
	PG_RETURN_FLOAT8(v);
}

#define CLV_ENTRY(fn, common, kind) \
PG_FUNCTION_INFO_V1(fn); \
Datum fn(PG_FUNCTION_ARGS); \
Datum \
fn(PG_FUNCTION_ARGS) \
{ \
	return common(fcinfo, kind); \
}

/* crm.clv_discrete(<purchase model>, gamma_gamma, frequency, recency, t, monetary, steps, step_length, rate_per_step) */
CLV_ENTRY(clv_discrete_pareto_nbd, clv_discrete_common, CRM_MODEL_PNBD)
CLV_ENTRY(clv_discrete_bgnbd, clv_discrete_common, CRM_MODEL_BGNBD)
CLV_ENTRY(clv_discrete_mbgnbd, clv_discrete_common, CRM_MODEL_MBGNBD)
CLV_ENTRY(clv_discrete_bgbb, clv_discrete_common, CRM_MODEL_BGBB)

/* crm.clv(<purchase model>, gamma_gamma, frequency, recency, t, monetary, time_unit, horizon, annual_discount_rate, margin) */
CLV_ENTRY(clv_pareto_nbd, clv_common, CRM_MODEL_PNBD)
CLV_ENTRY(clv_bgnbd, clv_common, CRM_MODEL_BGNBD)
CLV_ENTRY(clv_mbgnbd, clv_common, CRM_MODEL_MBGNBD)
CLV_ENTRY(clv_bgbb, clv_common, CRM_MODEL_BGBB)

/* crm.discounted_purchases(<purchase model>, frequency, recency, t, time_unit, horizon, annual_discount_rate) */
CLV_ENTRY(discounted_purchases_pareto_nbd, discounted_purchases_common, CRM_MODEL_PNBD)
CLV_ENTRY(discounted_purchases_bgnbd, discounted_purchases_common, CRM_MODEL_BGNBD)
CLV_ENTRY(discounted_purchases_mbgnbd, discounted_purchases_common, CRM_MODEL_MBGNBD)
CLV_ENTRY(discounted_purchases_bgbb, discounted_purchases_common, CRM_MODEL_BGBB)

PG_FUNCTION_INFO_V1(discount_rate_per_unit);

/*
 * crm.discount_rate_per_unit(annual_discount_rate, time_unit): the
 * continuous rate per model unit, ln(1 + rate) · unit_days / 365.2425 (the
 * continuous_rate argument of crm.dert).
 */
Datum
discount_rate_per_unit(PG_FUNCTION_ARGS)
{
	double		unit_days = clv_unit_days(fcinfo, 1);

	PG_RETURN_FLOAT8(clv_delta(fcinfo, 0, unit_days));
}
