/*
 * test_gg.c
 *		Gamma-Gamma core: log density, gradient, batch form, conditional
 *		mean spend, against ../shared/reference/hp/gamma_gamma_cdnow.json
 *		(values quoted below) and cdnow_2357_gamma_gamma_clv.csv.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "gg.h"
#include "optim.h"

void		test_gg(void);

/* hp/gamma_gamma_cdnow.json "mle" (60-digit Newton fit on the 946 repeaters) */
static const double gg_mle[3] = {6.248802489709097, 3.744588453287469, 15.447748009463716};

/* params_public.json cdnow_2357_gamma_gamma_clv.gamma_gamma.lifetimes.params */
static const double gg_lt[3] = {6.248802496077898, 3.744588460922642, 15.447748064920148};

static double
relerr(double got, double want)
{
	if (got == want)
		return 0.0;
	return fabs(got - want) / fabs(want);
}

#define MAX_CUST 2400

/* x >= 1 customers of data/cdnow_customers_summary_with_transactions.csv (x, zbar) */
static int
load_repeaters(CrmObs *obs, int cap)
{
	UtCsv	   *c = ut_csv_open(ut_shared_path("data/cdnow_customers_summary_with_transactions.csv"));
	int			n = 0,
				cx,
				cz;

	if (c == NULL)
		return -1;
	cx = ut_csv_col(c, "x");
	cz = ut_csv_col(c, "zbar");
	while (ut_csv_next(c) && n < cap)
	{
		double		x = ut_csv_num(c, cx);

		if (x < 1.0)
			continue;
		obs[n].x = x;
		obs[n].tx = ut_csv_num(c, cz);
		obs[n].T = 0.0;
		obs[n].w = 1.0;
		n++;
	}
	ut_csv_close(c);
	return n;
}

static void
cdnow_total_ll(void)
{
	static CrmObs obs[MAX_CUST];
	int			n,
				i;
	double		ll,
				g[3],
				lt_ll;

	if (!ut_begin_shared("gg: total LL of the 946 CDNOW repeaters at the MLE (hp/gamma_gamma_cdnow.json)"))
		return;
	n = load_repeaters(obs, MAX_CUST);
	ut_ok(n == 946, "expected 946 repeaters, read %d", n);
	for (i = 0; i < n; i++)
	{
		const char *reason = NULL;

		if (!ut_ok(crm_gg_spec.check_obs(&obs[i], &reason) == CRM_OK, "row %d rejected: %s", i,
				   reason ? reason : "?"))
			break;
	}
	ut_ok(crm_gg_spec.check_data(obs, (size_t) n, NULL) == CRM_OK, "check_data");
	ut_ok(crm_gg_spec.loglik(gg_mle, obs, (size_t) n, &ll, g) == CRM_OK, "loglik status");
	ut_close(ll, -4055.9232435028644, 1e-12, "LL total at the MLE");
	printf("# gg cdnow total LL: %.17g, rel err %.3g vs -4055.9232435028644\n", ll,
		   relerr(ll, -4055.9232435028644));
	/* the gradient at the 60-digit MLE is ~0 (its scale is ~1e3 per unit) */
	for (i = 0; i < 3; i++)
		ut_close_abs(g[i], 0.0, 1e-8, "gradient[%d] at the MLE", i);
	ut_ok(crm_gg_spec.loglik(gg_lt, obs, (size_t) n, &lt_ll, NULL) == CRM_OK, "status");
	/* hp json: loglik_at_lifetimes_params */
	ut_close(lt_ll, -4055.9232435028644, 1e-14, "LL at the lifetimes params");
	ut_end();
}

/* the optimizer on the 946 repeaters reaches the 60-digit MLE */
static void
cdnow_fit(void)
{
	static CrmObs obs[MAX_CUST];
	int			n,
				k;
	CrmFitOptions opt;
	CrmFitResult res;

	if (!ut_begin_shared("gg: crm_fit on the 946 CDNOW repeaters reaches the hp MLE"))
		return;
	n = load_repeaters(obs, MAX_CUST);
	crm_fit_options_default(&opt);
	/* crm_fit wants distinct patterns sorted by (x, tx): sort and merge here */
	{
		int			i,
					j,
					m = 0;

		for (i = 1; i < n; i++)
		{
			CrmObs		t = obs[i];

			for (j = i - 1; j >= 0 && (obs[j].x > t.x || (obs[j].x == t.x && obs[j].tx > t.tx)); j--)
				obs[j + 1] = obs[j];
			obs[j + 1] = t;
		}
		for (i = 0; i < n; i++)
		{
			if (m > 0 && obs[m - 1].x == obs[i].x && obs[m - 1].tx == obs[i].tx)
				obs[m - 1].w += obs[i].w;
			else
				obs[m++] = obs[i];
		}
		n = m;
	}
	ut_ok(n == 753, "753 distinct (x, zbar) patterns, got %d", n);
	ut_ok(crm_fit(&crm_gg_spec, obs, (size_t) n, &opt, &res) == CRM_OK, "crm_fit status");
	ut_ok(res.converged, "converged (%s, %s)", res.method, res.message);
	for (k = 0; k < 3; k++)
		ut_close(res.par[k], gg_mle[k], 1e-8, "%s", crm_gg_spec.param_names[k]);
	ut_close(res.loglik, -4055.9232435028644, 1e-13, "loglik");
	ut_ok(res.n_customers == 946.0, "n_customers %g", res.n_customers);
	printf("# gg crm_fit cdnow: (%.12g, %.12g, %.12g) LL %.17g, %d evaluations\n",
		   res.par[0], res.par[1], res.par[2], res.loglik, res.iterations);
	ut_end();
}

static void
cdnow_cond_first_20(void)
{
	/* hp/gamma_gamma_cdnow.json cond_exp_spend_first_20: (ID, x, zbar, E[M | x, zbar]) */
	static const double ref[20][4] = {
		{1, 2, 22.35, 24.658616174326713}, {2, 1, 11.77, 18.9114798415671},
		{3, 0, 0.0, 35.17100208824097}, {4, 0, 0.0, 35.17100208824097},
		{5, 0, 0.0, 35.17100208824097}, {6, 7, 73.74, 71.46285080451841},
		{7, 1, 11.77, 18.9114798415671}, {8, 0, 0.0, 35.17100208824097},
		{9, 2, 25.55, 27.282407566996312}, {10, 0, 0.0, 35.17100208824097},
		{11, 5, 29.44, 29.90277992443944}, {12, 0, 0.0, 35.17100208824097},
		{13, 0, 0.0, 35.17100208824097}, {14, 0, 0.0, 35.17100208824097},
		{15, 0, 0.0, 35.17100208824097}, {16, 0, 0.0, 35.17100208824097},
		{17, 10, 24.24, 24.69990955403097}, {18, 1, 9.99, 17.67469735293928},
		{19, 3, 25.08, 26.3687093698901}, {20, 0, 0.0, 35.17100208824097}
	};
	UtCsv	   *c;
	int			i = 0,
				cx,
				cz;
	double		v,
				emax = 0.0;

	if (!ut_begin_shared("gg: E[M | x, zbar] of CDNOW IDs 1-20 at the MLE (hp/gamma_gamma_cdnow.json)"))
		return;
	c = ut_csv_open(ut_shared_path("data/cdnow_customers_summary_with_transactions.csv"));
	if (!ut_ok(c != NULL, "cannot open the CDNOW summary"))
	{
		ut_end();
		return;
	}
	cx = ut_csv_col(c, "x");
	cz = ut_csv_col(c, "zbar");
	while (i < 20 && ut_csv_next(c))
	{
		double		x = ut_csv_num(c, cx),
					z = ut_csv_num(c, cz);

		ut_ok(x == ref[i][1] && z == ref[i][2], "ID %g: data (%g, %g)", ref[i][0], x, z);
		ut_ok(crm_gg_cond_mean(gg_mle, x, z, &v) == CRM_OK, "status");
		ut_close(v, ref[i][3], 1e-14, "ID %g", ref[i][0]);
		emax = fmax(emax, relerr(v, ref[i][3]));
		i++;
	}
	ut_csv_close(c);
	ut_ok(crm_gg_cond_mean(gg_mle, 0, 0, &v) == CRM_OK, "status");
	/* hp json population_mean_spend_p_v_over_q_minus_1 */
	ut_close(v, 35.17100208824097, 1e-15, "population mean");
	printf("# gg cond_exp_spend_first_20: max rel err %.3g\n", emax);
	ut_end();
}

static void
cdnow_clv_file(void)
{
	UtCsv	   *c;
	int			cf,
				cm,
				cg,
				rows = 0;
	double		emax = 0.0;

	if (!ut_begin_shared("gg: cdnow_2357_gamma_gamma_clv.csv gg_cond_exp_avg_profit at lifetimes params"))
		return;
	c = ut_csv_open(ut_shared_path("reference/cdnow_2357_gamma_gamma_clv.csv"));
	if (!ut_ok(c != NULL, "cannot open cdnow_2357_gamma_gamma_clv.csv"))
	{
		ut_end();
		return;
	}
	cf = ut_csv_col(c, "frequency");
	cm = ut_csv_col(c, "monetary_value");
	cg = ut_csv_col(c, "gg_cond_exp_avg_profit");
	while (ut_csv_next(c))
	{
		double		x = ut_csv_num(c, cf),
					m = ut_csv_num(c, cm),
					v;

		rows++;
		ut_ok(crm_gg_cond_mean(gg_lt, x, m, &v) == CRM_OK, "status row %d", rows);
		ut_close(v, ut_csv_num(c, cg), 1e-9, "row %d (x %g, m %g)", rows, x, m);
		emax = fmax(emax, relerr(v, ut_csv_num(c, cg)));
	}
	ut_ok(rows == 2357, "expected 2357 rows, read %d", rows);
	ut_csv_close(c);
	printf("# gg cdnow_2357_gamma_gamma_clv.csv: max rel err %.3g\n", emax);
	ut_end();
}

static void
gradient_fd(void)
{
	static const double cust[][2] = {
		{1, 11.77}, {2, 22.35}, {7, 73.74}, {1, 1e-3}, {1, 1e5}, {50, 30.0}, {5000, 12.5}
	};
	static const double pars[3][3] = {
		{6.248802489709097, 3.744588453287469, 15.447748009463716},
		{0.2, 0.5, 1e3},
		{80.0, 40.0, 2.0},
	};
	int			ip,
				ic,
				k;
	double		emax = 0.0;

	ut_begin("gg: analytic gradient vs central finite differences");
	for (ip = 0; ip < 3; ip++)
		for (ic = 0; ic < (int) (sizeof(cust) / sizeof(cust[0])); ic++)
		{
			double		ll,
						g[3];

			ut_ok(crm_gg_loglik1(pars[ip], cust[ic][0], cust[ic][1], &ll, g) == CRM_OK, "status");
			for (k = 0; k < 3; k++)
			{
				double		p1[3],
							p2[3],
							l1,
							l2,
							h = 1e-6 * pars[ip][k],
							fd,
							tol;

				memcpy(p1, pars[ip], sizeof(p1));
				memcpy(p2, pars[ip], sizeof(p2));
				p1[k] += h;
				p2[k] -= h;
				crm_gg_loglik1(p1, cust[ic][0], cust[ic][1], &l1, NULL);
				crm_gg_loglik1(p2, cust[ic][0], cust[ic][1], &l2, NULL);
				fd = (l1 - l2) / (2.0 * h);
				tol = 1e-6 * fabs(fd) + 1e-8 + 1e-9 * fabs(ll) / pars[ip][k];
				ut_close_abs(g[k], fd, tol, "par %d cust (%g, %g) d/d%d", ip, cust[ic][0], cust[ic][1], k);
				emax = fmax(emax, fabs(g[k] - fd) / (fabs(fd) + 1e-300));
			}
		}
	printf("# gg gradient vs FD: max rel diff %.3g\n", emax);
	ut_end();
}

static void
density_identities(void)
{
	double		ll,
				want;
	double		par[3] = {2.0, 3.0, 4.0};

	ut_begin("gg: density closed form, batch form, start");
	/*
	 * x = 1: m̄ ~ Gamma(p, ν), ν ~ Gamma(q, v): f = Γ(p+q)/(Γ(p)Γ(q)) v^q m^(p−1)/(v+m)^(p+q);
	 * p = 2, q = 3, v = 4, m = 5: 4!/(1!2!) · 64 · 5 / 9^5
	 */
	crm_gg_loglik1(par, 1.0, 5.0, &ll, NULL);
	want = log(12.0 * 64.0 * 5.0 / 59049.0);
	ut_close(ll, want, 1e-14, "x = 1 density");
	{
		CrmObs		obs[3] = {{1, 5.0, 0, 2.0}, {3, 7.5, 0, 1.0}, {2, 0.25, 0, 0.5}};
		double		tot,
					g[3],
					wsum = 0.0,
					wg[3] = {0, 0, 0},
					p0[3];
		int			i,
					k;

		for (i = 0; i < 3; i++)
		{
			double		l,
						gi[3];

			crm_gg_loglik1(par, obs[i].x, obs[i].tx, &l, gi);
			wsum += obs[i].w * l;
			for (k = 0; k < 3; k++)
				wg[k] += obs[i].w * gi[k];
		}
		ut_ok(crm_gg_spec.loglik(par, obs, 3, &tot, g) == CRM_OK, "status");
		ut_close(tot, wsum, 1e-15, "batch value");
		for (k = 0; k < 3; k++)
			ut_close(g[k], wg[k], 1e-14, "batch gradient %d", k);
		crm_gg_spec.start(obs, 3, p0);
		ut_ok(p0[0] > 0 && p0[1] > 1 && p0[2] > 0, "start > 0");
		ut_close(p0[0] * p0[2] / (p0[1] - 1.0), (2 * 5.0 + 7.5 + 0.5 * 0.25) / 3.5, 1e-15,
				 "start matches the weighted mean spend");
	}
	ut_ok(crm_gg_spec.kind == CRM_MODEL_GG && crm_gg_spec.nparams == 3 &&
		  strcmp(crm_gg_spec.param_names[2], "v") == 0, "spec fields");
	ut_end();
}

static void
bad_inputs(void)
{
	double		v;
	const char *reason;
	static const double badpar[][3] = {{0, 2, 1}, {1, -2, 1}, {1, 2, NAN}, {INFINITY, 2, 1}};
	static const CrmObs badobs[] = {
		{0, 5, 0, 1}, {1.5, 5, 0, 1}, {1, 0, 0, 1}, {1, -3, 0, 1}, {1, NAN, 0, 1},
		{NAN, 5, 0, 1}, {1, INFINITY, 0, 1}, {1, 5, 0, 0}, {1, 5, 0, -1}
	};
	CrmObs		same[3] = {{1, 5, 0, 1}, {3, 5, 0, 2}, {2, 5, 0, 1}};
	int			i;

	ut_begin("gg: bad parameters and customers are rejected with the right status");
	for (i = 0; i < 4; i++)
	{
		ut_ok(crm_gg_spec.check_params(badpar[i], &reason) == CRM_EPARAM, "check_params %d", i);
		ut_ok(crm_gg_loglik1(badpar[i], 1, 5, &v, NULL) == CRM_EPARAM && isnan(v), "loglik1 %d", i);
		ut_ok(crm_gg_cond_mean(badpar[i], 1, 5, &v) == CRM_EPARAM && isnan(v), "cond_mean %d", i);
	}
	for (i = 0; i < (int) (sizeof(badobs) / sizeof(badobs[0])); i++)
	{
		reason = NULL;
		ut_ok(crm_gg_spec.check_obs(&badobs[i], &reason) == CRM_EDOMAIN && reason != NULL,
			  "check_obs %d", i);
		if (badobs[i].w == 1.0)
			ut_ok(crm_gg_loglik1(gg_mle, badobs[i].x, badobs[i].tx, &v, NULL) == CRM_EDOMAIN,
				  "loglik1 obs %d", i);
	}
	/* the mean does not exist for q <= 1 */
	ut_ok(crm_gg_cond_mean((double[]) {2, 1, 3}, 2, 5, &v) == CRM_EPARAM && isnan(v), "q = 1");
	ut_ok(crm_gg_cond_mean((double[]) {2, 0.5, 3}, 0, 0, &v) == CRM_EPARAM, "q < 1, x = 0");
	ut_ok(crm_gg_cond_mean((double[]) {2, 1.5, 3}, 2, 5, &v) == CRM_OK, "q = 1.5 fine");
	ut_ok(crm_gg_cond_mean(gg_mle, -1, 5, &v) == CRM_EDOMAIN, "x < 0");
	ut_ok(crm_gg_cond_mean(gg_mle, 2.5, 5, &v) == CRM_EDOMAIN, "fractional x");
	ut_ok(crm_gg_cond_mean(gg_mle, 2, 0, &v) == CRM_EDOMAIN, "x >= 1 with mbar 0");
	ut_ok(crm_gg_cond_mean(gg_mle, 0, NAN, &v) == CRM_OK && v > 0, "x = 0 ignores mbar");
	ut_ok(crm_gg_spec.check_data(same, 3, &reason) == CRM_EEMPTY, "one distinct spend");
	same[2].tx = 6;
	ut_ok(crm_gg_spec.check_data(same, 3, &reason) == CRM_OK, "two distinct spends");
	/* extremes: a status, never NaN with CRM_OK */
	{
		static const double ext[][3] = {{1e-300, 1, 1}, {1e300, 1, 1}, {1, 1e-300, 1}, {1, 1e300, 1e300},
		{1, 1, 1e-300}, {1e300, 1e300, 1e300}};
		double		g[3];
		CrmStatus	st;

		for (i = 0; i < 6; i++)
		{
			st = crm_gg_loglik1(ext[i], 3, 20, &v, g);
			ut_ok(st != CRM_OK || (crm_isfinite(v) && crm_isfinite(g[0]) && crm_isfinite(g[1]) &&
								   crm_isfinite(g[2])), "extreme %d loglik", i);
			st = crm_gg_cond_mean(ext[i], 3, 20, &v);
			ut_ok(st != CRM_OK || crm_isfinite(v), "extreme %d cond_mean", i);
		}
	}
	ut_end();
}

void
test_gg(void)
{
	cdnow_total_ll();
	cdnow_fit();
	cdnow_cond_first_20();
	cdnow_clv_file();
	gradient_fd();
	density_identities();
	bad_inputs();
}
