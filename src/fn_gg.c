/*
 * fn_gg.c
 *		SQL functions of the Gamma-Gamma spend model (type crm.gamma_gamma;
 *		Fader, Hardie & Lee 2005b): constructor, fit aggregate steps and the
 *		conditional expected spend.  The numbers come from src/core/gg.c.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"

#include "crm_model_glue.h"
#include "core/gg.h"

PG_FUNCTION_INFO_V1(gamma_gamma);

/* crm.gamma_gamma(p, q, v): a model value from its parameters. */
Datum
gamma_gamma(PG_FUNCTION_ARGS)
{
	return crm_model_construct(fcinfo, CRM_MODEL_GG);
}

PG_FUNCTION_INFO_V1(fit_gamma_gamma_sfunc);

/*
 * Transition step of crm.fit_gamma_gamma(frequency, monetary [, weight
 * [, penalizer [, start]]]): CrmObs x = frequency, tx = monetary, T = 0.
 * Customers with frequency = 0 carry no spend information and are skipped
 * (so n_customers of the result counts the repeat customers used); the
 * others are checked by crm_gg_spec.check_obs in crm_fit_sfunc.
 */
Datum
fit_gamma_gamma_sfunc(PG_FUNCTION_ARGS)
{
	CrmObs		o;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return crm_fit_sfunc_skip(fcinfo);
	o.x = PG_GETARG_FLOAT8(1);
	if (o.x == 0.0)
		return crm_fit_sfunc_skip(fcinfo);
	o.tx = PG_GETARG_FLOAT8(2);
	o.T = 0.0;
	o.w = 1.0;
	return crm_fit_sfunc(fcinfo, CRM_MODEL_GG, 2, &o);
}

PG_FUNCTION_INFO_V1(fit_gamma_gamma_final);

/* Final step of crm.fit_gamma_gamma: the fitted crm.gamma_gamma. */
Datum
fit_gamma_gamma_final(PG_FUNCTION_ARGS)
{
	return crm_fit_final(fcinfo, CRM_MODEL_GG);
}

PG_FUNCTION_INFO_V1(expected_spend_gamma_gamma);

/*
 * crm.expected_spend(gamma_gamma, frequency, monetary): E[M | x, m̄], the
 * expected spend per transaction of a customer with x repeat purchases of
 * mean value m̄; for x = 0 the population mean p v/(q − 1).
 */
Datum
expected_spend_gamma_gamma(PG_FUNCTION_ARGS)
{
	const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_GG);
	double		x = crm_arg_finite(fcinfo, 1, "frequency");
	double		m = crm_arg_finite(fcinfo, 2, "monetary");
	double		v;
	CrmStatus	st;

	if (x < 0 || floor(x) != x)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must be a whole number of at least 0"),
				 errdetail("The value given is %g.", x)));
	if (x >= 1 && m <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("monetary must be greater than 0 when frequency is at least 1"),
				 errdetail("The customer has frequency %g and monetary %g.", x, m),
				 errhint("monetary is the mean value of the repeat purchases.")));
	if (!(par[1] > 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the Gamma-Gamma mean spend does not exist when q <= 1"),
				 errdetail("The model has q = %g; the mean p v/(q - 1) needs q > 1.", par[1]),
				 errhint("Check the model's parameters, or refit it on more repeat customers.")));
	st = crm_gg_cond_mean(par, x, m, &v);
	if (st != CRM_OK)
		crm_report_status(st, "cannot compute the Gamma-Gamma expected spend");
	PG_RETURN_FLOAT8(v);
}
