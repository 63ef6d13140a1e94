/*
 * pnbd.c
 *		Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader, Hardie & Lee
 *		2005): per-customer log-likelihood with its analytic gradient, the
 *		batch likelihood of crm_pnbd_spec, P(alive), E[X(t)], E[Y(t) | x, tx, T],
 *		the unconditional and conditional purchase-count pmf, and DERT.
 *
 * The likelihood is the positive-sum form of ../shared/reference/README.md:
 * with m = max(α, β), w = r + s + x, Δ = |α − β|,
 *
 *	L = Γ(r+x) α^r β^s / Γ(r) · { (s/w) F(w, c1; Δ/(m+tx)) (m+tx)^−w
 *								 + ((r+x)/w) F(w, c2; Δ/(m+T)) (m+T)^−w }
 *
 * where F(w, c; z) = 2F1(w, c; w+1; z) and (c1, c2) = (s+1, s) when α >= β,
 * (r+x, r+x+1) otherwise.  Both terms are positive: no cancellation.
 *
 * F has the special structure F = w ∫0^1 t^(w−1) (1 − z t)^(−c) dt, so a
 * dedicated evaluator (pnbd_hyp) returns ln F and its partial derivatives
 * in w, c and z, which the analytic gradient needs:
 *	- Euler's transformation F = (1−z)^(1−c) 2F1(w+1−c, 1; w+1; z) turns it
 *	  into a series of positive terms whose ratio is z (a+k)/(b+k) < z, with
 *	  a = w+1−c in {r+x, r+x+1, s+1, s} and b = w+1: no overflow (x in the
 *	  thousands only makes it converge faster) and the derivatives in w, c
 *	  and z are carried term by term;
 *	- for z near 1 (the series would need millions of terms) the integral
 *	  is taken with tanh-sinh quadrature after the substitution
 *	  1 − z t = e^(−u), which leaves a smooth integrand on [0, −ln(1−z)]
 *	  whose only sharp feature sits at an end point, where tanh-sinh
 *	  clusters its nodes; the same nodes give the derivatives.
 * Neither the general crm_hyp2f1 nor a library (GSL's gsl_sf_hyperg_2F1,
 * cephes) gives the derivatives in the parameters, and none works in log
 * space where F overflows (x in the thousands), which is why this is
 * written by hand.
 *
 * The pmf terms need ∫0^t u^n (A+u)^−(k+n) (B+u)^−(s+1) du (an Appell F1;
 * the closed form of Fader & Hardie's note subtracts large terms), and DERT
 * needs z^(s−1) U(s, s, z) = E[1/(z + G)], G ~ Gamma(s, 1).  Over q = ln u
 * both integrands are log-concave, so they are split at their mode and
 * taken with the same tanh-sinh rule, in log space (library quadrature,
 * e.g. GSL's QAG, would overflow and is not a dependency of the project).
 */
#include <math.h>
#include <string.h>

#include "pnbd.h"
#include "predcache.h"
#include "special.h"

#define PNBD_PI 3.14159265358979323846

/* ---------------------------------------------------------------------
 * Double-exponential quadrature in log space
 * --------------------------------------------------------------------- */

#define QUAD_MAX_AUX 2
#define QUAD_RES 256			/* tau grid: multiples of 1/QUAD_RES */
#define QUAD_STRIDE0 128		/* first level: step 1/2 */
#define QUAD_MAX_LEVEL 7		/* finest step 1/256 */
#define QUAD_MIN_LEVEL 2		/* agreement counts from step 1/8 on */
#define QUAD_TS_K 1152			/* tau in [-4.5, 4.5] */

/*
 * Log of the integrand at x, with dl = x − a and dr = b − x given to full
 * relative precision, so integrands with end point features can use them.
 * aux[0..naux) receives the quantities whose integrand-weighted means the
 * caller wants.
 */
typedef double (*QuadLogFn) (void *ctx, double x, double dl, double dr, double *aux);

/* Running log-sum-exp of weighted node values and of the aux moments. */
typedef struct QuadAcc
{
	double		M;				/* scale: every sum is relative to e^M */
	double		S;
	double		A[QUAD_MAX_AUX];
	bool		bad;			/* a NaN was met */
} QuadAcc;

/*
 * Tanh-sinh nodes on [0, 1] for tau = k/QUAD_RES, |k| <= QUAD_TS_K, filled
 * on first use (a pure function of k, so the lazy fill is deterministic):
 * the distance of the node to its nearer end, to the farther end, and
 * ln dx/dtau.
 */
static struct
{
	bool		ready;
	double		near_[QUAD_TS_K + 1];
	double		far_[QUAD_TS_K + 1];
	double		lw[QUAD_TS_K + 1];
} ts_table;

static void
ts_table_fill(void)
{
	int			k;

	for (k = 0; k <= QUAD_TS_K; k++)
	{
		double		tau = (double) k / QUAD_RES;
		double		q = 0.5 * PNBD_PI * sinh(tau);
		double		E = exp(-2.0 * q);

		ts_table.near_[k] = E / (1.0 + E);
		ts_table.far_[k] = 1.0 / (1.0 + E);
		/* dx/dtau = π cosh(tau) E / (1 + E)^2 on [0, 1] */
		ts_table.lw[k] = log(PNBD_PI * cosh(tau)) - 2.0 * q - 2.0 * crm_log1p(E);
	}
	ts_table.ready = true;
}

/* Add one node with log value l (weight included). */
static void
quad_acc_add(QuadAcc *acc, double l, const double *aux, int naux)
{
	double		e;
	int			j;

	if (isnan(l))
	{
		acc->bad = true;
		return;
	}
	if (l == -INFINITY)
		return;
	if (l > acc->M)
	{
		double		f = acc->M == -INFINITY ? 0.0 : exp(acc->M - l);

		acc->S *= f;
		for (j = 0; j < naux; j++)
			acc->A[j] *= f;
		acc->M = l;
	}
	e = exp(l - acc->M);
	acc->S += e;
	for (j = 0; j < naux; j++)
		acc->A[j] += e * aux[j];
}

/*
 * Evaluate tanh-sinh node k (tau = k/QUAD_RES) of [a, b] and add it;
 * returns its log contribution (−inf when the node falls on an end point
 * in double precision).
 */
static double
quad_eval_node(double a, double b, double loglen, int k,
			   QuadLogFn f, void *ctx, int naux, QuadAcc *acc)
{
	int			i = k < 0 ? -k : k;
	double		len = b - a;
	double		nr = len * ts_table.near_[i];
	double		fr = len * ts_table.far_[i];
	double		x,
				dl,
				dr,
				l;
	double		aux[QUAD_MAX_AUX];

	if (nr <= 0.0)
		return -INFINITY;
	if (k >= 0)
	{
		dl = fr;
		dr = nr;
		x = b - nr;
	}
	else
	{
		dl = nr;
		dr = fr;
		x = a + nr;
	}
	l = f(ctx, x, dl, dr, aux) + loglen + ts_table.lw[i];
	quad_acc_add(acc, l, aux, naux);
	return l;
}

/*
 * ln ∫_a^b e^f, and the f-weighted means of aux (mean[0..naux)), by the
 * tanh-sinh rule: the trapezoid rule in tau on [-4.5, 4.5] for
 * x = (a+b)/2 + (b−a)/2 tanh(π/2 sinh tau), the step halved from 1/2 until two levels agree
 * (1e-10 in the log of the integral, 1e-8 absolute-or-relative in the
 * means; double-exponential rules double their digits per level, so the
 * result is then good to rounding).  Nodes the first level shows to be
 * negligible (< e^-60 of the largest) at the two ends are not refined.
 */
static CrmStatus
quad_log(double a, double b, QuadLogFn f, void *ctx, int naux, double *logI, double *mean)
{
	QuadAcc		acc;
	double		lvals[2 * QUAD_TS_K / QUAD_STRIDE0 + 1];
	double		prev_mean[QUAD_MAX_AUX];
	double		prev_log;
	double		loglen = log(b - a);
	int			stride = QUAD_STRIDE0;
	int			klo = -QUAD_TS_K,
				khi = QUAD_TS_K;
	int			k,
				j,
				level,
				lo,
				hi,
				n0 = 0;
	bool		any = false;

	if (!ts_table.ready)
		ts_table_fill();
	if (!(b > a))
		return CRM_EINTERNAL;
	acc.M = -INFINITY;
	acc.S = 0.0;
	for (j = 0; j < QUAD_MAX_AUX; j++)
		acc.A[j] = 0.0;
	acc.bad = false;

	/* level 0: every node, remembering each one's log contribution */
	for (k = klo; k <= khi; k += QUAD_STRIDE0)
		lvals[n0++] = quad_eval_node(a, b, loglen, k, f, ctx, naux, &acc);
	if (acc.bad)
		return CRM_ENOCONV;
	if (acc.M == -INFINITY)
	{
		/* the integrand vanishes at every node: an exact zero */
		*logI = -INFINITY;
		for (j = 0; j < naux; j++)
			mean[j] = 0.0;
		return CRM_OK;
	}
	/* refine only between the outermost non-negligible nodes, one step out */
	lo = klo;
	hi = khi;
	for (j = 0; j < n0; j++)
		if (lvals[j] > acc.M - 60.0)
		{
			if (!any)
				lo = klo + (j - 1) * QUAD_STRIDE0;
			any = true;
			hi = klo + (j + 1) * QUAD_STRIDE0;
		}
	if (lo < klo)
		lo = klo;
	if (hi > khi)
		hi = khi;

	prev_log = log((double) stride / QUAD_RES) + acc.M + log(acc.S);
	for (j = 0; j < naux; j++)
		prev_mean[j] = acc.A[j] / acc.S;

	for (level = 1; level <= QUAD_MAX_LEVEL; level++)
	{
		double		cur_log;
		bool		done;
		int			half = stride / 2;

		/* the new nodes lie halfway between the old ones */
		for (k = lo + half; k < hi; k += stride)
			quad_eval_node(a, b, loglen, k, f, ctx, naux, &acc);
		stride = half;
		if (acc.bad)
			return CRM_ENOCONV;
		cur_log = log((double) stride / QUAD_RES) + acc.M + log(acc.S);
		done = level >= QUAD_MIN_LEVEL && fabs(cur_log - prev_log) <= 1e-10;
		for (j = 0; j < naux; j++)
		{
			double		m = acc.A[j] / acc.S;

			if (fabs(m - prev_mean[j]) > 1e-8 * (1.0 + fabs(m)))
				done = false;
			prev_mean[j] = m;
		}
		prev_log = cur_log;
		if (done)
		{
			*logI = cur_log;
			for (j = 0; j < naux; j++)
				mean[j] = prev_mean[j];
			return crm_isfinite(cur_log) ? CRM_OK : CRM_ERANGE;
		}
	}
	return CRM_ENOCONV;
}

/*
 * ln ∫ e^φ(q) dq over (−∞, qmax] (qmax may be +inf) for a concave φ with
 * its maximum at qmode <= qmax and curvature ~ 1/scale² there.  The range
 * is cut where φ has fallen by 70 below its maximum (a relative error below
 * e^−70 for a log-concave integrand) and split at the mode, so that each
 * piece has its peak at an end point, where tanh-sinh resolves it however
 * narrow it is.  f is called with x = q.
 */
static CrmStatus
logconcave_integral(QuadLogFn f, void *ctx, double qmode, double scale, double qmax,
					double *logI)
{
	double		fmax = f(ctx, qmode, 0.0, 0.0, NULL);
	double		d,
				qlo,
				qhi,
				l1,
				l2;
	CrmStatus	st;
	int			it;

	if (!crm_isfinite(fmax) || !(scale > 0.0) || !crm_isfinite(scale))
		return CRM_ENOCONV;
	/* a first step no wider than 1: tails may be far steeper than the peak */
	if (scale > 1.0)
		scale = 1.0;
	for (d = scale, it = 0; it < 200 && f(ctx, qmode - d, 0.0, 0.0, NULL) > fmax - 70.0; it++)
		d *= 2.0;
	qlo = qmode - d;
	if (qmode >= qmax)
		qhi = qmode;
	else
	{
		for (d = scale, it = 0; it < 200 && qmode + d < qmax &&
			 f(ctx, qmode + d, 0.0, 0.0, NULL) > fmax - 70.0; it++)
			d *= 2.0;
		qhi = qmode + d < qmax ? qmode + d : qmax;
	}
	if (!(qlo < qmode) || !crm_isfinite(qlo) || !crm_isfinite(qhi))
		return CRM_ENOCONV;
	st = quad_log(qlo, qmode, f, ctx, 0, &l1, NULL);
	if (st != CRM_OK)
		return st;
	if (qhi > qmode)
	{
		st = quad_log(qmode, qhi, f, ctx, 0, &l2, NULL);
		if (st != CRM_OK)
			return st;
		l1 = crm_logaddexp(l1, l2);
	}
	*logI = l1;
	return crm_isfinite(l1) ? CRM_OK : CRM_ERANGE;
}

/*
 * The root of a decreasing function g on the real line, by bisection from
 * q0 (whose sign tells the direction); step doubling brackets it.
 */
typedef double (*DecreasingFn) (void *ctx, double q);

static bool
decreasing_root(DecreasingFn g, void *ctx, double q0, double *root)
{
	double		lo = q0,
				hi = q0,
				d = 1.0;
	int			it;

	if (g(ctx, q0) > 0.0)
	{
		for (it = 0; it < 2000 && g(ctx, hi) > 0.0; it++, d *= 2.0)
			hi = q0 + d;
		if (g(ctx, hi) > 0.0)
			return false;
	}
	else
	{
		for (it = 0; it < 2000 && g(ctx, lo) <= 0.0; it++, d *= 2.0)
			lo = q0 - d;
		if (g(ctx, lo) <= 0.0)
			return false;
	}
	for (it = 0; it < 200 && hi - lo > 1e-13 * (1.0 + fabs(lo)); it++)
	{
		double		mid = 0.5 * (lo + hi);

		if (g(ctx, mid) > 0.0)
			lo = mid;
		else
			hi = mid;
	}
	*root = 0.5 * (lo + hi);
	return crm_isfinite(*root);
}

/* ---------------------------------------------------------------------
 * F(w, c; z) = 2F1(w, c; w+1; z) and its derivatives
 * --------------------------------------------------------------------- */

/*
 * Series of F = (1−z)^(1−c) Σ_k (a)_k/(b)_k z^k, a = w+1−c (passed in,
 * exact), b = w+1.
 * Derivatives: d/dw moves a and b together, Σ over j<k of 1/(a+j) − 1/(b+j)
 * = c Σ 1/((a+j)(b+j)); d/dc moves a only.  Returns false when cap terms
 * did not reach full accuracy.
 */
static bool
hyp_series(double w, double c, double a, double z, double lomz, double omz,
		   int cap, double *le, double *d)
{
	double		b = w + 1.0;
	double		e = 1.0;		/* term k: (a)_k/(b)_k z^k */
	double		E = 0.0;		/* Σ_(k>=1): the sum is 1 + E */
	double		Ea = 0.0,
				Ew = 0.0,
				Ez = 0.0,
				S1 = 0.0,
				S2 = 0.0;
	double		stop = 1e-17 * omz;
	double		kk = 1.0;		/* k + 1 */
	int			k;

	if (d != NULL)
	{
		/*
		 * With derivatives (the fit's case, ~30 terms per call): the stop
		 * test is made after odd k only, which spares a third of the
		 * floating-point work of a term at the cost of at most one more,
		 * negligible term.
		 */
		for (k = 0; k < cap; k++, kk += 1.0)
		{
			double		ak = a + k;
			double		bk = b + k;
			double		inv = 1.0 / (ak * bk);
			double		ratio = ak * ak * inv;	/* (a+k)/(b+k) */
			double		dz_term = kk * e * ratio;	/* d/dz of term k+1 */

			e *= ratio * z;
			E += e;
			S1 += bk * inv;		/* 1/(a+k) */
			S2 += inv;
			Ea += e * S1;
			Ew += e * S2;
			Ez += dz_term;
			if ((k & 1) && e * (kk + 1.0) <= stop * (1.0 + E) &&
				dz_term * (kk + 1.0) <= stop * Ez)
				break;
		}
	}
	else
		for (k = 0; k < cap; k++)
		{
			double		ak = a + k;
			double		inv = 1.0 / (ak * (b + k));
			double		ratio = ak * ak * inv;	/* (a+k)/(b+k) */

			e *= ratio * z;
			E += e;
			if (e * (k + 2) <= stop * (1.0 + E))
				break;
		}
	if (k >= cap)
		return false;
	*le = crm_log1p(E);
	if (d != NULL)
	{
		d[0] = c * Ew / (1.0 + E);
		d[1] = -lomz - Ea / (1.0 + E);
		d[2] = (c - 1.0) / omz + Ez / (1.0 + E);
	}
	return true;
}

/*
 * Two series with derivatives at once (the recency and the age term of one
 * customer share w): the same operations per lane as hyp_series, so the
 * results are bit-identical, but the two independent chains share one loop
 * (and the compiler may pair them in vector registers), which nearly
 * halves the time of the fit's dominant loop.  A lane that has converged
 * keeps running (its terms only shrink) while its sums are frozen at the
 * point where hyp_series would have stopped.  Returns false when either
 * lane did not converge within cap terms.
 */
static bool
hyp_series_pair(double w, const double *c, const double *a, const double *z,
				const double *lomz, const double *omz, int cap, double *le, double d[2][3])
{
	double		b = w + 1.0;
	double		e[2] = {1.0, 1.0},
				E[2] = {0.0, 0.0},
				Ea[2] = {0.0, 0.0},
				Ew[2] = {0.0, 0.0},
				Ez[2] = {0.0, 0.0},
				S1[2] = {0.0, 0.0},
				S2[2] = {0.0, 0.0},
				dz[2] = {0.0, 0.0};
	double		stop[2];
	double		fin[2][4] = {{0.0, 0.0, 0.0, 0.0}, {0.0, 0.0, 0.0, 0.0}};
	bool		done[2] = {false, false};
	double		kk = 1.0;		/* k + 1 */
	int			k,
				l;

	stop[0] = 1e-17 * omz[0];
	stop[1] = 1e-17 * omz[1];
#if defined(__GNUC__) || defined(__clang__)
	{
		/*
		 * The same loop on GCC's generic vectors (one lane per series), so
		 * the sums stay in registers; lane for lane the same IEEE
		 * operations in the same order as below and in hyp_series.
		 */
		typedef double v2d __attribute__((vector_size(16)));
		v2d			av = {a[0], a[1]},
					zv = {z[0], z[1]},
					ev = {1.0, 1.0},
					Ev = {0.0, 0.0},
					Eav = {0.0, 0.0},
					Ewv = {0.0, 0.0},
					Ezv = {0.0, 0.0},
					S1v = {0.0, 0.0},
					S2v = {0.0, 0.0};

		for (k = 0; k < cap; k++, kk += 1.0)
		{
			double		bks = b + k;
			v2d			bk = {bks, bks};
			v2d			kv = {(double) k, (double) k};
			v2d			kkv = {kk, kk};
			v2d			ak = av + kv;
			v2d			inv = 1.0 / (ak * bk);
			v2d			ratio = ak * ak * inv;
			v2d			dzv = kkv * ev * ratio;

			ev = ev * (ratio * zv);
			Ev += ev;
			S1v += bk * inv;
			S2v += inv;
			Eav += ev * S1v;
			Ewv += ev * S2v;
			Ezv += dzv;
			/* constant lane indexes: the vectors stay in registers */
#define PAIR_LANE_DONE(L) \
			if (!done[L] && ev[L] * (kk + 1.0) <= stop[L] * (1.0 + Ev[L]) && \
				dzv[L] * (kk + 1.0) <= stop[L] * Ezv[L]) \
			{ \
				done[L] = true; \
				fin[L][0] = Ev[L]; \
				fin[L][1] = Eav[L]; \
				fin[L][2] = Ewv[L]; \
				fin[L][3] = Ezv[L]; \
			}
			if (k & 1)
			{
				PAIR_LANE_DONE(0);
				PAIR_LANE_DONE(1);
				if (done[0] && done[1])
					break;
			}
#undef PAIR_LANE_DONE
		}
	}
	(void) e;
	(void) E;
	(void) Ea;
	(void) Ew;
	(void) Ez;
	(void) S1;
	(void) S2;
	(void) dz;
#else
	for (k = 0; k < cap; k++, kk += 1.0)
	{
		double		bk = b + k;

		for (l = 0; l < 2; l++)
		{
			double		ak = a[l] + k;
			double		inv = 1.0 / (ak * bk);
			double		ratio = ak * ak * inv;	/* (a+k)/(b+k) */

			dz[l] = kk * e[l] * ratio;	/* d/dz of term k+1 */
			e[l] *= ratio * z[l];
			E[l] += e[l];
			S1[l] += bk * inv;	/* 1/(a+k) */
			S2[l] += inv;
			Ea[l] += e[l] * S1[l];
			Ew[l] += e[l] * S2[l];
			Ez[l] += dz[l];
		}
		if (k & 1)
		{
			for (l = 0; l < 2; l++)
				if (!done[l] && e[l] * (kk + 1.0) <= stop[l] * (1.0 + E[l]) &&
					dz[l] * (kk + 1.0) <= stop[l] * Ez[l])
				{
					done[l] = true;
					fin[l][0] = E[l];
					fin[l][1] = Ea[l];
					fin[l][2] = Ew[l];
					fin[l][3] = Ez[l];
				}
			if (done[0] && done[1])
				break;
		}
	}
#endif
	if (k >= cap)
		return false;
	for (l = 0; l < 2; l++)
	{
		le[l] = crm_log1p(fin[l][0]);
		d[l][0] = c[l] * fin[l][2] / (1.0 + fin[l][0]);
		d[l][1] = -lomz[l] - fin[l][1] / (1.0 + fin[l][0]);
		d[l][2] = (c[l] - 1.0) / omz[l] + fin[l][3] / (1.0 + fin[l][0]);
	}
	return true;
}

typedef struct HypQuadCtx
{
	double		w;
	double		c;
	double		z;
	double		lz;				/* ln z */
	double		omz;			/* 1 − z */
	double		U;				/* −ln(1 − z) */
	double		logU;
} HypQuadCtx;

/*
 * Integrand of I' = ∫0^U ((1−e^−u)/z)^(w−1) e^(−(c−1)(U−u)) du for w >= 1
 * (I = z^(w−1) I' below; dividing by z keeps (w−1) ln(...) small where the
 * mass is, so a large w does not magnify rounding), u = x.  aux = {ln((1−e^−u)/z), u}; for u >= 1, (1−e^−u)/z =
 * 1 − (1−z)(e^(U−u) − 1)/z is formed from U − u, so that its log keeps its
 * digits near u = U, where the mass of a large w sits.
 */
static double
hyp_quad_f(void *vctx, double u, double dl, double dr, double *aux)
{
	HypQuadCtx *ctx = (HypQuadCtx *) vctx;
	double		lgz = u < 1.0 ? log(-expm1(-u)) - ctx->lz :
		crm_log1p(-ctx->omz * expm1(dr) / ctx->z);

	aux[0] = lgz;
	aux[1] = u;
	return (ctx->w - 1.0) * lgz - (ctx->c - 1.0) * dr;
}

/*
 * The same integral for w < 1, where (1−e^−u)^(w−1) is singular at 0:
 * with u = U v^(1/w), I = (U^w/w) ∫0^1 ((1−e^−u)/u)^(w−1) e^(−(c−1)(U−u)) dv
 * and the integrand is bounded.  v = x; aux as above.
 */
static double
hyp_quad_f_small_w(void *vctx, double v, double dl, double dr, double *aux)
{
	HypQuadCtx *ctx = (HypQuadCtx *) vctx;
	double		lv = v < 0.5 ? log(v) : crm_log1p(-dr);
	double		lu = ctx->logU + lv / ctx->w;
	double		u = exp(lu);
	double		umr = -ctx->U * expm1(lv / ctx->w);	/* U − u */
	double		lgu;			/* ln((1 − e^−u)/u) */

	if (u > 1e-8)
		lgu = log(-expm1(-u) / u);
	else
		lgu = -0.5 * u;
	aux[0] = u < 1.0 ? lgu + lu - ctx->lz : crm_log1p(-ctx->omz * expm1(umr) / ctx->z);
	aux[1] = u;
	return (ctx->w - 1.0) * lgu - (ctx->c - 1.0) * umr;
}

/*
 * F by quadrature: F = w z^−w e^((c−1)U) I.  Derivatives of ln F:
 * d/dw = 1/w + <ln((1−e^−u)/z)>, d/dc = <u>,
 * d/dz = −w/z + z^(w−1) / ((1−z) I)  (from dF/dz = (w/z)((1−z)^−c − F)).
 */
static CrmStatus
hyp_quad(double w, double c, double z, double lomz, double omz, double *le, double *d)
{
	HypQuadCtx ctx;
	double		logI,
				mean[2];
	CrmStatus	st;
	double		lz = log(z);

	ctx.w = w;
	ctx.c = c;
	ctx.z = z;
	ctx.lz = lz;
	ctx.omz = omz;
	ctx.U = -lomz;
	ctx.logU = log(ctx.U);
	if (w >= 1.0)
	{
		/* logI holds ln I' = ln I − (w−1) ln z */
		st = quad_log(0.0, ctx.U, hyp_quad_f, &ctx, 2, &logI, mean);
		if (st != CRM_OK)
			return st;
		if (!crm_isfinite(logI))
			return CRM_ENOCONV;
		*le = log(w) - lz + logI;
		if (d != NULL)
			d[2] = -w / z + exp(-lomz - logI);
	}
	else
	{
		st = quad_log(0.0, 1.0, hyp_quad_f_small_w, &ctx, 2, &logI, mean);
		if (st != CRM_OK)
			return st;
		logI += w * ctx.logU - log(w);
		if (!crm_isfinite(logI))
			return CRM_ENOCONV;
		*le = log(w) - w * lz + logI;
		if (d != NULL)
			d[2] = -w / z + exp((w - 1.0) * lz - lomz - logI);
	}
	if (d != NULL)
	{
		d[0] = 1.0 / w + mean[0];
		d[1] = mean[1];
	}
	return CRM_OK;
}

/*
 * ln F(w, c; z) with z in [0, 1) and omz = 1 − z given separately (to
 * full relative precision), w > 0, 0 < c < w + 1, a = w + 1 − c given
 * exactly by the caller (it is r+x, r+x+1, s+1 or s), lomz = ln(1 − z)
 * (computed once by the caller, which needs it too).  *le receives
 * ln F − (1−c) ln(1−z) (the log of the 2F1(a, 1; w+1; z) factor), which
 * the likelihood combines with other powers of (1−z) without cancellation.
 * d (may be NULL) receives d ln F / d{w, c, z}.
 */
static CrmStatus
pnbd_hyp(double w, double c, double a, double z, double omz, double lomz, double *lf,
		 double *le, double *d)
{
	CrmStatus	st = CRM_OK;

	if (z == 0.0)
	{
		*le = 0.0;
		if (d != NULL)
		{
			d[0] = 0.0;
			d[1] = 0.0;
			d[2] = w * c / (w + 1.0);
		}
	}
	/* ~400 terms at most for z <= 0.9; beyond, the series is tried briefly */
	else if (!(z <= 0.9 && hyp_series(w, c, a, z, lomz, omz, 4000, le, d)) &&
			 !(z > 0.9 && c >= 20.0 && hyp_series(w, c, a, z, lomz, omz, 300, le, d)))
		st = hyp_quad(w, c, z, lomz, omz, le, d);
	if (st == CRM_OK)
		*lf = (1.0 - c) * lomz + *le;
	return st;
}

/* Exported evaluator (for tests): see pnbd.h. */
CrmStatus
crm_pnbd_hyp2f1(double w, double c, double z, double *logf, double *dlogf)
{
	double		le;

	if (!(w > 0.0) || !(c > 0.0) || !(c < w + 1.0) || !crm_isfinite(w) ||
		!(z >= 0.0) || !(z < 1.0))
		return CRM_EDOMAIN;
	return pnbd_hyp(w, c, w + 1.0 - c, z, 1.0 - z, z < 0.5 ? crm_log1p(-z) : log(1.0 - z), logf, &le,
					dlogf);
}

/* ---------------------------------------------------------------------
 * Likelihood
 * --------------------------------------------------------------------- */

/* Quantities that depend on the parameters only. */
typedef struct PnbdPar
{
	double		r,
				alpha,
				s,
				beta;
	double		la,				/* ln α */
				lb;				/* ln β */
	double		m,				/* max(α, β) */
				mn,				/* min(α, β) */
				delta;			/* |α − β| */
	bool		age;			/* α >= β */
} PnbdPar;

/* Quantities that depend on the parameters and x. */
typedef struct PnbdX
{
	double		x,
				rx,				/* r + x */
				w;				/* r + s + x */
	double		k0;				/* ln Γ(r+x) − ln Γ(r) + r ln α + s ln β */
	double		gk0[4];
	double		c[2];			/* c1, c2 */
	double		a[2];			/* w + 1 − c1, w + 1 − c2 */
	double		lcf[2];			/* ln(s/w), ln((r+x)/w) */
	double		gcf[2][2];		/* their d/dr, d/ds */
} PnbdX;

/* One of the two terms at time t (tx or T). */
typedef struct PnbdTerm
{
	double		A;				/* ln cf + ln F − w ln(m + t) */
	double		lf;				/* ln F */
	double		le;				/* ln F − (1 − c) ln(1 − z) */
	double		lomz;			/* ln(1 − z) */
	double		g[4];			/* dA/d{r, α, s, β} */
} PnbdTerm;

static bool
par_ok(const double *par)
{
	int			i;

	for (i = 0; i < 4; i++)
		if (!(par[i] > 0.0) || !crm_isfinite(par[i]))
			return false;
	return true;
}

static void
pnbd_par_setup(const double *par, PnbdPar *p)
{
	p->r = par[0];
	p->alpha = par[1];
	p->s = par[2];
	p->beta = par[3];
	p->la = log(p->alpha);
	p->lb = log(p->beta);
	p->age = p->alpha >= p->beta;
	p->m = p->age ? p->alpha : p->beta;
	p->mn = p->age ? p->beta : p->alpha;
	p->delta = p->m - p->mn;
}

/* ψ(r + x) − ψ(r), by the sum when x is a small integer. */
static double
digamma_diff(double r, double x)
{
	if (x == floor(x) && x <= 16.0)
	{
		double		acc = 0.0;
		int			j;

		for (j = 0; j < (int) x; j++)
			acc += 1.0 / (r + j);
		return acc;
	}
	return crm_digamma(r + x) - crm_digamma(r);
}

static void
pnbd_x_setup(const PnbdPar *p, double x, bool want_grad, PnbdX *px)
{
	px->x = x;
	px->rx = p->r + x;
	px->w = p->r + p->s + x;
	px->k0 = crm_lgamma_diff(p->r, x) + p->r * p->la + p->s * p->lb;
	px->c[0] = p->age ? p->s + 1.0 : px->rx;
	px->c[1] = p->age ? p->s : px->rx + 1.0;
	px->a[0] = p->age ? px->rx : p->s + 1.0;
	px->a[1] = p->age ? px->rx + 1.0 : p->s;
	px->lcf[0] = log(p->s / px->w);
	px->lcf[1] = log(px->rx / px->w);
	if (want_grad)
	{
		double		iw = 1.0 / px->w;

		px->gk0[0] = digamma_diff(p->r, x) + p->la;
		px->gk0[1] = p->r / p->alpha;
		px->gk0[2] = p->lb;
		px->gk0[3] = p->s / p->beta;
		px->gcf[0][0] = -iw;
		px->gcf[0][1] = 1.0 / p->s - iw;
		px->gcf[1][0] = 1.0 / px->rx - iw;
		px->gcf[1][1] = -iw;
	}
}

static void pnbd_term_finish(const PnbdPar *p, const PnbdX *px, int i, double mt, double omz,
							 double lmt, const double *d, PnbdTerm *tm);

/* Term i (0: at tx with c1, 1: at T with c2); gradient when want_grad. */
static CrmStatus
pnbd_term(const PnbdPar *p, const PnbdX *px, int i, double t, bool want_grad,
		  PnbdTerm *tm)
{
	double		mt = p->m + t;
	double		z = p->delta / mt;
	double		omz = (p->mn + t) / mt;
	double		lmt = log(mt);
	double		d[3];
	CrmStatus	st;

	tm->lomz = z < 0.5 ? crm_log1p(-z) : log(omz);
	st = pnbd_hyp(px->w, px->c[i], px->a[i], z, omz, tm->lomz, &tm->lf, &tm->le,
				  want_grad ? d : NULL);
	if (st != CRM_OK)
		return st;
	pnbd_term_finish(p, px, i, mt, omz, lmt, want_grad ? d : NULL, tm);
	return CRM_OK;
}

/*
 * The rest of term i once tm->lf is known: A and, when d (∂ ln F/∂{w, c,
 * z}) is given, the gradient.
 */
static void
pnbd_term_finish(const PnbdPar *p, const PnbdX *px, int i, double mt, double omz, double lmt,
				 const double *d, PnbdTerm *tm)
{
	bool		want_grad = d != NULL;

	tm->A = px->lcf[i] + tm->lf - px->w * lmt;
	if (want_grad)
	{
		/* c depends on s when α >= β, on r otherwise */
		double		dcr = p->age ? 0.0 : d[1];
		double		dcs = p->age ? d[1] : 0.0;
		double		dm_dd = (d[2] * omz - px->w) / mt;	/* ∂/∂m + ∂/∂Δ */
		double		dd = d[2] / mt; /* ∂/∂Δ */

		tm->g[0] = px->gcf[i][0] + d[0] + dcr - lmt;
		tm->g[2] = px->gcf[i][1] + d[0] + dcs - lmt;
		if (p->age)
		{
			tm->g[1] = dm_dd;
			tm->g[3] = -dd;
		}
		else
		{
			tm->g[1] = -dd;
			tm->g[3] = dm_dd;
		}
	}
}

/*
 * Two terms with their gradients, term i0 at time t0 and term i1 at t1
 * (the recency and age terms of one customer, or the age terms of two):
 * the same results as two pnbd_term calls, with the two 2F1 series run
 * together (hyp_series_pair) when both are in the series' range.
 */
static CrmStatus
pnbd_term_pair(const PnbdPar *p, const PnbdX *px, int i0, double t0, int i1, double t1,
			   PnbdTerm *tm0, PnbdTerm *tm1)
{
	double		mt[2],
				z[2],
				omz[2],
				lmt[2],
				lomz[2],
				le[2],
				c[2],
				a[2];
	double		d[2][3];
	int			l;
	CrmStatus	st;

	mt[0] = p->m + t0;
	mt[1] = p->m + t1;
	for (l = 0; l < 2; l++)
	{
		z[l] = p->delta / mt[l];
		omz[l] = (p->mn + (l == 0 ? t0 : t1)) / mt[l];
	}
	if (!(z[0] > 0.0 && z[0] <= 0.9 && z[1] > 0.0 && z[1] <= 0.9))
	{
		st = pnbd_term(p, px, i0, t0, true, tm0);
		return st != CRM_OK ? st : pnbd_term(p, px, i1, t1, true, tm1);
	}
	for (l = 0; l < 2; l++)
	{
		lmt[l] = log(mt[l]);
		lomz[l] = z[l] < 0.5 ? crm_log1p(-z[l]) : log(omz[l]);
	}
	c[0] = px->c[i0];
	c[1] = px->c[i1];
	a[0] = px->a[i0];
	a[1] = px->a[i1];
	if (!hyp_series_pair(px->w, c, a, z, lomz, omz, 4000, le, d))
	{
		st = pnbd_term(p, px, i0, t0, true, tm0);
		return st != CRM_OK ? st : pnbd_term(p, px, i1, t1, true, tm1);
	}
	tm0->lomz = lomz[0];
	tm0->le = le[0];
	tm0->lf = (1.0 - c[0]) * lomz[0] + le[0];
	pnbd_term_finish(p, px, i0, mt[0], omz[0], lmt[0], d[0], tm0);
	tm1->lomz = lomz[1];
	tm1->le = le[1];
	tm1->lf = (1.0 - c[1]) * lomz[1] + le[1];
	pnbd_term_finish(p, px, i1, mt[1], omz[1], lmt[1], d[1], tm1);
	return CRM_OK;
}

/*
 * One customer: ln L, ln P(alive) and optionally the gradient of ln L.
 * Uses the form ln L = B + ln(e^D1 + e^D2), where B = ln of the "alive
 * throughout" likelihood and D_i = A_i − (B − k0) are formed without
 * subtracting large logarithms, so that P(alive) = e^−ln(e^D1 + e^D2)
 * keeps full relative precision.
 */
static CrmStatus
pnbd_eval(const double *par, double x, double tx, double T, double *ll,
		  double *lpa, double *grad)
{
	PnbdPar		p;
	PnbdX		px;
	PnbdTerm	t1,
				t2;
	double		B,
				D1,
				D2,
				lse,
				p1,
				k2,
				rho;
	CrmStatus	st;
	int			j;
	bool		want = grad != NULL;

	if (!par_ok(par))
		return CRM_EPARAM;
	if (!(x >= 0.0) || !crm_isfinite(x) || !(tx >= 0.0) || !(T >= tx) ||
		!crm_isfinite(T) || (x == 0.0 && tx != 0.0))
		return CRM_EDOMAIN;
	pnbd_par_setup(par, &p);
	pnbd_x_setup(&p, x, want, &px);
	B = crm_lgamma_diff(p.r, x) - p.r * crm_log1p(T / p.alpha) - p.s * crm_log1p(T / p.beta);
	if (x > 0.0)
		B -= x * log(p.alpha + T);

	if (tx == T)
	{
		/* the customer bought at T: alive for sure, L = the alive term */
		*ll = B;
		*lpa = 0.0;
		if (want)
		{
			grad[0] = px.gk0[0] - p.la - crm_log1p(T / p.alpha);
			grad[1] = (p.r * T - x * p.alpha) / (p.alpha * (p.alpha + T));
			grad[2] = -crm_log1p(T / p.beta);
			grad[3] = p.s * T / (p.beta * (p.beta + T));
		}
		return crm_isfinite(B) ? CRM_OK : CRM_ERANGE;
	}

	st = pnbd_term(&p, &px, 0, tx, want, &t1);
	if (st == CRM_OK)
		st = pnbd_term(&p, &px, 1, T, want, &t2);
	if (st != CRM_OK)
		return st;
	/*
	 * D2 = A2 − (B − k0) = ln cf2 + ln F2 + k2 ln(1−z2), k2 = s if α >= β
	 * else r+x; with ln F = (1−c) ln(1−z) + le the powers of (1−z2) cancel
	 * exactly (1 − c2 + k2 = 1 or 0).  D1 likewise, with
	 * ρ = ln((1−z2)/(1−z1)) = ln(1 + Δ(T−tx)/((m+T)(mn+tx))) formed
	 * directly, so no term is large when tx is close to T.
	 */
	k2 = p.age ? p.s : px.rx;
	rho = crm_log1p(p.delta * (T - tx) / ((p.m + T) * (p.mn + tx)));
	D2 = px.lcf[1] + t2.le + (p.age ? t2.lomz : 0.0);
	D1 = px.lcf[0] + t1.le + px.w * crm_log1p((T - tx) / (p.m + tx)) + k2 * rho +
		(p.age ? 0.0 : t1.lomz);
	/* L >= the alive-throughout term: clamp rounding at tx → T */
	lse = crm_logaddexp(D1, D2);
	if (lse < 0.0)
		lse = 0.0;
	*ll = B + lse;
	*lpa = -lse;
	if (!crm_isfinite(*ll))
		return CRM_ERANGE;
	if (want)
	{
		p1 = 1.0 / (1.0 + exp(D2 - D1));
		for (j = 0; j < 4; j++)
			grad[j] = px.gk0[j] + p1 * t1.g[j] + (1.0 - p1) * t2.g[j];
		for (j = 0; j < 4; j++)
			if (!crm_isfinite(grad[j]))
				return CRM_ERANGE;
	}
	return CRM_OK;
}

CrmStatus
crm_pnbd_loglik1(const double *par, double x, double tx, double T, double *ll, double *grad)
{
	double		lpa;

	return pnbd_eval(par, x, tx, T, ll, &lpa, grad);
}

/* ---------------------------------------------------------------------
 * Batch likelihood (crm_pnbd_spec.loglik)
 *
 * Rows come sorted by (x, tx, T).  Per run of equal x: ln Γ(r+x) and the
 * other per-x constants, once.  Per run of equal (x, tx): the tx term.
 * The T term depends on (x, T); within an x-run it is cached in a small
 * open-addressing table keyed by the bits of T (real data have few
 * distinct ages: one per acquisition day or week); the table starts small
 * (it is probed once per row, so it must stay in cache) and doubles when
 * half full.  Per row there remains one ln(e^A1 + e^A2), and nothing for a
 * repeat of the previous row.  The gradient is accumulated per run, not per
 * row:
 * Σ w ∂ln L = Σ_x (Σw) ∂k0 + Σ_(x,tx) (Σ w p1) ∂A1 + Σ_(x,T) (Σ w p2) ∂A2.
 * --------------------------------------------------------------------- */

#define PNBD_INTERRUPT_EVERY 4096
#define PNBD_CACHE_MIN_ROWS 64
#define PNBD_CACHE_FIRST_LOG2 10
#define PNBD_CACHE_MAX_LOG2 20

typedef struct PnbdTSlot
{
	uint64_t	key;			/* bits of T */
	uint32_t	gen;			/* the x-run that filled it; 0 = empty */
	double		A;
	double		g[4];
	double		wp;				/* Σ w p2 over the run's rows at this T */
} PnbdTSlot;

/* The T-term cache: open addressing, linear probing, generation stamps. */
typedef struct PnbdTCache
{
	PnbdTSlot  *slots;			/* NULL: no cache */
	uint32_t   *used;			/* slots filled in the current x-run */
	size_t		cap;
	size_t		nused;
	int			log2cap;
} PnbdTCache;

/* Neumaier summation of the log-likelihood. */
typedef struct PnbdSum
{
	double		s;
	double		c;
} PnbdSum;

static void
pnbd_sum_add(PnbdSum *acc, double v)
{
	double		t = acc->s + v;

	if (fabs(acc->s) >= fabs(v))
		acc->c += (acc->s - t) + v;
	else
		acc->c += (v - t) + acc->s;
	acc->s = t;
}

static uint32_t
pnbd_hash(uint64_t key, int log2cap)
{
	return (uint32_t) ((key * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - log2cap));
}

/* The slot holding key in x-run gen, or the empty slot where it belongs. */
static uint32_t
tcache_find(const PnbdTCache *c, uint64_t key, uint32_t gen)
{
	uint32_t	h = pnbd_hash(key, c->log2cap);

	while (c->slots[h].gen == gen && c->slots[h].key != key)
		h = (h + 1) & (uint32_t) (c->cap - 1);
	return h;
}

/* Allocate an empty table of 2^log2cap slots; false when out of memory. */
static bool
tcache_alloc(PnbdTCache *c, int log2cap)
{
	size_t		cap = (size_t) 1 << log2cap;
	PnbdTSlot  *slots = crm_alloc(cap * sizeof(PnbdTSlot));
	uint32_t   *used = crm_alloc((cap / 2) * sizeof(uint32_t));

	if (slots == NULL || used == NULL)
	{
		if (slots != NULL)
			crm_free(slots);
		if (used != NULL)
			crm_free(used);
		return false;
	}
	memset(slots, 0, cap * sizeof(PnbdTSlot));
	c->slots = slots;
	c->used = used;
	c->cap = cap;
	c->log2cap = log2cap;
	c->nused = 0;
	return true;
}

static void
tcache_free(PnbdTCache *c)
{
	if (c->slots != NULL)
		crm_free(c->slots);
	if (c->used != NULL)
		crm_free(c->used);
	c->slots = NULL;
	c->used = NULL;
}

/*
 * Double the table, moving the current x-run's entries (slot pointers into
 * the old table become invalid).  False, leaving the table as it was, when
 * it is at its largest or memory is short.
 */
static bool
tcache_grow(PnbdTCache *c, uint32_t gen)
{
	PnbdTCache	old = *c;
	size_t		u;

	if (c->log2cap >= PNBD_CACHE_MAX_LOG2 || !tcache_alloc(c, c->log2cap + 1))
		return false;
	for (u = 0; u < old.nused; u++)
	{
		const PnbdTSlot *e = &old.slots[old.used[u]];
		uint32_t	h = tcache_find(c, e->key, gen);

		c->slots[h] = *e;
		c->used[c->nused++] = h;
	}
	tcache_free(&old);
	return true;
}

static CrmStatus
pnbd_loglik_batch(const double *par, const CrmObs *obs, size_t n, double *ll, double *grad)
{
	PnbdPar		p;
	PnbdX		px;
	PnbdTerm	t1,
				t2;
	PnbdSum		sum = {0.0, 0.0};
	PnbdTCache	cache = {NULL, NULL, 0, 0, 0};
	size_t		i;
	int			j;
	uint32_t	gen = 0;
	bool		want = grad != NULL;
	bool		have_x = false,
				have_tx = false;
	double		cur_x = 0.0,
				cur_tx = 0.0;
	double		g[4] = {0.0, 0.0, 0.0, 0.0};
	double		wx = 0.0,		/* Σ w of the x-run */
				wp1 = 0.0;		/* Σ w p1 of the (x, tx)-run */
	bool		have_row = false;
	PnbdTerm	t2next;			/* the next row's age term, computed with this row's */
	double		next_T = 0.0;
	bool		have_next = false;
	size_t		hits = 0;		/* cache hits in the x-run */
	bool		bypass = false; /* cache given up for the x-run */
	struct
	{
		double		T;
		double		lse;		/* ln(e^A1 + e^A2) */
		double		p2;
		PnbdTSlot  *sl;
		double		g2[4];		/* ∂A2 when sl is NULL */
	}			row;
	CrmStatus	st = CRM_OK;

	if (!par_ok(par))
		return CRM_EPARAM;
	pnbd_par_setup(par, &p);
	memset(&px, 0, sizeof(px));
	memset(&t1, 0, sizeof(t1));
	memset(&t2next, 0, sizeof(t2next));
	memset(&row, 0, sizeof(row));

	if (n >= PNBD_CACHE_MIN_ROWS)
	{
		int			l2 = 4;

		while (l2 < PNBD_CACHE_FIRST_LOG2 && ((size_t) 1 << l2) < 2 * n)
			l2++;
		/* without memory for the cache, go on without it */
		(void) tcache_alloc(&cache, l2);
	}

	for (i = 0; i <= n; i++)
	{
		const CrmObs *o = i < n ? &obs[i] : NULL;
		PnbdTSlot  *sl = NULL;
		double		A2,
					d,
					e;
		const double *g2;
		bool		paired = false; /* t2 computed with t1 */

		/* close the x-run (and its tx-run) at a new x and at the end */
		if (have_x && (o == NULL || o->x != cur_x))
		{
			size_t		u;

			pnbd_sum_add(&sum, wx * px.k0);
			if (want)
			{
				for (j = 0; j < 4; j++)
					g[j] += wx * px.gk0[j] + (have_tx ? wp1 * t1.g[j] : 0.0);
				for (u = 0; u < cache.nused; u++)
					for (j = 0; j < 4; j++)
						g[j] += cache.slots[cache.used[u]].wp * cache.slots[cache.used[u]].g[j];
			}
			have_x = false;
		}
		if (o == NULL)
			break;
		if ((i % PNBD_INTERRUPT_EVERY) == PNBD_INTERRUPT_EVERY - 1 && crm_interrupted())
		{
			st = CRM_EINTERRUPTED;
			goto done;
		}
		if (!have_x)
		{
			pnbd_x_setup(&p, o->x, want, &px);
			cur_x = o->x;
			have_x = true;
			have_tx = false;
			gen++;
			cache.nused = 0;
			hits = 0;
			bypass = false;
			wx = 0.0;
			have_row = false;
			have_next = false;
		}

		if (o->tx == o->T)
		{
			/* bought at T: alive for sure, ln L = k0 − (r+x) ln(α+T) − s ln(β+T) */
			double		laT = log(p.alpha + o->T);
			double		lbT = log(p.beta + o->T);

			wx += o->w;
			pnbd_sum_add(&sum, -o->w * (px.rx * laT + p.s * lbT));
			if (want)
			{
				g[0] -= o->w * laT;
				g[1] -= o->w * px.rx / (p.alpha + o->T);
				g[2] -= o->w * lbT;
				g[3] -= o->w * p.s / (p.beta + o->T);
			}
			continue;
		}

		if (!have_tx || o->tx != cur_tx)
		{
			if (want && have_tx)
				for (j = 0; j < 4; j++)
					g[j] += wp1 * t1.g[j];
			wp1 = 0.0;
			/*
			 * When this row's age term will be computed directly (no cache,
			 * or the x-run bypasses it), compute both terms together.
			 */
			if (want && (cache.slots == NULL || bypass))
			{
				st = pnbd_term_pair(&p, &px, 0, o->tx, 1, o->T, &t1, &t2);
				paired = true;
			}
			else
				st = pnbd_term(&p, &px, 0, o->tx, want, &t1);
			if (st != CRM_OK)
				goto done;
			cur_tx = o->tx;
			have_tx = true;
			have_row = false;
		}

		/* a repeat of the previous row: reuse its results */
		if (have_row && o->T == row.T)
		{
			wx += o->w;
			pnbd_sum_add(&sum, o->w * row.lse);
			if (want)
			{
				wp1 += o->w * (1.0 - row.p2);
				if (row.sl != NULL)
					row.sl->wp += o->w * row.p2;
				else
					for (j = 0; j < 4; j++)
						g[j] += o->w * row.p2 * row.g2[j];
			}
			continue;
		}

		/* the T term, from the cache when possible */
		if (cache.slots != NULL && !bypass && !paired)
		{
			uint64_t	key;
			uint32_t	h;

			memcpy(&key, &o->T, sizeof(key));
			h = tcache_find(&cache, key, gen);
			if (cache.slots[h].gen == gen)
				hits++;
			else if (cache.nused >= cache.cap / 2 && hits < cache.nused)
			{
				/*
				 * Full, and fewer hits than entries: the ages of this x-run
				 * are mostly distinct (unrounded T), so growing would only
				 * cost memory traffic.  Compute the rest of the run directly.
				 */
				bypass = true;
			}
			else if (cache.nused >= cache.cap / 2 && tcache_grow(&cache, gen))
			{
				h = tcache_find(&cache, key, gen);
				have_row = false;	/* row.sl pointed into the old table */
			}
			if (cache.slots[h].gen == gen)
				sl = &cache.slots[h];
			else if (!bypass && cache.nused < cache.cap / 2)
			{
				st = pnbd_term(&p, &px, 1, o->T, want, &t2);
				if (st != CRM_OK)
					goto done;
				sl = &cache.slots[h];
				sl->key = key;
				sl->gen = gen;
				sl->A = t2.A;
				memcpy(sl->g, t2.g, sizeof(sl->g));
				sl->wp = 0.0;
				cache.used[cache.nused++] = h;
			}
		}
		if (sl != NULL)
		{
			A2 = sl->A;
			g2 = sl->g;
		}
		else
		{
			if (paired)
				;
			else if (have_next && next_T == o->T)
			{
				/* computed with the previous row's */
				t2 = t2next;
				have_next = false;
			}
			else if (want && (cache.slots == NULL || bypass) && i + 1 < n &&
					 obs[i + 1].x == o->x && obs[i + 1].tx == o->tx &&
					 obs[i + 1].T != o->T && obs[i + 1].tx != obs[i + 1].T)
			{
				/*
				 * The next row of this (x, tx)-run will need its age term
				 * directly too (the cache stays off for the rest of the
				 * x-run): compute both together.
				 */
				st = pnbd_term_pair(&p, &px, 1, o->T, 1, obs[i + 1].T, &t2, &t2next);
				if (st != CRM_OK)
					goto done;
				next_T = obs[i + 1].T;
				have_next = true;
			}
			else
			{
				st = pnbd_term(&p, &px, 1, o->T, want, &t2);
				if (st != CRM_OK)
					goto done;
			}
			A2 = t2.A;
			g2 = t2.g;
		}

		/* ln(e^A1 + e^A2) and the share p2 of the second term */
		d = A2 - t1.A;
		e = exp(-fabs(d));
		row.T = o->T;
		row.lse = (d > 0.0 ? A2 : t1.A) + crm_log1p(e);
		row.p2 = d > 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
		row.sl = sl;
		have_row = true;
		wx += o->w;
		pnbd_sum_add(&sum, o->w * row.lse);
		if (want)
		{
			wp1 += o->w * (1.0 - row.p2);
			if (sl != NULL)
				sl->wp += o->w * row.p2;
			else
				for (j = 0; j < 4; j++)
				{
					row.g2[j] = g2[j];
					g[j] += o->w * row.p2 * g2[j];
				}
		}
	}

	*ll = sum.s + sum.c;
	if (!crm_isfinite(*ll))
		st = CRM_ERANGE;
	if (want)
		for (j = 0; j < 4; j++)
		{
			grad[j] = g[j];
			if (!crm_isfinite(g[j]))
				st = CRM_ERANGE;
		}

done:
	tcache_free(&cache);
	return st;
}

/* Exported batch form (see pnbd.h). */
CrmStatus
crm_pnbd_loglik(const double *par, const CrmObs *obs, size_t n, double *ll, double *grad)
{
	return pnbd_loglik_batch(par, obs, n, ll, grad);
}

/* ---------------------------------------------------------------------
 * The model spec
 * --------------------------------------------------------------------- */

static CrmStatus
pnbd_check_obs(const CrmObs *o, const char **reason)
{
	if (!crm_isfinite(o->x) || o->x < 0.0 || o->x != floor(o->x))
	{
		*reason = "frequency must be a non-negative integer";
		return CRM_EDOMAIN;
	}
	if (!crm_isfinite(o->tx) || o->tx < 0.0)
	{
		*reason = "recency must be finite and non-negative";
		return CRM_EDOMAIN;
	}
	if (!crm_isfinite(o->T) || o->T < 0.0)
	{
		*reason = "age must be finite and non-negative";
		return CRM_EDOMAIN;
	}
	if (o->tx > o->T)
	{
		*reason = "recency must not exceed age";
		return CRM_EDOMAIN;
	}
	if (o->x == 0.0 && o->tx != 0.0)
	{
		*reason = "recency must be 0 when frequency is 0";
		return CRM_EDOMAIN;
	}
	if (!crm_isfinite(o->w) || !(o->w > 0.0))
	{
		*reason = "weight must be positive and finite";
		return CRM_EDOMAIN;
	}
	return CRM_OK;
}

static CrmStatus
pnbd_check_params(const double *par, const char **reason)
{
	static const char *const msg[4] = {
		"r must be positive and finite",
		"alpha must be positive and finite",
		"s must be positive and finite",
		"beta must be positive and finite"
	};
	int			i;

	for (i = 0; i < 4; i++)
		if (!(par[i] > 0.0) || !crm_isfinite(par[i]))
		{
			*reason = msg[i];
			return CRM_EPARAM;
		}
	return CRM_OK;
}

/* The model needs at least one repeat purchase (else r/α is not identified). */
static CrmStatus
pnbd_check_data(const CrmObs *obs, size_t n, const char **reason)
{
	size_t		i;

	if (n == 0)
	{
		*reason = "there are no customers";
		return CRM_EEMPTY;
	}
	for (i = 0; i < n; i++)
		if (obs[i].x > 0.0)
			return CRM_OK;
	*reason = "no customer made a repeat purchase";
	return CRM_EEMPTY;
}

/*
 * Deterministic start: r = s = 1 (exponential-like heterogeneity), α so
 * that the mean purchase rate r/α matches Σx over the time the customers
 * were probably active (taken as (tx + T)/2), β = the mean age, so that
 * the mean lifetime is of the order of the observation window.  Both scale
 * with the time unit, as the MLE does.  On CDNOW this gives (1, 19, 1, 32)
 * against the MLE (0.55, 10.6, 0.61, 11.7).
 */
static void
pnbd_start(const CrmObs *obs, size_t n, double *par0)
{
	double		sw = 0.0,
				swx = 0.0,
				swt = 0.0,
				swT = 0.0;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		sw += obs[i].w;
		swx += obs[i].w * obs[i].x;
		swt += obs[i].w * 0.5 * (obs[i].tx + obs[i].T);
		swT += obs[i].w * obs[i].T;
	}
	par0[0] = 1.0;
	par0[1] = swx > 0.0 && swt > 0.0 ? swt / swx : 1.0;
	par0[2] = 1.0;
	par0[3] = sw > 0.0 && swT > 0.0 ? swT / sw : 1.0;
	for (i = 0; i < 4; i++)
		if (!(par0[i] > 0.0) || !crm_isfinite(par0[i]))
			par0[i] = 1.0;
}

const CrmModelSpec crm_pnbd_spec = {
	CRM_MODEL_PNBD,
	"pareto_nbd",
	4,
	{"r", "alpha", "s", "beta"},
	pnbd_check_obs,
	pnbd_check_params,
	pnbd_loglik_batch,
	pnbd_check_data,
	pnbd_start
};

/* ---------------------------------------------------------------------
 * Predictions
 *
 * Every prediction of a customer needs ln P(alive), pnbd_eval's *lpa.  Its
 * costly parts are the two 2F1 terms, of which the recency term depends on
 * (x, tx) and the age term on (x, T), and the alive-throughout term B on
 * (x, T).  pnbd_pred_alive computes ln P(alive) with exactly pnbd_eval's
 * arithmetic (and its statuses, the finiteness of ln L = B + lse included)
 * but takes those parts from a memo (predcache.h) when the call site has
 * one: per (x, tx) the first partial sum ln(s/w) + le1 of D1 and ln(1−z1),
 * per (x, T) D2 and the prediction's own factor of (x, T) (E[Y(t) | alive],
 * P(n | alive), ...: one lookup for both); what is left per row is two
 * log1p, one ln(e^D1 + e^D2) and a few products, and the result has the
 * same bits.  P(alive) itself (not its log) is 1/(e^D1 + e^D2) from the
 * same D1, D2.  B serves only the finiteness check: an (x, T) entry is
 * stored only for a row that passed it with |B| <= PN_B_MAX, so a row that
 * finds the entry passes it as well (ln L = B + lse is finite when lse is
 * finite and at most PN_B_MAX; beyond that, B is computed again).
 * --------------------------------------------------------------------- */

/* Tags of the memoized factors of this file. */
#define PN_TAG_TX 1				/* (x, tx) -> ln(s/w) + le1, ln(1 − z1) */
#define PN_TAG_T 2				/* (x, T) -> D2, the prediction's factor of (x, T) */

/* Functions (part of the memo context: one call site, one function). */
#define PN_FN_P_ALIVE 1
#define PN_FN_COND_EXPECTED 2
#define PN_FN_COND_PROB 3
#define PN_FN_DERT 4

/* |B| of a memoized (x, T) at most this (see above) */
#define PN_B_MAX 1e300

/*
 * Select the memo context: the parameters, the function fn and its own
 * arguments a1, a2 (horizon, count, discount rate; 0 when unused).
 */
static void
pnbd_memo_context(CrmPredCache *pc, const double *par, int fn, double a1, double a2)
{
	double		ctx[7];

	if (pc == NULL)
		return;
	memcpy(ctx, par, 4 * sizeof(double));
	ctx[4] = a1;
	ctx[5] = a2;
	ctx[6] = (double) fn;
	crm_predcache_use(pc, ctx, 7);
}

/* A row's (x, T) entry: found in the memo, or to be stored by the caller. */
typedef struct PnbdRowT
{
	bool		hit;			/* v came from the memo (B not computed) */
	bool		storable;		/* computed: D2 known and B passes the check */
	double		B;				/* when !hit */
	double		v[CRM_PREDCACHE_NVAL];	/* D2, the caller's factor */
} PnbdRowT;

/* B = ln of the alive-throughout term (pnbd_eval's arithmetic). */
static double
pnbd_pred_B(const PnbdPar *p, double x, double T)
{
	double		B = crm_lgamma_diff(p->r, x) - p->r * crm_log1p(T / p->alpha) -
		p->s * crm_log1p(T / p->beta);

	if (x > 0.0)
		B -= x * log(p->alpha + T);
	return B;
}

/*
 * The caller's factor of (x, T) found with the row's entry, or false (then
 * compute it and pnbd_row_store it).
 */
static bool
pnbd_row_factor(const PnbdRowT *rt, double *f)
{
	if (!rt->hit)
		return false;
	*f = rt->v[1];
	return true;
}

/* Store a computed (x, T) entry with the caller's factor f (row succeeded). */
static void
pnbd_row_store(CrmPredCache *pc, PnbdRowT *rt, double x, double T, double f)
{
	if (rt->hit || !rt->storable)
		return;
	rt->v[1] = f;
	crm_predcache_put(pc, PN_TAG_T, x, T, rt->v);
}

/*
 * ln P(alive at T | x, tx, T) as pnbd_eval computes it (same statuses, same
 * bits), with the factors of the memo pc (NULL: none; its context must be
 * set); *rt says whether the (x, T) entry was found.
 */
static CrmStatus
pnbd_pred_parts(const double *par, double x, double tx, double T, CrmPredCache *pc,
				PnbdRowT *rt, double *D1out, double *D2out)
{
	PnbdPar		p;
	PnbdX		px;
	bool		have_px = false;
	PnbdTerm	t1,
				t2;
	double		D1,
				D2,
				s1,
				lomz1,
				k2,
				rho,
				w;
	double		vX[CRM_PREDCACHE_NVAL];
	bool		hitX;
	CrmStatus	st;

	rt->hit = rt->storable = false;
	rt->B = 0.0;
	if (!par_ok(par))
		return CRM_EPARAM;
	if (!(x >= 0.0) || !crm_isfinite(x) || !(tx >= 0.0) || !(T >= tx) ||
		!crm_isfinite(T) || (x == 0.0 && tx != 0.0))
		return CRM_EDOMAIN;
	/* pnbd_par_setup without ln α, ln β: those are made on a miss */
	p.r = par[0];
	p.alpha = par[1];
	p.s = par[2];
	p.beta = par[3];
	p.age = p.alpha >= p.beta;
	p.m = p.age ? p.alpha : p.beta;
	p.mn = p.age ? p.beta : p.alpha;
	p.delta = p.m - p.mn;
	p.la = p.lb = 0.0;
	crm_predcache_prefetch(pc, PN_TAG_T, x, T);
	if (tx != T)
		crm_predcache_prefetch(pc, PN_TAG_TX, x, tx);
	rt->hit = crm_predcache_get(pc, PN_TAG_T, x, T, rt->v);
	if (!rt->hit)
		rt->B = pnbd_pred_B(&p, x, T);

	if (tx == T)
	{
		/* the customer bought at T: alive for sure */
		*D1out = *D2out = -INFINITY;
		return rt->hit || crm_isfinite(rt->B) ? CRM_OK : CRM_ERANGE;
	}

	/* the recency term (first, as in pnbd_eval, so that statuses agree) */
	hitX = crm_predcache_get(pc, PN_TAG_TX, x, tx, vX);
	if (hitX)
	{
		s1 = vX[0];
		lomz1 = vX[1];
	}
	else
	{
		pnbd_par_setup(par, &p);
		pnbd_x_setup(&p, x, false, &px);
		have_px = true;
		st = pnbd_term(&p, &px, 0, tx, false, &t1);
		if (st != CRM_OK)
			return st;
		s1 = px.lcf[0] + t1.le;
		lomz1 = t1.lomz;
		vX[0] = s1;
		vX[1] = lomz1;
		crm_predcache_put(pc, PN_TAG_TX, x, tx, vX);
	}
	/* the age term */
	if (rt->hit)
		D2 = rt->v[0];
	else
	{
		if (!have_px)
		{
			pnbd_par_setup(par, &p);
			pnbd_x_setup(&p, x, false, &px);
		}
		st = pnbd_term(&p, &px, 1, T, false, &t2);
		if (st != CRM_OK)
			return st;
		D2 = px.lcf[1] + t2.le + (p.age ? t2.lomz : 0.0);
		rt->v[0] = D2;
		rt->v[1] = 0.0;
		rt->storable = crm_isfinite(rt->B) && fabs(rt->B) <= PN_B_MAX;
	}
	/* pnbd_eval's D1, lse and checks, term by term in the same order */
	w = p.r + p.s + x;
	k2 = p.age ? p.s : p.r + x;
	rho = crm_log1p(p.delta * (T - tx) / ((p.m + T) * (p.mn + tx)));
	D1 = s1 + w * crm_log1p((T - tx) / (p.m + tx)) + k2 * rho + (p.age ? 0.0 : lomz1);
	*D1out = D1;
	*D2out = D2;
	return CRM_OK;
}

/*
 * P(alive) from pnbd_pred_parts, or its log when in_log.  ln P(alive) =
 * −ln(e^D1 + e^D2), at most 0; P(alive) = 1/(e^D1 + e^D2) = e^−h/(1 +
 * e^(l−h)) (h, l the larger and the smaller of D1, D2; at most 1): two exp
 * instead of the exp, log1p and exp of e^(ln P(alive)).  The same statuses
 * either way (ln L = B + ln(e^D1 + e^D2) must be finite).  *rt as from
 * pnbd_pred_parts: the caller stores the (x, T) entry when it succeeds.
 */
static CrmStatus
pnbd_pred_alive(const double *par, double x, double tx, double T, CrmPredCache *pc,
				bool in_log, PnbdRowT *rt, double *out)
{
	double		D1,
				D2,
				h,
				l,
				v;
	CrmStatus	st = pnbd_pred_parts(par, x, tx, T, pc, rt, &D1, &D2);

	if (st != CRM_OK)
		return st;
	if (tx == T)
	{
		/* alive for sure (pnbd_pred_parts checked B) */
		*out = in_log ? 0.0 : 1.0;
		return CRM_OK;
	}
	if (in_log)
	{
		double		lse = crm_logaddexp(D1, D2);

		if (lse < 0.0)
			lse = 0.0;
		*out = -lse;
		if (rt->hit && !(lse <= PN_B_MAX))
		{
			PnbdPar		p;

			pnbd_par_setup(par, &p);
			rt->B = pnbd_pred_B(&p, x, T);
		}
		else if (rt->hit)
			return CRM_OK;		/* |B| <= PN_B_MAX, lse in [0, PN_B_MAX] */
		return crm_isfinite(rt->B + lse) ? CRM_OK : CRM_ERANGE;
	}
	if (isnan(D1) || isnan(D2))
		return CRM_ERANGE;
	h = D1 > D2 ? D1 : D2;
	l = D1 > D2 ? D2 : D1;
	if (h == INFINITY || !crm_isfinite(rt->B))
		return CRM_ERANGE;
	if (h == -INFINITY)
	{
		*out = 1.0;				/* both terms vanish: ln(e^D1 + e^D2) < 0, taken as 0 */
		return CRM_OK;
	}
	v = exp(-h) / (1.0 + exp(l - h));
	*out = v < 1.0 ? v : 1.0;
	return CRM_OK;
}

CrmStatus
crm_pnbd_p_alive(const double *par, double x, double tx, double T, double *out)
{
	return crm_pnbd_p_alive_memo(par, x, tx, T, NULL, out);
}

CrmStatus
crm_pnbd_p_alive_memo(const double *par, double x, double tx, double T, CrmPredCache *pc,
					  double *out)
{
	PnbdRowT	rt;
	CrmStatus	st;

	pnbd_memo_context(pc, par, PN_FN_P_ALIVE, 0.0, 0.0);
	st = pnbd_pred_alive(par, x, tx, T, pc, false, &rt, out);
	if (st == CRM_OK)
		pnbd_row_store(pc, &rt, x, T, 0.0);
	return st;
}

CrmStatus
crm_pnbd_log_p_alive(const double *par, double x, double tx, double T, double *out)
{
	PnbdRowT	rt;

	return pnbd_pred_alive(par, x, tx, T, NULL, true, &rt, out);
}

/* [1 − e^(−εL)]/ε, = L at ε = 0 (the s = 1 limit of the expectations). */
static double
pnbd_expm1_ratio(double eps, double L)
{
	if (eps == 0.0)
		return L;
	return -expm1(-eps * L) / eps;
}

/* E[X(t)] = rβ/(α(s−1)) [1 − (β/(β+t))^(s−1)] for a new customer. */
CrmStatus
crm_pnbd_expected(const double *par, double t, double *out)
{
	double		v;

	if (!par_ok(par))
		return CRM_EPARAM;
	if (!(t >= 0.0) || !crm_isfinite(t))
		return CRM_EDOMAIN;
	v = par[0] * (par[3] / par[1]) * pnbd_expm1_ratio(par[2] - 1.0, crm_log1p(t / par[3]));
	if (!crm_isfinite(v))
		return CRM_ERANGE;
	*out = v;
	return CRM_OK;
}

/*
 * E[Y(t) | x, tx, T] = (r+x)(β+T)/((α+T)(s−1)) [1 − ((β+T)/(β+T+t))^(s−1)]
 * · P(alive): *es = the first factor (it depends on (x, T): memoized with
 * the row's (x, T) entry when it is a normal number, or 0 for t = 0) and
 * *ls its log (NaN when *es came from the memo), then ln P(alive) (log,
 * for the log form) or P(alive) (linear).  pc is used by the linear form
 * only.
 */
static CrmStatus
pnbd_cond_expected_parts(const double *par, double t, double x, double tx, double T,
						 CrmPredCache *pc, bool linear, double *ls, double *es,
						 double *p)
{
	PnbdRowT	rt;
	CrmStatus	st;

	if (!par_ok(par))
		return CRM_EPARAM;
	if (!(t >= 0.0) || !crm_isfinite(t))
		return CRM_EDOMAIN;
	if (!linear)
		pc = NULL;
	pnbd_memo_context(pc, par, PN_FN_COND_EXPECTED, t, 0.0);
	st = pnbd_pred_alive(par, x, tx, T, pc, !linear, &rt, p);
	if (st != CRM_OK)
		return st;
	if (pnbd_row_factor(&rt, es))
	{
		*ls = NAN;
		return CRM_OK;
	}
	*ls = log(par[0] + x) + log(par[3] + T) - log(par[1] + T) +
		log(pnbd_expm1_ratio(par[2] - 1.0, crm_log1p(t / (par[3] + T))));
	*es = exp(*ls);
	if (isnormal(*es) || t == 0.0)
		pnbd_row_store(pc, &rt, x, T, *es);
	return CRM_OK;
}

/*
 * E[Y(t) | x, tx, T], or its log when in_log (−Inf for t = 0): the
 * product of the memoized first factor and P(alive) when the factor is a
 * normal number, else from the logs.
 */
static CrmStatus
pnbd_cond_expected(const double *par, double t, double x, double tx, double T,
				   CrmPredCache *pc, bool in_log, double *out)
{
	double		ls,
				es,
				p,
				v;
	PnbdRowT	rt;
	CrmStatus	st = pnbd_cond_expected_parts(par, t, x, tx, T, pc, !in_log, &ls, &es, &p);

	if (st != CRM_OK)
		return st;
	if (!in_log)
	{
		if (t == 0.0)
		{
			*out = 0.0;
			return CRM_OK;
		}
		if (isnormal(es))
		{
			*out = es * p;
			return crm_isfinite(*out) ? CRM_OK : CRM_ERANGE;
		}
		/* the factor under- or overflows (so ls is known): ln P(alive) instead of P(alive) */
		if ((st = pnbd_pred_alive(par, x, tx, T, NULL, true, &rt, &p)) != CRM_OK)
			return st;
	}
	v = p + ls;
	if (isnan(v) || v == INFINITY)
		return CRM_ERANGE;
	*out = in_log ? v : exp(v);
	return in_log || crm_isfinite(*out) ? CRM_OK : CRM_ERANGE;
}

CrmStatus
crm_pnbd_log_cond_expected(const double *par, double t, double x, double tx, double T,
						   double *out)
{
	return pnbd_cond_expected(par, t, x, tx, T, NULL, true, out);
}

CrmStatus
crm_pnbd_cond_expected(const double *par, double t, double x, double tx, double T,
					   double *out)
{
	return crm_pnbd_cond_expected_memo(par, t, x, tx, T, NULL, out);
}

CrmStatus
crm_pnbd_cond_expected_memo(const double *par, double t, double x, double tx, double T,
							CrmPredCache *pc, double *out)
{
	return pnbd_cond_expected(par, t, x, tx, T, pc, false, out);
}

typedef struct PmfCtx
{
	double		n,
				k,
				s,
				A,
				B;
	double		q0,				/* reference point (the mode) */
				u0;				/* e^q0 */
} PmfCtx;

/*
 * With u = e^q: φ(q) = ln of u (u/(A+u))^n (1+u/A)^−k (1+u/B)^−s / (B+u),
 * concave in q.  pmf_f returns φ(q) − φ(q0), formed from d = q − q0 so that
 * large k, n or s do not bury the shape under rounding:
 * (n+1) d − (k+n) ln((A+u)/(A+u0)) − (s+1) ln((B+u)/(B+u0)).
 */
static double
pmf_f(void *vctx, double q, double dl, double dr, double *aux)
{
	PmfCtx	   *c = (PmfCtx *) vctx;
	double		d = q - c->q0;
	double		em = c->u0 * expm1(d);	/* u − u0 */

	return (c->n + 1.0) * d - (c->k + c->n) * crm_log1p(em / (c->A + c->u0)) -
		(c->s + 1.0) * crm_log1p(em / (c->B + c->u0));
}

/* φ(q0) itself */
static double
pmf_phi0(const PmfCtx *c)
{
	double		l = c->q0 - c->k * crm_log1p(c->u0 / c->A) - c->s * crm_log1p(c->u0 / c->B) -
		log(c->B + c->u0);

	if (c->n > 0.0)
		l -= c->n * crm_log1p(c->A / c->u0);
	return l;
}

/* φ'(q) = 1 + nA/(A+u) − ku/(A+u) − (s+1)u/(B+u), decreasing. */
static double
pmf_slope(void *vctx, double q)
{
	PmfCtx	   *c = (PmfCtx *) vctx;
	double		u = exp(q);

	return 1.0 + (c->n * c->A - c->k * u) / (c->A + u) - (c->s + 1.0) * u / (c->B + u);
}

/*
 * ln P(n purchases in (0, t]) for a customer alive at 0 with purchase rate
 * λ ~ Gamma(k, A) and death rate μ ~ Gamma(s, B):
 *	NB(n; k, A/(A+t)) (B/(B+t))^s                          (alive at t)
 *	+ s Γ(k+n)/(Γ(k) n!) A^k B^s ∫0^t u^n (A+u)^−(k+n) (B+u)^−(s+1) du
 *	(dies at u < t after n purchases).  Both terms are positive.  The
 * integral is taken over q = ln u, where its integrand is log-concave.
 */
static CrmStatus
pnbd_pmf_alive(double k, double s, double A, double B, double n, double t, double *logp)
{
	PmfCtx		c;
	double		lc,
				term1,
				lJ,
				qt = log(t),
				qm,
				u,
				kappa;
	CrmStatus	st;

	if (t == 0.0)
	{
		*logp = n == 0.0 ? 0.0 : -INFINITY;
		return CRM_OK;
	}
	lc = crm_lgamma_diff(k, n) - crm_lgamma(n + 1.0);
	term1 = lc - k * crm_log1p(t / A) - s * crm_log1p(t / B);
	if (n > 0.0)
		term1 -= n * crm_log1p(A / t);

	c.n = n;
	c.k = k;
	c.s = s;
	c.A = A;
	c.B = B;
	if (pmf_slope(&c, qt) >= 0.0)
		qm = qt;				/* increasing up to t */
	else if (!decreasing_root(pmf_slope, &c, qt, &qm))
		return CRM_ENOCONV;
	if (qm > qt)
		qm = qt;
	u = exp(qm);
	c.q0 = qm;
	c.u0 = u;
	kappa = (n + k) * A * u / ((A + u) * (A + u)) + (s + 1.0) * B * u / ((B + u) * (B + u));
	st = logconcave_integral(pmf_f, &c, qm, 1.0 / sqrt(kappa > 1e-300 ? kappa : 1e-300), qt, &lJ);
	if (st != CRM_OK)
		return st;
	*logp = crm_logaddexp(term1, lc + log(s) + pmf_phi0(&c) + lJ);
	return isnan(*logp) ? CRM_ERANGE : CRM_OK;
}

/* n must be a non-negative integer (as a double). */
static bool
count_ok(double n)
{
	return n >= 0.0 && crm_isfinite(n) && n == floor(n);
}

/* P(X(t) = n) for a new customer. */
CrmStatus
crm_pnbd_prob_n(const double *par, double n, double t, double *out)
{
	double		lp;
	CrmStatus	st;

	if (!par_ok(par))
		return CRM_EPARAM;
	if (!count_ok(n) || !(t >= 0.0) || !crm_isfinite(t))
		return CRM_EDOMAIN;
	st = pnbd_pmf_alive(par[0], par[2], par[1], par[3], n, t, &lp);
	if (st != CRM_OK)
		return st;
	*out = exp(lp);
	return CRM_OK;
}

/*
 * P(n purchases in (T, T+t] | x, tx, T): a customer dead at T makes none;
 * one alive at T has λ ~ Gamma(r+x, α+T), μ ~ Gamma(s, β+T) (memoryless
 * lifetime), so P = [n = 0](1 − P(alive)) + P(alive) · pmf_alive(n, t).
 */
CrmStatus
crm_pnbd_cond_prob_n(const double *par, double n, double t, double x, double tx,
					 double T, double *out)
{
	return crm_pnbd_cond_prob_n_memo(par, n, t, x, tx, T, NULL, out);
}

CrmStatus
crm_pnbd_cond_prob_n_memo(const double *par, double n, double t, double x, double tx,
						  double T, CrmPredCache *pc, double *out)
{
	double		lpa,
				lq;
	PnbdRowT	rt;
	CrmStatus	st;

	if (!par_ok(par))
		return CRM_EPARAM;
	if (!count_ok(n) || !(t >= 0.0) || !crm_isfinite(t))
		return CRM_EDOMAIN;
	pnbd_memo_context(pc, par, PN_FN_COND_PROB, n, t);
	st = pnbd_pred_alive(par, x, tx, T, pc, true, &rt, &lpa);
	if (st != CRM_OK)
		return st;
	/* ln P(n | alive at T) depends on (x, T): kept with the row's entry */
	if (!pnbd_row_factor(&rt, &lq))
	{
		st = pnbd_pmf_alive(par[0] + x, par[2], par[1] + T, par[3] + T, n, t, &lq);
		if (st != CRM_OK)
			return st;
		pnbd_row_store(pc, &rt, x, T, lq);
	}
	if (n == 0.0)
		*out = -expm1(lpa) + exp(lpa + lq);
	else
		*out = exp(lpa + lq);
	return CRM_OK;
}

typedef struct DertCtx
{
	double		s,
				z;
	double		q0,				/* reference point (the mode) */
				u0;				/* e^q0 */
} DertCtx;

/*
 * With u = e^q: φ(q) = ln of u^s e^−u / (z + u), concave in q.  dert_f
 * returns φ(q) − φ(q0) = s d − (u − u0) − ln((z+u)/(z+u0)), d = q − q0.
 */
static double
dert_f(void *vctx, double q, double dl, double dr, double *aux)
{
	DertCtx    *c = (DertCtx *) vctx;
	double		d = q - c->q0;
	double		em = c->u0 * expm1(d);	/* u − u0 */

	return c->s * d - em - crm_log1p(em / (c->z + c->u0));
}

/* φ'(q) = s − u − u/(z+u), decreasing. */
static double
dert_slope(void *vctx, double q)
{
	DertCtx    *c = (DertCtx *) vctx;
	double		u = exp(q);

	return c->s - u - u / (c->z + u);
}

/*
 * ln[z^(s−1) U(s, s, z)] = ln E[1/(z + G)], G ~ Gamma(s, 1):
 * substituting u = z t in U(s,s,z) = (1/Γ(s)) ∫0^∞ t^(s−1) e^(−zt)/(1+t) dt
 * gives z^(s−1) U = (1/Γ(s)) ∫0^∞ u^(s−1) e^(−u)/(z+u) du, taken over
 * q = ln u where the integrand is log-concave.  (The general
 * crm_hyperu_ss in hyp.c returns U alone; this product is what DERT needs,
 * and it stays well scaled when z^(s−1) and U do not.)
 */
static CrmStatus
pnbd_log_dert_factor(double s, double z, double *out)
{
	DertCtx		c;
	double		qm,
				u,
				kappa,
				lI;
	CrmStatus	st;

	c.s = s;
	c.z = z;
	if (!decreasing_root(dert_slope, &c, log(s), &qm))
		return CRM_ENOCONV;
	u = exp(qm);
	c.q0 = qm;
	c.u0 = u;
	kappa = u + z * u / ((z + u) * (z + u));
	st = logconcave_integral(dert_f, &c, qm, 1.0 / sqrt(kappa > 1e-300 ? kappa : 1e-300),
							 INFINITY, &lI);
	if (st != CRM_OK)
		return st;
	*out = lI + (s * qm - u - log(z + u)) - crm_lgamma(s);
	return crm_isfinite(*out) ? CRM_OK : CRM_ERANGE;
}

/*
 * DERT = α^r β^s δ^(s−1) Γ(r+x+1) U(s, s; δ(β+T)) / [Γ(r) (α+T)^(r+x+1) L]
 *		= P(alive) (r+x) (β+T)/(α+T) · z^(s−1) U(s, s, z),  z = δ(β+T).
 */
CrmStatus
crm_pnbd_dert(const double *par, double delta, double x, double tx, double T, double *out)
{
	return crm_pnbd_dert_memo(par, delta, x, tx, T, NULL, out);
}

CrmStatus
crm_pnbd_dert_memo(const double *par, double delta, double x, double tx, double T,
				   CrmPredCache *pc, double *out)
{
	double		lpa,
				z,
				v,
				lf,
				ld;
	PnbdRowT	rt;
	CrmStatus	st;

	if (!par_ok(par))
		return CRM_EPARAM;
	if (!(delta > 0.0) || !crm_isfinite(delta))
		return CRM_EDOMAIN;
	pnbd_memo_context(pc, par, PN_FN_DERT, delta, 0.0);
	st = pnbd_pred_alive(par, x, tx, T, pc, true, &rt, &lpa);
	if (st != CRM_OK)
		return st;
	/* ln DERT / P(alive) depends on (x, T): kept with the row's entry */
	if (!pnbd_row_factor(&rt, &ld))
	{
		z = delta * (par[3] + T);
		if (!(z > 0.0) || !crm_isfinite(z))
			return CRM_ERANGE;
		st = pnbd_log_dert_factor(par[2], z, &lf);
		if (st != CRM_OK)
			return st;
		ld = log(par[0] + x) + log(par[3] + T) - log(par[1] + T) + lf;
		pnbd_row_store(pc, &rt, x, T, ld);
	}
	v = exp(lpa + ld);
	if (!crm_isfinite(v))
		return CRM_ERANGE;
	*out = v;
	return CRM_OK;
}
