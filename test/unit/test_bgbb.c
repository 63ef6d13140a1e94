/*
 * test_bgbb.c
 *		BG/BB core: likelihood, gradient, predictions and the spec, against
 *		../shared/reference (donations_bgbb.csv, hp/bgbb_dert_donations.csv,
 *		stress_extreme_customers.csv, params_public.json) and against
 *		identities (Σ P(X(n)=x) = 1, E[X(n)] = Σ x P(X(n)=x), explicit sums).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "bgbb.h"
#include "optim.h"

void		test_bgbb(void);

/* params_public.json donations_bgbb.lifetimes.params */
static const double par_lt[4] = {1.203522393608002, 0.7497163581757513,
0.6567181695499895, 2.783441982887859};

/* params_public.json donations_bgbb.independent_mle.params (= hp README, part 5) */
static const double par_mle[4] = {1.203522160844229, 0.7497163088368421,
0.6567181645856434, 2.783442227299302};

/* relative error, for the reported maxima */
static double
relerr(double got, double want)
{
	if (got == want)
		return 0.0;
	return fabs(got - want) / fabs(want);
}

/* The 22 donation patterns of ../shared/data/donations.csv; returns the count. */
static int
load_donations(CrmObs *obs, int cap)
{
	UtCsv	   *c = ut_csv_open(ut_shared_path("data/donations.csv"));
	int			n = 0,
				cf,
				cr,
				cp,
				cw;

	if (c == NULL)
		return -1;
	cf = ut_csv_col(c, "frequency");
	cr = ut_csv_col(c, "recency");
	cp = ut_csv_col(c, "periods");
	cw = ut_csv_col(c, "weights");
	while (ut_csv_next(c) && n < cap)
	{
		obs[n].x = ut_csv_num(c, cf);
		obs[n].tx = ut_csv_num(c, cr);
		obs[n].T = ut_csv_num(c, cp);
		obs[n].w = ut_csv_num(c, cw);
		n++;
	}
	ut_csv_close(c);
	return n;
}

static void
donations_lifetimes(void)
{
	UtCsv	   *c;
	int			cf,
				cr,
				cp,
				cm0,
				cm1,
				c5,
				c10;
	int			rows = 0;
	double		emax = 0.0;

	if (!ut_begin_shared("bgbb: donations_bgbb.csv P(alive) m0/m1, E[X(n,n+5/10)] at lifetimes params"))
		return;
	c = ut_csv_open(ut_shared_path("reference/donations_bgbb.csv"));
	if (!ut_ok(c != NULL, "cannot open donations_bgbb.csv"))
	{
		ut_end();
		return;
	}
	cf = ut_csv_col(c, "frequency");
	cr = ut_csv_col(c, "recency");
	cp = ut_csv_col(c, "periods");
	cm0 = ut_csv_col(c, "p_alive_m0");
	cm1 = ut_csv_col(c, "p_alive_m1");
	c5 = ut_csv_col(c, "cond_exp_next_5");
	c10 = ut_csv_col(c, "cond_exp_next_10");
	while (ut_csv_next(c))
	{
		double		x = ut_csv_num(c, cf),
					tx = ut_csv_num(c, cr),
					n = ut_csv_num(c, cp);
		double		v;
		int			k;
		const int	cols[4] = {cm0, cm1, c5, c10};

		rows++;
		for (k = 0; k < 4; k++)
		{
			CrmStatus	st;
			double		want = ut_csv_num(c, cols[k]);

			if (k < 2)
				st = crm_bgbb_p_alive(par_lt, x, tx, n, (double) k, &v);
			else
				st = crm_bgbb_cond_expected(par_lt, k == 2 ? 5.0 : 10.0, x, tx, n, &v);
			ut_ok(st == CRM_OK, "status %d at (%g,%g,%g) col %d", st, x, tx, n, k);
			ut_close(v, want, 1e-9, "(%g,%g,%g) col %d", x, tx, n, k);
			if (relerr(v, want) > emax)
				emax = relerr(v, want);
		}
	}
	ut_ok(rows == 22, "expected 22 rows, read %d", rows);
	ut_csv_close(c);
	printf("# bgbb donations_bgbb.csv: max rel err %.3g (p_alive m0/m1, cond_exp 5/10)\n", emax);
	ut_end();
}

static void
donations_total_ll(void)
{
	CrmObs		obs[64];
	int			n;
	double		ll,
				g[4];
	double		wsum = 0.0;
	int			i;

	if (!ut_begin_shared("bgbb: weighted LL of donations at the independent MLE"))
		return;
	n = load_donations(obs, 64);
	ut_ok(n == 22, "expected 22 patterns, read %d", n);
	for (i = 0; i < n; i++)
	{
		const char *reason = NULL;

		ut_ok(crm_bgbb_spec.check_obs(&obs[i], &reason) == CRM_OK, "pattern %d rejected: %s", i,
			  reason ? reason : "?");
		wsum += obs[i].w;
	}
	ut_ok(wsum == 11104.0, "weights sum to %g", wsum);
	ut_ok(crm_bgbb_spec.loglik(par_mle, obs, (size_t) n, &ll, g) == CRM_OK, "loglik status");
	ut_close(ll, -33225.58127434699, 1e-10, "total LL at the MLE");
	printf("# bgbb donations total LL: %.17g, rel err %.3g vs -33225.58127434699\n", ll,
		   relerr(ll, -33225.58127434699));
	/* the MLE is a stationary point: the gradient is tiny next to its scale (~1e4) */
	for (i = 0; i < 4; i++)
		ut_close_abs(g[i], 0.0, 1e-3, "gradient[%d] at the MLE", i);
	{
		const char *reason = NULL;

		ut_ok(crm_bgbb_spec.check_data(obs, (size_t) n, &reason) == CRM_OK, "check_data: %s",
			  reason ? reason : "ok");
	}
	ut_end();
}

/*
 * The optimizer on the donation patterns: the MLE to within 1e-6 of the
 * independent one (whose own gradient is ~1e-4; ours ends ~1e-11), and
 * the total LL to 1e-12
 */
static void
donations_fit(void)
{
	CrmObs		obs[64];
	int			n,
				k;
	CrmFitOptions opt;
	CrmFitResult res;
	double		ll,
				g[4];

	if (!ut_begin_shared("bgbb: crm_fit on the donations patterns reaches the MLE"))
		return;
	n = load_donations(obs, 64);
	crm_fit_options_default(&opt);
	ut_ok(crm_fit(&crm_bgbb_spec, obs, (size_t) n, &opt, &res) == CRM_OK, "crm_fit status");
	ut_ok(res.converged, "converged (%s, %s)", res.method, res.message);
	for (k = 0; k < 4; k++)
		ut_close(res.par[k], par_mle[k], 1e-6, "%s", crm_bgbb_spec.param_names[k]);
	ut_close(res.loglik, -33225.58127434699, 1e-12, "loglik");
	ut_ok(res.n_customers == 11104.0, "n_customers %g", res.n_customers);
	crm_bgbb_spec.loglik(res.par, obs, (size_t) n, &ll, g);
	for (k = 0; k < 4; k++)
		ut_close_abs(g[k] * res.par[k], 0.0, 1e-6, "scaled gradient %d at the fit", k);
	printf("# bgbb crm_fit donations: (%.10g, %.10g, %.10g, %.10g) LL %.17g, %d evaluations\n",
		   res.par[0], res.par[1], res.par[2], res.par[3], res.loglik, res.iterations);
	ut_end();
}

static void
dert_reference(void)
{
	UtCsv	   *c;
	int			cx,
				ctx,
				cn,
				cw,
				cll,
				cpa,
				cd;
	int			rows = 0;
	double		e_ll = 0.0,
				e_pa = 0.0,
				e_d = 0.0,
				wll = 0.0;

	if (!ut_begin_shared("bgbb: hp/bgbb_dert_donations.csv loglik, P(alive n+1), DERT(0.10)"))
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
	cw = ut_csv_col(c, "weight");
	cll = ut_csv_col(c, "loglik");
	cpa = ut_csv_col(c, "p_alive_next_period");
	cd = ut_csv_col(c, "dert_d0.10");
	while (ut_csv_next(c))
	{
		double		x = ut_csv_num(c, cx),
					tx = ut_csv_num(c, ctx),
					n = ut_csv_num(c, cn);
		double		ll,
					pa,
					d;

		rows++;
		ut_ok(crm_bgbb_loglik1(par_mle, x, tx, n, &ll, NULL) == CRM_OK, "loglik1 status");
		ut_ok(crm_bgbb_p_alive(par_mle, x, tx, n, 1.0, &pa) == CRM_OK, "p_alive status");
		ut_ok(crm_bgbb_dert(par_mle, 0.1, x, tx, n, &d) == CRM_OK, "dert status");
		ut_close(ll, ut_csv_num(c, cll), 1e-14, "loglik (%g,%g,%g)", x, tx, n);
		ut_close(pa, ut_csv_num(c, cpa), 1e-14, "p_alive (%g,%g,%g)", x, tx, n);
		ut_close(d, ut_csv_num(c, cd), 1e-13, "dert (%g,%g,%g)", x, tx, n);
		e_ll = fmax(e_ll, relerr(ll, ut_csv_num(c, cll)));
		e_pa = fmax(e_pa, relerr(pa, ut_csv_num(c, cpa)));
		e_d = fmax(e_d, relerr(d, ut_csv_num(c, cd)));
		wll += ut_csv_num(c, cw) * ll;
	}
	ut_ok(rows == 22, "expected 22 rows, read %d", rows);
	ut_close(wll, -33225.581274347016, 1e-12, "weighted total");
	ut_csv_close(c);
	printf("# bgbb hp/bgbb_dert_donations.csv: max rel err loglik %.3g, p_alive_next %.3g, dert %.3g\n",
		   e_ll, e_pa, e_d);
	ut_end();
}

static void
stress_rows(void)
{
	UtCsv	   *c;
	int			cm,
				cf,
				cr,
				cn,
				ct,
				cpa,
				cpal,
				cce,
				ccel;
	int			rows = 0;
	double		e_pa = 0.0,
				e_ce = 0.0,
				e_lpa = 0.0,
				e_lce = 0.0;

	if (!ut_begin_shared("bgbb: every bgbb row of stress_extreme_customers.csv (n up to 3000)"))
		return;
	c = ut_csv_open(ut_shared_path("reference/stress_extreme_customers.csv"));
	if (!ut_ok(c != NULL, "cannot open stress_extreme_customers.csv"))
	{
		ut_end();
		return;
	}
	cm = ut_csv_col(c, "model");
	cf = ut_csv_col(c, "frequency");
	cr = ut_csv_col(c, "recency");
	cn = ut_csv_col(c, "T_or_n_periods");
	ct = ut_csv_col(c, "t_or_m_periods");
	cpa = ut_csv_col(c, "p_alive_truth");
	cpal = ut_csv_col(c, "p_alive_truth_log10");
	cce = ut_csv_col(c, "cond_exp_truth");
	ccel = ut_csv_col(c, "cond_exp_truth_log10");
	while (ut_csv_next(c))
	{
		double		x,
					tx,
					n,
					m,
					pa,
					lpa,
					ce;

		if (strcmp(ut_csv_str(c, cm), "bgbb") != 0)
			continue;
		rows++;
		x = ut_csv_num(c, cf);
		tx = ut_csv_num(c, cr);
		n = ut_csv_num(c, cn);
		m = ut_csv_num(c, ct);
		ut_ok(crm_bgbb_p_alive(par_lt, x, tx, n, m, &pa) == CRM_OK, "p_alive status");
		ut_ok(crm_bgbb_log_p_alive(par_lt, x, tx, n, m, &lpa) == CRM_OK, "log p_alive status");
		ut_ok(crm_bgbb_cond_expected(par_lt, m, x, tx, n, &ce) == CRM_OK, "cond_expected status");
		ut_close(pa, ut_csv_num(c, cpa), 1e-8, "p_alive (%g,%g,%g,m=%g)", x, tx, n, m);
		ut_close(ce, ut_csv_num(c, cce), 1e-8, "cond_exp (%g,%g,%g,m=%g)", x, tx, n, m);
		/* log10 columns: absolute 1e-8 relative to the magnitude of the log (at least 1) */
		ut_close_abs(lpa / M_LN10, ut_csv_num(c, cpal), 1e-8 * fmax(1.0, fabs(ut_csv_num(c, cpal))),
					 "log10 p_alive (%g,%g,%g,m=%g)", x, tx, n, m);
		ut_close_abs(log10(ce), ut_csv_num(c, ccel), 1e-8 * fmax(1.0, fabs(ut_csv_num(c, ccel))),
					 "log10 cond_exp (%g,%g,%g,m=%g)", x, tx, n, m);
		e_pa = fmax(e_pa, relerr(pa, ut_csv_num(c, cpa)));
		e_ce = fmax(e_ce, relerr(ce, ut_csv_num(c, cce)));
		e_lpa = fmax(e_lpa, fabs(lpa / M_LN10 - ut_csv_num(c, cpal)));
		e_lce = fmax(e_lce, fabs(log10(ce) - ut_csv_num(c, ccel)));
	}
	ut_ok(rows == 32, "expected 32 bgbb rows, read %d", rows);
	ut_csv_close(c);
	printf("# bgbb stress rows: max rel err p_alive %.3g, cond_exp %.3g; max abs err log10 p_alive %.3g, log10 cond_exp %.3g\n",
		   e_pa, e_ce, e_lpa, e_lce);
	ut_end();
}

static void
published_checks(void)
{
	/* params_public.json donations_bgbb.expected_in_first_6_periods (= 11104 P(X(6) = x)) */
	static const double want6[7] = {3454.881979415421, 1888.6543427566414, 1348.8823303701593,
	1113.3785332814448, 1017.9224125512278, 1027.1660490340219, 1253.1143525910843};
	/* params_public.json checks: P(alive in 2002) at (0,0), (2,4), (6,6) */
	static const double want_pa[3] = {0.10813327510958734, 0.5896571890792905, 0.9304335775086944};
	static const double pat[3][2] = {{0, 0}, {2, 4}, {6, 6}};
	int			x;
	double		v,
				emax = 0.0;

	ut_begin("bgbb: expected_in_first_6_periods and P(alive in 2002) of params_public.json");
	for (x = 0; x <= 6; x++)
	{
		ut_ok(crm_bgbb_prob_n(par_lt, (double) x, 6.0, &v) == CRM_OK, "prob_n status");
		ut_close(11104.0 * v, want6[x], 1e-12, "11104 P(X(6)=%d)", x);
		emax = fmax(emax, relerr(11104.0 * v, want6[x]));
	}
	for (x = 0; x < 3; x++)
	{
		ut_ok(crm_bgbb_p_alive(par_lt, pat[x][0], pat[x][1], 6.0, 1.0, &v) == CRM_OK, "p_alive");
		/* these were computed by lifetimes (1e-15 fudge, ~1e-13 off) */
		ut_close(v, want_pa[x], 1e-11, "P(alive in 2002) (%g,%g)", pat[x][0], pat[x][1]);
		ut_close_abs(v, (double[]) {0.11, 0.59, 0.93}[x], 0.005, "published value");
	}
	printf("# bgbb expected_in_first_6_periods: max rel err %.3g\n", emax);
	ut_end();
}

/* Σ_x P(X(n)=x) = 1 and Σ x P(X(n)=x) = E[X(n)], plus E[X(n)] by an explicit sum */
static void
pmf_identities(void)
{
	static const double ns[] = {1, 6, 50, 700};
	static const double pars[3][4] = {
		{1.203522393608002, 0.7497163581757513, 0.6567181695499895, 2.783441982887859},
		{0.3, 5.0, 1.0, 4.0},	/* γ = 1 exactly */
		{40.0, 2.0, 3.5, 0.2},
	};
	int			ip,
				in;

	ut_begin("bgbb: P(X(n)=x) sums to 1 and its mean is E[X(n)]");
	for (ip = 0; ip < 3; ip++)
		for (in = 0; in < 4; in++)
		{
			double		n = ns[in];
			double		s = 0.0,
						mean = 0.0,
						e,
						v;
			double		x;

			for (x = 0; x <= n; x += 1.0)
			{
				ut_ok(crm_bgbb_prob_n(pars[ip], x, n, &v) == CRM_OK && v >= 0.0, "prob_n");
				s += v;
				mean += x * v;
			}
			ut_ok(crm_bgbb_expected(pars[ip], n, &e) == CRM_OK, "expected");
			ut_close(s, 1.0, 1e-12, "sum of pmf, par %d n %g", ip, n);
			ut_close(mean, e, 1e-11, "mean of pmf, par %d n %g", ip, n);
		}
	ut_end();
}

/*
 * Survival sums: E[X(n, n+m) | ·] against an explicit sum of
 * P(alive in n+k) · E[p | ·], across the direct/closed-form switch and
 * around γ = 1 (exact, ±1e-9, ±1e-3, γ < 1).
 */
static void
survival_sums(void)
{
	static const double gammas[] = {0.3, 1.0 - 1e-3, 1.0 - 1e-9, 1.0, 1.0 + 1e-9, 1.0 + 1e-3, 2.5, 30.0};
	static const double ms[] = {1, 999, 1000, 1001, 2500, 100000};
	int			ig,
				im;

	ut_begin("bgbb: conditional expectation = explicit sum of P(alive) (around gamma = 1)");
	for (ig = 0; ig < 8; ig++)
	{
		double		par[4] = {1.2, 0.75, gammas[ig], 2.8};

		for (im = 0; im < 6; im++)
		{
			double		m = ms[im];
			double		ce,
						pa,
						sum = 0.0,
						k;
			double		x = 2,
						tx = 4,
						n = 6;

			for (k = 1.0; k <= m; k += 1.0)
			{
				crm_bgbb_p_alive(par, x, tx, n, k, &pa);
				sum += pa;
			}
			sum *= (par[0] + x) / (par[0] + par[1] + n);
			ut_ok(crm_bgbb_cond_expected(par, m, x, tx, n, &ce) == CRM_OK, "status");
			/* the reference sum itself carries ~m ulp of rounding */
			ut_close(ce, sum, 1e-13 + 2e-16 * sqrt(m), "gamma %.12g m %g", gammas[ig], m);
		}
	}
	/* E[X(n)] = α/(α+β) Σ_{t=1}^{n} S(t); continuity through γ = 1 */
	{
		double		e0,
					e1,
					e2;
		double		pa[4] = {1.0, 1.0, 1.0 - 1e-12, 3.0};
		double		pb[4] = {1.0, 1.0, 1.0, 3.0};
		double		pc[4] = {1.0, 1.0, 1.0 + 1e-12, 3.0};

		crm_bgbb_expected(pa, 5e5, &e0);
		crm_bgbb_expected(pb, 5e5, &e1);
		crm_bgbb_expected(pc, 5e5, &e2);
		/* γ = 1: ½ · 3 [ψ(4 + 5e5) − ψ(4)] */
		ut_close(e1, 0.5 * 3.0 * (log(5e5 + 3.5) - (1.0 + 0.5 + 1.0 / 3.0 - 0.5772156649015329)),
				 1e-6, "gamma = 1 closed form (approximate)");
		ut_close(e0, e1, 1e-10, "gamma = 1 - 1e-12");
		ut_close(e2, e1, 1e-10, "gamma = 1 + 1e-12");
		ut_ok(e0 >= e1 && e1 >= e2, "monotone in gamma");
	}
	ut_end();
}

/*
 * DERT against the explicit discounted sum of FHS eq. 13 increments,
 * E[p | x, n] P(alive in n) Σ_k S(n+k)/S(n) (1+d)^−k, summed in long double,
 * over rates down to 0.001 (z = 0.999) and n up to 3000
 */
static void
dert_explicit_sum(void)
{
	static const double cust[][3] = {{0, 0, 6}, {2, 4, 6}, {6, 6, 6}, {1, 1, 50}, {25, 50, 50},
	{0, 0, 3000}, {1, 1500, 3000}, {1500, 3000, 3000}};
	static const double rates[] = {0.001, 0.01, 0.1, 0.5, 3.0};
	int			ic,
				id;
	double		emax = 0.0;

	ut_begin("bgbb: DERT = explicit discounted sum of expected increments (d 0.001 .. 3)");
	for (ic = 0; ic < 8; ic++)
		for (id = 0; id < 5; id++)
		{
			double		x = cust[ic][0],
						tx = cust[ic][1],
						n = cust[ic][2],
						d = rates[id];
			double		p0,
						v;
			long double r = 1.0L,
						sum = 0.0L;
			long		k;

			crm_bgbb_p_alive(par_mle, x, tx, n, 0, &p0);
			for (k = 1; k < 200000; k++)
			{
				r *= ((long double) par_mle[3] + n + k - 1)
					/ ((long double) par_mle[2] + par_mle[3] + n + k - 1) / (1.0L + d);
				sum += r;
				if (r < 1e-22L * sum)
					break;
			}
			sum *= (long double) p0 * (par_mle[0] + x) / (par_mle[0] + par_mle[1] + n);
			ut_ok(crm_bgbb_dert(par_mle, d, x, tx, n, &v) == CRM_OK, "status");
			/*
			 * z = 1/(1+d) is rounded to a double before 2F1 sees it, and
			 * near z = 1 that rounding is amplified by ~1/d
			 */
			ut_close(v, (double) sum, 1e-13 + 2e-16 / d, "(%g,%g,%g) d %g", x, tx, n, d);
			emax = fmax(emax, relerr(v, (double) sum));
		}
	printf("# bgbb DERT vs explicit sum: max rel err %.3g\n", emax);
	ut_end();
}

/* ln L at par with parameter k moved by h */
static double
ll_moved(const double *par, int k, double h, double x, double tx, double n)
{
	double		p[4],
				l;

	memcpy(p, par, sizeof(p));
	p[k] += h;
	crm_bgbb_loglik1(p, x, tx, n, &l, NULL);
	return l;
}

/*
 * d ln L / d par[k] by central differences with one Richardson step
 * (truncation error O(h^4), so h can be large enough to keep the rounding
 * noise of ln L small)
 */
static double
fd_loglik1(const double *par, int k, double x, double tx, double n)
{
	double		h = 1e-3 * par[k];
	double		d1 = (ll_moved(par, k, h, x, tx, n) - ll_moved(par, k, -h, x, tx, n)) / (2.0 * h);
	double		d2 = (ll_moved(par, k, h / 2, x, tx, n) - ll_moved(par, k, -h / 2, x, tx, n)) / h;

	return (4.0 * d2 - d1) / 3.0;
}

static void
gradient_fd(void)
{
	static const double cust[][3] = {
		{0, 0, 1}, {0, 0, 6}, {1, 1, 6}, {3, 4, 6}, {6, 6, 6}, {1, 1, 50}, {25, 50, 50},
		{1, 25, 50}, {250, 375, 500}, {500, 500, 500}, {1, 1500, 3000}, {0, 0, 3000},
		{1500, 2250, 3000}, {40, 41, 45}
	};
	static const double pars[3][4] = {
		{1.203522393608002, 0.7497163581757513, 0.6567181695499895, 2.783441982887859},
		{0.05, 0.2, 3.0, 0.1},
		{12.0, 30.0, 0.9, 45.0},
	};
	int			ip,
				ic,
				k;
	double		emax = 0.0;

	ut_begin("bgbb: analytic gradient vs central finite differences");
	for (ip = 0; ip < 3; ip++)
		for (ic = 0; ic < (int) (sizeof(cust) / sizeof(cust[0])); ic++)
		{
			double		ll,
						g[4],
						ll2;

			ut_ok(crm_bgbb_loglik1(pars[ip], cust[ic][0], cust[ic][1], cust[ic][2], &ll, g) == CRM_OK,
				  "status");
			crm_bgbb_loglik1(pars[ip], cust[ic][0], cust[ic][1], cust[ic][2], &ll2, NULL);
			ut_ok(ll == ll2, "same ll with and without gradient");
			for (k = 0; k < 4; k++)
			{
				double		fd = fd_loglik1(pars[ip], k, cust[ic][0], cust[ic][1], cust[ic][2]);
				/*
				 * FD noise: ln L of heavy customers carries rounding of
				 * ~1e-15 of its ln Γ parts (~n ln n), divided by h
				 */
				double		scale = fabs(ll) + cust[ic][2] * log(cust[ic][2] + 1.0);
				double		tol = 1e-7 * fabs(fd) + 1e-8 + 1e-11 * scale / pars[ip][k];

				ut_close_abs(g[k], fd, tol, "par %d cust (%g,%g,%g) d/d%d", ip,
							 cust[ic][0], cust[ic][1], cust[ic][2], k);
				emax = fmax(emax, fabs(g[k] - fd) / (fabs(fd) + 1e-300));
			}
		}
	printf("# bgbb gradient vs FD: max rel diff %.3g\n", emax);

	/*
	 * Heavy customers, where FD is noisy: the gradient of the explicit
	 * likelihood sum, differentiated by mpmath at 30 digits (lifetimes params)
	 */
	{
		static const double cg[2][3] = {{1, 1500, 3000}, {1500, 2250, 3000}};
		static const double want[2][4] = {
			{-6.516090076851929, 1.4777637114871895, -5.759384640275894, 0.24915214696901078},
			{0.27089689247369947, 0.38027683908273546, -5.114741966498053, 0.2490269268939118}
		};
		double		ll,
					g[4];

		for (ic = 0; ic < 2; ic++)
		{
			crm_bgbb_loglik1(pars[0], cg[ic][0], cg[ic][1], cg[ic][2], &ll, g);
			for (k = 0; k < 4; k++)
				ut_close(g[k], want[ic][k], 1e-12, "mpmath gradient (%g,%g,%g) d/d%d",
						 cg[ic][0], cg[ic][1], cg[ic][2], k);
		}
	}
	ut_end();
}

static void
batch_matches_single(void)
{
	CrmObs		obs[4] = {{0, 0, 6, 2.0}, {2, 4, 6, 1.5}, {3, 3, 10, 1.0}, {7, 9, 12, 0.25}};
	double		ll,
				g[4],
				want = 0.0,
				wg[4] = {0, 0, 0, 0};
	int			i,
				k;

	ut_begin("bgbb: batch loglik = weighted sum of loglik1 (value and gradient)");
	for (i = 0; i < 4; i++)
	{
		double		l,
					gi[4];

		crm_bgbb_loglik1(par_lt, obs[i].x, obs[i].tx, obs[i].T, &l, gi);
		want += obs[i].w * l;
		for (k = 0; k < 4; k++)
			wg[k] += obs[i].w * gi[k];
	}
	ut_ok(crm_bgbb_spec.loglik(par_lt, obs, 4, &ll, g) == CRM_OK, "status");
	ut_close(ll, want, 1e-15, "value");
	for (k = 0; k < 4; k++)
		ut_close(g[k], wg[k], 1e-14, "gradient %d", k);
	ut_ok(crm_bgbb_spec.loglik(par_lt, obs, 4, &ll, NULL) == CRM_OK && fabs(ll - want) <= 1e-12 * fabs(want),
		  "without gradient");
	ut_ok(crm_bgbb_spec.loglik(par_lt, obs, 0, &ll, g) == CRM_OK && ll == 0.0, "empty batch is 0");
	ut_end();
}

static void
bad_inputs(void)
{
	double		v;
	const char *reason;
	static const double badpar[][4] = {
		{0, 1, 1, 1}, {1, -1, 1, 1}, {1, 1, NAN, 1}, {1, 1, 1, INFINITY}
	};
	static const CrmObs badobs[] = {
		{1.5, 2, 6, 1},			/* fractional x */
		{0, 1, 6, 1},			/* tx > 0 with x = 0 */
		{1, 0, 6, 1},			/* x > 0 with tx = 0 */
		{3, 2, 6, 1},			/* x > tx */
		{2, 7, 6, 1},			/* tx > n */
		{0, 0, 0, 1},			/* n = 0 */
		{0, 0, 2e6, 1},			/* n too large */
		{-1, 0, 6, 1},
		{1, 1, NAN, 1},
		{1, 1, 6, 0},			/* weight 0 */
		{1, 1, 6, INFINITY},
	};
	int			i;

	ut_begin("bgbb: bad parameters and customers are rejected with the right status");
	for (i = 0; i < 4; i++)
	{
		ut_ok(crm_bgbb_spec.check_params(badpar[i], &reason) == CRM_EPARAM, "check_params %d", i);
		ut_ok(crm_bgbb_loglik1(badpar[i], 1, 1, 6, &v, NULL) == CRM_EPARAM && isnan(v), "loglik1 %d", i);
		ut_ok(crm_bgbb_p_alive(badpar[i], 1, 1, 6, 0, &v) == CRM_EPARAM, "p_alive %d", i);
		ut_ok(crm_bgbb_expected(badpar[i], 6, &v) == CRM_EPARAM, "expected %d", i);
		ut_ok(crm_bgbb_prob_n(badpar[i], 1, 6, &v) == CRM_EPARAM, "prob_n %d", i);
		ut_ok(crm_bgbb_dert(badpar[i], 0.1, 1, 1, 6, &v) == CRM_EPARAM, "dert %d", i);
	}
	for (i = 0; i < (int) (sizeof(badobs) / sizeof(badobs[0])); i++)
	{
		reason = NULL;
		ut_ok(crm_bgbb_spec.check_obs(&badobs[i], &reason) == CRM_EDOMAIN && reason != NULL,
			  "check_obs %d", i);
		if (badobs[i].w == 1.0)
		{
			ut_ok(crm_bgbb_loglik1(par_lt, badobs[i].x, badobs[i].tx, badobs[i].T, &v, NULL) == CRM_EDOMAIN,
				  "loglik1 obs %d", i);
			ut_ok(crm_bgbb_p_alive(par_lt, badobs[i].x, badobs[i].tx, badobs[i].T, 1, &v) == CRM_EDOMAIN
				  && isnan(v), "p_alive obs %d", i);
			ut_ok(crm_bgbb_cond_expected(par_lt, 1, badobs[i].x, badobs[i].tx, badobs[i].T, &v) == CRM_EDOMAIN,
				  "cond_expected obs %d", i);
		}
	}
	ut_ok(crm_bgbb_p_alive(par_lt, 1, 1, 6, -1, &v) == CRM_EDOMAIN, "negative m");
	ut_ok(crm_bgbb_p_alive(par_lt, 1, 1, 6, 0.5, &v) == CRM_EDOMAIN, "fractional m");
	ut_ok(crm_bgbb_cond_expected(par_lt, NAN, 1, 1, 6, &v) == CRM_EDOMAIN, "NaN m");
	ut_ok(crm_bgbb_dert(par_lt, 0, 1, 1, 6, &v) == CRM_EDOMAIN, "d = 0");
	ut_ok(crm_bgbb_dert(par_lt, -0.1, 1, 1, 6, &v) == CRM_EDOMAIN, "d < 0");
	ut_ok(crm_bgbb_dert(par_lt, INFINITY, 1, 1, 6, &v) == CRM_EDOMAIN, "d = inf");
	ut_ok(crm_bgbb_prob_n(par_lt, 7, 6, &v) == CRM_EDOMAIN, "x > n");
	ut_ok(crm_bgbb_prob_n(par_lt, 0, -1, &v) == CRM_EDOMAIN, "n < 0");
	ut_ok(crm_bgbb_expected(par_lt, 2.5, &v) == CRM_EDOMAIN, "fractional n");
	ut_ok(crm_bgbb_p_alive_future(par_lt, 1, 1, 6, 1e7, &v) == CRM_EDOMAIN, "n + m too large");

	/* valid edges */
	ut_ok(crm_bgbb_expected(par_lt, 0, &v) == CRM_OK && v == 0.0, "E[X(0)] = 0");
	ut_ok(crm_bgbb_prob_n(par_lt, 0, 0, &v) == CRM_OK && v == 1.0, "P(X(0)=0) = 1");
	ut_ok(crm_bgbb_cond_expected(par_lt, 0, 2, 4, 6, &v) == CRM_OK && v == 0.0, "m = 0 gives 0");
	ut_ok(crm_bgbb_p_alive(par_lt, 6, 6, 6, 0, &v) == CRM_OK && v == 1.0, "tx = n: alive now");
	ut_ok(crm_bgbb_p_alive(par_lt, 2, 4, 6, 1e300, &v) == CRM_OK && v >= 0.0 && v < 1e-10,
		  "far future: %g", v);
	ut_ok(crm_bgbb_cond_expected(par_lt, 1e15, 2, 4, 6, &v) == CRM_OK && crm_isfinite(v) && v > 0,
		  "m = 1e15 finite (gamma < 1: grows without bound): %g", v);
	{
		double		a,
					b;

		crm_bgbb_p_alive_future(par_lt, 2, 4, 6, 3, &a);
		crm_bgbb_p_alive(par_lt, 2, 4, 9, 0, &b);
		ut_ok(a == b, "p_alive_future = p_alive at n + m");
		crm_bgbb_p_alive_future(par_lt, 2, 4, 6, 0, &a);
		crm_bgbb_p_alive(par_lt, 2, 4, 6, 0, &b);
		ut_ok(a == b, "p_alive_future m = 0");
	}
	/* extreme but valid parameters: a status, never NaN with CRM_OK */
	{
		static const double ext[][4] = {
			{1e-300, 1, 1, 1}, {1e300, 1, 1, 1}, {1, 1e-300, 1, 1}, {1, 1, 1e-300, 1},
			{1, 1, 1e300, 1e-300}, {1e300, 1e300, 1e300, 1e300}, {1e-300, 1e-300, 1e-300, 1e-300}
		};
		int			j;

		for (j = 0; j < 7; j++)
		{
			double		g[4];
			CrmStatus	st;

			st = crm_bgbb_loglik1(ext[j], 3, 4, 6, &v, g);
			ut_ok(st != CRM_OK || (crm_isfinite(v) && crm_isfinite(g[0]) && crm_isfinite(g[3])),
				  "extreme %d loglik", j);
			st = crm_bgbb_p_alive(ext[j], 3, 4, 6, 2, &v);
			ut_ok(st != CRM_OK || (v >= 0.0 && v <= 1.0), "extreme %d p_alive %g", j, v);
			st = crm_bgbb_cond_expected(ext[j], 5, 3, 4, 6, &v);
			ut_ok(st != CRM_OK || (crm_isfinite(v) && v >= 0.0), "extreme %d cond_expected", j);
			st = crm_bgbb_dert(ext[j], 0.1, 3, 4, 6, &v);
			ut_ok(st != CRM_OK || (crm_isfinite(v) && v >= 0.0), "extreme %d dert", j);
			st = crm_bgbb_prob_n(ext[j], 3, 6, &v);
			ut_ok(st != CRM_OK || (v >= 0.0 && v <= 1.0), "extreme %d prob_n", j);
		}
	}
	ut_end();
}

static void
spec_and_data(void)
{
	CrmObs		none[2] = {{0, 0, 6, 1}, {0, 0, 4, 2}};
	CrmObs		full[2] = {{6, 6, 6, 1}, {4, 4, 4, 2}};
	CrmObs		alive[2] = {{3, 6, 6, 1}, {1, 4, 4, 2}};
	CrmObs		ok[2] = {{3, 5, 6, 1}, {0, 0, 4, 2}};
	const char *reason;
	double		p0[4];

	ut_begin("bgbb: spec table, check_data and start");
	ut_ok(crm_bgbb_spec.kind == CRM_MODEL_BGBB && crm_bgbb_spec.nparams == 4, "kind, nparams");
	ut_ok(strcmp(crm_bgbb_spec.name, "bgbb") == 0, "name");
	ut_ok(strcmp(crm_bgbb_spec.param_names[0], "alpha") == 0 &&
		  strcmp(crm_bgbb_spec.param_names[3], "delta") == 0, "param names");
	ut_ok(crm_bgbb_spec.check_data(none, 2, &reason) == CRM_EEMPTY, "nobody transacted");
	ut_ok(crm_bgbb_spec.check_data(full, 2, &reason) == CRM_EEMPTY, "everybody always transacted");
	ut_ok(crm_bgbb_spec.check_data(alive, 2, &reason) == CRM_EEMPTY, "everybody transacted last period");
	ut_ok(crm_bgbb_spec.check_data(ok, 2, &reason) == CRM_OK, "identifiable data");
	crm_bgbb_spec.start(ok, 2, p0);
	ut_ok(p0[0] > 0 && p0[1] > 0 && p0[2] > 0 && p0[3] > 0, "start > 0");
	ut_end();
}

void
test_bgbb(void)
{
	donations_lifetimes();
	donations_total_ll();
	donations_fit();
	dert_reference();
	dert_explicit_sum();
	stress_rows();
	published_checks();
	pmf_identities();
	survival_sums();
	gradient_fd();
	batch_matches_single();
	bad_inputs();
	spec_and_data();
}
