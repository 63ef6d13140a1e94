/*
 * test_clv.c
 *		CLV core: unit conversions, lifetimes' discrete step sum against
 *		cdnow_2357_gamma_gamma_clv.csv, the finite-horizon discounted
 *		transactions against an independent quadrature of the Pareto/NBD
 *		purchase rate and, at long horizons, against the high-precision DERT
 *		truths (hp/pnbd_dert_cdnow.csv, hp/bgnbd_discounted_cdnow.csv,
 *		hp/bgbb_dert_donations.csv); argument checks.
 *
 * Parameters are copied from ../shared/reference/params_public.json.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "clv.h"
#include "gg.h"
#include "pnbd.h"
#include "bgbb.h"
#include "bgnbd.h"

void		test_clv(void);

/* cdnow_2357_weeks.pnbd.lifetimes.params (the CLV file uses lifetimes' fits) */
static const double PNBD_LT[4] = {
	0.5532815861528053, 10.577753122778805, 0.6061714462872277, 11.666906530603386
};

/* cdnow_2357_weeks.pnbd.lifetimes_objective_tight.params (hp/ truths) */
static const double PNBD_TIGHT[4] = {
	0.5532755223076004, 10.577612430770866, 0.6062135450395916, 11.66791021820297
};

/* cdnow_2357_weeks.bgnbd.lifetimes.params and .independent_mle.params */
static const double BGNBD_LT[4] = {
	0.24259292827982198, 4.413532265271817, 0.7928859664406002, 2.4257523826255123
};
static const double BGNBD_MLE[4] = {
	0.24259290637636774, 4.413531540001457, 0.792886205250131, 2.425753635352417
};

/* cdnow_2357_gamma_gamma_clv.gamma_gamma.lifetimes.params */
static const double GG_LT[3] = {6.248802496077898, 3.744588460922642, 15.447748064920148};

/* donations_bgbb.independent_mle.params */
static const double BGBB_MLE[4] = {
	1.203522160844229, 0.7497163088368421, 0.6567181645856434, 2.783442227299302
};

/* hp/README.md: δ15 = log(1.15)/52 per week */
#define DELTA15 0.002687729661060743

static double
relerr(double got, double want)
{
	if (got == want)
		return 0.0;
	return fabs(got - want) / fabs(want);
}

/* Rate and calendar conversions. */
static void
units(void)
{
	double		v;

	ut_begin("clv: annual rate -> continuous rate per unit, period rate, mean Gregorian month");
	ut_ok(crm_clv_continuous_rate(0.10, 7.0, &v) == CRM_OK, "status");
	ut_close(v, log(1.1) * 7.0 / 365.2425, 1e-15, "10%% a year in weeks");
	ut_ok(crm_clv_continuous_rate(0.0, 1.0, &v) == CRM_OK && v == 0.0, "0%% is 0");
	ut_ok(crm_clv_continuous_rate(0.15, 365.2425, &v) == CRM_OK, "status");
	ut_close(v, log(1.15), 1e-15, "a year unit gives ln(1 + rate)");
	ut_ok(crm_clv_period_rate(0.10, 365.2425, &v) == CRM_OK, "status");
	ut_close(v, 0.10, 1e-14, "a year period gives the annual rate back");
	ut_ok(crm_clv_period_rate(0.10, 365.2425 / 12, &v) == CRM_OK, "status");
	ut_close(pow(1.0 + v, 12.0), 1.10, 1e-14, "12 compounded months make the year");
	ut_close(crm_clv_interval_days(1, 0, 0), 30.436875, 1e-15, "a month is 30.436875 days");
	ut_close(crm_clv_interval_days(12, 0, 0), 365.2425, 1e-15, "a year");
	ut_close(crm_clv_interval_days(0, 7, 3600), 7.0 + 1.0 / 24, 1e-15, "7 days 1 hour");
	ut_ok(crm_clv_continuous_rate(-1.0, 7.0, &v) == CRM_EDOMAIN && isnan(v), "rate -100%%");
	ut_ok(crm_clv_continuous_rate(NAN, 7.0, &v) == CRM_EDOMAIN, "rate NaN");
	ut_ok(crm_clv_continuous_rate(0.1, 0.0, &v) == CRM_EDOMAIN, "unit 0");
	ut_ok(crm_clv_continuous_rate(0.1, INFINITY, &v) == CRM_EDOMAIN, "unit inf");
	ut_end();
}

/* lifetimes' customer_lifetime_value (12 steps of 4.345 weeks at 1%) on every CDNOW row */
static void
discrete_cdnow(void)
{
	UtCsv	   *c;
	int			cf,
				cr,
				cT,
				cm,
				cg,
				cp,
				cb,
				rows = 0;
	double		egg = 0.0,
				ep = 0.0,
				eb = 0.0;
	bool		have_bgnbd;
	double		probe;

	if (!ut_begin_shared("clv: discrete step sum vs lifetimes' CLV (cdnow_2357_gamma_gamma_clv.csv, all rows)"))
		return;
	have_bgnbd = crm_bgnbd_cond_expected(BGNBD_LT, 1.0, 1, 1, 2, &probe) == CRM_OK;
	c = ut_csv_open(ut_shared_path("reference/cdnow_2357_gamma_gamma_clv.csv"));
	if (!ut_ok(c != NULL, "cannot open cdnow_2357_gamma_gamma_clv.csv"))
	{
		ut_end();
		return;
	}
	cf = ut_csv_col(c, "frequency");
	cr = ut_csv_col(c, "recency");
	cT = ut_csv_col(c, "T");
	cm = ut_csv_col(c, "monetary_value");
	cg = ut_csv_col(c, "gg_cond_exp_avg_profit");
	cp = ut_csv_col(c, "clv_pnbd_12m_d0.01_W");
	cb = ut_csv_col(c, "clv_bgnbd_12m_d0.01_W");
	while (ut_csv_next(c))
	{
		double		x = ut_csv_num(c, cf),
					tx = ut_csv_num(c, cr),
					T = ut_csv_num(c, cT),
					m = ut_csv_num(c, cm),
					spend,
					v;

		rows++;
		ut_ok(crm_gg_cond_mean(GG_LT, x, m, &spend) == CRM_OK, "gg status");
		egg = fmax(egg, relerr(spend, ut_csv_num(c, cg)));
		ut_close(spend, ut_csv_num(c, cg), 1e-9, "gg spend of row %d", rows);
		ut_ok(crm_clv_discrete(CRM_MODEL_PNBD, PNBD_LT, x, tx, T, spend, 12, 4.345, 0.01, &v) == CRM_OK,
			  "pnbd status");
		ep = fmax(ep, relerr(v, ut_csv_num(c, cp)));
		ut_close(v, ut_csv_num(c, cp), 1e-6, "pnbd clv of row %d", rows);
		if (have_bgnbd)
		{
			ut_ok(crm_clv_discrete(CRM_MODEL_BGNBD, BGNBD_LT, x, tx, T, spend, 12, 4.345, 0.01, &v) == CRM_OK,
				  "bgnbd status");
			eb = fmax(eb, relerr(v, ut_csv_num(c, cb)));
			ut_close(v, ut_csv_num(c, cb), 1e-6, "bgnbd clv of row %d", rows);
		}
	}
	ut_csv_close(c);
	ut_ok(rows == 2357, "rows %d", rows);
	printf("# clv: discrete CLV max rel err vs lifetimes: gg spend %.2e, pnbd %.2e, bgnbd %s%.2e\n",
		   egg, ep, have_bgnbd ? "" : "(not built) ", eb);
	ut_end();
}

/*
 * Pareto/NBD: dE[Y(t)]/dt = (r+x)/(α+T) ((β+T)/(β+T+t))^s P(alive), so the
 * finite-horizon value is ∫0^H e^(−δt) of that; composite Simpson with many
 * nodes is an independent route.
 */
static double
pnbd_direct(const double *par, double x, double tx, double T, double delta, double H)
{
	int			n = 200000,
				i;
	double		h = H / n,
				s = 0.0,
				pa;

	crm_pnbd_p_alive(par, x, tx, T, &pa);
	for (i = 0; i <= n; i++)
	{
		double		t = i * h;
		double		f = exp(-delta * t) * pow((par[3] + T) / (par[3] + T + t), par[2]);

		s += f * (i == 0 || i == n ? 1.0 : (i & 1) ? 4.0 : 2.0);
	}
	return s * h / 3.0 * (par[0] + x) / (par[1] + T) * pa;
}

static void
finite_pnbd(void)
{
	static const double cust[][3] = {
		{0, 0, 38.86}, {2, 30.43, 38.86}, {26, 30.86, 31}, {1, 1.71, 38.86}, {100, 70, 72}, {5, 2, 60}
	};
	static const double horizons[] = {1.0, 13.0, 52.0, 260.0};
	double		mx = 0.0;
	int			i,
				j;

	ut_begin("clv: Pareto/NBD finite-horizon discounted transactions vs direct integral of the rate");
	for (i = 0; i < (int) (sizeof(cust) / sizeof(cust[0])); i++)
		for (j = 0; j < 4; j++)
		{
			double		v,
						w;

			ut_ok(crm_clv_discounted_transactions(CRM_MODEL_PNBD, PNBD_TIGHT, cust[i][0], cust[i][1],
												  cust[i][2], DELTA15, horizons[j], &v) == CRM_OK,
				  "status");
			w = pnbd_direct(PNBD_TIGHT, cust[i][0], cust[i][1], cust[i][2], DELTA15, horizons[j]);
			ut_close(v, w, 1e-10, "customer %d horizon %g", i, horizons[j]);
			mx = fmax(mx, relerr(v, w));
			/* δ = 0: exactly E[Y(H)] */
			ut_ok(crm_clv_discounted_transactions(CRM_MODEL_PNBD, PNBD_TIGHT, cust[i][0], cust[i][1],
												  cust[i][2], 0.0, horizons[j], &v) == CRM_OK, "status");
			ut_ok(crm_pnbd_cond_expected(PNBD_TIGHT, horizons[j], cust[i][0], cust[i][1], cust[i][2], &w) == CRM_OK,
				  "status");
			ut_close(v, w, 1e-15, "undiscounted = E[Y(H)]");
		}
	printf("# clv: pnbd finite horizon vs direct Simpson integral: max rel err %.2e\n", mx);
	ut_end();
}

/* long finite horizons converge to the infinite-horizon truths */
static void
long_horizon_hp(void)
{
	UtCsv	   *c;
	int			cx,
				ctx,
				cT,
				cd,
				rows = 0;
	double		mf = 0.0,
				mi = 0.0,
				probe;

	if (!ut_begin_shared("clv: Pareto/NBD finite 1e6-week and infinite horizon vs hp/pnbd_dert_cdnow.csv (all rows)"))
		return;
	c = ut_csv_open(ut_shared_path("reference/hp/pnbd_dert_cdnow.csv"));
	if (!ut_ok(c != NULL, "cannot open pnbd_dert_cdnow.csv"))
	{
		ut_end();
		return;
	}
	cx = ut_csv_col(c, "x");
	ctx = ut_csv_col(c, "t_x");
	cT = ut_csv_col(c, "T");
	cd = ut_csv_col(c, "dert_15pct");
	while (ut_csv_next(c))
	{
		double		x = ut_csv_num(c, cx),
					tx = ut_csv_num(c, ctx),
					T = ut_csv_num(c, cT),
					want = ut_csv_num(c, cd),
					v;

		rows++;
		ut_ok(crm_clv_discounted_transactions(CRM_MODEL_PNBD, PNBD_TIGHT, x, tx, T, DELTA15, INFINITY, &v) == CRM_OK,
			  "status");
		ut_close(v, want, 1e-12, "infinite, row %d", rows);
		mi = fmax(mi, relerr(v, want));
		/* finite horizon on a subset (each costs a few hundred E[Y] evaluations) */
		if (rows % 7 == 1)
		{
			ut_ok(crm_clv_discounted_transactions(CRM_MODEL_PNBD, PNBD_TIGHT, x, tx, T, DELTA15, 1e6, &v) == CRM_OK,
				  "status");
			ut_close(v, want, 1e-9, "finite 1e6 weeks, row %d", rows);
			mf = fmax(mf, relerr(v, want));
		}
	}
	ut_csv_close(c);
	ut_ok(rows == 2357, "rows");
	printf("# clv: pnbd vs hp DERT 15%%: infinite %.2e, finite 1e6 weeks %.2e\n", mi, mf);
	ut_end();

	if (crm_bgnbd_cond_expected(BGNBD_MLE, 1.0, 1, 1, 2, &probe) != CRM_OK)
	{
		ut_skip("clv: BG/NBD discounted transactions vs hp/bgnbd_discounted_cdnow.csv",
				"the BG/NBD core is not in this build yet");
		return;
	}
	if (!ut_begin_shared("clv: BG/NBD infinite and finite-horizon discounted transactions vs hp/bgnbd_discounted_cdnow.csv"))
		return;
	c = ut_csv_open(ut_shared_path("reference/hp/bgnbd_discounted_cdnow.csv"));
	if (!ut_ok(c != NULL, "cannot open bgnbd_discounted_cdnow.csv"))
	{
		ut_end();
		return;
	}
	cx = ut_csv_col(c, "x");
	ctx = ut_csv_col(c, "t_x");
	cT = ut_csv_col(c, "T");
	cd = ut_csv_col(c, "disc_exp_resid_15pct");
	rows = 0;
	mf = mi = 0.0;
	while (ut_csv_next(c))
	{
		double		x = ut_csv_num(c, cx),
					tx = ut_csv_num(c, ctx),
					T = ut_csv_num(c, cT),
					want = ut_csv_num(c, cd),
					v;

		rows++;
		ut_ok(crm_clv_discounted_transactions(CRM_MODEL_BGNBD, BGNBD_MLE, x, tx, T, DELTA15, INFINITY, &v) == CRM_OK,
			  "status");
		ut_close(v, want, 1e-9, "infinite, row %d", rows);
		mi = fmax(mi, relerr(v, want));
		if (rows % 47 == 1)
		{
			ut_ok(crm_clv_discounted_transactions(CRM_MODEL_BGNBD, BGNBD_MLE, x, tx, T, DELTA15, 1e6, &v) == CRM_OK,
				  "status");
			ut_close(v, want, 1e-9, "finite 1e6 weeks, row %d", rows);
			mf = fmax(mf, relerr(v, want));
		}
	}
	ut_csv_close(c);
	ut_ok(rows == 2357, "rows");
	printf("# clv: bgnbd vs hp discounted residual 15%%: infinite %.2e, finite 1e6 weeks %.2e\n", mi, mf);
	ut_end();
}

/* BG/BB: discrete periods; a long finite sum and the closed form vs hp */
static void
bgbb_hp(void)
{
	UtCsv	   *c;
	int			cx,
				ctx,
				cn,
				cd,
				rows = 0;
	double		mi = 0.0,
				mf = 0.0,
				delta = log(1.1);

	if (!ut_begin_shared("clv: BG/BB DERT (infinite and 2000 periods) vs hp/bgbb_dert_donations.csv"))
		return;
	c = ut_csv_open(ut_shared_path("reference/hp/bgbb_dert_donations.csv"));
	if (!ut_ok(c != NULL, "cannot open bgbb_dert_donations.csv"))
	{
		ut_end();
		return;
	}
	cx = ut_csv_col(c, "x");
	ctx = ut_csv_col(c, "t_x");
	cn = ut_csv_col(c, "n");
	cd = ut_csv_col(c, "dert_d0.10");
	while (ut_csv_next(c))
	{
		double		x = ut_csv_num(c, cx),
					tx = ut_csv_num(c, ctx),
					n = ut_csv_num(c, cn),
					want = ut_csv_num(c, cd),
					v;

		rows++;
		ut_ok(crm_clv_discounted_transactions(CRM_MODEL_BGBB, BGBB_MLE, x, tx, n, delta, INFINITY, &v) == CRM_OK,
			  "status");
		ut_close(v, want, 1e-12, "infinite, pattern %d", rows);
		mi = fmax(mi, relerr(v, want));
		ut_ok(crm_clv_discounted_transactions(CRM_MODEL_BGBB, BGBB_MLE, x, tx, n, delta, 2000.5, &v) == CRM_OK,
			  "status");
		ut_close(v, want, 1e-10, "2000 periods, pattern %d", rows);
		mf = fmax(mf, relerr(v, want));
	}
	ut_csv_close(c);
	ut_ok(rows == 22, "rows");
	printf("# clv: bgbb vs hp DERT d=0.1: closed form %.2e, 2000-period sum %.2e\n", mi, mf);
	ut_end();
}

/* Bad arguments give a status, never NaN with CRM_OK. */
static void
errors(void)
{
	double		v;

	ut_begin("clv: argument checks");
	ut_ok(crm_clv_discrete(CRM_MODEL_PNBD, PNBD_LT, 1, 1, 2, 10, -1, 4.345, 0.01, &v) == CRM_EDOMAIN, "steps < 0");
	ut_ok(crm_clv_discrete(CRM_MODEL_PNBD, PNBD_LT, 1, 1, 2, 10, 12, 0, 0.01, &v) == CRM_EDOMAIN, "step 0");
	ut_ok(crm_clv_discrete(CRM_MODEL_PNBD, PNBD_LT, 1, 1, 2, 10, 12, 1, -1, &v) == CRM_EDOMAIN, "rate -1");
	ut_ok(crm_clv_discrete(CRM_MODEL_PNBD, PNBD_LT, 1, 1, 2, NAN, 12, 1, 0.01, &v) == CRM_EDOMAIN, "spend NaN");
	ut_ok(crm_clv_discrete(CRM_MODEL_BGBB, BGBB_MLE, 1, 1, 2, 10, 12, 1.5, 0.01, &v) == CRM_EDOMAIN,
		  "BG/BB fractional step");
	ut_ok(crm_clv_discrete(CRM_MODEL_PNBD, PNBD_LT, 1, 3, 2, 10, 12, 1, 0.01, &v) == CRM_EDOMAIN,
		  "recency > age");
	ut_ok(crm_clv_discrete(CRM_MODEL_PNBD, PNBD_LT, 1, 1, 2, 10, 0, 1, 0.01, &v) == CRM_OK && v == 0.0,
		  "0 steps = 0");
	ut_ok(crm_clv_discrete(CRM_MODEL_GG, GG_LT, 1, 1, 2, 10, 12, 1, 0.01, &v) == CRM_EUNSUP, "spend model");
	ut_ok(crm_clv_discounted_transactions(CRM_MODEL_PNBD, PNBD_LT, 1, 1, 2, 0.0, INFINITY, &v) == CRM_EDOMAIN,
		  "infinite undiscounted");
	ut_ok(crm_clv_discounted_transactions(CRM_MODEL_PNBD, PNBD_LT, 1, 1, 2, -0.1, 10, &v) == CRM_EDOMAIN,
		  "negative rate");
	ut_ok(crm_clv_discounted_transactions(CRM_MODEL_PNBD, PNBD_LT, 1, 1, 2, 0.1, 0, &v) == CRM_EDOMAIN,
		  "horizon 0");
	ut_ok(crm_clv_discounted_transactions(CRM_MODEL_PNBD, PNBD_LT, 1, 1, 2, 0.1, NAN, &v) == CRM_EDOMAIN,
		  "horizon NaN");
	ut_ok(crm_clv_discounted_transactions(CRM_MODEL_SBG, PNBD_LT, 1, 1, 2, 0.1, 10, &v) == CRM_EUNSUP,
		  "sBG is contractual");
	/* an extreme customer: finite, non-negative */
	ut_ok(crm_clv_discounted_transactions(CRM_MODEL_PNBD, PNBD_LT, 5000, 5200, 5200, 0.002, 520, &v) == CRM_OK &&
		  v > 0 && isfinite(v), "x = 5000 finite horizon %g", v);
	ut_ok(crm_clv_discounted_transactions(CRM_MODEL_PNBD, PNBD_LT, 5000, 10, 5200, 0.002, 520, &v) == CRM_OK &&
		  v >= 0 && isfinite(v), "x = 5000 long gone %g", v);
	ut_end();
}

void
test_clv(void)
{
	units();
	discrete_cdnow();
	finite_pnbd();
	long_horizon_hp();
	bgbb_hp();
	errors();
}
