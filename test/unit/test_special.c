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
					got,
					ulp;
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
		ulp = nextafter(fabs((double) want), INFINITY) - fabs((double) want);
		u = (double) (fabsl((long double) got - want) / ulp);
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

void
test_special(void)
{
	psi_reference();
	lgamma_diff_and_lbeta();
	log_sums();
	fast_log1p();
}
