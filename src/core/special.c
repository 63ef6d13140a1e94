/*
 * special.c
 *		Gamma-family functions and log-space sums for the models:
 *		ln Γ, ln Γ differences, ψ, ψ', ln B, ln(1+e^x), log-add/sub-exp.
 *		(2F1 and U live in hyp.c.)
 *
 * Why not libm alone: libm has lgamma but no digamma/trigamma, and
 * lgamma(x + d) − lgamma(x) loses all digits for large x (x in the thousands
 * for heavy buyers), which the likelihoods need exactly.
 */
#include <math.h>

#include "special.h"

/* ln Γ(x), x > 0.  lgamma_r: the reentrant form that leaves signgam alone. */
double
crm_lgamma(double x)
{
	int			sign;

	return lgamma_r(x, &sign);
}

/*
 * Stirling correction ln Γ(z) − [(z − ½) ln z − z + ½ ln 2π] for z >= 10,
 * Σ_k B_2k / (2k (2k − 1) z^(2k−1)); 8 terms give < 1e-19 at z = 10.
 */
static double
stirling_correction(double z)
{
	double		iz = 1.0 / z;
	double		iz2 = iz * iz;

	return iz * (1.0 / 12 + iz2 * (-1.0 / 360 + iz2 * (1.0 / 1260 + iz2 * (-1.0 / 1680 +
		   iz2 * (1.0 / 1188 + iz2 * (-691.0 / 360360 + iz2 * (1.0 / 156 +
		   iz2 * (-3617.0 / 122400))))))));
}

/*
 * ln Γ(x + d) − ln Γ(x), for x > 0 and x + d > 0.  For x, x + d >= 10 the
 * difference is formed from Stirling's series without subtracting two large
 * logs: (x − ½) log1p(d/x) + d ln(x + d) − d + [S(x + d) − S(x)].
 */
double
crm_lgamma_diff(double x, double d)
{
	double		y = x + d;

	if (d == 0.0)
		return 0.0;
	if (x >= 10.0 && y >= 10.0)
		return (x - 0.5) * log1p(d / x) + d * log(y) - d
			+ (stirling_correction(y) - stirling_correction(x));
	return crm_lgamma(y) - crm_lgamma(x);
}

/*
 * ψ(x) for x > 0: recurrence ψ(x) = ψ(x + 1) − 1/x up to x >= 10, then the
 * asymptotic series ln x − 1/(2x) − Σ B_2k/(2k x^2k).
 */
double
crm_digamma(double x)
{
	double		acc = 0.0;
	double		ix,
				ix2;

	if (!(x > 0.0))
		return NAN;
	if (isinf(x))
		return INFINITY;
	while (x < 10.0)
	{
		acc -= 1.0 / x;
		x += 1.0;
	}
	ix = 1.0 / x;
	ix2 = ix * ix;
	return acc + log(x) - 0.5 * ix
		- ix2 * (1.0 / 12 - ix2 * (1.0 / 120 - ix2 * (1.0 / 252 - ix2 * (1.0 / 240
		- ix2 * (1.0 / 132 - ix2 * (691.0 / 32760 - ix2 * (1.0 / 12)))))));
}

/*
 * ψ'(x) for x > 0: recurrence ψ'(x) = ψ'(x + 1) + 1/x² up to x >= 10, then
 * 1/x + 1/(2x²) + Σ B_2k / x^(2k+1).
 */
double
crm_trigamma(double x)
{
	double		acc = 0.0;
	double		ix,
				ix2;

	if (!(x > 0.0))
		return NAN;
	if (isinf(x))
		return 0.0;
	while (x < 10.0)
	{
		acc += 1.0 / (x * x);
		x += 1.0;
	}
	ix = 1.0 / x;
	ix2 = ix * ix;
	return acc + ix + 0.5 * ix2
		+ ix * ix2 * (1.0 / 6 - ix2 * (1.0 / 30 - ix2 * (1.0 / 42 - ix2 * (1.0 / 30
		- ix2 * (5.0 / 66 - ix2 * (691.0 / 2730 - ix2 * (7.0 / 6)))))));
}

/* ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), a, b > 0, via lgamma_diff. */
double
crm_lbeta(double a, double b)
{
	double		small = a < b ? a : b;
	double		big = a < b ? b : a;

	return crm_lgamma(small) - crm_lgamma_diff(big, small);
}

/* ln(1 + e^x) without overflow or loss for large |x|. */
double
crm_log1pexp(double x)
{
	if (x > 37.0)
		return x + exp(-x);
	if (x < -37.0)
		return exp(x);
	return log1p(exp(x));
}

/* ln(e^a + e^b). */
double
crm_logaddexp(double a, double b)
{
	double		hi = a > b ? a : b;
	double		lo = a > b ? b : a;

	if (isinf(hi))
		return hi;				/* +Inf, or both −Inf */
	return hi + crm_log1pexp(lo - hi);
}

/* ln(e^a − e^b) for a >= b; −Inf when a == b. */
double
crm_logsubexp(double a, double b)
{
	double		d = b - a;

	if (d > 0.0 || isnan(d))
		return NAN;
	if (d == 0.0 || isinf(a))
		return d == 0.0 ? -INFINITY : a;
	if (d > -M_LN2)
		return a + log(-expm1(d));
	return a + log1p(-exp(d));
}
