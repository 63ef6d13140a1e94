/*
 * sbg.c
 *		Shifted Beta-Geometric contractual retention model (Fader & Hardie
 *		2007, "How to project customer retention"): log-likelihood with its
 *		analytic gradient, pmf, survival, retention, DEL and DERL, and the
 *		CrmModelSpec the fit framework uses.  See sbg.h.
 *
 * A customer churns in period t >= 1 with probability
 *	P(T = t) = B(α + 1, β + t − 1) / B(α, β),
 * survives t >= 0 periods with probability
 *	S(t) = B(α, β + t) / B(α, β),
 * so ln S(t) is a difference of two lgamma differences (log_surv) and
 * ln P(T = t) = ln α − ln(α + β + t − 1) + ln S(t − 1).
 *
 * Fit data (CrmObs): x = periods, tx = 1 when the customer churned in period
 * x (x >= 1), 0 when still active after x periods (x >= 0); T = 0.
 */
#include <math.h>

#include "sbg.h"
#include "special.h"

/* beyond this many periods ψ(x+t) − ψ(x) comes from digamma, below from its sum */
#define PSI_SUM_MAX 64
/* series terms allowed for 2F1(1, b; c; z) before giving up */
#define HYP1_MAX_TERMS 50000000L

/* Check α, β finite and > 0. */
static CrmStatus
sbg_check_params(const double *par, const char **reason)
{
	if (!crm_isfinite(par[0]) || par[0] <= 0)
	{
		if (reason)
			*reason = "alpha must be a finite positive number";
		return CRM_EPARAM;
	}
	if (!crm_isfinite(par[1]) || par[1] <= 0)
	{
		if (reason)
			*reason = "beta must be a finite positive number";
		return CRM_EPARAM;
	}
	return CRM_OK;
}

/* A period count: finite, whole, >= lo, and not beyond 2^53 (exact in a double). */
static bool
valid_periods(double t, double lo)
{
	return crm_isfinite(t) && t >= lo && t == floor(t) && t <= 9007199254740992.0;
}

/* ψ(x + t) − ψ(x) for x > 0, whole t >= 0, without cancellation for small t. */
static double
psi_diff(double x, double t)
{
	double		s = 0.0;
	int			k;

	if (t <= PSI_SUM_MAX)
	{
		for (k = (int) t - 1; k >= 0; k--)
			s += 1.0 / (x + k);
		return s;
	}
	return crm_digamma(x + t) - crm_digamma(x);
}

/*
 * ln S(t) and optionally d/dα, d/dβ (t >= 0, checked by the caller).
 * ln S(t) = [lnΓ(β+t) − lnΓ(β)] − [lnΓ(α+β+t) − lnΓ(α+β)]
 *		   = [lnΓ(α+β) − lnΓ(β)] − [lnΓ(α+β+t) − lnΓ(β+t)];
 * the first grouping has terms of size ~t ln t, the second ~α ln(β+t), and
 * the result is only ~α ln t, so take the grouping with the smaller terms.
 */
static void
log_surv(double a, double b, double t, double *ls, double *ga, double *gb)
{
	if (t <= a)
		*ls = crm_lgamma_diff(b, t) - crm_lgamma_diff(a + b, t);
	else
		*ls = crm_lgamma_diff(b, a) - crm_lgamma_diff(b + t, a);
	if (ga != NULL)
	{
		double		dab = psi_diff(a + b, t);

		*ga = -dab;
		*gb = psi_diff(b, t) - dab;
	}
}

/* ln L of one customer; see sbg.h. */
CrmStatus
crm_sbg_loglik1(const double *par, double t, bool churned, double *ll, double *grad)
{
	double		a = par[0],
				b = par[1];
	double		ls,
				ga = 0.0,
				gb = 0.0;
	CrmStatus	st = sbg_check_params(par, NULL);

	if (st != CRM_OK)
		return st;
	if (!valid_periods(t, churned ? 1.0 : 0.0))
		return CRM_EDOMAIN;
	if (!churned)
	{
		log_surv(a, b, t, &ls, grad ? &ga : NULL, grad ? &gb : NULL);
		*ll = ls;
	}
	else
	{
		double		abt = a + b + t - 1.0;

		log_surv(a, b, t - 1.0, &ls, grad ? &ga : NULL, grad ? &gb : NULL);
		*ll = log(a) - log(abt) + ls;
		ga += 1.0 / a - 1.0 / abt;
		gb += -1.0 / abt;
	}
	if (grad != NULL)
	{
		grad[0] = ga;
		grad[1] = gb;
	}
	if (!crm_isfinite(*ll))
		return CRM_ERANGE;
	return CRM_OK;
}

/* P(T = t), t >= 1. */
CrmStatus
crm_sbg_pmf(const double *par, double t, double *out)
{
	double		ll;
	CrmStatus	st = crm_sbg_loglik1(par, t, true, &ll, NULL);

	if (st != CRM_OK)
		return st;
	*out = exp(ll);
	return CRM_OK;
}

/* S(t), t >= 0. */
CrmStatus
crm_sbg_survival(const double *par, double t, double *out)
{
	double		ll;
	CrmStatus	st = crm_sbg_loglik1(par, t, false, &ll, NULL);

	if (st != CRM_OK)
		return st;
	*out = exp(ll);
	return CRM_OK;
}

/* r_t = (β + t − 1)/(α + β + t − 1), t >= 1. */
CrmStatus
crm_sbg_retention(const double *par, double t, double *out)
{
	CrmStatus	st = sbg_check_params(par, NULL);

	if (st != CRM_OK)
		return st;
	if (!valid_periods(t, 1.0))
		return CRM_EDOMAIN;
	/* written as 1 − α/(α+β+t−1) would lose digits when r is small */
	*out = (par[1] + (t - 1.0)) / (par[0] + par[1] + (t - 1.0));
	if (!crm_isfinite(*out))
		return CRM_ERANGE;
	return CRM_OK;
}

/*
 * 2F1(1, b; c; z) for c > b > 0, 0 <= z < 1 by its series Σ (b)_k/(c)_k z^k:
 * all terms are positive and their ratio (b+k)/(c+k)·z increases towards z,
 * so after term k the tail lies between t_k ρ_k/(1 − ρ_k) and
 * t_k z/(1 − z); the sum stops when that bracket is below 1e-17 of the
 * total and adds its midpoint.  Compensated summation.  CRM_ENOCONV when
 * z is so close to 1 that HYP1_MAX_TERMS terms do not suffice (a discount
 * rate below about 1e-6 per period).
 */
static CrmStatus
hyp2f1_1b(double b, double c, double z, double *out)
{
	double		term = 1.0;
	double		s = 1.0,
				comp = 0.0;
	long		k;

	if (z == 0.0)
	{
		*out = 1.0;
		return CRM_OK;
	}
	for (k = 0; k < HYP1_MAX_TERMS; k++)
	{
		double		rho = (b + k) / (c + k) * z;
		double		lo,
					hi,
					t;

		term *= rho;
		/* bracket of the tail after this term (ratios from here on lie in [rho, z]) */
		lo = term * rho / (1.0 - rho);
		hi = term * z / (1.0 - z);
		t = s + term;
		if (fabs(s) >= fabs(term))
			comp += (s - t) + term;
		else
			comp += (term - t) + s;
		s = t;
		if (hi - lo <= 1e-17 * s)
		{
			*out = s + comp + 0.5 * (lo + hi);
			return crm_isfinite(*out) ? CRM_OK : CRM_ERANGE;
		}
		if ((k & 0xFFFFF) == 0xFFFFF && crm_interrupted())
			return CRM_EINTERRUPTED;
	}
	return CRM_ENOCONV;
}

/* DEL = 2F1(1, β; α+β; 1/(1+d)), d > 0. */
CrmStatus
crm_sbg_del(const double *par, double d, double *out)
{
	CrmStatus	st = sbg_check_params(par, NULL);

	if (st != CRM_OK)
		return st;
	if (!crm_isfinite(d) || d <= 0)
		return CRM_EDOMAIN;
	return hyp2f1_1b(par[1], par[0] + par[1], 1.0 / (1.0 + d), out);
}

/* DERL after k renewals = (β+k)/(α+β+k) · 2F1(1, β+k+1; α+β+k+1; 1/(1+d)). */
CrmStatus
crm_sbg_derl(const double *par, double d, double k, double *out)
{
	double		a = par[0],
				b = par[1];
	double		h;
	CrmStatus	st = sbg_check_params(par, NULL);

	if (st != CRM_OK)
		return st;
	if (!crm_isfinite(d) || d <= 0 || !valid_periods(k, 0.0))
		return CRM_EDOMAIN;
	st = hyp2f1_1b(b + k + 1.0, a + b + k + 1.0, 1.0 / (1.0 + d), &h);
	if (st != CRM_OK)
		return st;
	*out = (b + k) / (a + b + k) * h;
	return crm_isfinite(*out) ? CRM_OK : CRM_ERANGE;
}

/* ---- CrmModelSpec ---- */

/* x = periods (whole), tx = churned flag 0/1, T = 0; churned needs x >= 1. */
static CrmStatus
sbg_check_obs(const CrmObs *o, const char **reason)
{
	if (!crm_isfinite(o->x) || o->x < 0)
	{
		*reason = "periods must not be negative";
		return CRM_EDOMAIN;
	}
	if (o->x != floor(o->x) || o->x > 9007199254740992.0)
	{
		*reason = "periods must be a whole number";
		return CRM_EDOMAIN;
	}
	if (o->tx != 0.0 && o->tx != 1.0)
	{
		*reason = "the churn flag must be 0 or 1";
		return CRM_EDOMAIN;
	}
	if (o->tx == 1.0 && o->x < 1)
	{
		*reason = "a churned customer must have at least 1 period";
		return CRM_EDOMAIN;
	}
	if (o->T != 0.0)
	{
		*reason = "the third observation field is unused and must be 0";
		return CRM_EDOMAIN;
	}
	return CRM_OK;
}

/* Σ w ln L and its gradient; one evaluation per entry (entries are distinct). */
static CrmStatus
sbg_loglik(const double *par, const CrmObs *obs, size_t n, double *ll, double *grad)
{
	double		s = 0.0,
				ga = 0.0,
				gb = 0.0;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		double		l,
					g[2];
		CrmStatus	st = crm_sbg_loglik1(par, obs[i].x, obs[i].tx == 1.0, &l,
										 grad != NULL ? g : NULL);

		if (st != CRM_OK)
			return st;
		s += obs[i].w * l;
		if (grad != NULL)
		{
			ga += obs[i].w * g[0];
			gb += obs[i].w * g[1];
		}
		if ((i & 0xFFF) == 0xFFF && crm_interrupted())
			return CRM_EINTERRUPTED;
	}
	if (!crm_isfinite(s))
		return CRM_ERANGE;
	*ll = s;
	if (grad != NULL)
	{
		grad[0] = ga;
		grad[1] = gb;
	}
	return CRM_OK;
}

/* Nobody churned: the likelihood increases without bound as α -> 0. */
static CrmStatus
sbg_check_data(const CrmObs *obs, size_t n, const char **reason)
{
	size_t		i;

	for (i = 0; i < n; i++)
		if (obs[i].tx == 1.0)
			return CRM_OK;
	*reason = "no customer churned, so the churn rate cannot be estimated";
	return CRM_EEMPTY;
}

/*
 * Start: α = β = 1 scaled so that the mean churn probability α/(α+β)
 * matches the first-period churn share when there is one.
 */
static void
sbg_start(const CrmObs *obs, size_t n, double *par0)
{
	double		churn1 = 0.0,
				atrisk = 0.0;
	double		p;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		if (obs[i].x >= 1)
			atrisk += obs[i].w;
		if (obs[i].x == 1 && obs[i].tx == 1.0)
			churn1 += obs[i].w;
	}
	p = atrisk > 0 ? churn1 / atrisk : 0.5;
	if (!(p > 0.01))
		p = 0.01;
	if (p > 0.99)
		p = 0.99;
	par0[0] = p;
	par0[1] = 1.0 - p;
}

const CrmModelSpec crm_sbg_spec = {
	.kind = CRM_MODEL_SBG,
	.name = "sbg",
	.nparams = 2,
	.param_names = {"alpha", "beta", NULL, NULL},
	.check_obs = sbg_check_obs,
	.check_params = sbg_check_params,
	.loglik = sbg_loglik,
	.check_data = sbg_check_data,
	.start = sbg_start
};
