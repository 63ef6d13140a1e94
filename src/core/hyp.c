/*
 * hyp.c
 *		Gauss hypergeometric 2F1(a, b; c; z) for real parameters and z < 1,
 *		and Tricomi U(s, s, z) = e^z Γ(1 − s, z), both in log space.
 *
 * Which method covers which region (2F1):
 *	- z < 0: Pfaff, 2F1 = (1−z)^−a 2F1(a, c−b; c; z/(z−1)), which moves the
 *	  argument into [0, 1) without alternating signs; then as below.
 *	- 0 <= x < 1, first choice: the Maclaurin series of either the function or
 *	  its Euler transform (1−x)^(c−a−b) 2F1(c−a, c−b; c; x), whichever has the
 *	  smaller numerator parameters.  This covers |x| <= 1/2 with moderate
 *	  parameters in a few dozen terms, and the BG/NBD conditional expectation
 *	  with x up to thousands (Euler leaves numerator parameters of order one
 *	  against c in the thousands, so the series converges at any x < 1).
 *	- x near 1, one of a, b, c−a, c−b equal to 1 (Pareto/NBD (w, b; w+1),
 *	  BG/BB DERT, sBG DEL/DERL): Pfaff to 2F1(1, B; c; x/(x−1)) and Gauss's
 *	  continued fraction, evaluated by the modified Lentz method.  At a
 *	  negative argument its partial numerators are positive for these
 *	  parameters, so no cancellation occurs however large the parameters.
 *	- x near 1, (1−x)·max|param| small and c−a−b not near an integer: the
 *	  z → 1−z connection formula, accepted only if its two terms do not cancel
 *	  (they do for large parameters, as the reference README warns).
 *	- x near 1 otherwise, moderate parameters and c > 0 (including c−a−b an
 *	  integer or nearly so): analytic continuation along the real axis by Taylor steps of
 *	  the hypergeometric ODE, from x = 1/2 (series) towards 1, each step half
 *	  the distance to the singularity.  This has no trouble with integer
 *	  c−a−b, which makes the connection formula degenerate.
 *	- Otherwise a long series, and CRM_ENOCONV if nothing reaches full
 *	  accuracy.  Gamma-function ratios are formed with crm_lgamma_diff from
 *	  exact parameter differences, so large parameters lose no digits there;
 *	  prefactors (c−a−b)·ln(1−z), which reach thousands, are formed in
 *	  double-double (log1m_dd, cab_sum) so a log near 700 keeps its last bit.
 *
 * U(s, s, z) = e^z Γ(a, z) with a = 1 − s: Legendre's continued fraction for
 * z >= 1.5; for smaller z the series Γ(a, z) = Γ(a) − γ(a, z) at a0 = a
 * shifted into (−1/2, 1), with Γ(a0) − z^a0/a0 formed without cancellation
 * near a0 = 0 (ζ series for ln Γ(1 + a0)), then the recurrence
 * U(a − 1) = (U(a) − z^(a−1))/(a − 1) down to a.
 *
 * Why no library: GSL's gsl_sf_hyperg_2F1 is GPL and restricted to |z| < 1
 * without large-parameter stability; Cephes/scipy's hyp2f1 fails in several
 * of the regimes the models meet (c − a − b near an integer, parameters in
 * the thousands near z = 1); Boost is C++.  What the models need is a small,
 * accurate, allocation-free routine, written here.
 */
#include <math.h>

#include "special.h"

#define LN2			0.69314718055994530942
#define EULER_GAMMA 0.57721566490153286061

/* relative size of the neglected tail of a series or continued fraction */
#define SER_TOL		1e-17
/* largest max|term| / |sum| accepted (about 4 bits lost) */
#define CANC_MAX	16.0
/* parameters up to this size use Taylor stepping near z = 1 */
#define TAYLOR_MAXPAR 60.0

/* log|F| with sign; sign 0 means F == 0 */
typedef struct HypVal
{
	double		l;
	int			s;
} HypVal;

/* result of a partial Maclaurin sum, scaled by exp(lscale) */
typedef struct HypSum
{
	double		s0;				/* Σ t_k */
	double		s1;				/* Σ k t_k (for the derivative) */
	double		lscale;
	double		maxabs;			/* max |t_k| (same scale) */
	bool		conv;
} HypSum;

/* error-free sum: s + err == x + y exactly */
static inline double
two_sum(double x, double y, double *err)
{
	double		s = x + y;
	double		bb = s - x;

	*err = (x - (s - bb)) + (y - bb);
	return s;
}

/*
 * c − a − b as an unevaluated sum hi + *lo (exact up to ~1e-32 relative):
 * it multiplies ln(1 − z) in exponents that reach several thousand.
 */
static double
cab_sum(double a, double b, double c, double *lo)
{
	double		e1,
				e2,
				s,
				t,
				hi;

	s = two_sum(c, -a, &e1);
	t = two_sum(s, -b, &e2);
	hi = t + (e1 + e2);
	*lo = (e1 + e2) - (hi - t);
	return hi;
}

/*
 * ln(1 − z) for z < 1 as hi + *lo, good to ~1e-19 relative.  Exponents
 * (c−a−b)·ln(1−z) reach ~700 for finite values; a plain log1p's last-bit
 * error times c−a−b would then cost a unit in the last place of the result.
 * 1 − z = m·2^k (double-double), m in [√½, √2), ln m = 2 atanh(u),
 * u = (m−1)/(m+1) (|u| < 0.172), the leading 2u kept in double-double.
 */
static double
log1m_dd(double z, double *lo)
{
	const double ln2_hi = 6.93147180559945286227e-01;
	const double ln2_lo = 2.31904681384629955842e-17;
	double		yl,
				yh,
				mh,
				ml,
				nh,
				dh,
				dl,
				uh,
				ul,
				u2,
				p,
				kh,
				kl,
				sh,
				sl,
				hi;
	int			k,
				j;

	yh = two_sum(1.0, -z, &yl);
	mh = frexp(yh, &k);
	ml = ldexp(yl, -k);
	if (mh < M_SQRT1_2)
	{
		mh *= 2.0;
		ml *= 2.0;
		k--;
	}
	nh = mh - 1.0;				/* exact: m in [√½, √2) */
	dh = two_sum(mh, 1.0, &dl);
	dl += ml;
	uh = (nh + ml) / dh;
	ul = ((fma(-uh, dh, nh) + ml) - uh * dl) / dh;
	u2 = uh * uh;
	p = 1.0 / 29.0;
	for (j = 27; j >= 3; j -= 2)
		p = p * u2 + 1.0 / j;
	kh = k * ln2_hi;
	kl = fma((double) k, ln2_hi, -kh) + k * ln2_lo;
	sh = two_sum(kh, 2.0 * uh, &sl);
	sl += kl + 2.0 * ul + 2.0 * uh * u2 * p;
	hi = sh + sl;
	*lo = sl - (hi - sh);
	return hi;
}

/* true when x is 0, −1, −2, ... */
static inline bool
is_nonpos_int(double x)
{
	return x <= 0.0 && x == floor(x);
}

/* signed log-gamma for any real x; *sgn = 0 at the poles (returns +Inf) */
static double
lgamma_signed(double x, int *sgn)
{
	if (is_nonpos_int(x))
	{
		*sgn = 0;
		return INFINITY;
	}
	if (x > 0.0)
	{
		*sgn = 1;
		return crm_lgamma(x);
	}
	else
	{
		/*
		 * Reflection Γ(x)Γ(1−x) = π/sin(πx), with sin(πx) = (−1)^n sin(πr),
		 * x = n + r exactly: libm's lgamma loses digits for negative x.
		 */
		double		n = nearbyint(x);
		double		r = x - n;
		double		sr = sin(M_PI * r);

		if (fmod(n, 2.0) != 0.0)
			sr = -sr;
		*sgn = sr > 0.0 ? 1 : -1;
		return log(M_PI) - log(fabs(sr)) - crm_lgamma(1.0 - x);
	}
}

/*
 * ln|Γ(x + d) / Γ(x)| with its sign, x and d given exactly (the caller passes
 * the exact parameters, not a rounded sum).  −Inf (sign 0) when x + d is a
 * pole, +Inf when only x is (the ratio is then infinite; callers avoid it).
 */
static double
lgamma_ratio(double x, double d, int *sgn)
{
	int			s1,
				s2;
	double		l1,
				l2;

	if (d == 0.0)
	{
		*sgn = 1;
		return 0.0;
	}
	if (x > 0.0 && x + d > 0.0)
	{
		*sgn = 1;
		return crm_lgamma_diff(x, d);
	}
	l1 = lgamma_signed(x + d, &s1);
	l2 = lgamma_signed(x, &s2);
	if (s1 == 0)
	{
		*sgn = 0;
		return -INFINITY;		/* 1/Γ(x + d) = 0 after inversion by caller */
	}
	if (s2 == 0)
	{
		*sgn = s1;
		return -INFINITY;		/* Γ(x + d)/Γ(x) = 0 */
	}
	*sgn = s1 * s2;
	return l1 - l2;
}

/*
 * Partial Maclaurin sum of 2F1(a, b; c; x) (also Σ k t_k when deriv), with
 * rescaling so that huge terms cannot overflow.  Stops when a polynomial
 * ends or when the tail, bounded geometrically by max(|next ratio|, |x|),
 * is below SER_TOL relative; at most maxterms terms.
 */
static void
hyp_sum(double a, double b, double c, double x, int maxterms, bool deriv,
		HypSum *hs)
{
	double		t = 1.0,
				s0 = 1.0,
				s1 = 0.0,
				lsc = 0.0,
				mx = 1.0;
	double		kmin = fmax(fmax(-a, -b), fmax(-c, 0.0));
	double		ax = fabs(x);
	double		r = a * b / c * x;	/* t_1 / t_0 */
	int			k;

	hs->conv = false;
	for (k = 0; k < maxterms; k++)
	{
		double		k1 = (double) k + 1.0;
		double		at,
					rn;

		t *= r;
		s0 += t;
		if (deriv)
			s1 += k1 * t;
		at = fabs(t);
		if (at > mx)
			mx = at;
		if (at > 0x1p600 || fabs(s0) > 0x1p600)
		{
			t *= 0x1p-600;
			s0 *= 0x1p-600;
			s1 *= 0x1p-600;
			mx *= 0x1p-600;
			at *= 0x1p-600;
			lsc += 600.0 * LN2;
		}
		/* ratio t_{k+2} / t_{k+1}; zero when a polynomial ends */
		rn = (a + k1) * (b + k1) / ((c + k1) * (k1 + 1.0)) * x;
		if (rn == 0.0 || at == 0.0)
		{
			hs->conv = true;
			break;
		}
		if (k1 > kmin)
		{
			double		rb = fmax(fabs(rn), ax);

			/* tail <= at·rb/(1 − rb), tested without a division */
			if (rb < 1.0 && at * rb <= SER_TOL * fabs(s0) * (1.0 - rb) &&
				(!deriv || at * rb * (k1 + 1.0) <= SER_TOL * fabs(s1) * (1.0 - rb) * (1.0 - rb)))
			{
				hs->conv = true;
				break;
			}
		}
		r = rn;
	}
	hs->s0 = s0;
	hs->s1 = s1;
	hs->lscale = lsc;
	hs->maxabs = mx;
}

/*
 * Series of 2F1(a, b; c; x) times exp(pre + pre_lo), pre_lo the rounding
 * error of a large prefactor exponent (so that a log of ~700 keeps its last
 * bit); true when accurate.
 */
static bool
try_series(double a, double b, double c, double x, double pre, double pre_lo,
		   int cap, HypVal *out)
{
	HypSum		hs;

	hyp_sum(a, b, c, x, cap, false, &hs);
	if (hs.conv && hs.s0 == 0.0 && (is_nonpos_int(a) || is_nonpos_int(b)))
	{
		/* a polynomial that sums to exactly zero */
		out->l = -INFINITY;
		out->s = 0;
		return true;
	}
	if (!hs.conv || hs.s0 == 0.0 || !crm_isfinite(hs.s0) ||
		hs.maxabs > CANC_MAX * fabs(hs.s0))
		return false;
	out->l = pre + ((log(fabs(hs.s0)) + hs.lscale) + pre_lo);
	out->s = hs.s0 > 0.0 ? 1 : -1;
	return crm_isfinite(out->l);
}

/*
 * 2F1(1, B; c; w) for w <= 0 by Gauss's continued fraction
 *	F = 1/(1 + d1/(1 + d2/(1 + ...))),
 *	d1 = −B w/c, d(2m+1) = −(c−1+m)(B+m) w/((c−1+2m)(c+2m)),
 *	d(2m) = m(B−c+1−m) w/((c−2+2m)(c−1+2m)),
 * by the modified Lentz method.  B is passed exactly (it is a difference of
 * the caller's parameters that is exact, e.g. b when c − a = 1).
 */
static bool
cf_one(double B, double c, double w, int maxit, HypVal *out)
{
	const double tiny = 1e-300;
	double		f = 1.0,
				C = 1.0,
				D = 0.0;
	double		q = (B + 1.0) - c;
	int			j;

	for (j = 1; j <= maxit; j++)
	{
		double		dj,
					delta;

		if (j == 1)
			dj = -B * w / c;
		else if (j & 1)
		{
			double		m = (double) ((j - 1) / 2);

			dj = -((c - 1.0 + m) * (B + m)) / ((c - 1.0 + 2.0 * m) * (c + 2.0 * m)) * w;
		}
		else
		{
			double		m = (double) (j / 2);

			dj = (m * (q - m)) / ((c - 2.0 + 2.0 * m) * (c - 1.0 + 2.0 * m)) * w;
		}
		D = 1.0 + dj * D;
		if (D == 0.0)
			D = tiny;
		C = 1.0 + dj / C;
		if (C == 0.0)
			C = tiny;
		D = 1.0 / D;
		delta = C * D;
		f *= delta;
		if (fabs(delta - 1.0) <= 2e-16)
		{
			if (f == 0.0 || !crm_isfinite(f))
				return false;
			out->l = -log(fabs(f));
			out->s = f > 0.0 ? 1 : -1;
			return true;
		}
	}
	return false;
}

/* log of |e^l1·s1 + e^l2·s2|; *canc = max term / |sum| */
static HypVal
log_signed_add(HypVal t1, HypVal t2, double *canc)
{
	HypVal		r;
	HypVal		hi = t1.l >= t2.l ? t1 : t2;
	HypVal		lo = t1.l >= t2.l ? t2 : t1;

	if (lo.s == 0 || lo.l == -INFINITY)
	{
		*canc = 1.0;
		return hi;
	}
	if (hi.s == lo.s)
	{
		r.l = crm_logaddexp(hi.l, lo.l);
		r.s = hi.s;
		*canc = 1.0;
		return r;
	}
	if (hi.l == lo.l)
	{
		r.l = -INFINITY;
		r.s = 0;
		*canc = INFINITY;
		return r;
	}
	r.l = crm_logsubexp(hi.l, lo.l);
	r.s = hi.s;
	*canc = exp(hi.l - r.l);
	return r;
}

/*
 * z → 1 − z connection formula (DLMF 15.8.4), y = 1 − x:
 *	F = G1 F(a, b; 1−s; y) + y^s G2 F(c−a, c−b; 1+s; y),  s = c − a − b,
 *	G1 = Γ(c)Γ(s)/(Γ(c−a)Γ(c−b)),  G2 = Γ(c)Γ(−s)/(Γ(a)Γ(b)).
 * Accepted only when both series converge and the terms do not cancel.
 */
static bool
try_connection(double a, double b, double c, double y, double ly, double s,
			   HypVal *out)
{
	HypVal		t1,
				t2,
				f1,
				f2;
	int			sg1,
				sg2;
	double		l1,
				l2,
				canc;
	double		ca = c - a,
				cb = c - b;

	if (is_nonpos_int(s) || is_nonpos_int(-s))
		return false;
	/* G1: pair Γ(c) with the larger of Γ(c−a), Γ(c−b), using exact shifts */
	if (fabs(ca) <= fabs(cb))
	{
		/* Γ(c)/Γ(c−b) · Γ(s)/Γ(c−a), s = (c−a) − b */
		l1 = -lgamma_ratio(c, -b, &sg1);
		l2 = lgamma_ratio(ca, -b, &sg2);
	}
	else
	{
		l1 = -lgamma_ratio(c, -a, &sg1);
		l2 = lgamma_ratio(cb, -a, &sg2);
	}
	t1.s = sg1 * sg2;
	t1.l = l1 + l2;
	if (!crm_isfinite(t1.l) && t1.s != 0)
		t1.s = 0;
	/* G2: Γ(c)/Γ(b) · Γ(−s)/Γ(a), −s = a − (c−b); or a ↔ b */
	if (fabs(cb) <= fabs(ca))
	{
		l1 = lgamma_ratio(b, cb, &sg1);
		l2 = lgamma_ratio(a, -cb, &sg2);
	}
	else
	{
		l1 = lgamma_ratio(a, ca, &sg1);
		l2 = lgamma_ratio(b, -ca, &sg2);
	}
	t2.s = sg1 * sg2;
	t2.l = l1 + l2 + s * ly;
	if (!crm_isfinite(t2.l) && t2.s != 0)
		t2.s = 0;
	if (t1.s != 0)
	{
		if (!try_series(a, b, 1.0 - s, y, 0.0, 0.0, 400, &f1))
			return false;
		t1.l += f1.l;
		t1.s *= f1.s;
	}
	if (t2.s != 0)
	{
		if (!try_series(ca, cb, 1.0 + s, y, 0.0, 0.0, 400, &f2))
			return false;
		t2.l += f2.l;
		t2.s *= f2.s;
	}
	if (t1.s == 0 && t2.s == 0)
		return false;
	*out = log_signed_add(t1, t2, &canc);
	return out->s != 0 && canc <= CANC_MAX && crm_isfinite(out->l);
}

/*
 * Taylor stepping along the hypergeometric ODE
 *	x(1−x)F'' + [c − (a+b+1)x]F' − abF = 0
 * from x0 = 1/2 (F, F' by series) to x = 1 − y, each step going half the
 * remaining distance to the singular point 1 (so each Taylor series
 * converges like 2^−k).  Coefficients g_k = f_k h^k of F(x0 + t):
 *	g_{k+2} = {−[(1−2x0)k + C0](k+1) g_{k+1} h + (k+a)(k+b) g_k h²}
 *			  / (x0(1−x0)(k+1)(k+2)),   C0 = (s − 1) + (a+b+1)(1−x0).
 */
static bool
try_taylor(double a, double b, double c, double y, double s, HypVal *out)
{
	HypSum		hs;
	double		d = 0.5;
	double		F,
				Fp,
				lsc,
				peak;
	int			steps = 0;

	hyp_sum(a, b, c, 0.5, 4000, true, &hs);
	if (!hs.conv || hs.maxabs > CANC_MAX * fabs(hs.s0))
		return false;
	F = hs.s0;
	Fp = hs.s1 / 0.5;
	lsc = hs.lscale;
	peak = lsc + log(fmax(fabs(F), fabs(Fp) * 0.5));
	while (d > y)
	{
		double		dn = fmax(y, 0.5 * d);
		double		h = d - dn;
		double		x0 = 1.0 - d;
		double		A = x0 * d;
		double		B1 = 2.0 * d - 1.0;
		double		C0 = (s - 1.0) + (a + b + 1.0) * d;
		double		g0 = F,
					g1 = Fp * h;
		double		S = g0 + g1,
					Sd = g1,
					mx = fmax(fabs(g0), fabs(g1)),
					m;
		int			k;
		bool		conv = false;

		for (k = 0; k < 2000; k++)
		{
			double		kk = (double) k;
			double		g2;

			g2 = (-(B1 * kk + C0) * (kk + 1.0) * g1 * h
				  + (kk + a) * (kk + b) * g0 * (h * h))
				/ (A * (kk + 1.0) * (kk + 2.0));
			S += g2;
			Sd += (kk + 2.0) * g2;
			if (fabs(g2) > mx)
				mx = fabs(g2);
			if (fabs(g2) + fabs(g1) <= SER_TOL * fabs(S) && k >= 2)
			{
				conv = true;
				break;
			}
			g0 = g1;
			g1 = g2;
		}
		if (!conv || mx > CANC_MAX * fabs(S) || !crm_isfinite(S))
			return false;
		F = S;
		Fp = Sd / h;
		d = dn;
		/* renormalise so that neither F nor F' can overflow */
		m = fmax(fabs(F), fabs(Fp) * d);
		if (!(m > 0.0) || !crm_isfinite(m))
			return false;
		F /= m;
		Fp /= m;
		lsc += log(m);
		if (lsc > peak)
			peak = lsc;
		if (++steps > 200)
			return false;
	}
	/*
	 * Rounding errors are relative to the size of (F, F'·(1−x)) along the
	 * path; if F ended much smaller than that ever was (it decays towards
	 * a small F(1), or passed near a zero), it is not accurate.
	 */
	if (F == 0.0 || log(fabs(F)) + lsc < peak - log(CANC_MAX))
		return false;
	out->l = log(fabs(F)) + lsc;
	out->s = F > 0.0 ? 1 : -1;
	return crm_isfinite(out->l);
}

/*
 * 2F1(a, b; c; x) for 0 <= x < 1 with y = 1 − x and ly + ly_lo = ln y given
 * accurately by the caller (x may round to 1 when it came from a Pfaff
 * transformation of a huge negative z; y does not).
 */
static CrmStatus
hyp_unit(double a, double b, double c, double x, double y, double ly,
		 double ly_lo, HypVal *out)
{
	double		s_lo;
	double		s = cab_sum(a, b, c, &s_lo);
	double		ca = c - a,
				cb = c - b;
	double		euler_pre = s * ly;
	double		euler_lo = fma(s, ly, -euler_pre) + (s * ly_lo + s_lo * ly);
	bool		poly = is_nonpos_int(a) || is_nonpos_int(b);
	bool		epoly = !poly && (is_nonpos_int(ca) || is_nonpos_int(cb));
	bool		use_euler;
	double		pmax;
	int			cap;

	if (x == 0.0)
	{
		out->l = 0.0;
		out->s = 1;
		return CRM_OK;
	}

	/* direct or Euler form: the one with smaller numerator parameters */
	if (poly)
		use_euler = false;
	else if (epoly)
		use_euler = true;
	else
	{
		double		p1 = fabs(a * b),
					p2 = fabs(ca * cb);

		if (p2 < 0.5 * p1)
			use_euler = true;
		else if (p1 < 0.5 * p2)
			use_euler = false;
		else
			use_euler = s < 0.0;
	}

	/*
	 * Near 1, try the series only if its term ratio has dropped well below
	 * 1 after ~150 terms (it tends to x; large c makes it small for long).
	 */
	cap = 5000;
	if (poly)
		cap = 1 << 30;			/* terminates by itself */
	else if (x > 0.5)
	{
		double		pa = use_euler ? ca : a,
					pb = use_euler ? cb : b;
		double		rk = fabs((pa + 150.0) * (pb + 150.0) / ((c + 150.0) * 151.0) * x);

		cap = rk < 0.85 ? 1500 : 0;
	}
	if (cap > 0)
	{
		if (use_euler)
		{
			if (try_series(ca, cb, c, x, euler_pre, euler_lo, cap, out))
				return CRM_OK;
		}
		else if (try_series(a, b, c, x, 0.0, 0.0, cap, out))
			return CRM_OK;
	}

	pmax = fmax(fmax(fabs(a), fabs(b)), fabs(c));

	/* near 1: connection formula when its series are short */
	if (x > 0.5 && y * (1.0 + pmax) <= 1.0 &&
		fabs(s - nearbyint(s)) > 0.05 &&
		try_connection(a, b, c, y, ly, s, out))
		return CRM_OK;

	/* one of a, b, c−a, c−b is 1: Pfaff to 2F1(1, B; c; −x/y), Gauss CF */
	if (x > 0.0 && (a == 1.0 || b == 1.0 || ca == 1.0 || cb == 1.0))
	{
		double		w = -x / y;
		double		B,
					pre;
		HypVal		v;

		if (a == 1.0)
		{
			B = cb;
			pre = -ly;
		}
		else if (b == 1.0)
		{
			B = ca;
			pre = -ly;
		}
		else if (ca == 1.0)
		{
			B = b;
			pre = -b * ly;
		}
		else
		{
			B = a;
			pre = -a * ly;
		}
		if (cf_one(B, c, w, 6000, &v))
		{
			out->l = v.l + pre;
			out->s = v.s;
			return CRM_OK;
		}
	}

	/* moderate parameters: analytic continuation by Taylor steps */
	if (x > 0.5 && c > 0.0 && pmax <= TAYLOR_MAXPAR && try_taylor(a, b, c, y, s, out))
		return CRM_OK;

	/*
	 * Last resort: a longer series in either form (capped: with ~1e4 terms
	 * the rounding of the term products stays near 1e-14).
	 */
	if (use_euler)
	{
		if (try_series(ca, cb, c, x, euler_pre, euler_lo, 20000, out))
			return CRM_OK;
		if (!poly && try_series(a, b, c, x, 0.0, 0.0, 20000, out))
			return CRM_OK;
	}
	else
	{
		if (try_series(a, b, c, x, 0.0, 0.0, 20000, out))
			return CRM_OK;
		if (!poly && try_series(ca, cb, c, x, euler_pre, euler_lo, 20000, out))
			return CRM_OK;
	}
	return CRM_ENOCONV;
}

/*
 * Gauss 2F1(a, b; c; z), z < 1: log|F| and sign.  See the file header for
 * the methods.
 */
CrmStatus
crm_hyp2f1(double a, double b, double c, double z, double *logabs, int *sign)
{
	HypVal		v;
	CrmStatus	st;

	*logabs = 0.0;
	*sign = 0;
	if (!crm_isfinite(a) || !crm_isfinite(b) || !crm_isfinite(c) ||
		!crm_isfinite(z) || !(z < 1.0))
		return CRM_EDOMAIN;
	if (is_nonpos_int(c))
	{
		/* allowed only if a polynomial ends before the pole: a = −m, m < −c */
		bool		ok = (is_nonpos_int(a) && a > c) || (is_nonpos_int(b) && b > c);

		if (!ok)
			return CRM_EDOMAIN;
		if (z < 0.0)
		{
			/* the Pfaff form would not terminate: sum the polynomial */
			if (!try_series(a, b, c, z, 0.0, 0.0, 1 << 30, &v))
				return CRM_ENOCONV;
			*logabs = v.l;
			*sign = v.s;
			return CRM_OK;
		}
	}
	if (z == 0.0 || a == 0.0 || b == 0.0)
	{
		*logabs = 0.0;
		*sign = 1;
		return CRM_OK;
	}
	/* elementary cases 2F1(a, b; b; z) = (1 − z)^−a */
	if (c == b || c == a)
	{
		*logabs = -(c == b ? a : b) * log1p(-z);
		*sign = 1;
		return crm_isfinite(*logabs) ? CRM_OK : CRM_ERANGE;
	}

	if (z < 0.0)
	{
		/* Pfaff: (1−z)^−a F(a, c−b; c; w) or (1−z)^−b F(b, c−a; c; w) */
		double		l1mz_lo;
		double		l1mz = log1m_dd(z, &l1mz_lo);
		double		y = 1.0 / (1.0 - z);
		double		w = -z * y;
		bool		keep_a;
		double		p,
					pre;

		if (is_nonpos_int(a))
			keep_a = true;
		else if (is_nonpos_int(b))
			keep_a = false;
		else
			keep_a = fabs(a * (c - b)) <= fabs(b * (c - a));
		p = keep_a ? a : b;
		pre = -p * l1mz;

		if (keep_a)
			st = hyp_unit(a, c - b, c, w, y, -l1mz, -l1mz_lo, &v);
		else
			st = hyp_unit(b, c - a, c, w, y, -l1mz, -l1mz_lo, &v);
		v.l = pre + (v.l + (fma(-p, l1mz, -pre) - p * l1mz_lo));
	}
	else
	{
		double		ly_lo;
		double		ly = log1m_dd(z, &ly_lo);

		st = hyp_unit(a, b, c, z, 1.0 - z, ly, ly_lo, &v);
	}

	if (st != CRM_OK)
		return st;
	if (v.s == 0)
	{
		*logabs = -INFINITY;
		*sign = 0;
		return CRM_OK;
	}
	if (!crm_isfinite(v.l))
		return CRM_ERANGE;
	*logabs = v.l;
	*sign = v.s;
	return CRM_OK;
}

/* ζ(k) − 1 for k = 2..31 */
static const double zeta_m1[] = {
	6.4493406684822644e-1, 2.0205690315959429e-1, 8.2323233711138192e-2,
	3.6927755143369926e-2, 1.734306198444914e-2, 8.3492773819228268e-3,
	4.0773561979443394e-3, 2.0083928260822144e-3, 9.9457512781808534e-4,
	4.9418860411946456e-4, 2.460865533080483e-4, 1.2271334757848915e-4,
	6.1248135058704829e-5, 3.0588236307020494e-5, 1.5282259408651872e-5,
	7.6371976378997623e-6, 3.8172932649998399e-6, 1.9082127165539389e-6,
	9.5396203387279611e-7, 4.7693298678780646e-7, 2.3845050272773299e-7,
	1.1921992596531107e-7, 5.960818905125948e-8, 2.980350351465228e-8,
	1.4901554828365041e-8, 7.4507117898354295e-9, 3.7253340247884571e-9,
	1.862659723513049e-9, 9.3132743241966818e-10, 4.6566290650337841e-10
};

/*
 * (Γ(1 + x) − 1)/x for |x| <= 1/2 without cancellation:
 *	ln Γ(1+x) = −γx + Σ_{k>=2} ζ(k)(−x)^k/k
 *			  = −γx + x − ln(1+x) + Σ_{k>=2} (ζ(k)−1)(−x)^k/k,
 * then expm1(L)/x = (expm1(L)/L)(L/x).
 */
static double
gamma1pm1_over_x(double x)
{
	double		lx,
				sum = 0.0,
				p = 1.0,
				L;
	int			k;

	if (x == 0.0)
		return -EULER_GAMMA;
	/* L/x = −γ + 1 − ln(1+x)/x + Σ (ζ(k)−1)(−1)^k x^(k−1)/k */
	for (k = 2; k <= 31; k++)
	{
		p *= -x;				/* (−x)^(k−1) */
		sum += zeta_m1[k - 2] * (-p) / k;
	}
	/* (−1)^k x^(k−1) = −(−x)^(k−1) */
	lx = -EULER_GAMMA + (1.0 - log1p(x) / x) + sum;
	L = lx * x;
	if (L == 0.0)
		return lx;
	return expm1(L) / L * lx;
}

/*
 * e^z Γ(a, z) for a > −1/2 ... < 1, 0 < z < 1.5, by
 *	Γ(a, z) = [Γ(a) − z^a/a] − z^a Σ_{k>=1} (−z)^k / (k!(a + k)),
 * with Γ(a) − z^a/a = (Γ(1+a) − 1)/a − (z^a − 1)/a for |a| <= 1/2.
 */
static double
egamma_inc_series(double a, double z)
{
	double		lz = log(z);
	double		za = exp(a * lz);
	double		head,
				sum = 0.0,
				t = 1.0;
	int			k;

	if (fabs(a) <= 0.5)
	{
		double		g2 = a == 0.0 ? lz : expm1(a * lz) / a;

		head = gamma1pm1_over_x(a) - g2;
	}
	else
		head = exp(crm_lgamma(a)) - za / a;
	for (k = 1; k < 200; k++)
	{
		double		term;

		t *= -z / k;
		term = t / (a + k);
		sum += term;
		if (fabs(term) <= 1e-17 * fabs(sum))
			break;
	}
	return exp(z) * (head - za * sum);
}

/*
 * Tricomi U(s, s, z) = e^z Γ(1 − s, z) for s > 0, z > 0, as ln U.
 */
CrmStatus
crm_hyperu_ss(double s, double z, double *logu)
{
	double		a = 1.0 - s;

	*logu = 0.0;
	if (!crm_isfinite(s) || !crm_isfinite(z) || !(s > 0.0) || !(z > 0.0))
		return CRM_EDOMAIN;

	if (z >= 1.5)
	{
		/*
		 * Legendre: Γ(a,z) = e^−z z^a / (z+1−a − 1(1−a)/(z+3−a − 2(2−a)/(...))),
		 * modified Lentz.
		 */
		const double tiny = 1e-300;
		double		b0 = z + 1.0 - a;
		double		f = b0,
					C = b0,
					D = 0.0;
		int			j;

		for (j = 1; j < 100000; j++)
		{
			double		an = -(double) j * ((double) j - a);
			double		bn = z + 2.0 * j + 1.0 - a;
			double		delta;

			D = bn + an * D;
			if (D == 0.0)
				D = tiny;
			C = bn + an / C;
			if (C == 0.0)
				C = tiny;
			D = 1.0 / D;
			delta = C * D;
			f *= delta;
			if (fabs(delta - 1.0) <= 2e-16)
			{
				if (!(f > 0.0) || !crm_isfinite(f))
					return CRM_ENOCONV;
				*logu = a * log(z) - log(f);
				return CRM_OK;
			}
		}
		return CRM_ENOCONV;
	}
	else
	{
		/* series at a0 = a + n in (−1/2, 1), then n steps down */
		double		a0;
		double		v;
		int			n = 0;

		if (a <= -0.5)
		{
			if (a < -1e6)
				return CRM_ENOCONV;
			n = (int) floor(0.5 - a);
		}
		a0 = a + n;				/* in (−1/2, 1) */
		v = egamma_inc_series(a0, z);
		/* U(a−1) = (U(a) − z^(a−1)) / (a−1), down to a */
		while (n > 0)
		{
			a0 = a + (n - 1);
			v = (v - pow(z, a0)) / a0;
			n--;
		}
		if (!(v > 0.0) || !crm_isfinite(v))
			return CRM_ENOCONV;
		*logu = log(v);
		return CRM_OK;
	}
}
