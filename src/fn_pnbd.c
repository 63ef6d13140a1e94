/*
 * fn_pnbd.c
 *		SQL functions of the Pareto/NBD model (type crm.pareto_nbd):
 *		constructor, fit aggregate steps and predictions.  The numerical work
 *		is in src/core/pnbd.c; this file fetches and checks arguments, calls
 *		the core and reports errors (see crm_model_glue.h, src/fn_sbg.c).
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"

#include "crm_model_glue.h"
#include "core/pnbd.h"

PG_FUNCTION_INFO_V1(pareto_nbd);

/* crm.pareto_nbd(r, alpha, s, beta): a model value from its parameters. */
Datum
pareto_nbd(PG_FUNCTION_ARGS)
{
	return crm_model_construct(fcinfo, CRM_MODEL_PNBD);
}

PG_FUNCTION_INFO_V1(fit_pareto_nbd_sfunc);

/*
 * Transition step of crm.fit_pareto_nbd(frequency, recency, t [, weight
 * [, penalizer [, start]]]): CrmObs (x, tx, T) = (frequency, recency, t);
 * the spec's check_obs validates the row.
 */
Datum
fit_pareto_nbd_sfunc(PG_FUNCTION_ARGS)
{
	CrmObs		o;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		return crm_fit_sfunc_skip(fcinfo);
	o.x = PG_GETARG_FLOAT8(1);
	o.tx = PG_GETARG_FLOAT8(2);
	o.T = PG_GETARG_FLOAT8(3);
	o.w = 1.0;
	return crm_fit_sfunc(fcinfo, CRM_MODEL_PNBD, 3, &o);
}

PG_FUNCTION_INFO_V1(fit_pareto_nbd_final);

/* Final step of crm.fit_pareto_nbd: the fitted crm.pareto_nbd. */
Datum
fit_pareto_nbd_final(PG_FUNCTION_ARGS)
{
	return crm_fit_final(fcinfo, CRM_MODEL_PNBD);
}

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

PG_FUNCTION_INFO_V1(p_alive_pareto_nbd);

/* crm.p_alive(pareto_nbd, frequency, recency, t): P(alive at T | x, tx, T). */
Datum
p_alive_pareto_nbd(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_PNBD);
	double		x,
				tx,
				T,
				v;
	CrmStatus	st;

	customer_args(fcinfo, 1, &x, &tx, &T);
	CRM_CALL_CORE(st, crm_pnbd_p_alive_memo(par, x, tx, T, crm_model_pred_cache(fcinfo), &v));
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the Pareto/NBD probability of being alive");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(p_alive_future_pareto_nbd);

/*
 * crm.p_alive_future(pareto_nbd, frequency, recency, t, horizon): P(alive at
 * T + horizon) for a customer who makes no purchase until then, i.e.
 * P(alive | x, tx, T + horizon).
 */
Datum
p_alive_future_pareto_nbd(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_PNBD);
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
	CRM_CALL_CORE(st, crm_pnbd_p_alive_memo(par, x, tx, T + h, crm_model_pred_cache(fcinfo),
												&v));
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the Pareto/NBD probability of being alive");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(expected_purchases_pareto_nbd);

/* crm.expected_purchases(pareto_nbd, horizon): E[X(t)] for a new customer. */
Datum
expected_purchases_pareto_nbd(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_PNBD);
	double		t = horizon_arg(fcinfo, 1);
	double		v;
	CrmStatus	st = crm_pnbd_expected(par, t, &v);

	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the Pareto/NBD expected purchases");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(conditional_expected_purchases_pareto_nbd);

/*
 * crm.conditional_expected_purchases(pareto_nbd, horizon, frequency, recency,
 * t): E[Y(horizon) | x, tx, T], purchases expected in (T, T + horizon].
 */
Datum
conditional_expected_purchases_pareto_nbd(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_PNBD);
	double		t = horizon_arg(fcinfo, 1);
	double		x,
				tx,
				T,
				v;
	CrmStatus	st;

	customer_args(fcinfo, 2, &x, &tx, &T);
	CRM_CALL_CORE(st, crm_pnbd_cond_expected_memo(par, t, x, tx, T, crm_model_pred_cache(fcinfo),
												  &v));
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the Pareto/NBD conditional expected purchases");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(prob_purchases_pareto_nbd);

/* crm.prob_purchases(pareto_nbd, n, horizon): P(X(horizon) = n) for a new customer. */
Datum
prob_purchases_pareto_nbd(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_PNBD);
	double		n = count_arg(fcinfo, 1);
	double		t = horizon_arg(fcinfo, 2);
	double		v;
	CrmStatus	st;

	CRM_CALL_CORE(st, crm_pnbd_prob_n(par, n, t, &v));
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the Pareto/NBD purchase-count probability");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(conditional_prob_purchases_pareto_nbd);

/*
 * crm.conditional_prob_purchases(pareto_nbd, n, horizon, frequency, recency,
 * t): P(n purchases in (T, T + horizon] | x, tx, T).
 */
Datum
conditional_prob_purchases_pareto_nbd(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_PNBD);
	double		n = count_arg(fcinfo, 1);
	double		t = horizon_arg(fcinfo, 2);
	double		x,
				tx,
				T,
				v;
	CrmStatus	st;

	customer_args(fcinfo, 3, &x, &tx, &T);
	CRM_CALL_CORE(st, crm_pnbd_cond_prob_n_memo(par, n, t, x, tx, T,
												crm_model_pred_cache(fcinfo), &v));
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the Pareto/NBD conditional purchase-count probability");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(dert_pareto_nbd);

/*
 * crm.dert(pareto_nbd, continuous_rate, frequency, recency, t): discounted
 * expected residual transactions (Fader, Hardie & Lee 2005) at continuous
 * discount rate δ > 0 per time unit.
 */
Datum
dert_pareto_nbd(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_PNBD);
	double		delta = crm_arg_finite(fcinfo, 1, "continuous_rate");
	double		x,
				tx,
				T,
				v;
	CrmStatus	st;

	if (delta <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("continuous_rate must be positive"),
				 errdetail("The value given is %g.", delta),
				 errhint("Give the continuous discount rate per time unit, e.g. ln(1.15)/52 for 15%% a year with weekly data.")));
	customer_args(fcinfo, 2, &x, &tx, &T);
	CRM_CALL_CORE(st, crm_pnbd_dert_memo(par, delta, x, tx, T, crm_model_pred_cache(fcinfo), &v));
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the Pareto/NBD discounted expected residual transactions");
	PG_RETURN_FLOAT8(v);
}
