/*
 * gg.c
 *		Gamma-Gamma spend model (Fader, Hardie & Lee 2005b, "RFM and CLV",
 *		JMR 42(4); Colombo & Jiang 1999): per-customer log density of the
 *		mean repeat spend with analytic gradient, the batch form for the
 *		optimizer, and the conditional mean spend.
 *
 * A repeat customer's x spends are Gamma(p, ν) around a customer-specific
 * rate ν ~ Gamma(q, v), so the mean spend m̄ over x >= 1 purchases has
 *
 *	ln f = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln v + (px−1) ln m̄ + px ln x
 *		   − (px+q) ln(v + x m̄)
 *		 = [ln Γ(px+q) − ln Γ(px)] − ln Γ(q) − q ln(1 + x m̄/v)
 *		   − px ln(1 + v/(x m̄)) − ln m̄,
 *
 * the second form (used here) having no cancellation of large logs.
 */
#include <math.h>

#include "gg.h"
#include "special.h"

/* Check (p, q, v): finite and > 0. */
static CrmStatus
gg_check_params(const double *par, const char **reason)
{
	int			i;

	for (i = 0; i < 3; i++)
	{
		if (!crm_isfinite(par[i]) || !(par[i] > 0.0))
		{
			*reason = "p, q and v must be finite and greater than 0";
			return CRM_EPARAM;
		}
	}
	return CRM_OK;
}

/*
 * Check a repeat customer for the likelihood: x a whole number >= 1 (the
 * number of repeat purchases whose spends were averaged), mbar finite and
 * > 0.
 */
static CrmStatus
gg_check_customer(double x, double mbar, const char **reason)
{
	if (!crm_isfinite(x) || x < 1.0 || floor(x) != x)
	{
		*reason = "frequency must be a whole number of at least 1";
		return CRM_EDOMAIN;
	}
	if (!crm_isfinite(mbar) || !(mbar > 0.0))
	{
		*reason = "monetary value must be finite and greater than 0";
		return CRM_EDOMAIN;
	}
	return CRM_OK;
}

/* CrmModelSpec.check_obs: obs->x = x, obs->tx = mbar, obs->T unused, obs->w > 0. */
static CrmStatus
gg_check_obs(const CrmObs *o, const char **reason)
{
	CrmStatus	st = gg_check_customer(o->x, o->tx, reason);

	if (st != CRM_OK)
		return st;
	if (!crm_isfinite(o->w) || !(o->w > 0.0))
	{
		*reason = "weight must be finite and greater than 0";
		return CRM_EDOMAIN;
	}
	return CRM_OK;
}

/* ln f and gradient of one checked repeat customer; CRM_ERANGE when not finite. */
static CrmStatus
gg_ll_one(const double *par, double x, double mbar, double *ll, double *grad)
{
	double		p = par[0],
				q = par[1],
				v = par[2];
	double		px = p * x;
	double		xm = x * mbar;
	double		l1 = log1p(xm / v); /* ln(1 + x m̄/v) */
	double		l2 = log1p(v / xm); /* ln(1 + v/(x m̄)) */

	*ll = crm_lgamma_diff(px, q) - crm_lgamma(q) - q * l1 - px * l2 - log(mbar);
	if (!crm_isfinite(*ll))
		return CRM_ERANGE;
	if (grad)
	{
		double		psi_pxq = crm_digamma(px + q);

		grad[0] = x * (psi_pxq - crm_digamma(px)) - x * l2;
		grad[1] = psi_pxq - crm_digamma(q) - l1;
		grad[2] = (q * xm / v - px) / (v + xm);
		if (!crm_isfinite(grad[0]) || !crm_isfinite(grad[1]) || !crm_isfinite(grad[2]))
			return CRM_ERANGE;
	}
	return CRM_OK;
}

/* ln density of mean spend mbar over x >= 1 repeat purchases; grad (d/d{p,q,v}) may be NULL. */
CrmStatus
crm_gg_loglik1(const double *par, double x, double mbar, double *ll, double *grad)
{
	const char *reason;

	*ll = NAN;
	if (gg_check_params(par, &reason) != CRM_OK)
		return CRM_EPARAM;
	if (gg_check_customer(x, mbar, &reason) != CRM_OK)
		return CRM_EDOMAIN;
	return gg_ll_one(par, x, mbar, ll, grad);
}

/*
 * CrmModelSpec.loglik: Σ w ln f over checked repeat customers, with
 * gradient.  The data arrive sorted by x, so the Gamma-function terms,
 * which depend on x and the parameters only, are computed once per run of
 * equal x (real data have few distinct x); per row there remain the three
 * logarithms.  Each row's terms are the same expressions as gg_ll_one's,
 * evaluated in the same order.
 */
static CrmStatus
gg_loglik(const double *par, const CrmObs *obs, size_t n, double *ll, double *grad)
{
	double		p = par[0],
				q = par[1],
				v = par[2];
	double		tot = 0.0;
	double		gsum[3] = {0.0, 0.0, 0.0};
	double		cur_x = 0.0,
				px = 0.0,
				lg = 0.0,		/* ln Γ(px+q) − ln Γ(px) − ln Γ(q) */
				psi_pxq = 0.0,
				dpx = 0.0,		/* ψ(px+q) − ψ(px) */
				dq = 0.0;		/* ψ(px+q) − ψ(q) */
	double		lgq,
				psi_q = 0.0;
	bool		have_x = false;
	size_t		i;
	int			k;
	const char *reason;

	*ll = NAN;
	if (gg_check_params(par, &reason) != CRM_OK)
		return CRM_EPARAM;
	lgq = crm_lgamma(q);
	if (grad)
		psi_q = crm_digamma(q);
	for (i = 0; i < n; i++)
	{
		double		x = obs[i].x,
					mbar = obs[i].tx,
					xm,
					l1,
					l2,
					l;

		if ((i & 4095) == 4095 && crm_interrupted())
			return CRM_EINTERRUPTED;
		if (!have_x || x != cur_x)
		{
			cur_x = x;
			have_x = true;
			px = p * x;
			lg = crm_lgamma_diff(px, q) - lgq;
			if (grad)
			{
				psi_pxq = crm_digamma(px + q);
				dpx = psi_pxq - crm_digamma(px);
				dq = psi_pxq - psi_q;
			}
		}
		xm = x * mbar;
		l1 = log1p(xm / v);
		l2 = log1p(v / xm);
		l = lg - q * l1 - px * l2 - log(mbar);
		if (!crm_isfinite(l))
			return CRM_ERANGE;
		tot += obs[i].w * l;
		if (grad)
		{
			double		g0 = x * dpx - x * l2,
						g1 = dq - l1,
						g2 = (q * xm / v - px) / (v + xm);

			if (!crm_isfinite(g0) || !crm_isfinite(g1) || !crm_isfinite(g2))
				return CRM_ERANGE;
			gsum[0] += obs[i].w * g0;
			gsum[1] += obs[i].w * g1;
			gsum[2] += obs[i].w * g2;
		}
	}
	if (!crm_isfinite(tot))
		return CRM_ERANGE;
	*ll = tot;
	if (grad)
		for (k = 0; k < 3; k++)
		{
			if (!crm_isfinite(gsum[k]))
				return CRM_ERANGE;
			grad[k] = gsum[k];
		}
	return CRM_OK;
}

/*
 * CrmModelSpec.check_data: with a single distinct mean spend the likelihood
 * grows without bound (the model concentrates on that value), so at least
 * two different values of mbar are needed.
 */
static CrmStatus
gg_check_data(const CrmObs *obs, size_t n, const char **reason)
{
	size_t		i;

	for (i = 1; i < n; i++)
		if (obs[i].tx != obs[0].tx)
			return CRM_OK;
	*reason = "the spend model needs repeat customers with at least two different mean spends";
	return CRM_EEMPTY;
}

/*
 * CrmModelSpec.start: p = 1, q = 2 and v = the weighted mean of mbar, which
 * makes the population mean spend p v/(q − 1) equal the sample mean.
 */
static void
gg_start(const CrmObs *obs, size_t n, double *par0)
{
	double		sw = 0.0,
				swm = 0.0;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		sw += obs[i].w;
		swm += obs[i].w * obs[i].tx;
	}
	par0[0] = 1.0;
	par0[1] = 2.0;
	par0[2] = (sw > 0.0 && swm > 0.0 && crm_isfinite(swm / sw)) ? swm / sw : 1.0;
}

/*
 * E[M | x, mbar] = p (v + x mbar)/(p x + q − 1), which is
 * (1 − w) p v/(q − 1) + w mbar with w = p x/(p x + q − 1); for x = 0 (no
 * repeat purchase, mbar ignored) the population mean p v/(q − 1).  Needs
 * q > 1: otherwise the mean spend does not exist (CRM_EPARAM).  x must be a
 * whole number >= 0 and, when x >= 1, mbar finite and > 0 (CRM_EDOMAIN).
 */
CrmStatus
crm_gg_cond_mean(const double *par, double x, double mbar, double *out)
{
	const char *reason;
	double		p = par[0],
				q = par[1],
				v = par[2];

	*out = NAN;
	if (gg_check_params(par, &reason) != CRM_OK)
		return CRM_EPARAM;
	if (!(q > 1.0))
		return CRM_EPARAM;
	if (!crm_isfinite(x) || x < 0.0 || floor(x) != x)
		return CRM_EDOMAIN;
	if (x == 0.0)
		*out = p * v / (q - 1.0);
	else
	{
		if (gg_check_customer(x, mbar, &reason) != CRM_OK)
			return CRM_EDOMAIN;
		*out = p * (v + x * mbar) / (p * x + (q - 1.0));
	}
	if (!crm_isfinite(*out))
	{
		*out = NAN;
		return CRM_ERANGE;
	}
	return CRM_OK;
}

const CrmModelSpec crm_gg_spec = {
	.kind = CRM_MODEL_GG,
	.name = "gamma_gamma",
	.nparams = 3,
	.param_names = {"p", "q", "v"},
	.check_obs = gg_check_obs,
	.check_params = gg_check_params,
	.loglik = gg_loglik,
	.check_data = gg_check_data,
	.start = gg_start
};
