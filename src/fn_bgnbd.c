/*
 * fn_bgnbd.c
 *		SQL functions of the BG/NBD and MBG/NBD models (types crm.bgnbd and
 *		crm.mbgnbd): constructors, fit aggregate steps and predictions.  The
 *		numerical work is in src/core/bgnbd.c; this file fetches and checks
 *		arguments, calls the core and reports errors (see crm_model_glue.h,
 *		src/fn_sbg.c).  The two models take the same arguments, so each SQL
 *		function is a thin entry point over one shared helper.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"

#include "crm_model_glue.h"
#include "core/bgnbd.h"

/* The core entry points of one model. */
typedef struct BgFns
{
	CrmModelKind kind;
	const char *label;			/* "BG/NBD" or "MBG/NBD", for messages */
	CrmStatus	(*p_alive) (const double *, double, double, double, double *);
	CrmStatus	(*expected) (const double *, double, double *);
	CrmStatus	(*cond_expected) (const double *, double, double, double, double,
								  CrmPredCache *, double *);
	CrmStatus	(*prob_n) (const double *, double, double, double *);
	CrmStatus	(*dert) (const double *, double, double, double, double, CrmPredCache *,
						 double *);
} BgFns;

static const BgFns bgnbd_fns = {
	CRM_MODEL_BGNBD, "BG/NBD", crm_bgnbd_p_alive, crm_bgnbd_expected,
	crm_bgnbd_cond_expected_memo, crm_bgnbd_prob_n, crm_bgnbd_dert_memo
};

static const BgFns mbgnbd_fns = {
	CRM_MODEL_MBGNBD, "MBG/NBD", crm_mbgnbd_p_alive, crm_mbgnbd_expected,
	crm_mbgnbd_cond_expected_memo, crm_mbgnbd_prob_n, crm_mbgnbd_dert_memo
};

/* ---- constructors and fit aggregate steps ---- */

PG_FUNCTION_INFO_V1(bgnbd);

/* crm.bgnbd(r, alpha, a, b): a BG/NBD model value from its parameters. */
Datum
bgnbd(PG_FUNCTION_ARGS)
{
	return crm_model_construct(fcinfo, CRM_MODEL_BGNBD);
}

PG_FUNCTION_INFO_V1(mbgnbd);

/* crm.mbgnbd(r, alpha, a, b): an MBG/NBD model value from its parameters. */
Datum
mbgnbd(PG_FUNCTION_ARGS)
{
	return crm_model_construct(fcinfo, CRM_MODEL_MBGNBD);
}

/*
 * Transition step shared by crm.fit_bgnbd and crm.fit_mbgnbd(frequency,
 * recency, t [, weight [, penalizer [, start]]]): CrmObs (x, tx, T) =
 * (frequency, recency, t); the spec's check_obs validates the row.
 */
static Datum
bg_fit_sfunc(FunctionCallInfo fcinfo, CrmModelKind kind)
{
	CrmObs		o;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		return crm_fit_sfunc_skip(fcinfo);
	o.x = PG_GETARG_FLOAT8(1);
	o.tx = PG_GETARG_FLOAT8(2);
	o.T = PG_GETARG_FLOAT8(3);
	o.w = 1.0;
	return crm_fit_sfunc(fcinfo, kind, 3, &o);
}

PG_FUNCTION_INFO_V1(fit_bgnbd_sfunc);

/* Transition step of crm.fit_bgnbd. */
Datum
fit_bgnbd_sfunc(PG_FUNCTION_ARGS)
{
	return bg_fit_sfunc(fcinfo, CRM_MODEL_BGNBD);
}

PG_FUNCTION_INFO_V1(fit_mbgnbd_sfunc);

/* Transition step of crm.fit_mbgnbd. */
Datum
fit_mbgnbd_sfunc(PG_FUNCTION_ARGS)
{
	return bg_fit_sfunc(fcinfo, CRM_MODEL_MBGNBD);
}

PG_FUNCTION_INFO_V1(fit_bgnbd_final);

/* Final step of crm.fit_bgnbd: the fitted crm.bgnbd. */
Datum
fit_bgnbd_final(PG_FUNCTION_ARGS)
{
	return crm_fit_final(fcinfo, CRM_MODEL_BGNBD);
}

PG_FUNCTION_INFO_V1(fit_mbgnbd_final);

/* Final step of crm.fit_mbgnbd: the fitted crm.mbgnbd. */
Datum
fit_mbgnbd_final(PG_FUNCTION_ARGS)
{
	return crm_fit_final(fcinfo, CRM_MODEL_MBGNBD);
}

/* ---- argument checks ---- */

/* Largest frequency the core accepts (2^53: every smaller integer is exact). */
#define BG_MAX_FREQUENCY 9007199254740992.0

/*
 * The customer in arguments argno..argno+2 (frequency, recency, t),
 * checked (22023 with the values otherwise).
 */
static void
customer_args(FunctionCallInfo fcinfo, int argno, double *x, double *tx, double *T)
{
	*x = PG_GETARG_FLOAT8(argno);
	*tx = PG_GETARG_FLOAT8(argno + 1);
	*T = PG_GETARG_FLOAT8(argno + 2);
	crm_check_customer(*x, *tx, *T);
	if (*x > BG_MAX_FREQUENCY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency is too large"),
				 errdetail("The value given is %g; at most %.0f is supported.", *x, BG_MAX_FREQUENCY),
				 errhint("Frequency counts repeat purchases.")));
}

/* A horizon argument: finite and >= 0 (22023 otherwise). */
static double
horizon_arg(FunctionCallInfo fcinfo, int argno)
{
	double		t = crm_arg_finite(fcinfo, argno, "horizon");

	if (t < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must not be negative"),
				 errdetail("The value given is %g.", t),
				 errhint("Give the length of the future period in the time unit of the data.")));
	return t;
}

/* A purchase count argument: >= 0 (22023 otherwise). */
static double
count_arg(FunctionCallInfo fcinfo, int argno)
{
	int32		n = PG_GETARG_INT32(argno);

	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n must not be negative"),
				 errdetail("The number of purchases given is %d.", n)));
	return (double) n;
}

/* A continuous discount rate argument: finite and > 0 (22023 otherwise). */
static double
rate_arg(FunctionCallInfo fcinfo, int argno)
{
	double		delta = crm_arg_finite(fcinfo, argno, "continuous_rate");

	if (delta <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("continuous_rate must be positive"),
				 errdetail("The value given is %g.", delta),
				 errhint("Give the continuous discount rate per time unit, e.g. ln(1.15)/52 for 15%% a year with weekly data.")));
	return delta;
}

/* ereport for a bad core status: "cannot compute the <model> <what>". */
static void
bg_fail(const BgFns *m, CrmStatus st, const char *what)
{
	char		msg[160];

	snprintf(msg, sizeof(msg), "cannot compute the %s %s", m->label, what);
	crm_report_status(st, msg);
}

/* ---- predictions (shared bodies) ---- */

/* crm.p_alive(model, frequency, recency, t): P(alive at T | x, tx, T). */
static Datum
bg_p_alive(FunctionCallInfo fcinfo, const BgFns *m)
{
	const double *par = crm_model_arg(fcinfo, 0, m->kind);
	double		x,
				tx,
				T,
				v;
	CrmStatus	st;

	customer_args(fcinfo, 1, &x, &tx, &T);
	st = m->p_alive(par, x, tx, T, &v);
	if (st != CRM_OK)
		bg_fail(m, st, "probability of being alive");
	PG_RETURN_FLOAT8(v);
}

/*
 * crm.p_alive_future(model, frequency, recency, t, horizon): P(alive at
 * T + horizon) for a customer who makes no purchase until then, i.e.
 * P(alive | x, tx, T + horizon).
 */
static Datum
bg_p_alive_future(FunctionCallInfo fcinfo, const BgFns *m)
{
	const double *par = crm_model_arg(fcinfo, 0, m->kind);
	double		x,
				tx,
				T,
				h,
				v;
	CrmStatus	st;

	customer_args(fcinfo, 1, &x, &tx, &T);
	h = horizon_arg(fcinfo, 4);
	if (!isfinite(T + h))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("age plus horizon is out of range"),
				 errdetail("Age %g plus horizon %g overflows.", T, h)));
	st = m->p_alive(par, x, tx, T + h, &v);
	if (st != CRM_OK)
		bg_fail(m, st, "probability of being alive");
	PG_RETURN_FLOAT8(v);
}

/* crm.expected_purchases(model, horizon): E[X(t)] for a new customer. */
static Datum
bg_expected(FunctionCallInfo fcinfo, const BgFns *m)
{
	const double *par = crm_model_arg(fcinfo, 0, m->kind);
	double		t = horizon_arg(fcinfo, 1);
	double		v;
	CrmStatus	st;

	CRM_CALL_CORE(st, m->expected(par, t, &v));
	if (st != CRM_OK)
		bg_fail(m, st, "expected purchases");
	PG_RETURN_FLOAT8(v);
}

/*
 * crm.conditional_expected_purchases(model, horizon, frequency, recency, t):
 * E[Y(horizon) | x, tx, T], purchases expected in (T, T + horizon].
 */
static Datum
bg_cond_expected(FunctionCallInfo fcinfo, const BgFns *m)
{
	const double *par = crm_model_arg(fcinfo, 0, m->kind);
	double		t = horizon_arg(fcinfo, 1);
	double		x,
				tx,
				T,
				v;
	CrmStatus	st;

	customer_args(fcinfo, 2, &x, &tx, &T);
	CRM_CALL_CORE(st, m->cond_expected(par, t, x, tx, T, crm_model_pred_cache(fcinfo), &v));
	if (st != CRM_OK)
		bg_fail(m, st, "conditional expected purchases");
	PG_RETURN_FLOAT8(v);
}

/* crm.prob_purchases(model, n, horizon): P(X(horizon) = n) for a new customer. */
static Datum
bg_prob_purchases(FunctionCallInfo fcinfo, const BgFns *m)
{
	const double *par = crm_model_arg(fcinfo, 0, m->kind);
	double		n = count_arg(fcinfo, 1);
	double		t = horizon_arg(fcinfo, 2);
	double		v;
	CrmStatus	st;

	CRM_CALL_CORE(st, m->prob_n(par, n, t, &v));
	if (st != CRM_OK)
		bg_fail(m, st, "purchase-count probability");
	PG_RETURN_FLOAT8(v);
}

/*
 * crm.dert(model, continuous_rate, frequency, recency, t): discounted
 * expected residual transactions at continuous discount rate δ > 0 per
 * time unit.
 */
static Datum
bg_dert(FunctionCallInfo fcinfo, const BgFns *m)
{
	const double *par = crm_model_arg(fcinfo, 0, m->kind);
	double		delta = rate_arg(fcinfo, 1);
	double		x,
				tx,
				T,
				v;
	CrmStatus	st;

	customer_args(fcinfo, 2, &x, &tx, &T);
	CRM_CALL_CORE(st, m->dert(par, delta, x, tx, T, crm_model_pred_cache(fcinfo), &v));
	if (st != CRM_OK)
		bg_fail(m, st, "discounted expected residual transactions");
	PG_RETURN_FLOAT8(v);
}

/* ---- SQL entry points ---- */

PG_FUNCTION_INFO_V1(p_alive_bgnbd);

/* crm.p_alive(crm.bgnbd, frequency, recency, t) */
Datum
p_alive_bgnbd(PG_FUNCTION_ARGS)
{
	return bg_p_alive(fcinfo, &bgnbd_fns);
}

PG_FUNCTION_INFO_V1(p_alive_mbgnbd);

/* crm.p_alive(crm.mbgnbd, frequency, recency, t) */
Datum
p_alive_mbgnbd(PG_FUNCTION_ARGS)
{
	return bg_p_alive(fcinfo, &mbgnbd_fns);
}

PG_FUNCTION_INFO_V1(p_alive_future_bgnbd);

/* crm.p_alive_future(crm.bgnbd, frequency, recency, t, horizon) */
Datum
p_alive_future_bgnbd(PG_FUNCTION_ARGS)
{
	return bg_p_alive_future(fcinfo, &bgnbd_fns);
}

PG_FUNCTION_INFO_V1(p_alive_future_mbgnbd);

/* crm.p_alive_future(crm.mbgnbd, frequency, recency, t, horizon) */
Datum
p_alive_future_mbgnbd(PG_FUNCTION_ARGS)
{
	return bg_p_alive_future(fcinfo, &mbgnbd_fns);
}

PG_FUNCTION_INFO_V1(expected_purchases_bgnbd);

/* crm.expected_purchases(crm.bgnbd, horizon) */
Datum
expected_purchases_bgnbd(PG_FUNCTION_ARGS)
{
	return bg_expected(fcinfo, &bgnbd_fns);
}

PG_FUNCTION_INFO_V1(expected_purchases_mbgnbd);

/* crm.expected_purchases(crm.mbgnbd, horizon) */
Datum
expected_purchases_mbgnbd(PG_FUNCTION_ARGS)
{
	return bg_expected(fcinfo, &mbgnbd_fns);
}

PG_FUNCTION_INFO_V1(conditional_expected_purchases_bgnbd);

/* crm.conditional_expected_purchases(crm.bgnbd, horizon, frequency, recency, t) */
Datum
conditional_expected_purchases_bgnbd(PG_FUNCTION_ARGS)
{
	return bg_cond_expected(fcinfo, &bgnbd_fns);
}

PG_FUNCTION_INFO_V1(conditional_expected_purchases_mbgnbd);

/* crm.conditional_expected_purchases(crm.mbgnbd, horizon, frequency, recency, t) */
Datum
conditional_expected_purchases_mbgnbd(PG_FUNCTION_ARGS)
{
	return bg_cond_expected(fcinfo, &mbgnbd_fns);
}

PG_FUNCTION_INFO_V1(prob_purchases_bgnbd);

/* crm.prob_purchases(crm.bgnbd, n, horizon) */
Datum
prob_purchases_bgnbd(PG_FUNCTION_ARGS)
{
	return bg_prob_purchases(fcinfo, &bgnbd_fns);
}

PG_FUNCTION_INFO_V1(prob_purchases_mbgnbd);

/* crm.prob_purchases(crm.mbgnbd, n, horizon) */
Datum
prob_purchases_mbgnbd(PG_FUNCTION_ARGS)
{
	return bg_prob_purchases(fcinfo, &mbgnbd_fns);
}

PG_FUNCTION_INFO_V1(dert_bgnbd);

/* crm.dert(crm.bgnbd, continuous_rate, frequency, recency, t) */
Datum
dert_bgnbd(PG_FUNCTION_ARGS)
{
	return bg_dert(fcinfo, &bgnbd_fns);
}

PG_FUNCTION_INFO_V1(dert_mbgnbd);

/* crm.dert(crm.mbgnbd, continuous_rate, frequency, recency, t) */
Datum
dert_mbgnbd(PG_FUNCTION_ARGS)
{
	return bg_dert(fcinfo, &mbgnbd_fns);
}
