/*
 * bgbb.c
 *		BG/BB (Fader, Hardie & Shang 2010, Marketing Science 29(6)):
 *		likelihood with analytic gradient, the batch form for the optimizer,
 *		and the predictions (P(alive), expected transactions, P(X(n) = x),
 *		DERT).
 *
 * A customer with x transactions in n opportunities, the last in period tx,
 * has the likelihood
 *
 *	L = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
 *	  + Σ_{i=0}^{n−tx−1} B(α+x, β+tx−x+i)/B(α,β) · B(γ+1, δ+tx+i)/B(γ,δ).
 *
 * The first term ("alive through period n", T0 below) and the sum terms
 * S_i ("died after period tx+i") are all taken relative to the anchor
 *
 *	A = B(α+x, β+tx−x)/B(α,β) · B(γ, δ+tx)/B(γ,δ),
 *
 * so that S_0/A = γ/(γ+δ+tx) and S_{i+1}/S_i = ρ_i with
 *
 *	ρ_i = (β+tx−x+i)/(α+β+tx+i) · (δ+tx+i)/(γ+δ+tx+i+1) < 1,
 *
 * and T0/A is a ratio of Beta functions computed with ln Γ differences.  The
 * sum is accumulated in linear space relative to S_0 (all its terms are
 * <= 1 and decreasing, so nothing overflows and a term that underflows is
 * negligible), with early exit once the rest cannot matter.  There is no
 * additive fudge constant (lifetimes adds 1e-15 inside its likelihood,
 * which swamps L for long histories: x = 25, tx = n = 50 gives P(alive)
 * 0.016 there instead of 0.988).  P(alive) and the conditional expectations
 * need only ratios to A, so the large ln Γ values of heavy customers cancel
 * exactly instead of numerically.
 *
 * The gradient is accumulated in the same pass: d ln ρ_i/dθ are simple
 * reciprocals, so the running sums Σ_{j<i} d ln ρ_j replace the digamma
 * values of every term (no digamma call inside the loop).
 */
#include <math.h>

#include "bgbb.h"
#include "special.h"

/* A term below this fraction of the running sum (times the terms left) is dropped. */
#define BGBB_SUM_EPS 1e-18

/* Direct summation of the survival ratios up to this many periods (see surv_sum). */
#define BGBB_DIRECT_TERMS 1000

/* true when v is a finite whole number in [lo, hi] */
static bool
is_whole(double v, double lo, double hi)
{
	return crm_isfinite(v) && v >= lo && v <= hi && floor(v) == v;
}

/*
 * ln[B(a, b + k)/B(a, b)] for a, b > 0, k >= 0: ln Γ(b+k) − ln Γ(b) −
 * [ln Γ(a+b+k) − ln Γ(a+b)], written with whichever of a and k is the
 * smaller shift so that the two differences stay small.
 */
static double
lbeta_ratio(double a, double b, double k)
{
	if (k == 0.0)
		return 0.0;
	if (k <= a)
		return crm_lgamma_diff(b, k) - crm_lgamma_diff(a + b, k);
	return crm_lgamma_diff(b, a) - crm_lgamma_diff(b + k, a);
}

/* ψ(u + k) − ψ(u) for u > 0 and whole k >= 0 (a short sum when k is small). */
static double
psi_shift(double u, double k)
{
	double		s = 0.0;
	int			j;

	if (k <= 32.0)
	{
		for (j = 0; j < (int) k; j++)
			s += 1.0 / (u + j);
		return s;
	}
	return crm_digamma(u + k) - crm_digamma(u);
}

/* Check (alpha, beta, gamma, delta): finite and > 0. */
static CrmStatus
bgbb_check_params(const double *par, const char **reason)
{
	int			i;

	for (i = 0; i < 4; i++)
	{
		if (!crm_isfinite(par[i]) || !(par[i] > 0.0))
		{
			*reason = "alpha, beta, gamma and delta must be finite and greater than 0";
			return CRM_EPARAM;
		}
	}
	return CRM_OK;
}

/*
 * Check a customer (x, tx, n).  Rules: all three are whole numbers;
 * 1 <= n <= CRM_BGBB_MAX_N; 0 <= x <= tx <= n (x transactions in periods
 * 1..tx, the last in period tx); tx = 0 exactly when x = 0.
 */
static CrmStatus
bgbb_check_customer(double x, double tx, double n, const char **reason)
{
	if (!is_whole(n, 1.0, CRM_BGBB_MAX_N))
	{
		*reason = "number of periods must be a whole number between 1 and 1000000";
		return CRM_EDOMAIN;
	}
	if (!is_whole(x, 0.0, n))
	{
		*reason = "frequency must be a whole number between 0 and the number of periods";
		return CRM_EDOMAIN;
	}
	if (!is_whole(tx, 0.0, n))
	{
		*reason = "recency must be a whole number between 0 and the number of periods";
		return CRM_EDOMAIN;
	}
	if (x > tx)
	{
		*reason = "frequency must not exceed recency";
		return CRM_EDOMAIN;
	}
	if ((x == 0.0) != (tx == 0.0))
	{
		*reason = "recency must be 0 exactly when frequency is 0";
		return CRM_EDOMAIN;
	}
	return CRM_OK;
}

/* CrmModelSpec.check_obs: obs->x, obs->tx, obs->T = n (see bgbb_check_customer). */
static CrmStatus
bgbb_check_obs(const CrmObs *o, const char **reason)
{
	CrmStatus	st = bgbb_check_customer(o->x, o->tx, o->T, reason);

	if (st != CRM_OK)
		return st;
	if (!crm_isfinite(o->w) || !(o->w > 0.0))
	{
		*reason = "weight must be finite and greater than 0";
		return CRM_EDOMAIN;
	}
	return CRM_OK;
}

/* The parameters (α, β, γ, δ) of a checked parameter vector. */
typedef struct BgbbConst
{
	double		al,
				be,
				ga,
				de;
} BgbbConst;

/* Fill a BgbbConst from par. */
static void
bgbb_const(const double *par, BgbbConst *c)
{
	c->al = par[0];
	c->be = par[1];
	c->ga = par[2];
	c->de = par[3];
}

/*
 * The likelihood relative to its anchor A (see the file comment):
 * *lt0 = ln(T0/A), *lsum = ln(Σ S_i/A) (−Inf when tx = n), and, if g is not
 * NULL, the gradient of ln(L/A) = logaddexp(*lsum, *lt0) in g[0..3].
 * The customer must have been checked.
 */
static void
bgbb_rel(const BgbbConst *c, double x, double tx, double n,
		 double *lt0, double *lsum, double *g)
{
	double		al = c->al,
				be = c->be,
				ga = c->ga,
				de = c->de;
	double		b1 = be + tx - x;	/* β + tx − x */
	double		K = n - tx;		/* number of sum terms */
	double		l0,
				ls;

	/* T0/A = B(α+x, β+n−x)/B(α+x, β+tx−x) · B(γ, δ+n)/B(γ, δ+tx) */
	l0 = lbeta_ratio(al + x, b1, K) + lbeta_ratio(ga, de + tx, K);

	if (K == 0.0)
	{
		*lt0 = 0.0;
		*lsum = -INFINITY;
		if (g)
			g[0] = g[1] = g[2] = g[3] = 0.0;
		return;
	}

	{
		/* Σ_i q_i with q_0 = 1, q_{i+1} = q_i ρ_i; and Σ q_i · d ln q_i */
		double		s = 0.0,
					q = 1.0;
		double		da = 0.0,
					db = 0.0,
					dg = 0.0,
					dd = 0.0;	/* d ln q_i / dθ */
		double		sa = 0.0,
					sb = 0.0,
					sg = 0.0,
					sd = 0.0;	/* Σ q_i d ln q_i / dθ */
		double		kk = (double) K;
		long		i;
		long		iK = (long) K;

		for (i = 0; i < iK; i++)
		{
			double		j = (double) i;
			double		u_b = b1 + j;
			double		u_ab = al + be + tx + j;
			double		u_d = de + tx + j;
			double		u_gd1 = ga + de + tx + j + 1.0;

			s += q;
			if (g)
			{
				sa += q * da;
				sb += q * db;
				sg += q * dg;
				sd += q * dd;
				da -= 1.0 / u_ab;
				db += 1.0 / u_b - 1.0 / u_ab;
				dg -= 1.0 / u_gd1;
				dd += 1.0 / u_d - 1.0 / u_gd1;
			}
			q *= (u_b / u_ab) * (u_d / u_gd1);
			/* the remaining kk − j − 1 terms are each below q */
			if (q * (kk - j - 1.0) < BGBB_SUM_EPS * s)
				break;
		}
		/* S_i/A = γ/(γ+δ+tx) · q_i */
		ls = log(s) + log(ga) - log(ga + de + tx);
		*lt0 = l0;
		*lsum = ls;

		if (g)
		{
			/* weights of the two parts of L/A */
			double		wT = exp(l0 - crm_logaddexp(l0, ls));
			double		wS = exp(ls - crm_logaddexp(l0, ls));
			double		gab_t = psi_shift(al + be + tx, K);	/* ψ(α+β+n) − ψ(α+β+tx) */
			double		gb_t = psi_shift(b1, K);	/* ψ(β+n−x) − ψ(β+tx−x) */
			double		gd_t = psi_shift(de + tx, K);
			double		ggd_t = psi_shift(ga + de + tx, K);

			/* d ln(T0/A) */
			double		t_a = -gab_t;
			double		t_b = gb_t - gab_t;
			double		t_g = -ggd_t;
			double		t_d = gd_t - ggd_t;

			/* d ln(S/A) = d ln(γ/(γ+δ+tx)) + Σ q_i d ln q_i / s */
			double		s_a = sa / s;
			double		s_b = sb / s;
			double		s_g = 1.0 / ga - 1.0 / (ga + de + tx) + sg / s;
			double		s_d = -1.0 / (ga + de + tx) + sd / s;

			g[0] = wT * t_a + wS * s_a;
			g[1] = wT * t_b + wS * s_b;
			g[2] = wT * t_g + wS * s_g;
			g[3] = wT * t_d + wS * s_d;
		}
	}
}

/*
 * ln A and, if g is not NULL, its gradient:
 * A = B(α+x, β+tx−x)/B(α,β) · B(γ, δ+tx)/B(γ,δ)
 *   = Γ(α+x)Γ(β+tx−x)Γ(α+β) / (Γ(α)Γ(β)Γ(α+β+tx)) · B(γ, δ+tx)/B(γ,δ),
 * so both the value and the gradient are ln Γ and ψ differences.
 */
static double
bgbb_lanchor(const BgbbConst *c, double x, double tx, double *g)
{
	double		al = c->al,
				be = c->be,
				ga = c->ga,
				de = c->de;
	double		la;

	la = crm_lgamma_diff(al, x) + crm_lgamma_diff(be, tx - x) - crm_lgamma_diff(al + be, tx)
		+ lbeta_ratio(ga, de, tx);
	if (g)
	{
		double		d_ab = psi_shift(al + be, tx);	/* ψ(α+β+tx) − ψ(α+β) */
		double		d_gd = psi_shift(ga + de, tx);	/* ψ(γ+δ+tx) − ψ(γ+δ) */

		g[0] = psi_shift(al, x) - d_ab;
		g[1] = psi_shift(be, tx - x) - d_ab;
		g[2] = -d_gd;
		g[3] = psi_shift(de, tx) - d_gd;
	}
	return la;
}

/* ln L (and gradient) of one checked customer; CRM_ERANGE when not finite. */
static CrmStatus
bgbb_ll_one(const BgbbConst *c, double x, double tx, double n, double *ll, double *grad)
{
	double		lt0,
				lsum,
				la;
	double		gr[4],
				ga[4];
	int			k;

	bgbb_rel(c, x, tx, n, &lt0, &lsum, grad ? gr : NULL);
	la = bgbb_lanchor(c, x, tx, grad ? ga : NULL);
	*ll = la + crm_logaddexp(lt0, lsum);
	if (!crm_isfinite(*ll))
		return CRM_ERANGE;
	if (grad)
	{
		for (k = 0; k < 4; k++)
		{
			grad[k] = ga[k] + gr[k];
			if (!crm_isfinite(grad[k]))
				return CRM_ERANGE;
		}
	}
	return CRM_OK;
}

/* ln L for one customer; grad (d/d{alpha,beta,gamma,delta}) may be NULL. */
CrmStatus
crm_bgbb_loglik1(const double *par, double x, double tx, double n,
				 double *ll, double *grad)
{
	const char *reason;
	BgbbConst	c;

	*ll = NAN;
	if (bgbb_check_params(par, &reason) != CRM_OK)
		return CRM_EPARAM;
	if (bgbb_check_customer(x, tx, n, &reason) != CRM_OK)
		return CRM_EDOMAIN;
	bgbb_const(par, &c);
	return bgbb_ll_one(&c, x, tx, n, ll, grad);
}

/*
 * CrmModelSpec.loglik: Σ w ln L over checked obs (x, tx, T = n, w), with
 * the gradient when grad is not NULL.
 */
static CrmStatus
bgbb_loglik(const double *par, const CrmObs *obs, size_t nobs, double *ll, double *grad)
{
	BgbbConst	c;
	double		tot = 0.0;
	double		g[4],
				gsum[4] = {0.0, 0.0, 0.0, 0.0};
	size_t		i;
	int			k;
	const char *reason;

	*ll = NAN;
	if (bgbb_check_params(par, &reason) != CRM_OK)
		return CRM_EPARAM;
	bgbb_const(par, &c);
	for (i = 0; i < nobs; i++)
	{
		double		l;
		CrmStatus	st;

		if ((i & 4095) == 4095 && crm_interrupted())
			return CRM_EINTERRUPTED;
		st = bgbb_ll_one(&c, obs[i].x, obs[i].tx, obs[i].T, &l, grad ? g : NULL);
		if (st != CRM_OK)
			return st;
		tot += obs[i].w * l;
		if (grad)
			for (k = 0; k < 4; k++)
				gsum[k] += obs[i].w * g[k];
	}
	if (!crm_isfinite(tot))
		return CRM_ERANGE;
	*ll = tot;
	if (grad)
		for (k = 0; k < 4; k++)
		{
			if (!crm_isfinite(gsum[k]))
				return CRM_ERANGE;
			grad[k] = gsum[k];
		}
	return CRM_OK;
}

/*
 * CrmModelSpec.check_data: the data must show (1) some transaction
 * (otherwise α/β → 0), (2) some period without a transaction (otherwise
 * α/β → ∞) and (3) some customer whose last transaction was before period n,
 * i.e. a possible dropout (otherwise γ/δ → 0).
 */
static CrmStatus
bgbb_check_data(const CrmObs *obs, size_t n, const char **reason)
{
	bool		any_tx = false,
				any_gap = false,
				any_quiet = false;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		if (obs[i].x > 0.0)
			any_tx = true;
		if (obs[i].x < obs[i].T)
			any_gap = true;
		if (obs[i].tx < obs[i].T)
			any_quiet = true;
	}
	if (!any_tx)
	{
		*reason = "no customer made a repeat transaction, so the transaction probability cannot be estimated";
		return CRM_EEMPTY;
	}
	if (!any_gap)
	{
		*reason = "every customer transacted in every period, so the transaction probability cannot be estimated";
		return CRM_EEMPTY;
	}
	if (!any_quiet)
	{
		*reason = "every customer transacted in the last period, so the dropout probability cannot be estimated";
		return CRM_EEMPTY;
	}
	return CRM_OK;
}

/*
 * CrmModelSpec.start: α = β = γ = δ = 1 (uniform priors on the transaction
 * and dropout probabilities), a scale-free point from which the optimizer
 * reaches the donations MLE without trouble.
 */
static void
bgbb_start(const CrmObs *obs, size_t n, double *par0)
{
	par0[0] = par0[1] = par0[2] = par0[3] = 1.0;
}

/* Validate parameters and customer for the prediction functions. */
static CrmStatus
bgbb_check_all(const double *par, double x, double tx, double n)
{
	const char *reason;

	if (bgbb_check_params(par, &reason) != CRM_OK)
		return CRM_EPARAM;
	return bgbb_check_customer(x, tx, n, &reason);
}

/*
 * ln P(alive in period n+m | x, tx, n):
 * ln[T0/L] + ln[B(γ, δ+n+m)/B(γ, δ+n)] with T0/L = 1/(1 + S/T0).
 */
static double
bgbb_lp_alive(const BgbbConst *c, double x, double tx, double n, double m)
{
	double		lt0,
				lsum;

	bgbb_rel(c, x, tx, n, &lt0, &lsum, NULL);
	return -crm_log1pexp(lsum - lt0) + lbeta_ratio(c->ga, c->de + n, m);
}

/* ln P(alive in period n + m | x, tx, n), m >= 0 a whole number. */
CrmStatus
crm_bgbb_log_p_alive(const double *par, double x, double tx, double n, double m,
					 double *out)
{
	BgbbConst	c;
	CrmStatus	st;

	*out = NAN;
	if ((st = bgbb_check_all(par, x, tx, n)) != CRM_OK)
		return st;
	if (!is_whole(m, 0.0, INFINITY))
		return CRM_EDOMAIN;
	bgbb_const(par, &c);
	*out = bgbb_lp_alive(&c, x, tx, n, m);
	if (isnan(*out) || *out == INFINITY)
	{
		*out = NAN;
		return CRM_ERANGE;
	}
	if (*out > 0.0)				/* a rounding error of a probability of 1 */
		*out = 0.0;
	return CRM_OK;
}

/*
 * P(alive in period n + m | x, tx, n), m >= 0 (lifetimes'
 * conditional_probability_alive(m); m = 1 is the paper's "P(alive in 2002)").
 */
CrmStatus
crm_bgbb_p_alive(const double *par, double x, double tx, double n, double m,
				 double *out)
{
	double		lp;
	CrmStatus	st = crm_bgbb_log_p_alive(par, x, tx, n, m, &lp);

	*out = st == CRM_OK ? exp(lp) : NAN;
	return st;
}

/*
 * P(alive in period n + m | x, tx, n + m): the chance that the customer is
 * still alive if, after this history, m more periods pass without a
 * transaction (tx and x unchanged, n grows to n + m).
 */
CrmStatus
crm_bgbb_p_alive_future(const double *par, double x, double tx, double n, double m,
						double *out)
{
	CrmStatus	st;

	*out = NAN;
	if ((st = bgbb_check_all(par, x, tx, n)) != CRM_OK)
		return st;
	if (!is_whole(m, 0.0, CRM_BGBB_MAX_N - n))
		return CRM_EDOMAIN;
	return crm_bgbb_p_alive(par, x, tx, n + m, 0.0, out);
}

/*
 * ln Σ_{k=1}^{m} B(γ, δ+n0+k)/B(γ, δ+n0): the expected number of the
 * periods n0+1..n0+m in which a customer alive in period n0 is still alive.
 * (−Inf for m = 0.)  The first BGBB_DIRECT_TERMS terms are summed directly
 * (ratio (δ+t−1)/(γ+δ+t−1)); the rest by the telescoped closed form
 *
 *	Σ_{k=1}^{M} S(n1+k)/S(n1) = (δ+n1)/(γ−1) · [1 − e^h],
 *	h = ln[Γ(δ+n1+M+1) Γ(γ+δ+n1) / (Γ(γ+δ+n1+M) Γ(δ+n1+1))],
 *
 * whose ln Γ differences then have arguments >= BGBB_DIRECT_TERMS, where
 * crm_lgamma_diff is relatively accurate even for tiny shifts 1 − γ.  γ = 1
 * is the limit (δ+n1)[ψ(δ+n1+M+1) − ψ(δ+n1+1)]; |γ − 1| < 1e-6 uses the
 * second-order Taylor expansion of h in γ − 1 to keep the digits.
 */
static double
surv_sum_log(double ga, double de, double n0, double m)
{
	double		s = 0.0,
				r = 1.0;
	double		kmax = m < BGBB_DIRECT_TERMS ? m : BGBB_DIRECT_TERMS;
	double		k;
	double		M,
				N,
				ltail;

	if (m <= 0.0)
		return -INFINITY;
	for (k = 1.0; k <= kmax; k += 1.0)
	{
		r *= (de + n0 + k - 1.0) / (ga + de + n0 + k - 1.0);
		s += r;
	}
	if (m <= BGBB_DIRECT_TERMS)
		return log(s);

	/* tail: r · Σ_{k=1}^{M} S(n1+k)/S(n1), n1 = n0 + BGBB_DIRECT_TERMS */
	M = m - BGBB_DIRECT_TERMS;
	N = de + n0 + BGBB_DIRECT_TERMS;	/* δ + n1 */
	if (ga == 1.0)
		ltail = log(N) + log(crm_digamma(N + M + 1.0) - crm_digamma(N + 1.0));
	else
	{
		double		eps = ga - 1.0;
		double		lem1;		/* ln|e^h − 1| */
		double		h;

		if (fabs(eps) < 1e-6)
		{
			double		f1 = crm_digamma(N + 1.0) - crm_digamma(N + M + 1.0);	/* h'(1) */
			double		f2 = crm_trigamma(N + 1.0) - crm_trigamma(N + M + 1.0); /* h''(1) */
			double		hoe = f1 + 0.5 * eps * f2;	/* h/ε */

			h = eps * hoe;
			/* |e^h − 1|/|ε| = |h/ε| · (e^h − 1)/h */
			ltail = log(N) + log(fabs(hoe)) + log1p(h / 2.0 + h * h / 6.0);
		}
		else
		{
			h = crm_lgamma_diff(ga + N + M, 1.0 - ga) - crm_lgamma_diff(ga + N, 1.0 - ga);
			if (h > 0.0)
				lem1 = h + log(-expm1(-h));
			else
				lem1 = log(-expm1(h));
			ltail = log(N) + lem1 - log(fabs(eps));
		}
	}
	return crm_logaddexp(log(s), log(r) + ltail);
}

/* E[X(n)]: expected transactions of a new customer in n >= 0 opportunities. */
CrmStatus
crm_bgbb_expected(const double *par, double n, double *out)
{
	const char *reason;

	*out = NAN;
	if (bgbb_check_params(par, &reason) != CRM_OK)
		return CRM_EPARAM;
	if (!is_whole(n, 0.0, INFINITY))
		return CRM_EDOMAIN;
	/* α/(α+β) · Σ_{t=1}^{n} S(t) */
	*out = exp(log(par[0]) - log(par[0] + par[1]) + surv_sum_log(par[2], par[3], 0.0, n));
	if (!crm_isfinite(*out))
	{
		*out = NAN;
		return CRM_ERANGE;
	}
	return CRM_OK;
}

/*
 * E[X(n, n + m) | x, tx, n] (FHS 2010 eq. 13) =
 * E[p | x, n] · P(alive in period n | x, tx, n) · Σ_{k=1}^{m} S(n+k)/S(n),
 * with E[p | x, n] = (α+x)/(α+β+n).  This sum form has no 1/(γ − 1)
 * singularity, unlike the paper's telescoped form.
 */
CrmStatus
crm_bgbb_cond_expected(const double *par, double m, double x, double tx,
					   double n, double *out)
{
	BgbbConst	c;
	CrmStatus	st;
	double		l;

	*out = NAN;
	if ((st = bgbb_check_all(par, x, tx, n)) != CRM_OK)
		return st;
	if (!is_whole(m, 0.0, INFINITY))
		return CRM_EDOMAIN;
	if (m == 0.0)
	{
		*out = 0.0;
		return CRM_OK;
	}
	bgbb_const(par, &c);
	l = log(c.al + x) - log(c.al + c.be + n) + bgbb_lp_alive(&c, x, tx, n, 0.0)
		+ surv_sum_log(c.ga, c.de, n, m);
	*out = exp(l);
	if (!crm_isfinite(*out))
	{
		*out = NAN;
		return CRM_ERANGE;
	}
	return CRM_OK;
}

/*
 * P(X(n) = x) for a new customer (FHS 2010 eq. 7):
 * C(n,x) B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
 * + Σ_{i=x}^{n−1} C(i,x) B(α+x, β+i−x)/B(α,β) · B(γ+1, δ+i)/B(γ,δ),
 * summed in log space; the sum's terms follow the recurrence
 * t_{i+1}/t_i = (i+1)/(i+1−x) · (β+i−x)/(α+β+i) · (δ+i)/(γ+δ+i+1), whose
 * logs are accumulated with Neumaier compensation.
 */
CrmStatus
crm_bgbb_prob_n(const double *par, double x, double n, double *out)
{
	const char *reason;
	double		al = par[0],
				be = par[1],
				ga = par[2],
				de = par[3];
	double		lb_ab,
				lfirst,
				lt,
				comp,
				acc;
	double		i;

	*out = NAN;
	if (bgbb_check_params(par, &reason) != CRM_OK)
		return CRM_EPARAM;
	if (!is_whole(n, 0.0, CRM_BGBB_MAX_N) || !is_whole(x, 0.0, n))
		return CRM_EDOMAIN;
	lb_ab = crm_lbeta(al, be);

	/* alive through period n: ln C(n,x) + ... */
	lfirst = crm_lgamma(n + 1.0) - crm_lgamma(x + 1.0) - crm_lgamma(n - x + 1.0)
		+ crm_lbeta(al + x, be + n - x) - lb_ab + lbeta_ratio(ga, de, n);
	acc = lfirst;

	/* i = x: C(x,x) = 1; B(γ+1, δ+x)/B(γ,δ) = γ/(γ+δ+x) · B(γ, δ+x)/B(γ,δ) */
	lt = crm_lbeta(al + x, be) - lb_ab + log(ga) - log(ga + de + x) + lbeta_ratio(ga, de, x);
	comp = 0.0;
	for (i = x; i < n; i += 1.0)
	{
		double		step;

		acc = crm_logaddexp(acc, lt + comp);
		step = log((i + 1.0) / (i + 1.0 - x)) + log((be + i - x) / (al + be + i))
			+ log((de + i) / (ga + de + i + 1.0));
		/* Neumaier: lt + comp is the running log term */
		crm_neumaier_add(&lt, &comp, step);
	}
	*out = exp(acc);
	if (!crm_isfinite(*out) || *out > 1.0 + 1e-12)
	{
		*out = NAN;
		return CRM_ERANGE;
	}
	if (*out > 1.0)
		*out = 1.0;
	return CRM_OK;
}

/*
 * 2F1(1, b; b + g; z) for b, g > 0, 0 <= z < 1 by its Maclaurin series,
 * Σ_k (b)_k/(b+g)_k z^k: positive terms with ratio (b+k)/(b+g+k)·z < z,
 * so the tail after a term t is below t·z/(1 − z) and the sum is
 * well-conditioned.  The fallback when crm_hyp2f1 cannot answer (the first
 * parameter is 1, a simple and safe special case); CRM_ENOCONV when z is so
 * close to 1 that more than 10 million terms would be needed.
 */
static CrmStatus
hyp2f1_1b_series(double b, double g, double z, double *logf)
{
	double		s = 1.0,
				t = 1.0,
				k;
	double		tailf = z / (1.0 - z);

	for (k = 0.0; k < 1e7; k += 1.0)
	{
		t *= (b + k) / (b + g + k) * z;
		s += t;
		if (t * tailf < 1e-17 * s)
		{
			*logf = log(s);
			return CRM_OK;
		}
		if ((((long) k) & 0xfffff) == 0xfffff && crm_interrupted())
			return CRM_EINTERRUPTED;
	}
	return CRM_ENOCONV;
}

/*
 * DERT (FHS 2010 eq. 14) at discrete rate d > 0 per period:
 * B(α+x+1, β+n−x)/B(α,β) · B(γ, δ+n+1)/[B(γ,δ)(1+d)] · 2F1(1, δ+n+1;
 * γ+δ+n+1; 1/(1+d)) / L
 * = E[p | x, n] · P(alive in n) · (δ+n)/(γ+δ+n)/(1+d) · 2F1(...).
 * The 2F1 comes from crm_hyp2f1 (Gauss's continued fraction near z = 1,
 * a few µs for any d), with the own series as the fallback.
 */
CrmStatus
crm_bgbb_dert(const double *par, double d, double x, double tx, double n,
			  double *out)
{
	BgbbConst	c;
	CrmStatus	st;
	double		lf,
				z;
	int			sign;

	*out = NAN;
	if ((st = bgbb_check_all(par, x, tx, n)) != CRM_OK)
		return st;
	if (!crm_isfinite(d) || !(d > 0.0))
		return CRM_EDOMAIN;
	bgbb_const(par, &c);
	z = 1.0 / (1.0 + d);
	st = crm_hyp2f1(1.0, c.de + n + 1.0, c.ga + c.de + n + 1.0, z, &lf, &sign);
	if (st != CRM_OK || sign != 1 || !crm_isfinite(lf))
	{
		st = hyp2f1_1b_series(c.de + n + 1.0, c.ga, z, &lf);
		if (st != CRM_OK)
			return st;
	}
	*out = exp(log(c.al + x) - log(c.al + c.be + n) + bgbb_lp_alive(&c, x, tx, n, 0.0)
			   + log(c.de + n) - log(c.ga + c.de + n) - log1p(d) + lf);
	if (!crm_isfinite(*out))
	{
		*out = NAN;
		return CRM_ERANGE;
	}
	return CRM_OK;
}

const CrmModelSpec crm_bgbb_spec = {
	.kind = CRM_MODEL_BGBB,
	.name = "bgbb",
	.nparams = 4,
	.param_names = {"alpha", "beta", "gamma", "delta"},
	.check_obs = bgbb_check_obs,
	.check_params = bgbb_check_params,
	.loglik = bgbb_loglik,
	.check_data = bgbb_check_data,
	.start = bgbb_start
};
