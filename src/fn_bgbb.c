/*
 * fn_bgbb.c
 *		SQL functions of the BG/BB model (type crm.bgbb; Fader, Hardie &
 *		Shang 2010): constructor, fit aggregate steps and predictions.  The
 *		numbers come from src/core/bgbb.c; this file only reads and checks
 *		arguments and reports errors.
 *
 * A customer is (frequency, recency, n_periods): the number of periods with
 * a repeat transaction, the last such period (0 if none) and the number of
 * transaction opportunities, all whole numbers (SQL int).
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"

#include "crm_model_glue.h"
#include "core/bgbb.h"

PG_FUNCTION_INFO_V1(bgbb);

/* crm.bgbb(alpha, beta, gamma, delta): a model value from its parameters. */
Datum
bgbb(PG_FUNCTION_ARGS)
{
	return crm_model_construct(fcinfo, CRM_MODEL_BGBB);
}

PG_FUNCTION_INFO_V1(fit_bgbb_sfunc);

/*
 * Transition step of crm.fit_bgbb(frequency, recency, n_periods [, weight
 * [, penalizer [, start]]]): CrmObs x = frequency, tx = recency,
 * T = n_periods (checked by crm_bgbb_spec.check_obs in crm_fit_sfunc).
 */
Datum
fit_bgbb_sfunc(PG_FUNCTION_ARGS)
{
	CrmObs		o;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		return crm_fit_sfunc_skip(fcinfo);
	o.x = (double) PG_GETARG_INT32(1);
	o.tx = (double) PG_GETARG_INT32(2);
	o.T = (double) PG_GETARG_INT32(3);
	o.w = 1.0;
	return crm_fit_sfunc(fcinfo, CRM_MODEL_BGBB, 3, &o);
}

PG_FUNCTION_INFO_V1(fit_bgbb_final);

/* Final step of crm.fit_bgbb: the fitted crm.bgbb. */
Datum
fit_bgbb_final(PG_FUNCTION_ARGS)
{
	return crm_fit_final(fcinfo, CRM_MODEL_BGBB);
}

/*
 * Read a customer history (frequency, recency, n_periods) from arguments
 * af, af+1, af+2 and check it with the model's rules (22023 naming the
 * values otherwise).
 */
static void
customer_args(FunctionCallInfo fcinfo, int af, double *x, double *tx, double *n)
{
	int32		f = PG_GETARG_INT32(af);
	int32		r = PG_GETARG_INT32(af + 1);
	int32		np = PG_GETARG_INT32(af + 2);
	CrmObs		o;
	const char *reason = NULL;

	o.x = f;
	o.tx = r;
	o.T = np;
	o.w = 1.0;
	if (crm_bgbb_spec.check_obs(&o, &reason) != CRM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", reason != NULL ? reason : "invalid customer history"),
				 errdetail("The customer has frequency %d, recency %d and n_periods %d.", f, r, np),
				 errhint("frequency counts the periods with a repeat transaction, recency is the last such period (0 if none), n_periods is the number of transaction opportunities (1 to %d).",
						 CRM_BGBB_MAX_N)));
	*x = o.x;
	*tx = o.tx;
	*n = o.T;
}

/* An int argument that must be >= lo (22023 otherwise). */
static double
count_arg(FunctionCallInfo fcinfo, int argno, const char *name, int lo)
{
	int32		v = PG_GETARG_INT32(argno);

	if (v < lo)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at least %d", name, lo),
				 errdetail("The value given is %d.", v)));
	return (double) v;
}

PG_FUNCTION_INFO_V1(p_alive_bgbb);

/* crm.p_alive(bgbb, frequency, recency, n_periods): P(alive in period n). */
Datum
p_alive_bgbb(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_BGBB);
	double		x,
				tx,
				n,
				v;
	CrmStatus	st;

	customer_args(fcinfo, 1, &x, &tx, &n);
	st = crm_bgbb_p_alive(par, x, tx, n, 0.0, &v);
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the BG/BB probability of being alive");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(p_alive_in_period_bgbb);

/*
 * crm.p_alive_in_period(bgbb, frequency, recency, n_periods, m):
 * P(alive in period n + m | history), m >= 0 (lifetimes'
 * conditional_probability_alive(m); m = 1: the paper's "P(alive in 2002)").
 */
Datum
p_alive_in_period_bgbb(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_BGBB);
	double		x,
				tx,
				n,
				m,
				v;
	CrmStatus	st;

	customer_args(fcinfo, 1, &x, &tx, &n);
	m = count_arg(fcinfo, 4, "m", 0);
	st = crm_bgbb_p_alive(par, x, tx, n, m, &v);
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the BG/BB probability of being alive");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(p_alive_future_bgbb);

/*
 * crm.p_alive_future(bgbb, frequency, recency, n_periods, m): P(alive in
 * period n + m | frequency, recency, n + m), i.e. if no transaction is seen
 * in the next m periods.
 */
Datum
p_alive_future_bgbb(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_BGBB);
	double		x,
				tx,
				n,
				m,
				v;
	CrmStatus	st;

	customer_args(fcinfo, 1, &x, &tx, &n);
	m = count_arg(fcinfo, 4, "m", 0);
	if (n + m > CRM_BGBB_MAX_N)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_periods + m must not exceed %d", CRM_BGBB_MAX_N),
				 errdetail("n_periods is %.0f and m is %.0f.", n, m)));
	st = crm_bgbb_p_alive_future(par, x, tx, n, m, &v);
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the BG/BB probability of being alive");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(expected_purchases_bgbb);

/* crm.expected_purchases(bgbb, n_periods): E[X(n)] of a new customer. */
Datum
expected_purchases_bgbb(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_BGBB);
	double		n = count_arg(fcinfo, 1, "n_periods", 0);
	double		v;
	CrmStatus	st = crm_bgbb_expected(par, n, &v);

	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the BG/BB expected number of transactions");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(conditional_expected_purchases_bgbb);

/*
 * crm.conditional_expected_purchases(bgbb, m, frequency, recency,
 * n_periods): E[X(n, n + m) | history], the expected transactions in the
 * next m periods.
 */
Datum
conditional_expected_purchases_bgbb(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_BGBB);
	double		m = count_arg(fcinfo, 1, "m", 0);
	double		x,
				tx,
				n,
				v;
	CrmStatus	st;

	customer_args(fcinfo, 2, &x, &tx, &n);
	st = crm_bgbb_cond_expected(par, m, x, tx, n, &v);
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the BG/BB conditional expected number of transactions");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(prob_purchases_bgbb);

/* crm.prob_purchases(bgbb, x, n_periods): P(X(n) = x) for a new customer. */
Datum
prob_purchases_bgbb(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_BGBB);
	double		x = count_arg(fcinfo, 1, "x", 0);
	double		n = count_arg(fcinfo, 2, "n_periods", 0);
	double		v;
	CrmStatus	st;

	if (n > CRM_BGBB_MAX_N)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_periods must not exceed %d", CRM_BGBB_MAX_N),
				 errdetail("The value given is %.0f.", n)));
	if (x > n)					/* at most one transaction per period */
		PG_RETURN_FLOAT8(0.0);
	st = crm_bgbb_prob_n(par, x, n, &v);
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the BG/BB probability of x transactions");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(dert_bgbb);

/*
 * crm.dert(bgbb, discount_rate, frequency, recency, n_periods): discounted
 * expected residual transactions at a discrete rate d > 0 per period (a
 * transaction in period n + k counts (1 + d)^-k).
 */
Datum
dert_bgbb(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_BGBB);
	double		d = crm_arg_finite(fcinfo, 1, "discount_rate");
	double		x,
				tx,
				n,
				v;
	CrmStatus	st;

	if (d <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("discount_rate must be positive"),
				 errdetail("The value given is %g.", d),
				 errhint("Give the discount rate per period as a fraction, e.g. 0.1 for 10%%.")));
	customer_args(fcinfo, 2, &x, &tx, &n);
	CRM_CALL_CORE(st, crm_bgbb_dert(par, d, x, tx, n, &v));
	if (st == CRM_ENOCONV)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("cannot compute the BG/BB discounted expected residual transactions"),
				 errdetail("The discount rate %g is too small for the series to converge.", d),
				 errhint("Use a discount rate of at least 1e-6 per period.")));
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the BG/BB discounted expected residual transactions");
	PG_RETURN_FLOAT8(v);
}
