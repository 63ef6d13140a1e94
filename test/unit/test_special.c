/*
 * test_special.c
 *		ln Γ, ψ, ψ' against the 60-digit values of
 *		../shared/reference/hp/special_psi.csv; ln Γ differences and ln B
 *		against identities; log-space sums at their edges.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "unit.h"
#include "special.h"
#include "crm_core.h"
#include "vmath.h"

void		test_special(void);

static void
psi_reference(void)
{
	UtCsv	   *c;
	int			cx,
				cpsi,
				ctri,
				clg;
	int			rows = 0;

	if (!ut_begin_shared("special: digamma, trigamma, lgamma vs hp/special_psi.csv"))
		return;
	c = ut_csv_open(ut_shared_path("reference/hp/special_psi.csv"));
	if (!ut_ok(c != NULL, "cannot open special_psi.csv"))
	{
		ut_end();
		return;
	}
	cx = ut_csv_col(c, "x");
	cpsi = ut_csv_col(c, "digamma");
	ctri = ut_csv_col(c, "trigamma");
	clg = ut_csv_col(c, "lgamma");
	while (ut_csv_next(c))
	{
		double		x = ut_csv_num(c, cx);
		double		psi = ut_csv_num(c, cpsi);

		rows++;
		/* ψ has a root at 1.4616...: judge it absolutely there (|ψ| < 1e-3) */
		if (fabs(psi) < 1e-3)
			ut_close_abs(crm_digamma(x), psi, 4e-16, "digamma(%g)", x);
		else
			ut_close(crm_digamma(x), psi, 1e-14, "digamma(%g)", x);
		ut_close(crm_trigamma(x), ut_csv_num(c, ctri), 1e-14, "trigamma(%g)", x);
		/* lgamma: relative where |lgamma| > 1, absolute near its zeros at 1 and 2 */
		if (fabs(ut_csv_num(c, clg)) > 1.0)
			ut_close(crm_lgamma(x), ut_csv_num(c, clg), 4e-15, "lgamma(%g)", x);
		else
			ut_close_abs(crm_lgamma(x), ut_csv_num(c, clg), 4e-16, "lgamma(%g)", x);
	}
	ut_ok(rows == 73, "expected 73 rows, read %d", rows);
	ut_csv_close(c);
	ut_end();
}

static void
lgamma_diff_and_lbeta(void)
{
	ut_begin("special: lgamma_diff and lbeta");
	/* exact small cases: Γ(n+1)/Γ(n) = n */
	ut_close(crm_lgamma_diff(5.0, 1.0), log(5.0), 1e-15, "lgamma_diff(5,1)");
	ut_close(crm_lgamma_diff(5000.0, 1.0), log(5000.0), 1e-15, "lgamma_diff(5000,1)");
	ut_close(crm_lgamma_diff(1e6, 1.0), log(1e6), 1e-15, "lgamma_diff(1e6,1)");
	ut_close(crm_lgamma_diff(1e6 + 0.25, 3.0), log((1e6 + 0.25) * (1e6 + 1.25) * (1e6 + 2.25)),
			 1e-15, "lgamma_diff(1e6+.25,3)");
	/* tiny shift: ψ(x)·d to first order */
	ut_close(crm_lgamma_diff(5000.0, 1e-9), crm_digamma(5000.0) * 1e-9, 1e-8, "lgamma_diff(5000,1e-9)");
	ut_close(crm_lgamma_diff(20.0, -0.5), crm_lgamma(19.5) - crm_lgamma(20.0), 1e-13, "negative shift");
	ut_ok(crm_lgamma_diff(3.0, 0.0) == 0.0, "zero shift is exactly 0");
	/* B(a, 1) = 1/a; B(1/2, 1/2) = π */
	ut_close(crm_lbeta(7.5, 1.0), -log(7.5), 1e-15, "lbeta(7.5,1)");
	ut_close(crm_lbeta(1.0, 1e6), -log(1e6), 1e-15, "lbeta(1,1e6)");
	ut_close(crm_lbeta(0.5, 0.5), log(M_PI), 1e-15, "lbeta(.5,.5)");
	ut_close(crm_lbeta(2.0, 3.0), log(1.0 / 12.0), 1e-15, "lbeta(2,3)");
	ut_end();
}

static void
log_sums(void)
{
	ut_begin("special: log1pexp, logaddexp, logsubexp edges");
	ut_close(crm_log1pexp(0.0), log(2.0), 1e-16, "log1pexp(0)");
	ut_close(crm_log1pexp(800.0), 800.0, 1e-16, "log1pexp(800) no overflow");
	ut_close(crm_log1pexp(-800.0), exp(-800.0), 1e-15, "log1pexp(-800) keeps tiny value");
	ut_close(crm_log1pexp(-40.0), exp(-40.0), 1e-15, "log1pexp(-40)");
	ut_close(crm_logaddexp(1000.0, 1000.0), 1000.0 + log(2.0), 1e-16, "logaddexp equal large");
	ut_ok(crm_logaddexp(-INFINITY, -INFINITY) == -INFINITY, "logaddexp(-inf,-inf)");
	ut_ok(crm_logaddexp(-INFINITY, 3.0) == 3.0, "logaddexp(-inf,3)");
	ut_close(crm_logsubexp(0.0, -1e-20), log(1e-20), 1e-15, "logsubexp tiny difference");
	ut_close(crm_logsubexp(log(3.0), log(1.0)), log(2.0), 1e-15, "logsubexp(ln3,ln1)");
	ut_ok(crm_logsubexp(2.0, 2.0) == -INFINITY, "logsubexp equal is -inf");
	ut_ok(isnan(crm_logsubexp(1.0, 2.0)), "logsubexp a<b is NaN");
	ut_end();
}

/* ulps between got and the long double want (0 when equal) */
static double
ulp_dist(double got, long double want)
{
	double		w = (double) want;
	double		ulp;

	if (got == w)
		return 0.0;
	ulp = w == 0.0 ? 4.9406564584124654e-324 : nextafter(fabs(w), INFINITY) - fabs(w);
	return (double) (fabsl((long double) got - want) / ulp);
}

/*
 * crm_log1p against log1pl (long double: 11 more bits) over the whole
 * range: tiny, moderate, huge, and just above −1, within 1.5 ulp; the
 * edges as log1p's.
 */
static void
fast_log1p(void)
{
	uint64_t	s = UINT64_C(88172645463325252);
	double		worst = 0.0;
	int			i;

	ut_begin("special: crm_log1p within 1.5 ulp of log1pl; edges as log1p");
	for (i = 0; i < 400000; i++)
	{
		double		u,
					x,
					got;
		long double want;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		u = (double) (s >> 11) * 0x1.0p-53;
		switch (i % 4)
		{
			case 0:
				x = exp(-745.0 * u);	/* (0, 1] down to subnormals */
				break;
			case 1:
				x = -u;			/* (−1, 0] */
				break;
			case 2:
				x = exp(709.0 * u); /* [1, 1e308] */
				break;
			default:
				x = -1.0 + exp(-700.0 * u); /* just above −1 */
				break;
		}
		if (!(x > -1.0))
			continue;
		got = crm_log1p(x);
		want = log1pl((long double) x);
		if ((double) want == 0.0)
		{
			ut_ok(got == 0.0, "crm_log1p(%.17g) = %.17g, want 0", x, got);
			continue;
		}
		u = ulp_dist(got, want);
		if (u > worst)
			worst = u;
		ut_ok(u <= 1.5, "crm_log1p(%.17g) = %.17g, %.2f ulp from %.20Lg", x, got, u, want);
	}
	printf("# crm_log1p: worst %.3f ulp\n", worst);
	ut_ok(crm_log1p(0.0) == 0.0 && !signbit(crm_log1p(0.0)), "crm_log1p(0)");
	ut_ok(crm_log1p(-0.0) == 0.0 && signbit(crm_log1p(-0.0)), "crm_log1p(-0)");
	ut_ok(crm_log1p(-1.0) == -INFINITY, "crm_log1p(-1) = -Inf");
	ut_ok(isnan(crm_log1p(-2.0)), "crm_log1p(-2) is NaN");
	ut_ok(isnan(crm_log1p(NAN)), "crm_log1p(NaN) is NaN");
	ut_ok(crm_log1p(INFINITY) == INFINITY, "crm_log1p(Inf) = Inf");
	ut_ok(crm_log1p(5e-324) == 5e-324, "crm_log1p(smallest subnormal)");
	ut_ok(crm_log1p(1.7976931348623157e308) == log1p(1.7976931348623157e308), "crm_log1p(DBL_MAX)");
	ut_end();
}

/*
 * crm_exp_log1p_n on both paths (libmvec's AVX2 functions where built and
 * supported, and the libm loop): within 3 ulp of expl/log1pl (normal
 * results), the two within a few ulp of each other, every length (the
 * vector loop's tail), edges.
 */
static void
exp_log1p_arrays(void)
{
	enum
	{
		N = 20011
	};
	static double in[N],
				v[2][N],
				l[2][N];
	uint64_t	s = UINT64_C(0x2545F4914F6CDD1D);
	double		worst_e = 0.0,
				worst_l = 0.0,
				worst_d = 0.0;
	int			pass,
				i;
	size_t		n;

	ut_begin("special: crm_exp_log1p_n, vector and libm paths, within 3 ulp of expl/log1pl");
	printf("# crm_exp_log1p_n: vector path %s\n", crm_vmath_vectorized() ? "used (libmvec AVX2)" : "not available");
	for (i = 0; i < N; i++)
	{
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		in[i] = -((double) (s >> 11) * 0x1.0p-53) * (i % 2 ? 40.0 : 700.0);
	}
	in[0] = 0.0;
	in[1] = -INFINITY;
	in[2] = -745.5;
	in[3] = -1e-300;
	for (pass = 0; pass < 2; pass++)
	{
		crm_vmath_allow_vector(pass == 0);
		for (i = 0; i < N; i++)
			v[pass][i] = in[i];
		crm_exp_log1p_n(v[pass], l[pass], N);
		for (i = 0; i < N; i++)
		{
			long double e = expl((long double) in[i]);

			if (e >= 2.2250738585072014e-308L)
			{
				double		ue = ulp_dist(v[pass][i], e),
							ul = ulp_dist(l[pass][i], log1pl((long double) v[pass][i]));

				if (ue > worst_e)
					worst_e = ue;
				if (ul > worst_l)
					worst_l = ul;
				ut_ok(ue <= 3.0 && ul <= 3.0, "pass %d: exp(%.17g) = %.17g (%.2f ulp), log1p = %.17g (%.2f ulp)",
					  pass, in[i], v[pass][i], ue, l[pass][i], ul);
			}
			else
				ut_ok(v[pass][i] >= 0.0 && v[pass][i] < 2.3e-308 && l[pass][i] == v[pass][i],
					  "pass %d: exp(%.17g) = %.17g, log1p %.17g (below DBL_MIN)", pass, in[i], v[pass][i], l[pass][i]);
		}
	}
	for (i = 0; i < N; i++)
	{
		double		d = fabs(l[0][i] - l[1][i]) / (fabs(l[1][i]) > 1e-300 ? fabs(l[1][i]) : 1.0);

		if (d > worst_d)
			worst_d = d;
	}
	ut_ok(worst_d <= 1e-15, "the two paths differ by %.3g relative", worst_d);
	ut_ok(v[0][0] == 1.0 && l[0][0] == log(2.0), "exp(0) = 1, log1p(1) = ln 2: %.17g %.17g", v[0][0], l[0][0]);
	ut_ok(v[0][1] == 0.0 && l[0][1] == 0.0, "exp(-Inf) = 0, log1p(0) = 0");
	/* every length: the vector loop's tail */
	crm_vmath_allow_vector(true);
	for (n = 0; n <= 9; n++)
	{
		double		a[9],
					b[9];
		size_t		k;

		for (k = 0; k < n; k++)
			a[k] = -0.5 * (double) k;
		crm_exp_log1p_n(a, b, n);
		for (k = 0; k < n; k++)
			ut_ok(ulp_dist(a[k], expl(-0.5L * (long double) k)) <= 3.0 &&
				  ulp_dist(b[k], log1pl((long double) a[k])) <= 3.0, "length %zu, element %zu", n, k);
	}
	printf("# crm_exp_log1p_n: worst exp %.2f ulp, log1p %.2f ulp; paths differ by %.2g\n",
		   worst_e, worst_l, worst_d);
	ut_end();
}

void
test_special(void)
{
	psi_reference();
	lgamma_diff_and_lbeta();
	log_sums();
	fast_log1p();
	exp_log1p_arrays();
}
