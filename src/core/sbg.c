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
					hi;

		term *= rho;
		/* bracket of the tail after this term (ratios from here on lie in [rho, z]) */
		lo = term * rho / (1.0 - rho);
		hi = term * z / (1.0 - z);
		crm_neumaier_add(&s, &comp, term);
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

/*
 * Running ln S(t) with its gradient, advanced along increasing t: one
 * log1p per period step (ln S(t+1) = ln S(t) + ln(1 − α/(α+β+t))), or the
 * closed form for a jump of more than PSI_SUM_MAX periods.
 */
typedef struct SurvCursor
{
	double		a,
				b;
	double		t;				/* current period, or −1 before the first */
	double		ls,
				ga,
				gb;
	bool		has_prev;		/* p* hold the values at t − 1 */
	double		pls,
				pga,
				pgb;
} SurvCursor;

/* ln S(t) and gradient via the cursor (t >= 0 whole). */
static void
cursor_get(SurvCursor *c, double t, double *ls, double *ga, double *gb)
{
	if (c->t >= 0 && t == c->t - 1.0 && c->has_prev)
	{
		/* sorted obs ask for S(x) (active) then S(x − 1) (churned at x) */
		*ls = c->pls;
		*ga = c->pga;
		*gb = c->pgb;
		return;
	}
	if (c->t < 0 || t < c->t || t - c->t > PSI_SUM_MAX)
	{
		log_surv(c->a, c->b, t, &c->ls, &c->ga, &c->gb);
		c->t = t;
		c->has_prev = false;
	}
	while (c->t < t)
	{
		double		abt = c->a + c->b + c->t;

		c->pls = c->ls;
		c->pga = c->ga;
		c->pgb = c->gb;
		c->has_prev = true;
		c->ls += log1p(-c->a / abt);
		c->ga -= 1.0 / abt;
		c->gb += 1.0 / (c->b + c->t) - 1.0 / abt;
		c->t += 1.0;
	}
	*ls = c->ls;
	*ga = c->ga;
	*gb = c->gb;
}

/*
 * Σ w ln L and its gradient.  obs are sorted by (x, tx) and distinct, so
 * the survival terms are reached by a cursor moving forward through the
 * periods: O(1) per customer pattern even when there are millions.
 */
static CrmStatus
sbg_loglik(const double *par, const CrmObs *obs, size_t n, double *ll, double *grad)
{
	double		a = par[0],
				b = par[1];
	double		s = 0.0,
				ga = 0.0,
				gb = 0.0;
	SurvCursor	cur;
	size_t		i;
	CrmStatus	st = sbg_check_params(par, NULL);

	if (st != CRM_OK)
		return st;
	cur.a = a;
	cur.b = b;
	cur.t = -1.0;
	cur.ls = cur.ga = cur.gb = 0.0;
	cur.has_prev = false;
	cur.pls = cur.pga = cur.pgb = 0.0;
	for (i = 0; i < n; i++)
	{
		double		t = obs[i].x;
		double		w = obs[i].w;
		double		ls,
					dla,
					dlb;

		if (!valid_periods(t, obs[i].tx == 1.0 ? 1.0 : 0.0))
			return CRM_EDOMAIN;
		if (obs[i].tx == 1.0)
		{
			/* churned in period t: ln α − ln(α+β+t−1) + ln S(t−1) */
			double		abt = a + b + t - 1.0;

			cursor_get(&cur, t - 1.0, &ls, &dla, &dlb);
			s += w * (log(a) - log(abt) + ls);
			ga += w * (dla + 1.0 / a - 1.0 / abt);
			gb += w * (dlb - 1.0 / abt);
		}
		else
		{
			cursor_get(&cur, t, &ls, &dla, &dlb);
			s += w * ls;
			ga += w * dla;
			gb += w * dlb;
		}
		if ((i & 0xFFF) == 0xFFF && crm_interrupted())
			return CRM_EINTERRUPTED;
	}
	if (!crm_isfinite(s) || !crm_isfinite(ga) || !crm_isfinite(gb))
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
