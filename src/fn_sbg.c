/*
 * fn_sbg.c
 *		SQL functions of the shifted Beta-Geometric model (type crm.sbg):
 *		constructor, fit aggregate steps and predictions.  This file is the
 *		pattern to copy for a new model (see crm_model_glue.h).
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"

#include "crm_model_glue.h"
#include "core/sbg.h"

PG_FUNCTION_INFO_V1(sbg);

/* crm.sbg(alpha, beta): a model value from its parameters. */
Datum
sbg(PG_FUNCTION_ARGS)
{
	return crm_model_construct(fcinfo, CRM_MODEL_SBG);
}

PG_FUNCTION_INFO_V1(fit_sbg_sfunc);

/*
 * Transition step of crm.fit_sbg(periods int, churned boolean [, weight
 * [, penalizer [, start]]]): CrmObs x = periods, tx = 1 if churned, T = 0.
 */
Datum
fit_sbg_sfunc(PG_FUNCTION_ARGS)
{
	CrmObs		o;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return crm_fit_sfunc_skip(fcinfo);
	o.x = (double) PG_GETARG_INT32(1);
	o.tx = PG_GETARG_BOOL(2) ? 1.0 : 0.0;
	o.T = 0.0;
	o.w = 1.0;
	return crm_fit_sfunc(fcinfo, CRM_MODEL_SBG, 2, &o);
}

PG_FUNCTION_INFO_V1(fit_sbg_final);

/* Final step of crm.fit_sbg: the fitted crm.sbg. */
Datum
fit_sbg_final(PG_FUNCTION_ARGS)
{
	return crm_fit_final(fcinfo, CRM_MODEL_SBG);
}

/* An int period argument that must be >= lo (22023 otherwise). */
static double
period_arg(FunctionCallInfo fcinfo, int argno, const char *name, int lo)
{
	int32		t = PG_GETARG_INT32(argno);

	if (t < lo)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at least %d", name, lo),
				 errdetail("The value given is %d.", t)));
	return (double) t;
}

/* A discount rate per period: finite and > 0 (22023 otherwise). */
static double
rate_arg(FunctionCallInfo fcinfo, int argno)
{
	double		d = crm_arg_finite(fcinfo, argno, "discount_rate");

	if (d <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("discount_rate must be positive"),
				 errdetail("The value given is %g.", d),
				 errhint("Give the discount rate per period as a fraction, e.g. 0.1 for 10%%.")));
	return d;
}

/* Raise the error for a bad core status of an sBG prediction. */
static void
sbg_fail(CrmStatus st, const char *what)
{
	if (st == CRM_ENOCONV)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s", what),
				 errdetail("The discount rate is too small for the series to converge."),
				 errhint("Use a discount rate of at least 1e-6 per period.")));
	crm_report_status(st, what);
}

PG_FUNCTION_INFO_V1(retention_rate_sbg);

/* crm.retention_rate(sbg, period): r_t = P(renew in period t | active in t-1), t >= 1. */
Datum
retention_rate_sbg(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_SBG);
	double		t = period_arg(fcinfo, 1, "period", 1);
	double		v;
	CrmStatus	st = crm_sbg_retention(par, t, &v);

	if (st != CRM_OK)
		sbg_fail(st, "cannot compute the sBG retention rate");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(survival_sbg);

/* crm.survival(sbg, period): S(t) = P(still active after t periods), t >= 0. */
Datum
survival_sbg(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_SBG);
	double		t = period_arg(fcinfo, 1, "period", 0);
	double		v;
	CrmStatus	st = crm_sbg_survival(par, t, &v);

	if (st != CRM_OK)
		sbg_fail(st, "cannot compute the sBG survival");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(churn_probability_sbg);

/*
 * crm.churn_probability(sbg, periods_survived): P(churn in the next period |
 * survived t periods) = 1 − r_{t+1} = α/(α+β+t), t >= 0.
 */
Datum
churn_probability_sbg(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_SBG);
	double		t = period_arg(fcinfo, 1, "periods_survived", 0);

	PG_RETURN_FLOAT8(par[0] / (par[0] + par[1] + t));
}

PG_FUNCTION_INFO_V1(del_sbg);

/* crm.del(sbg, discount_rate): discounted expected lifetime of a new customer. */
Datum
del_sbg(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_SBG);
	double		d = rate_arg(fcinfo, 1);
	double		v;
	CrmStatus	st;

	CRM_CALL_CORE(st, crm_sbg_del(par, d, &v));
	if (st != CRM_OK)
		sbg_fail(st, "cannot compute the sBG discounted expected lifetime");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(derl_sbg);

/*
 * crm.derl(sbg, discount_rate, renewals): discounted expected residual
 * lifetime of a customer who has made that many renewals.
 */
Datum
derl_sbg(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_SBG);
	double		d = rate_arg(fcinfo, 1);
	double		k = period_arg(fcinfo, 2, "renewals", 0);
	double		v;
	CrmStatus	st;

	CRM_CALL_CORE(st, crm_sbg_derl(par, d, k, &v));
	if (st != CRM_OK)
		sbg_fail(st, "cannot compute the sBG discounted expected residual lifetime");
	PG_RETURN_FLOAT8(v);
}
