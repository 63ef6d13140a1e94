/*
 * bgnbd.c
 *		BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam, Denizel &
 *		Filiztekin 2007): log-likelihood with analytic gradient (per customer
 *		and batch), the model specs the optimizer uses, and predictions:
 *		P(alive), E[X(t)], E[Y(t) | x, tx, T], P(X(t) = n) and DERT.
 *
 * Likelihood.  The stable log form of ../shared/reference/README.md:
 *	ln L = A(x) + r ln α − (r+x) ln(α+tx) + ln[((α+tx)/(α+T))^(r+x) + c(x)]
 * with A(x) the log-gamma terms and c(x) = a/(b+x−1) for BG/NBD (x > 0
 * only), a/(b+x) for MBG/NBD (every x).  The batch form computes A(x), its
 * digammas and ln c(x) once per run of equal x (obs are sorted by x, tx, T)
 * and per row only ln(α+tx), ln(α+T), one exp and one log1p.
 *
 * Predictions.  Given alive at T, a customer's purchase rate is
 * λ ~ Gamma(k, β) and his dropout probability p ~ Beta(a, b') with
 * k = r+x, β = α+T, b' = b+x (BG/NBD) or b+x+1 (MBG/NBD).  The closed forms
 * (a+b'−1)/(a−1)·[1 − (β/(β+t))^k 2F1(k, b'; a+b'−1; t/(β+t))] cancel
 * catastrophically for a near 1 and for short horizons, and need care when
 * a+b'−1 <= 0; so this file does not use them.  Instead:
 *	E[Y(t) | alive] = Σ_n P(N = n) m(n),  N ~ NegBin(k, t/(β+t)) the
 *		purchases of an immortal customer in (T, T+t], m(n) = Σ_{j<n} E[(1−p)^j]
 *		the purchases actually made when n were possible: a sum of positive
 *		terms, exact to a few ulp, used while it is short;
 *	otherwise the Beta mixture E_p[(1 − (1 + p t/β)^(−k)) / p], integrated by
 *		adaptive Gauss–Kronrod quadrature in the logit of p (beta_mix below);
 *	DERT = E_p E_λ[λ / (δ + pλ)], the λ part in closed form
 *		(k/p)·J(δβ/p; k) with J(z; k) = ∫0^∞ e^(−zu) (1+u)^(−k−1) du
 *		= U(1, 1−k, z) (continued fraction or series), the p part by beta_mix.
 *	P(X(t) = n) uses the negative-binomial tail, a regularized incomplete
 *		beta function by continued fraction.
 *
 * Why by hand: the project links only libm and NLopt; these are a few short,
 * model-specific series and one standard quadrature (QUADPACK's 21-point
 * Gauss–Kronrod rule), not worth a new library dependency (GSL would cover
 * the incomplete beta and the quadrature but not the cancellation-free
 * forms).
 */
#include <math.h>
#include <float.h>
#include <string.h>

#include "bgnbd.h"
#include "vmath.h"
#include "predcache.h"
#include "special.h"

/* ln 10 */
#define LN10 2.302585092994045684

/* ------------------------------------------------------------------------
 * Argument checks
 * ------------------------------------------------------------------------
 */

/* Parameters must be finite and > 0. */
static CrmStatus
bg_check_params(const double *par, const char **reason)
{
	int			i;

	for (i = 0; i < 4; i++)
	{
		if (!crm_isfinite(par[i]) || !(par[i] > 0.0))
		{
			*reason = "every parameter (r, alpha, a, b) must be finite and positive";
			return CRM_EPARAM;
		}
	}
	return CRM_OK;
}

/* Largest frequency accepted: every integer up to it is exact in a double. */
#define BG_MAX_X 9007199254740992.0

/* One customer (frequency x, recency tx, age T); the weight is not looked at. */
static CrmStatus
bg_check_customer(double x, double tx, double T, const char **reason)
{
	if (!crm_isfinite(x) || !crm_isfinite(tx) || !crm_isfinite(T))
		*reason = "frequency, recency and age must be finite";
	/* whole: every double above BG_MAX_X is; below, the int64 round trip tells (no libm call) */
	else if (x < 0.0 || (x <= BG_MAX_X && x != (double) (int64_t) x))
		*reason = "frequency must be a whole number >= 0";
	else if (x > BG_MAX_X)
		*reason = "frequency is too large";
	else if (tx < 0.0 || T < 0.0)
		*reason = "recency and age must not be negative";
	else if (tx > T)
		*reason = "recency must not exceed age";
	else if (x == 0.0 && tx != 0.0)
		*reason = "recency must be 0 when frequency is 0";
	else
		return CRM_OK;
	return CRM_EDOMAIN;
}

/* CrmModelSpec.check_obs: the customer and a positive finite weight. */
static CrmStatus
bg_check_obs(const CrmObs *o, const char **reason)
{
	if (!crm_isfinite(o->w) || !(o->w > 0.0))
	{
		*reason = "weight must be positive and finite";
		return CRM_EDOMAIN;
	}
	return bg_check_customer(o->x, o->tx, o->T, reason);
}

/* CrmModelSpec.check_data: at least one repeat purchase is needed. */
static CrmStatus
bg_check_data(const CrmObs *obs, size_t n, const char **reason)
{
	size_t		i;

	for (i = 0; i < n; i++)
		if (obs[i].x > 0.0)
			return CRM_OK;
	*reason = "no customer made a repeat purchase";
	return CRM_EEMPTY;
}

/* Check parameters and a customer for the public functions. */
static CrmStatus
bg_check_call(const double *par, double x, double tx, double T)
{
	const char *reason;
	CrmStatus	st = bg_check_params(par, &reason);

	if (st != CRM_OK)
		return st;
	return bg_check_customer(x, tx, T, &reason);
}

/* ------------------------------------------------------------------------
 * Likelihood
 * ------------------------------------------------------------------------
 */

/*
 * Per-x constants of the likelihood: everything that depends on x but not
 * on tx or T.  bx is b+x (BG/NBD) or b+x+1 (MBG/NBD), the argument of the
 * Beta part.
 */
typedef struct BgRun
{
	double		rx;				/* r + x */
	double		A;				/* A(x) + r ln α */
	double		dA_r;			/* ∂/∂r of A(x) + r ln α */
	double		dA_a;
	double		dA_b;
	bool		has_c;			/* the second (dropped-out) term exists */
	double		lc;				/* ln c(x) */
	double		cden;			/* c(x) = a / cden */
} BgRun;

/* Shared per-call constants. */
typedef struct BgCall
{
	bool		mbg;
	double		r,
				alpha,
				a,
				b;
	double		lalpha;			/* ln α */
	double		lgd_ba;			/* ln Γ(a+b) − ln Γ(b) */
	double		psi_r,
				psi_ab,
				psi_b;
	bool		want_grad;
} BgCall;

/* Fill the constants of one call. */
static void
bg_call_init(BgCall *c, bool mbg, const double *par, bool want_grad)
{
	c->mbg = mbg;
	c->r = par[0];
	c->alpha = par[1];
	c->a = par[2];
	c->b = par[3];
	c->lalpha = log(c->alpha);
	c->lgd_ba = crm_lgamma_diff(c->b, c->a);
	c->want_grad = want_grad;
	if (want_grad)
	{
		c->psi_r = crm_digamma(c->r);
		c->psi_ab = crm_digamma(c->a + c->b);
		c->psi_b = crm_digamma(c->b);
	}
}

/* Fill the per-x constants for frequency x. */
static void
bg_run_init(const BgCall *c, BgRun *run, double x)
{
	double		bx = c->mbg ? c->b + x + 1.0 : c->b + x;

	run->rx = c->r + x;
	run->A = crm_lgamma_diff(c->r, x) + c->lgd_ba - crm_lgamma_diff(bx, c->a)
		+ c->r * c->lalpha;
	run->has_c = c->mbg || x > 0.0;
	run->cden = c->mbg ? c->b + x : c->b + x - 1.0;
	run->lc = run->has_c ? log(c->a) - log(run->cden) : 0.0;
	if (c->want_grad)
	{
		run->dA_r = crm_digamma(run->rx) - c->psi_r + c->lalpha;
		run->dA_a = c->psi_ab - crm_digamma(c->a + bx);
		run->dA_b = c->psi_ab + crm_digamma(bx) - c->psi_b - crm_digamma(c->a + bx);
	}
	else
		run->dA_r = run->dA_a = run->dA_b = 0.0;
}

/*
 * The tx, T dependent part of one row:
 *	*ll  = −(r+x) ln(α+tx) + ln[e^d + c],  d = (r+x) ln((α+tx)/(α+T))
 *	*gr  = −ln(α+tx) + ω·ln((α+tx)/(α+T))       (∂/∂r, less the per-x part)
 *	*gal = −1/(α+tx) + ω·(1/(α+tx) − 1/(α+T))    (∂/∂α divided by r+x, less r/α)
 *	*om  = 1 − ω, the posterior weight of "dropped out after the last purchase"
 * where ω = e^d/(e^d + c).  ltx/itx are ln and reciprocal of α+tx, D =
 * ln((α+tx)/(α+T)) <= 0, iT = 1/(α+T).  With c (run->has_c), ee = e^−|e|
 * and l1 = ln(1 + ee) for e = ln c − d come precomputed (bg_loglik_batch
 * takes them over arrays): ln[e^d + c] = max(d, ln c) + l1.  With no c
 * (BG/NBD, x = 0) ω = 1.
 */
static inline void
bg_row(const BgRun *run, double ltx, double itx, double D, double iT, double ee,
	   double l1, double *ll, double *gr, double *gal, double *om)
{
	double		d = run->rx * D;
	double		w;

	if (!run->has_c)
	{
		*ll = -run->rx * ltx + d;
		*gr = -ltx + D;
		*gal = -iT;
		*om = 0.0;
		return;
	}
	if (run->lc - d > 0.0)
	{
		*ll = -run->rx * ltx + run->lc + l1;
		w = ee / (1.0 + ee);
	}
	else
	{
		*ll = -run->rx * ltx + d + l1;
		w = 1.0 / (1.0 + ee);
	}
	*gr = -ltx + w * D;
	*gal = -itx + w * (itx - iT);
	*om = 1.0 - w;
}

/* Rows between two calls of crm_interrupted(). */
#define BG_INTERRUPT_MASK 4095
/* rows of a chunk of the likelihood loop */
#define BG_CHUNK 64

/*
 * A direct-mapped cache of ln(α+v) and 1/(α+v) for recency and age values
 * v: real summaries have a few thousand distinct ages and recencies, so
 * most rows of a large batch find both logs here.  Used from
 * BG_CACHE_MIN_ROWS rows on; without memory the batch runs uncached.
 */
#define BG_CACHE_BITS 12
#define BG_CACHE_SIZE (1 << BG_CACHE_BITS)
#define BG_CACHE_MIN_ROWS 8192

typedef struct BgCacheEntry
{
	double		v;				/* key; −1 when empty (keys are >= 0) */
	double		lnv;			/* ln(α+v) */
	double		inv;			/* 1/(α+v) */
} BgCacheEntry;

/* Look up (or compute and store) ln(α+v) and 1/(α+v). */
static inline void
bg_cache_get(BgCacheEntry *cache, double alpha, double v, double *lnv, double *inv)
{
	uint64_t	bits;
	BgCacheEntry *e;

	if (cache == NULL)
	{
		*lnv = log(alpha + v);
		*inv = 1.0 / (alpha + v);
		return;
	}
	memcpy(&bits, &v, sizeof(bits));
	e = &cache[(bits * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - BG_CACHE_BITS)];
	if (e->v != v)
	{
		e->v = v;
		e->lnv = log(alpha + v);
		e->inv = 1.0 / (alpha + v);
	}
	*lnv = e->lnv;
	*inv = e->inv;
}

/*
 * Σ w ln L over obs[0..n) and its gradient (grad may be NULL).  obs sorted
 * by x (then tx, T) makes the per-x work happen once per run; any order is
 * still correct.  Rows must already be valid (check_obs).
 */
static CrmStatus
bg_loglik_batch(bool mbg, const double *par, const CrmObs *obs, size_t n,
				double *ll, double *grad)
{
	BgCall		call;
	BgRun		run;
	double		llsum = 0.0,
				llcomp = 0.0;	/* Neumaier compensation */
	double		g[4] = {0.0, 0.0, 0.0, 0.0};
	size_t		i = 0;
	const char *reason;
	BgCacheEntry *cache = NULL;
	CrmStatus	st = CRM_OK;

	if (bg_check_params(par, &reason) != CRM_OK)
		return CRM_EPARAM;
	bg_call_init(&call, mbg, par, grad != NULL);
	if (n >= BG_CACHE_MIN_ROWS)
	{
		cache = crm_alloc(BG_CACHE_SIZE * sizeof(BgCacheEntry));
		if (cache != NULL)
		{
			for (i = 0; i < BG_CACHE_SIZE; i++)
				cache[i].v = -1.0;
			i = 0;
		}
	}

	while (i < n)
	{
		double		x = obs[i].x;
		double		W = 0.0,
					L = 0.0,
					Lc = 0.0,
					Gr = 0.0,
					Gal = 0.0,
					Om = 0.0;
		double		prev_tx = -1.0,
					prev_T = -1.0;
		double		ltx = 0.0,
					itx = 0.0,
					lT = 0.0,
					iT = 0.0;
		double		rl = 0.0,
					rgr = 0.0,
					rgal = 0.0,
					rom = 0.0;
		double		runll;
		size_t		j;

		if (!(x >= 0.0) || !crm_isfinite(x))
		{
			/* check_obs lets no such row through; never loop on a NaN */
			st = CRM_EDOMAIN;
			goto done;
		}
		bg_run_init(&call, &run, x);
		for (j = i; j < n && obs[j].x == x;)
		{
			/*
			 * A chunk of rows in passes: first the lookups of each row,
			 * then the exp/log1p of all of them (crm_exp_log1p_n: four
			 * at a time with libmvec), then the sums.  One row's
			 * arithmetic is a chain of dependent latencies (lookup, exp,
			 * log); separated, the rows of a pass are independent.
			 */
			double		c_ltx[BG_CHUNK],
						c_itx[BG_CHUNK],
						c_iT[BG_CHUNK],
						c_D[BG_CHUNK],
						c_w[BG_CHUNK],
						c_ee[BG_CHUNK],
						c_l1[BG_CHUNK];
			size_t		m = 0,
						k;

			for (; j < n && obs[j].x == x && m < BG_CHUNK; j++, m++)
			{
				const CrmObs *o = &obs[j];

				if ((j & BG_INTERRUPT_MASK) == BG_INTERRUPT_MASK && crm_interrupted())
				{
					st = CRM_EINTERRUPTED;
					goto done;
				}
				if (o->tx != prev_tx)
					bg_cache_get(cache, call.alpha, o->tx, &ltx, &itx);
				if (o->T == o->tx)
				{
					lT = ltx;
					iT = itx;
				}
				else if (o->T != prev_T || o->tx != prev_tx)
					bg_cache_get(cache, call.alpha, o->T, &lT, &iT);
				prev_tx = o->tx;
				prev_T = o->T;
				c_ltx[m] = ltx;
				c_itx[m] = itx;
				c_iT[m] = iT;
				c_D[m] = ltx - lT;
				c_w[m] = o->w;
			}
			if (run.has_c)
			{
				for (k = 0; k < m; k++)
					c_ee[k] = -fabs(run.lc - run.rx * c_D[k]);
				crm_exp_log1p_n(c_ee, c_l1, m);
			}
			else
				for (k = 0; k < m; k++)
					c_ee[k] = c_l1[k] = 0.0;	/* not used */
			for (k = 0; k < m; k++)
			{
				double		w = c_w[k];

				bg_row(&run, c_ltx[k], c_itx[k], c_D[k], c_iT[k], c_ee[k], c_l1[k],
					   &rl, &rgr, &rgal, &rom);
				W += w;
				/* compensated sum of the row log-likelihoods */
				crm_neumaier_add(&L, &Lc, w * rl);
				Gr += w * rgr;
				Gal += w * rgal;
				Om += w * rom;
			}
		}
		runll = W * run.A + (L + Lc);
		crm_neumaier_add(&llsum, &llcomp, runll);
		if (grad != NULL)
		{
			g[0] += W * run.dA_r + Gr;
			g[1] += W * call.r / call.alpha + run.rx * Gal;
			g[2] += W * run.dA_a + Om / call.a;
			g[3] += W * run.dA_b - (run.has_c ? Om / run.cden : 0.0);
		}
		i = j;
	}
	*ll = llsum + llcomp;
	if (!crm_isfinite(*ll))
		st = CRM_ERANGE;
	else if (grad != NULL)
	{
		for (i = 0; i < 4; i++)
		{
			if (!crm_isfinite(g[i]))
				st = CRM_ERANGE;
			grad[i] = g[i];
		}
	}
done:
	crm_free(cache);
	return st;
}

/* ln L of one customer (checked), gradient optional. */
static CrmStatus
bg_loglik1(bool mbg, const double *par, double x, double tx, double T,
		   double *ll, double *grad)
{
	CrmObs		o;
	CrmStatus	st = bg_check_call(par, x, tx, T);

	if (st != CRM_OK)
		return st;
	o.x = x;
	o.tx = tx;
	o.T = T;
	o.w = 1.0;
	return bg_loglik_batch(mbg, par, &o, 1, ll, grad);
}

/* BG/NBD log-likelihood of one customer, gradient optional. */
CrmStatus
crm_bgnbd_loglik1(const double *par, double x, double tx, double T,
				  double *ll, double *grad)
{
	return bg_loglik1(false, par, x, tx, T, ll, grad);
}

/* MBG/NBD log-likelihood of one customer, gradient optional. */
CrmStatus
crm_mbgnbd_loglik1(const double *par, double x, double tx, double T,
				   double *ll, double *grad)
{
	return bg_loglik1(true, par, x, tx, T, ll, grad);
}

/* CrmModelSpec.loglik for BG/NBD. */
static CrmStatus
bgnbd_loglik(const double *par, const CrmObs *obs, size_t n, double *ll, double *grad)
{
	return bg_loglik_batch(false, par, obs, n, ll, grad);
}

/* CrmModelSpec.loglik for MBG/NBD. */
static CrmStatus
mbgnbd_loglik(const double *par, const CrmObs *obs, size_t n, double *ll, double *grad)
{
	return bg_loglik_batch(true, par, obs, n, ll, grad);
}

/*
 * CrmModelSpec.start: a deterministic, data-driven starting point.
 * (r, α) by the method of moments of the Gamma-Poisson purchase process
 * ignoring dropout: λ̄ = Σx / ΣT, Var(λ) = [Σ(x − λ̄T)² − Σλ̄T] / ΣT²
 * (weighted), r = λ̄²/Var(λ), α = r/λ̄, clamped to a sane range; then
 * (a, b) = (1, 3): a mean dropout probability of 1/4 per purchase, where
 * typical fits land (CDNOW: 0.79, 2.43).
 */
static void
bg_start(const CrmObs *obs, size_t n, double *par0)
{
	double		sx = 0.0,
				sT = 0.0,
				sT2 = 0.0,
				lam,
				v = 0.0,
				var,
				r;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		sx += obs[i].w * obs[i].x;
		sT += obs[i].w * obs[i].T;
		sT2 += obs[i].w * obs[i].T * obs[i].T;
	}
	if (!(sT > 0.0) || !(sx > 0.0) || !crm_isfinite(sT2))
	{
		par0[0] = 1.0;
		par0[1] = 1.0;
		par0[2] = 1.0;
		par0[3] = 3.0;
		return;
	}
	lam = sx / sT;
	for (i = 0; i < n; i++)
	{
		double		e = obs[i].x - lam * obs[i].T;

		v += obs[i].w * (e * e - lam * obs[i].T);
	}
	var = v / sT2;
	r = var > 0.0 ? lam * lam / var : 1.0;
	if (!(r >= 0.05))
		r = 0.05;
	if (r > 20.0)
		r = 20.0;
	par0[0] = r;
	par0[1] = r / lam;
	if (!crm_isfinite(par0[1]) || !(par0[1] > 0.0))
		par0[1] = 1.0;
	par0[2] = 1.0;
	par0[3] = 3.0;
}

const CrmModelSpec crm_bgnbd_spec = {
	CRM_MODEL_BGNBD,
	"bgnbd",
	4,
	{"r", "alpha", "a", "b"},
	bg_check_obs,
	bg_check_params,
	bgnbd_loglik,
	bg_check_data,
	bg_start
};

const CrmModelSpec crm_mbgnbd_spec = {
	CRM_MODEL_MBGNBD,
	"mbgnbd",
	4,
	{"r", "alpha", "a", "b"},
	bg_check_obs,
	bg_check_params,
	mbgnbd_loglik,
	bg_check_data,
	bg_start
};

/* ------------------------------------------------------------------------
 * P(alive)
 * ------------------------------------------------------------------------
 */

/*
 * ln c(x) of P(alive) (as in the likelihood): depends on x only, so the
 * memoized predictions keep it with their (x, T) factor.  0 where P(alive)
 * does not use it (BG/NBD customers without repeat purchases).
 */
static double
bg_log_c(bool mbg, const double *par, double x)
{
	double		a = par[2],
				b = par[3];

	if (!mbg && x == 0.0)
		return 0.0;
	return log(a / (mbg ? b + x : b + x - 1.0));
}

/*
 * (r+x) ln((α+T)/(α+tx)) >= 0, from log1p for accuracy when tx ≈ T: the
 * part of ln P(alive) that depends on tx.
 */
static double
bg_log_ratio(const double *par, double x, double tx, double T)
{
	return (par[0] + x) * crm_log1p((T - tx) / (par[1] + tx));
}

/* ln P(alive) (below) given lc = bg_log_c(mbg, par, x) and bg_log_ratio(). */
static double
bg_log_p_alive_parts(bool mbg, double x, double lc, double lratio)
{
	if (!mbg && x == 0.0)
		return 0.0;
	return -crm_log1pexp(lc + lratio);
}

/* ln P(alive) (below) given lc = bg_log_c(mbg, par, x). */
static double
bg_log_p_alive_lc(bool mbg, const double *par, double x, double tx, double T, double lc)
{
	if (!mbg && x == 0.0)
		return 0.0;
	return bg_log_p_alive_parts(mbg, x, lc, bg_log_ratio(par, x, tx, T));
}

/*
 * ln P(alive at T | x, tx, T) = −ln(1 + c·((α+T)/(α+tx))^(r+x)), c as in
 * the likelihood; 0 for BG/NBD customers without repeat purchases.
 */
static double
bg_log_p_alive(bool mbg, const double *par, double x, double tx, double T)
{
	return bg_log_p_alive_lc(mbg, par, x, tx, T, bg_log_c(mbg, par, x));
}

/*
 * Checked P(alive) = 1/(1 + e^z), z = ln c + (r+x) ln((α+T)/(α+tx)), as
 * the logistic function itself: one exp instead of e^(−ln(1 + e^z)) (two
 * exp and a log1p, a sixth of a per-row call), as accurate (a few ulp),
 * and written as e^−z/(1 + e^−z) for z > 0 so that a P(alive) below
 * DBL_MIN keeps its subnormal value.
 */
static CrmStatus
bg_p_alive_checked(bool mbg, const double *par, double x, double tx, double T,
				   double *out)
{
	CrmStatus	st = bg_check_call(par, x, tx, T);
	double		z,
				e;

	if (st != CRM_OK)
		return st;
	if (!mbg && x == 0.0)
	{
		*out = 1.0;
		return CRM_OK;
	}
	z = bg_log_c(mbg, par, x) + bg_log_ratio(par, x, tx, T);
	if (isnan(z))
		return CRM_ERANGE;
	if (z > 0.0)
	{
		e = exp(-z);
		*out = e / (1.0 + e);
	}
	else
		*out = 1.0 / (1.0 + exp(z));
	return CRM_OK;
}

/* Checked ln P(alive). */
static CrmStatus
bg_log_p_alive_checked(bool mbg, const double *par, double x, double tx, double T,
					   double *out)
{
	CrmStatus	st = bg_check_call(par, x, tx, T);

	if (st != CRM_OK)
		return st;
	*out = bg_log_p_alive(mbg, par, x, tx, T);
	return crm_isfinite(*out) || *out == -INFINITY ? CRM_OK : CRM_ERANGE;
}

CrmStatus
crm_bgnbd_log_p_alive(const double *par, double x, double tx, double T, double *out)
{
	return bg_log_p_alive_checked(false, par, x, tx, T, out);
}

CrmStatus
crm_mbgnbd_log_p_alive(const double *par, double x, double tx, double T, double *out)
{
	return bg_log_p_alive_checked(true, par, x, tx, T, out);
}

/* P(alive); underflows to 0 for customers who are surely gone. */
CrmStatus
crm_bgnbd_p_alive(const double *par, double x, double tx, double T, double *out)
{
	return bg_p_alive_checked(false, par, x, tx, T, out);
}

CrmStatus
crm_mbgnbd_p_alive(const double *par, double x, double tx, double T, double *out)
{
	return bg_p_alive_checked(true, par, x, tx, T, out);
}

/* ------------------------------------------------------------------------
 * Beta-mixture quadrature
 *
 * E[G(p)] for p ~ Beta(a, bp) and a positive function G, as
 *	∫ exp(ψ(y)) dy,  ψ(y) = a ln p + bp ln(1−p) + ln G(p) − ln B(a, bp),
 *	p = 1/(1 + e^(−y))  (the Beta density times dp = p(1−p) dy).
 * In y the Beta factor has exponential tails and no endpoint singularities.
 * The peak is located by a coarse scan and golden-section refinement, the
 * scale σ as the distance to ψ* − 1 on the narrower side, and the integral
 * is taken in u with y = c + σ sinh(u) (which shortens slow exponential
 * tails) by globally adaptive 21-point Gauss–Kronrod quadrature (QUADPACK
 * QAG strategy and constants, Piessens et al. 1983).
 * ------------------------------------------------------------------------
 */

/* ln G(p) for p in [0, 1] (p may be exactly 0 or 1); lp = ln p (−Inf at 0). */
typedef double (*BgLogG) (double p, double lp, const void *ctx);

typedef struct BgMix
{
	double		a,
				bp,
				lbeta;
	BgLogG		lng;
	const void *ctx;
	double		c,				/* centre of the map */
				sigma,			/* its scale */
				psimax;			/* ψ at the centre (normalizer) */
} BgMix;

/*
 * ψ(y).  With e = ln(1 + e^(−|y|)): ln p = −e and ln(1−p) = −y − e for
 * y >= 0, ln(1−p) = −e and ln p = y − e for y < 0 (each without
 * cancellation), from one exp and one log1p.
 */
static double
mix_psi(const BgMix *m, double y)
{
	double		t = exp(-fabs(y));
	double		e = crm_log1p(t);
	double		lp,
				l1p,
				p;

	if (y >= 0.0)
	{
		lp = -e;
		l1p = -y - e;
		p = 1.0 / (1.0 + t);
	}
	else
	{
		lp = y - e;
		l1p = -e;
		p = t / (1.0 + t);
	}
	return m->a * lp + m->bp * l1p + m->lng(p, lp, m->ctx) - m->lbeta;
}

/* The integrand in u, scaled by e^(−ψ*). */
static double
mix_f(const BgMix *m, double u)
{
	double		v = mix_psi(m, m->c + m->sigma * sinh(u)) - m->psimax;

	return v < -745.0 ? 0.0 : exp(v) * m->sigma * cosh(u);
}

/* Gauss–Kronrod 21-point abscissae and weights (QUADPACK qk21). */
static const double qk21_xgk[11] = {
	0.995657163025808080735527280689003,
	0.973906528517171720077964012084452,
	0.930157491355708226001207180059508,
	0.865063366688984510732096688423493,
	0.780817726586416897063717578345042,
	0.679409568299024406234327365114874,
	0.562757134668604683339000099272694,
	0.433395394129247190799265943165784,
	0.294392862701460198131126603103866,
	0.148874338981631210884826001129720,
	0.000000000000000000000000000000000
};
static const double qk21_wgk[11] = {
	0.011694638867371874278064396062192,
	0.032558162307964727478818972459390,
	0.054755896574351996031381300244580,
	0.075039674810919952767043140916190,
	0.093125454583697605535065465083366,
	0.109387158802297641899210590325805,
	0.123491976262065851077958109831074,
	0.134709217311473325928054001771707,
	0.142775938577060080797094273138717,
	0.147739104901338491374841515972068,
	0.149445554002916905664936468389821
};
static const double qk21_wg[5] = {
	0.066671344308688137593568809893332,
	0.149451349150580593145776339657697,
	0.219086362515982043995534934228163,
	0.269266719309996355091226921569469,
	0.295524224714752870173892994651338
};

/* One 21-point Kronrod estimate of ∫ over [lo, hi] with QUADPACK's error estimate. */
static void
mix_qk21(const BgMix *m, double lo, double hi, double *val, double *err)
{
	double		centr = 0.5 * (lo + hi);
	double		hl = 0.5 * (hi - lo);
	double		fc = mix_f(m, centr);
	double		resk = fc * qk21_wgk[10];
	double		resg = 0.0;
	double		resabs = fabs(resk);
	double		resasc,
				reskh,
				e;
	double		fv1[10],
				fv2[10];
	int			j;

	for (j = 0; j < 10; j++)
	{
		double		dx = hl * qk21_xgk[j];

		fv1[j] = mix_f(m, centr - dx);
		fv2[j] = mix_f(m, centr + dx);
		resk += qk21_wgk[j] * (fv1[j] + fv2[j]);
		resabs += qk21_wgk[j] * (fabs(fv1[j]) + fabs(fv2[j]));
		if (j % 2 == 1)
			resg += qk21_wg[j / 2] * (fv1[j] + fv2[j]);
	}
	reskh = 0.5 * resk;
	resasc = qk21_wgk[10] * fabs(fc - reskh);
	for (j = 0; j < 10; j++)
		resasc += qk21_wgk[j] * (fabs(fv1[j] - reskh) + fabs(fv2[j] - reskh));
	*val = resk * hl;
	resabs *= fabs(hl);
	resasc *= fabs(hl);
	e = fabs((resk - resg) * hl);
	if (resasc != 0.0 && e != 0.0)
		e = resasc * fmin(1.0, pow(200.0 * e / resasc, 1.5));
	if (resabs > DBL_MIN / (50.0 * DBL_EPSILON))
		e = fmax(50.0 * DBL_EPSILON * resabs, e);
	*err = e;
}

/*
 * Quadrature settings: at most MIX_MAXSEG segments; stop when the summed
 * error estimate is below MIX_RELTOL of the integral (QUADPACK's estimate
 * never goes below 50 ε per segment, so the target must exceed ~1.1e-14);
 * peak scan step MIX_SCAN and golden-section tolerance MIX_GOLD in the
 * logit; MIX_BISECT bisections for the scale (10% suffices); initial
 * segments of length MIX_SEGLEN in u.  The golden-section tolerance, the
 * first step of the scale search and the floor of the scale are multiplied
 * by the width of the Beta factor in the logit, sqrt(1/a + 1/bp) (capped at
 * 1): a fit on little data can give a and b in the millions, and then the
 * integrand is a spike of width ~1e-4 in the logit that fixed steps of
 * 0.05 miss (the quadrature then ran out of segments: CRM_ENOCONV).
 */
#define MIX_MAXSEG 256
#define MIX_RELTOL 4e-14
#define MIX_SCAN 1.0
#define MIX_GOLD 0.05
#define MIX_BISECT 5
#define MIX_SEGLEN 1.0

/*
 * ln E[G(p)], p ~ Beta(a, bp).  anchors[0..nanch) are logits where the
 * integrand has its features (the Beta mode, the knee of G); the peak is
 * searched around them.
 */
static CrmStatus
beta_mix(double a, double bp, BgLogG lng, const void *ctx,
		 const double *anchors, int nanch, double *logout)
{
	BgMix		m;
	double		lo,
				hi,
				best,
				bestpsi,
				y,
				ul,
				uh,
				dl = 0.0,
				dr = 0.0,
				wid;
	double		seglo[MIX_MAXSEG],
				seghi[MIX_MAXSEG],
				segval[MIX_MAXSEG],
				segerr[MIX_MAXSEG];
	double		total,
				toterr;
	int			nseg,
				i,
				side;

	m.a = a;
	m.bp = bp;
	m.lbeta = crm_lbeta(a, bp);
	m.lng = lng;
	m.ctx = ctx;
	wid = fmin(1.0, sqrt(1.0 / a + 1.0 / bp));

	/* coarse scan for the peak of ψ around the anchors (clamped: p may underflow) */
	lo = 700.0;
	hi = -700.0;
	for (i = 0; i < nanch; i++)
	{
		double		an = anchors[i] > -700.0 ? (anchors[i] < 700.0 ? anchors[i] : 700.0) : -700.0;

		lo = fmin(lo, an);
		hi = fmax(hi, an);
	}
	lo -= 4.0;
	hi += 4.0;
	best = lo;
	bestpsi = -INFINITY;
	for (y = lo; y <= hi; y += MIX_SCAN)
	{
		double		v = mix_psi(&m, y);

		if (v > bestpsi)
		{
			bestpsi = v;
			best = y;
		}
	}
	if (!crm_isfinite(bestpsi))
		return CRM_ERANGE;
	/* golden-section refinement on [best − 0.5, best + 0.5] */
	{
		const double gr = 0.6180339887498949;
		double		ga = best - MIX_SCAN,
					gb = best + MIX_SCAN;
		double		x1 = gb - gr * (gb - ga),
					x2 = ga + gr * (gb - ga);
		double		f1 = mix_psi(&m, x1),
					f2 = mix_psi(&m, x2);

		while (gb - ga > MIX_GOLD * wid)
		{
			if (f1 < f2)
			{
				ga = x1;
				x1 = x2;
				f1 = f2;
				x2 = ga + gr * (gb - ga);
				f2 = mix_psi(&m, x2);
			}
			else
			{
				gb = x2;
				x2 = x1;
				f2 = f1;
				x1 = gb - gr * (gb - ga);
				f1 = mix_psi(&m, x1);
			}
		}
		y = 0.5 * (ga + gb);
		if (mix_psi(&m, y) > bestpsi)
		{
			best = y;
			bestpsi = mix_psi(&m, y);
		}
	}
	m.c = best;
	m.psimax = bestpsi;

	/* distance to ψ* − 1 on each side: doubling, then bisection */
	for (side = -1; side <= 1; side += 2)
	{
		double		s = 0.125 * wid,
					slo = 0.0,
					d;

		while (s < 1e6 && mix_psi(&m, best + side * s) > bestpsi - 1.0)
		{
			slo = s;
			s *= 2.0;
		}
		for (i = 0; i < MIX_BISECT; i++)
		{
			double		mid = 0.5 * (slo + s);

			if (mix_psi(&m, best + side * mid) > bestpsi - 1.0)
				slo = mid;
			else
				s = mid;
		}
		d = 0.5 * (slo + s);
		if (side < 0)
			dl = d;
		else
			dr = d;
	}
	m.sigma = fmin(dl, dr);
	if (m.sigma < 1e-3 * wid)
		m.sigma = 1e-3 * wid;

	/* extent in u: where the integrand has fallen below 1e-18 of its peak */
	for (ul = -0.5; ul > -40.0 && mix_f(&m, ul) > 1e-18 * m.sigma; ul -= 0.5)
		;
	for (uh = 0.5; uh < 40.0 && mix_f(&m, uh) > 1e-18 * m.sigma; uh += 0.5)
		;

	/* initial partition: segments of length <= 1 in u */
	nseg = (int) ceil((uh - ul) / MIX_SEGLEN);
	if (nseg < 1)
		nseg = 1;
	total = toterr = 0.0;
	for (i = 0; i < nseg; i++)
	{
		seglo[i] = ul + (uh - ul) * i / nseg;
		seghi[i] = i == nseg - 1 ? uh : ul + (uh - ul) * (i + 1) / nseg;
		mix_qk21(&m, seglo[i], seghi[i], &segval[i], &segerr[i]);
		total += segval[i];
		toterr += segerr[i];
	}
	/* QAG: bisect the segment with the largest error estimate */
	while (toterr > MIX_RELTOL * fabs(total) && nseg < MIX_MAXSEG)
	{
		int			w = 0;
		double		mid,
					v1,
					e1,
					v2,
					e2;

		for (i = 1; i < nseg; i++)
			if (segerr[i] > segerr[w])
				w = i;
		mid = 0.5 * (seglo[w] + seghi[w]);
		mix_qk21(&m, seglo[w], mid, &v1, &e1);
		mix_qk21(&m, mid, seghi[w], &v2, &e2);
		seglo[nseg] = mid;
		seghi[nseg] = seghi[w];
		segval[nseg] = v2;
		segerr[nseg] = e2;
		seghi[w] = mid;
		segval[w] = v1;
		segerr[w] = e1;
		nseg++;
		total = toterr = 0.0;
		for (i = 0; i < nseg; i++)
		{
			total += segval[i];
			toterr += segerr[i];
		}
	}
	if (!(total > 0.0) || !crm_isfinite(total))
		return CRM_ERANGE;

	/*
	 * ψ is a sum of terms of size a|ln p| + b'|ln(1−p)| + |ln B(a, b')|
	 * that cancel to O(1): each evaluation carries a rounding of ε times
	 * that, and the error estimate cannot fall below it.  Accept the
	 * integral at the larger of 1e-10 and ten times that floor (~1e-7 for
	 * a, b' ~ 1e7, a fit on little data; unchanged for usual parameters).
	 */
	{
		double		lp0 = -crm_log1pexp(-m.c),
					l1p0 = -crm_log1pexp(m.c),
					floor_rel = 10.0 * DBL_EPSILON *
			(a * fabs(lp0) + bp * fabs(l1p0) + fabs(m.lbeta));

		if (toterr > fmax(1e-10, floor_rel) * total)
			return CRM_ENOCONV;
	}
	*logout = log(total) + m.psimax;
	return CRM_OK;
}

/* logit of p in (0, 1) */
static double
bg_logit(double p)
{
	return log(p) - crm_log1p(-p);
}

/* ------------------------------------------------------------------------
 * Expected purchases of a customer alive now
 * ------------------------------------------------------------------------
 */

/* Context of g(p) = (1 − (1 + pγ)^(−k)) / p. */
typedef struct BgExpCtx
{
	double		k,
				gamma;
} BgExpCtx;

/* ln g(p), the expected purchases in the horizon given dropout probability p. */
static double
bg_exp_lng(double p, double lp, const void *vctx)
{
	const BgExpCtx *ctx = (const BgExpCtx *) vctx;
	double		pg = p * ctx->gamma;

	if (pg < 1e-200)
		return log(ctx->k * ctx->gamma) + crm_log1p(-0.5 * (ctx->k + 1.0) * pg);
	return log(-expm1(-ctx->k * crm_log1p(pg))) - lp;
}

/* Terms the negative-binomial series may take before the quadrature is cheaper. */
#define BG_NB_MAXTERMS 6000

/*
 * ln of E_p[(1 − (1 + p t/β)^(−k)) / p], p ~ Beta(a, bp), t > 0: the
 * expected purchases in the next t of a customer alive now with rate
 * λ ~ Gamma(k, β) and dropout probability p ~ Beta(a, bp).
 *
 * Series: Σ_n P(N = n) m(n) with N ~ NegBin(k, z = t/(β+t)),
 * P(N = n) = Γ(k+n)/(Γ(k) n!) (1−z)^k z^n, m(n) = Σ_{j<n} β_j,
 * β_j = E[(1−p)^j] = (bp)_j/(a+bp)_j.  Terms are carried with a separate
 * log scale so that (1−z)^k may underflow.
 */
static CrmStatus
bg_log_expected_alive(double k, double beta, double a, double bp, double t,
					  double *logout)
{
	double		gamma = t / beta;
	double		z = t / (beta + t);
	double		mu = k * gamma;
	double		nest = mu + 40.0 * sqrt(mu * (1.0 + gamma)) + 40.0 * (1.0 + gamma) + 20.0;

	if (!(t > 0.0))
	{
		*logout = -INFINITY;
		return t == 0.0 ? CRM_OK : CRM_EDOMAIN;
	}
	if (nest <= BG_NB_MAXTERMS)
	{
		double		lnscale = -k * crm_log1p(gamma);	/* ln P(N = 0) */
		double		q = 1.0;	/* P(N = n) / e^lnscale */
		double		mn = 0.0;	/* m(n) */
		double		bj = 1.0;	/* β_n */
		double		sum = 0.0;
		double		nmode = k > 1.0 ? (k - 1.0) * gamma : 0.0;
		double		n;

		for (n = 0.0; n < 2.0 * BG_NB_MAXTERMS; n += 1.0)
		{
			double		term = q * mn;
			double		ratio;

			sum += term;
			mn += bj;
			bj *= (bp + n) / (a + bp + n);
			q *= z * (k + n) / (n + 1.0);
			/* ratio of the next term to this one bounds the rest geometrically */
			ratio = term > 0.0 ? q * mn / term : 0.0;
			if (n >= nmode && term > 0.0 && ratio < 1.0 &&
				term * ratio / (1.0 - ratio) <= 1e-17 * sum)
			{
				*logout = lnscale + log(sum);
				return crm_isfinite(*logout) ? CRM_OK : CRM_ERANGE;
			}
			if (q > 1e200)
			{
				q *= 1e-200;
				sum *= 1e-200;
				lnscale += 200.0 * LN10;
			}
		}
		/* did not converge in the expected number of terms: integrate */
	}
	{
		BgExpCtx	ctx;
		double		anchors[2];
		double		p0 = 1.0 / (fmax(k, 1.0) * gamma);

		ctx.k = k;
		ctx.gamma = gamma;
		anchors[0] = log(a) - log(bp);
		anchors[1] = p0 < 0.5 ? bg_logit(p0) : 0.0;
		return beta_mix(a, bp, bg_exp_lng, &ctx, anchors, 2, logout);
	}
}

/* Posterior Beta parameter b' of the dropout probability. */
static double
bg_bpost(bool mbg, double b, double x)
{
	return mbg ? b + x + 1.0 : b + x;
}

/* Check a horizon: finite and >= 0. */
static CrmStatus
bg_check_horizon(double t)
{
	return crm_isfinite(t) && t >= 0.0 ? CRM_OK : CRM_EDOMAIN;
}

/* ln E[X(t)] of a new customer. */
static CrmStatus
bg_log_expected(bool mbg, const double *par, double t, double *logout)
{
	const char *reason;
	CrmStatus	st = bg_check_params(par, &reason);
	double		r = par[0],
				alpha = par[1],
				a = par[2],
				b = par[3];

	if (st != CRM_OK)
		return st;
	if ((st = bg_check_horizon(t)) != CRM_OK)
		return st;
	if (t == 0.0)
	{
		*logout = -INFINITY;
		return CRM_OK;
	}
	if (!mbg)
		return bg_log_expected_alive(r, alpha, a, b, t, logout);
	/* MBG/NBD: alive after the first purchase with probability b/(a+b) */
	st = bg_log_expected_alive(r, alpha, a, b + 1.0, t, logout);
	if (st == CRM_OK)
		*logout += log(b) - log(a + b);
	return st;
}

/* A value from its log (st from computing it); CRM_ERANGE when it overflows. */
static CrmStatus
bg_exp_out(CrmStatus st, const double *l, double *out)
{
	if (st != CRM_OK)
		return st;
	*out = exp(*l);
	return crm_isfinite(*out) ? CRM_OK : CRM_ERANGE;
}

CrmStatus
crm_bgnbd_expected(const double *par, double t, double *out)
{
	double		l = 0.0;
	CrmStatus	st = bg_log_expected(false, par, t, &l);

	return bg_exp_out(st, &l, out);
}

CrmStatus
crm_mbgnbd_expected(const double *par, double t, double *out)
{
	double		l = 0.0;
	CrmStatus	st = bg_log_expected(true, par, t, &l);

	return bg_exp_out(st, &l, out);
}

/* Tags of the memoized factors (predcache.h) of this file. */
#define BG_TAG_EXPECTED 1		/* (x, T) -> E[purchases in t | alive], ln c(x) */
#define BG_TAG_DERT 2			/* (x, T) -> ln(DERT / P(alive)), ln c(x) */

/*
 * Select the memo context of a prediction: the parameters, the model, the
 * prediction (tag) and its argument aux (horizon or discount rate).
 */
static void
bg_memo_context(CrmPredCache *pc, bool mbg, const double *par, int tag, double aux)
{
	double		ctx[7];

	if (pc == NULL)
		return;
	memcpy(ctx, par, 4 * sizeof(double));
	ctx[4] = aux;
	ctx[5] = mbg ? 1.0 : 0.0;
	ctx[6] = (double) tag;
	crm_predcache_use(pc, ctx, 7);
}

/*
 * The parts of E[Y(t) | x, tx, T] = P(alive) E[purchases | alive]: *E =
 * E[purchases | alive] and *le = its log, *lc = ln c(x), *lratio = the
 * tx part of P(alive).  E depends on (x, T) only: with a memo pc (may be
 * NULL; only the linear form uses one) it is computed once per (x, T) and
 * kept with ln c(x) when it is a normal number, so a repeated (x, T) costs
 * one lookup and the P(alive) arithmetic, and gives the same bits; *le is
 * then NaN (not needed: E is normal).  CRM_OK with *le = −Inf for t = 0.
 */
static CrmStatus
bg_cond_parts(bool mbg, const double *par, double t, double x, double tx, double T,
			  CrmPredCache *pc, double *le, double *E, double *lc, double *lratio)
{
	CrmStatus	st;
	double		v[CRM_PREDCACHE_NVAL];

	/* start the memo's load first: the checks and the tx part overlap it */
	bg_memo_context(pc, mbg, par, BG_TAG_EXPECTED, t);
	crm_predcache_prefetch(pc, BG_TAG_EXPECTED, x, T);
	if ((st = bg_check_call(par, x, tx, T)) != CRM_OK)
		return st;
	if ((st = bg_check_horizon(t)) != CRM_OK)
		return st;
	if (t == 0.0)
	{
		*le = -INFINITY;
		*E = 0.0;
		*lc = *lratio = 0.0;
		return CRM_OK;
	}
	*lratio = (!mbg && x == 0.0) ? 0.0 : bg_log_ratio(par, x, tx, T);
	if (crm_predcache_get(pc, BG_TAG_EXPECTED, x, T, v))
	{
		*E = v[0];
		*lc = v[1];
		*le = NAN;
		return CRM_OK;
	}
	*lc = bg_log_c(mbg, par, x);
	st = bg_log_expected_alive(par[0] + x, par[1] + T, par[2],
							   bg_bpost(mbg, par[3], x), t, le);
	if (st != CRM_OK)
		return st;
	*E = exp(*le);
	if (isnormal(*E))
	{
		v[0] = *E;
		v[1] = *lc;
		crm_predcache_put(pc, BG_TAG_EXPECTED, x, T, v);
	}
	return CRM_OK;
}

/*
 * E[Y(t) | x, tx, T] = E[purchases | alive] · P(alive), or its log when
 * in_log (ln P(alive) + ln E, −Inf for t = 0).  In linear space when
 * E[purchases | alive] is a normal number (P(alive) as the logistic
 * function, as in bg_p_alive_checked: one exp instead of the three of
 * exp(ln P(alive) + ln E)), else as the exp of the logs.
 */
static CrmStatus
bg_cond_expected(bool mbg, const double *par, double t, double x, double tx,
				 double T, CrmPredCache *pc, bool in_log, double *out)
{
	double		le,
				E,
				lc,
				lratio;
	CrmStatus	st = bg_cond_parts(mbg, par, t, x, tx, T, in_log ? NULL : pc, &le, &E, &lc,
								   &lratio);

	if (st != CRM_OK)
		return st;
	if (in_log)
	{
		*out = t == 0.0 ? le : bg_log_p_alive_parts(mbg, x, lc, lratio) + le;
		return CRM_OK;
	}
	if (t == 0.0)
		*out = 0.0;
	else if (!mbg && x == 0.0)
		*out = E;
	else if (isnan(lc + lratio))
		return CRM_ERANGE;
	else if (isnormal(E))
	{
		double		z = lc + lratio,
					e;

		if (z > 0.0)
		{
			e = exp(-z);
			*out = E * (e / (1.0 + e));
		}
		else
			*out = E / (1.0 + exp(z));
	}
	else
		*out = exp(bg_log_p_alive_parts(mbg, x, lc, lratio) + le);
	return crm_isfinite(*out) ? CRM_OK : CRM_ERANGE;
}

CrmStatus
crm_bgnbd_log_cond_expected(const double *par, double t, double x, double tx,
							double T, double *out)
{
	return bg_cond_expected(false, par, t, x, tx, T, NULL, true, out);
}

CrmStatus
crm_mbgnbd_log_cond_expected(const double *par, double t, double x, double tx,
							 double T, double *out)
{
	return bg_cond_expected(true, par, t, x, tx, T, NULL, true, out);
}

CrmStatus
crm_bgnbd_cond_expected(const double *par, double t, double x, double tx,
						double T, double *out)
{
	return crm_bgnbd_cond_expected_memo(par, t, x, tx, T, NULL, out);
}

CrmStatus
crm_mbgnbd_cond_expected(const double *par, double t, double x, double tx,
						 double T, double *out)
{
	return crm_mbgnbd_cond_expected_memo(par, t, x, tx, T, NULL, out);
}

CrmStatus
crm_bgnbd_cond_expected_memo(const double *par, double t, double x, double tx,
							 double T, CrmPredCache *pc, double *out)
{
	return bg_cond_expected(false, par, t, x, tx, T, pc, false, out);
}

CrmStatus
crm_mbgnbd_cond_expected_memo(const double *par, double t, double x, double tx,
							  double T, CrmPredCache *pc, double *out)
{
	return bg_cond_expected(true, par, t, x, tx, T, pc, false, out);
}

/* ------------------------------------------------------------------------
 * P(X(t) = n)
 * ------------------------------------------------------------------------
 */

/*
 * Regularized incomplete beta I_x(a, b) for a, b > 0, 0 < x < 1, given x,
 * 1 − x and their logs exactly (the caller has them without rounding).
 * Continued fraction (modified Lentz), on I_x(a, b) when
 * x < (a+1)/(a+b+2) and on 1 − I_(1−x)(b, a) otherwise, where each
 * converges fast and the result is not small.
 */
static CrmStatus
bg_inc_beta(double a, double b, double x, double x1, double lx, double lx1,
			double *out)
{
	bool		swap = x > (a + 1.0) / (a + b + 2.0);
	double		aa,
				bb,
				xx,
				front,
				c,
				d,
				h,
				qab,
				qap,
				qam;
	int			mi;
	const double tiny = 1e-300;

	if (swap)
	{
		aa = b;
		bb = a;
		xx = x1;
		front = exp(b * lx1 + a * lx - crm_lbeta(a, b)) / b;
	}
	else
	{
		aa = a;
		bb = b;
		xx = x;
		front = exp(a * lx + b * lx1 - crm_lbeta(a, b)) / a;
	}
	qab = aa + bb;
	qap = aa + 1.0;
	qam = aa - 1.0;
	c = 1.0;
	d = 1.0 - qab * xx / qap;
	if (fabs(d) < tiny)
		d = tiny;
	d = 1.0 / d;
	h = d;
	for (mi = 1; mi <= 100000; mi++)
	{
		double		m2 = 2.0 * mi;
		double		num = mi * (bb - mi) * xx / ((qam + m2) * (aa + m2));
		double		del;

		d = 1.0 + num * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + num / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		h *= d * c;
		num = -(aa + mi) * (qab + mi) * xx / ((aa + m2) * (qap + m2));
		d = 1.0 + num * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + num / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < 2.0 * DBL_EPSILON)
		{
			*out = swap ? 1.0 - front * h : front * h;
			if (*out < 0.0)
				*out = 0.0;
			return CRM_OK;
		}
	}
	return CRM_ENOCONV;
}

/*
 * P(X(t) = n) for a new customer (FHL 2005 eq. 8; Batislam et al. 2007):
 *	BG/NBD:  B(a,b+n)/B(a,b)·NB(n) + [n>0]·B(a+1,b+n−1)/B(a,b)·P(N >= n)
 *	MBG/NBD: B(a,b+n+1)/B(a,b)·NB(n) + B(a+1,b+n)/B(a,b)·P(N >= n)
 * with NB(n) = Γ(r+n)/(Γ(r) n!)·(α/(α+t))^r (t/(α+t))^n and
 * P(N >= n) = I_(t/(α+t))(n, r).
 */
static CrmStatus
bg_prob_n(bool mbg, const double *par, double n, double t, double *out)
{
	const char *reason;
	CrmStatus	st = bg_check_params(par, &reason);
	double		r = par[0],
				alpha = par[1],
				a = par[2],
				b = par[3];
	double		lw,
				lz,
				z,
				w,
				lnb,
				l1,
				l2,
				tail = 1.0;

	if (st != CRM_OK)
		return st;
	if (!crm_isfinite(n) || n < 0.0 || n != floor(n) || n > BG_MAX_X)
		return CRM_EDOMAIN;
	if ((st = bg_check_horizon(t)) != CRM_OK)
		return st;
	if (t == 0.0)
	{
		*out = n == 0.0 ? 1.0 : 0.0;
		return CRM_OK;
	}
	lw = -crm_log1p(t / alpha);		/* ln(α/(α+t)) */
	lz = log(t) - log(alpha + t);
	z = t / (alpha + t);
	w = alpha / (alpha + t);
	if (!mbg && n == 0.0)
	{
		*out = exp(r * lw);
		return CRM_OK;
	}
	lnb = crm_lgamma_diff(r, n) - crm_lgamma(n + 1.0) + r * lw + (n > 0.0 ? n * lz : 0.0);
	if (n > 0.0)
	{
		st = bg_inc_beta(n, r, z, w, lz, lw, &tail);
		if (st != CRM_OK)
			return st;
	}
	if (!mbg)
	{
		l1 = crm_lgamma_diff(b, n) - crm_lgamma_diff(a + b, n);
		l2 = log(a) + crm_lgamma_diff(b, n - 1.0) - crm_lgamma_diff(a + b, n);
	}
	else
	{
		l1 = crm_lgamma_diff(b, n + 1.0) - crm_lgamma_diff(a + b, n + 1.0);
		l2 = log(a) + crm_lgamma_diff(b, n) - crm_lgamma_diff(a + b, n + 1.0);
	}
	*out = exp(l1 + lnb) + exp(l2) * tail;
	return crm_isfinite(*out) ? CRM_OK : CRM_ERANGE;
}

CrmStatus
crm_bgnbd_prob_n(const double *par, double n, double t, double *out)
{
	return bg_prob_n(false, par, n, t, out);
}

CrmStatus
crm_mbgnbd_prob_n(const double *par, double n, double t, double *out)
{
	return bg_prob_n(true, par, n, t, out);
}

/* ------------------------------------------------------------------------
 * DERT
 * ------------------------------------------------------------------------
 */

/* ln Γ(2+s) − (1−γ)s = Σ_{n>=2} (−1)^n (ζ(n)−1)/n s^n, coefficients ζ(n) − 1 */
static const double bg_zeta_m1[] = {
	0.6449340668482264,			/* 2 */
	0.2020569031595943,			/* 3 */
	0.08232323371113819,		/* 4 */
	0.03692775514336993,		/* 5 */
	0.01734306198444914,		/* 6 */
	0.008349277381922827,		/* 7 */
	0.00407735619794434,		/* 8 */
	0.0020083928260822143,		/* 9 */
	0.0009945751278180853,		/* 10 */
	0.0004941886041194645,		/* 11 */
	0.0002460865533080483,		/* 12 */
	0.00012271334757848915,		/* 13 */
	6.124813505870483e-05,		/* 14 */
	3.058823630702049e-05,		/* 15 */
	1.528225940865187e-05,		/* 16 */
	7.637197637899763e-06,		/* 17 */
	3.81729326499984e-06,		/* 18 */
	1.908212716553939e-06,		/* 19 */
	9.539620338727962e-07,		/* 20 */
	4.769329867878064e-07,		/* 21 */
	2.38450502727733e-07,		/* 22 */
	1.1921992596531106e-07,		/* 23 */
	5.960818905125948e-08,		/* 24 */
	2.980350351465228e-08,		/* 25 */
	1.4901554828365043e-08,		/* 26 */
	7.45071178983543e-09,		/* 27 */
	3.725334024788457e-09,		/* 28 */
	1.862659723513049e-09,		/* 29 */
	9.313274324196682e-10,		/* 30 */
	4.656629065033784e-10		/* 31 */
};

#define EULER_GAMMA 0.5772156649015329
#define BG_PI 3.14159265358979323846

/* ln Γ(1+s) for |s| <= 1/2 without the rounding of 1+s. */
static double
bg_lgamma1p(double s)
{
	double		acc = 0.0,
				sp = s * s;
	int			i;

	for (i = 0; i < (int) (sizeof(bg_zeta_m1) / sizeof(bg_zeta_m1[0])); i++)
	{
		double		term = bg_zeta_m1[i] / (i + 2) * sp;

		acc += (i % 2 == 0) ? term : -term;
		sp *= s;
	}
	return acc + (1.0 - EULER_GAMMA) * s - crm_log1p(s);
}

/*
 * The parts of J(z; k) that depend on k only, computed once per DERT (the
 * quadrature calls J at many z with one k).
 */
typedef struct BgJCtx
{
	double		k;
	double		m;				/* upward recurrence steps of the series path */
	double		k0;				/* base order k − m, in (0, 3/2) */
	double		s;				/* order of Γ(s, z) at the base: −k0 or 1 − k0 */
	double		A;				/* [Γ(1+s) − 1]/s (−γ at s = 0) */
} BgJCtx;

/* Fill the k-only parts of J. */
static void
bg_J_init(BgJCtx *jc, double k)
{
	jc->k = k;
	jc->m = k >= 0.5 ? floor(k - 0.5) : 0.0;
	jc->k0 = k - jc->m;
	jc->s = jc->k0 < 0.5 ? -jc->k0 : 1.0 - jc->k0;
	jc->A = jc->s == 0.0 ? -EULER_GAMMA : expm1(bg_lgamma1p(jc->s)) / jc->s;
}

/*
 * J(z; k) = ∫0^∞ e^(−zu) (1+u)^(−(k+1)) du = e^z z^k Γ(−k, z) = U(1, 1−k, z)
 * for z > 0, k > 0.  Legendre's continued fraction of Γ(−k, z) (modified
 * Lentz) where it converges fast (z >= 1 or k >= 20); otherwise the series
 * of Γ(s, z) at the base order k0 in (0, 3/2) (cancellation-free near
 * s = 0: Γ(s, z) = [Γ(1+s) − 1]/s − [z^s − 1]/s − z^s Σ_{n>=1} (−z)^n/(n!(s+n)))
 * and the upward recurrence J(z; k) = (1 − z J(z; k−1)) / k, stable for
 * z < 1.
 */
static CrmStatus
bg_J(const BgJCtx *jc, double z, double *out)
{
	double		k = jc->k;

	if (z >= 1.0 || k >= 20.0)
	{
		const double tiny = 1e-300;
		double		bn = z + 1.0 + k;
		double		c = 1.0 / tiny;
		double		d = 1.0 / bn;
		double		h = d;
		int			i;

		for (i = 1; i < 5000; i++)
		{
			double		an = -i * (i + k);
			double		del;

			bn += 2.0;
			d = an * d + bn;
			if (fabs(d) < tiny)
				d = tiny;
			c = bn + an / c;
			if (fabs(c) < tiny)
				c = tiny;
			d = 1.0 / d;
			del = d * c;
			h *= del;
			if (fabs(del - 1.0) < 2.0 * DBL_EPSILON)
			{
				*out = h;
				return CRM_OK;
			}
		}
		return CRM_ENOCONV;
	}
	else
	{
		double		s = jc->s;
		double		lz = log(z);
		double		B = s == 0.0 ? lz : expm1(s * lz) / s;
		double		zs = exp(s * lz);
		double		S = 0.0,
					t = 1.0,
					G,
					J,
					kk,
					m;
		int			n;

		for (n = 1; n < 100; n++)
		{
			t *= -z / n;
			S += t / (s + n);
			if (fabs(t) < 1e-18)
				break;
		}
		G = jc->A - B - zs * S; /* Γ(s, z) */
		/* e^z z^k0 Γ(−k0, z), directly or from Γ(1−k0, z) */
		if (jc->k0 < 0.5)
			J = exp(z) * (zs == 0.0 ? 0.0 : 1.0 / zs) * G;
		else
			J = (1.0 - exp(z) * z / zs * G) / jc->k0;
		for (kk = jc->k0 + 1.0, m = jc->m; m > 0.0; m -= 1.0, kk += 1.0)
			J = (1.0 - z * J) / kk;
		*out = J;
		return crm_isfinite(J) && J > 0.0 ? CRM_OK : CRM_ENOCONV;
	}
}

/* Context of h(p) = E_λ[λ / (δ + pλ)] = (k/p) J(ρ/p; k), ρ = δβ. */
typedef struct BgDertCtx
{
	BgJCtx		jc;
	double		k,
				lk,				/* ln k */
				rho;
	CrmStatus	st;				/* first failure of J, if any */
} BgDertCtx;

/* ln h(p), the discounted expected purchases given dropout probability p. */
static double
bg_dert_lng(double p, double lp, const void *vctx)
{
	BgDertCtx  *ctx = (BgDertCtx *) vctx;
	double		J;
	CrmStatus	st;

	if (p < 1e-250 * ctx->rho)
		return ctx->lk - log(ctx->rho + (ctx->k + 1.0) * p);
	st = bg_J(&ctx->jc, ctx->rho / p, &J);
	if (st != CRM_OK)
	{
		if (ctx->st == CRM_OK)
			ctx->st = st;
		return -INFINITY;
	}
	return ctx->lk + log(J) - lp;
}

/*
 * DERT = P(alive) · E_p[h(p)], p ~ Beta(a, b'): ∫0^∞ e^(−δt) dE[Y(t)]
 * (Fader, Hardie & Lee 2005's discounted expected residual transactions
 * with a continuous discount rate δ per time unit).  bg_dert_log_factor
 * gives ln E_p[h(p)], which depends on x and T only (not on tx): callers
 * that value many customers can keep it per (x, T) and multiply by each
 * customer's P(alive).  The customer (x, T) is checked by the caller.
 */
static CrmStatus
bg_dert_log_factor(bool mbg, const double *par, double delta, double x, double T,
				   double *out)
{
	BgDertCtx	ctx;
	double		anchors[2];
	double		bp,
				p0,
				l;
	CrmStatus	st;

	if (!crm_isfinite(delta) || !(delta > 0.0))
		return CRM_EDOMAIN;
	ctx.k = par[0] + x;
	ctx.lk = log(ctx.k);
	ctx.rho = delta * (par[1] + T);
	ctx.st = CRM_OK;
	bg_J_init(&ctx.jc, ctx.k);
	if (!(ctx.rho > 0.0) || !crm_isfinite(ctx.rho))
		return CRM_ERANGE;
	bp = bg_bpost(mbg, par[3], x);
	p0 = ctx.rho / fmax(ctx.k, 1.0);
	anchors[0] = log(par[2]) - log(bp);
	anchors[1] = p0 < 0.5 ? bg_logit(p0) : 0.0;
	st = beta_mix(par[2], bp, bg_dert_lng, &ctx, anchors, 2, &l);
	if (ctx.st != CRM_OK)
		return ctx.st;
	if (st != CRM_OK)
		return st;
	*out = l;
	return CRM_OK;
}

/*
 * DERT of one customer: exp(ln factor + ln P(alive)).  With a memo pc (may
 * be NULL) the factor, which depends on (x, T) only, is kept with ln c(x).
 */
static CrmStatus
bg_dert(bool mbg, const double *par, double delta, double x, double tx, double T,
		CrmPredCache *pc, double *out)
{
	CrmStatus	st = bg_check_call(par, x, tx, T);
	double		l,
				lc,
				v[CRM_PREDCACHE_NVAL];

	if (st != CRM_OK)
		return st;
	bg_memo_context(pc, mbg, par, BG_TAG_DERT, delta);
	crm_predcache_prefetch(pc, BG_TAG_DERT, x, T);
	if (crm_predcache_get(pc, BG_TAG_DERT, x, T, v))
	{
		l = v[0];
		lc = v[1];
	}
	else
	{
		if ((st = bg_dert_log_factor(mbg, par, delta, x, T, &l)) != CRM_OK)
			return st;
		lc = bg_log_c(mbg, par, x);
		v[0] = l;
		v[1] = lc;
		crm_predcache_put(pc, BG_TAG_DERT, x, T, v);
	}
	*out = exp(l + bg_log_p_alive_lc(mbg, par, x, tx, T, lc));
	return crm_isfinite(*out) ? CRM_OK : CRM_ERANGE;
}

/* ln DERT / P(alive) of the BG/NBD and MBG/NBD (see bgnbd.h). */
CrmStatus
crm_bgnbd_log_dert_factor(const double *par, double delta, double x, double tx, double T,
						  double *out)
{
	CrmStatus	st = bg_check_call(par, x, tx, T);

	if (st != CRM_OK)
		return st;
	return bg_dert_log_factor(false, par, delta, x, T, out);
}

CrmStatus
crm_mbgnbd_log_dert_factor(const double *par, double delta, double x, double tx, double T,
						   double *out)
{
	CrmStatus	st = bg_check_call(par, x, tx, T);

	if (st != CRM_OK)
		return st;
	return bg_dert_log_factor(true, par, delta, x, T, out);
}

CrmStatus
crm_bgnbd_dert(const double *par, double delta, double x, double tx, double T,
			   double *out)
{
	return bg_dert(false, par, delta, x, tx, T, NULL, out);
}

CrmStatus
crm_mbgnbd_dert(const double *par, double delta, double x, double tx, double T,
				double *out)
{
	return bg_dert(true, par, delta, x, tx, T, NULL, out);
}

CrmStatus
crm_bgnbd_dert_memo(const double *par, double delta, double x, double tx, double T,
					CrmPredCache *pc, double *out)
{
	return bg_dert(false, par, delta, x, tx, T, pc, out);
}

CrmStatus
crm_mbgnbd_dert_memo(const double *par, double delta, double x, double tx, double T,
					 CrmPredCache *pc, double *out)
{
	return bg_dert(true, par, delta, x, tx, T, pc, out);
}

/*
 * Chebyshev interpolant of the DERT factor ln(DERT / P(alive)) of the
 * BG/NBD (mbg false) or MBG/NBD as a function of t = ln ρ, ρ = δ(α + T),
 * for one x and δ, over [tlo, thi]: coef[0..n) from the factor at the n
 * Chebyshev points (each by the adaptive quadrature above).  The factor
 * E_p[h(p)] is the Laplace transform in ρ of a positive function, analytic
 * for Re ρ > 0, so ln F is analytic in the strip |Im t| < π/2 and an
 * interpolant of modest degree on a short interval is exact to rounding;
 * callers valuing many customers with the same x and δ evaluate it with
 * crm_cheb_eval() instead of one quadrature per customer.
 */
CrmStatus
crm_bg_log_dert_factor_cheb(bool mbg, const double *par, double delta, double x,
							double tlo, double thi, int n, double *coef)
{
	const char *reason;
	double		f[CRM_CHEB_MAXN];
	int			j,
				k;
	CrmStatus	st = bg_check_params(par, &reason);

	if (st != CRM_OK)
		return st;
	if (!crm_isfinite(x) || x < 0.0 || x > BG_MAX_X || !crm_isfinite(delta) || !(delta > 0.0) || !crm_isfinite(tlo) || !crm_isfinite(thi) ||
		!(thi > tlo) || n < 1 || n > CRM_CHEB_MAXN)
		return CRM_EDOMAIN;
	for (j = 0; j < n; j++)
	{
		double		t = 0.5 * (tlo + thi) + 0.5 * (thi - tlo) * cos(BG_PI * (j + 0.5) / n);
		/* T with δ(α + T) = e^t (T may be below 0: only ρ enters) */
		double		T = exp(t) / delta - par[1];

		if (crm_interrupted())
			return CRM_EINTERRUPTED;
		if ((st = bg_dert_log_factor(mbg, par, delta, x, T, &f[j])) != CRM_OK)
			return st;
	}
	for (k = 0; k < n; k++)
	{
		double		acc = 0.0;

		for (j = 0; j < n; j++)
			acc += f[j] * cos(BG_PI * k * (j + 0.5) / n);
		coef[k] = 2.0 * acc / n;
	}
	return CRM_OK;
}

/* Value at t in [tlo, thi] of the Chebyshev series coef[0..n) (Clenshaw). */
double
crm_cheb_eval(const double *coef, int n, double tlo, double thi, double t)
{
	double		u = (2.0 * t - tlo - thi) / (thi - tlo);
	double		b1 = 0.0,
				b2 = 0.0;
	int			k;

	for (k = n - 1; k >= 1; k--)
	{
		double		b0 = 2.0 * u * b1 - b2 + coef[k];

		b2 = b1;
		b1 = b0;
	}
	return u * b1 - b2 + 0.5 * coef[0];
}
