/*
 * test_sbg.c
 *		The shifted Beta-Geometric model (sbg.c) against the high-precision
 *		truths of ../shared/reference/hp/sbg_cohorts.json (values copied
 *		below, with their JSON paths), its gradient against finite
 *		differences, its spec and the fit through the generic optimizer.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "sbg.h"
#include "optim.h"
#include "accum.h"

void		test_sbg(void);

/* hp/sbg_cohorts.json "Regular" and "High end" */
typedef struct Cohort
{
	const char *name;
	double		lost[7];		/* lost_in_year_1_7 */
	double		alive7;			/* alive_at_year_7 */
	double		alpha,
				beta,
				loglik;			/* mle.alpha, mle.beta, mle.loglik */
	double		ll_published;	/* loglik_at_published_params */
	double		pub_alpha,
				pub_beta;		/* published.alpha, published.beta */
	double		retention[12];	/* retention_r_t_1_12 */
	double		survival[13];	/* survival_S_t_0_12 */
	double		del;			/* DEL_new_customer (d = 0.1) */
	double		derl[9];		/* DERL[k].derl, renewals_made k = 0..8 */
	double		ll11;			/* loglik_at_alpha1_beta1_per_customer */
} Cohort;

static const Cohort cohorts[2] = {
	{"Regular", {369, 163, 86, 56, 37, 27, 21}, 241,
		0.7040772984735162, 1.1820430262094757, -1680.265188463287,
		-1680.2651905533526, 0.704, 1.182,
		{0.6267060540838754, 0.7560471431312029, 0.8188225686164385, 0.8559025869836318,
			0.8803834682887772, 0.897754139446303, 0.9107194324350081, 0.9207666256197545,
		0.928781233148091, 0.9353233955280557, 0.9407647508824715, 0.9453615765852444},
		{1.0, 0.6267060540838754, 0.47381932177314307, 0.38797395411438385, 0.33206791100877,
			0.2923470992013099, 0.26245581846309496, 0.23902361402997535, 0.220084966533819,
			0.20441078661463677, 0.1911901910189629, 0.17986499242512677,
		0.1700374528115109},
		3.694908427512111,
		{2.964399270263322, 4.103139775083837, 4.869804652524115, 5.442058466741906,
		5.894095361380859, 6.26441009066321, 6.575655056271328, 6.84231494825894, 7.074217259469874},
	-1.7417302621770137},
	{"High end", {131, 126, 90, 60, 42, 34, 26}, 491,
		0.6680883511064463, 3.806094964058267, -1611.1581473911565,
		-1611.1581503549219, 0.668, 3.806,
		{0.8506792627736016, 0.8779565256326561, 0.8968073162924567, 0.9106138660325696,
			0.9211619189413935, 0.9294832779900849, 0.9362157095208391, 0.9417746489875689,
		0.9464423173664396, 0.95041715438482, 0.9538427601364918, 0.9568256147998635},
		{1.0, 0.8506792627736016, 0.7468594099724606, 0.66978898310517, 0.6099191353314223,
			0.5618342811009684, 0.522215569284931, 0.4889064197209206, 0.460439671820439,
			0.4357795900051792, 0.41417239787170596, 0.39505534315829727,
		0.37799907159740886},
		5.922253495783275,
		{5.414478845361603, 5.901377593805133, 6.293891569412113, 6.619919987913638,
		6.896706681429507, 7.135661064116482, 7.344721229951874, 7.5296280555707, 7.694663213786611},
	-2.1155455066456055}
};

/* the cohort as 8 observations sorted by (x, tx): churned in t=1..7, alive after 7 */
static size_t
cohort_obs(const Cohort *c, CrmObs *obs)
{
	size_t		n = 0;
	int			t;

	for (t = 1; t <= 7; t++)
	{
		obs[n].x = t;
		obs[n].tx = 1.0;
		obs[n].T = 0.0;
		obs[n].w = c->lost[t - 1];
		n++;
		if (t == 7)
		{
			obs[n].x = 7;
			obs[n].tx = 0.0;
			obs[n].T = 0.0;
			obs[n].w = c->alive7;
			n++;
		}
	}
	return n;
}

static void
predictions(void)
{
	int			ci,
				t;

	for (ci = 0; ci < 2; ci++)
	{
		const Cohort *c = &cohorts[ci];
		double		par[2] = {c->alpha, c->beta};
		double		v,
					maxrel = 0;
		char		name[80];

		snprintf(name, sizeof(name), "sbg: %s retention, survival, DEL, DERL vs hp", c->name);
		ut_begin(name);
		for (t = 1; t <= 12; t++)
		{
			ut_ok(crm_sbg_retention(par, t, &v) == CRM_OK, "retention %d", t);
			ut_close(v, c->retention[t - 1], 2e-15, "r_%d", t);
			maxrel = fmax(maxrel, fabs(v / c->retention[t - 1] - 1));
		}
		for (t = 0; t <= 12; t++)
		{
			ut_ok(crm_sbg_survival(par, t, &v) == CRM_OK, "survival %d", t);
			ut_close(v, c->survival[t], 1e-14, "S(%d)", t);
			maxrel = fmax(maxrel, fabs(v / c->survival[t] - 1));
		}
		ut_ok(crm_sbg_del(par, 0.1, &v) == CRM_OK, "DEL status");
		ut_close(v, c->del, 1e-14, "DEL");
		maxrel = fmax(maxrel, fabs(v / c->del - 1));
		for (t = 0; t <= 8; t++)
		{
			ut_ok(crm_sbg_derl(par, 0.1, t, &v) == CRM_OK, "DERL status %d", t);
			ut_close(v, c->derl[t], 1e-14, "DERL k=%d", t);
			maxrel = fmax(maxrel, fabs(v / c->derl[t] - 1));
		}
		/* pmf: P(T=t) = S(t-1) - S(t) */
		for (t = 1; t <= 12; t++)
		{
			ut_ok(crm_sbg_pmf(par, t, &v) == CRM_OK, "pmf %d", t);
			ut_close(v, c->survival[t - 1] - c->survival[t], 1e-12, "P(T=%d)", t);
		}
		printf("# sbg %s: max rel error of r_t, S(t), DEL, DERL vs hp = %.2e\n", c->name, maxrel);
		ut_end();
	}
}

static void
likelihood(void)
{
	int			ci;

	for (ci = 0; ci < 2; ci++)
	{
		const Cohort *c = &cohorts[ci];
		CrmObs		obs[8];
		size_t		n = cohort_obs(c, obs);
		double		par[2] = {c->alpha, c->beta};
		double		pub[2] = {c->pub_alpha, c->pub_beta};
		double		one[2] = {1.0, 1.0};
		double		ll,
					g[2];
		char		name[80];

		snprintf(name, sizeof(name), "sbg: %s log-likelihood and gradient at the MLE", c->name);
		ut_begin(name);
		ut_ok(crm_sbg_spec.loglik(par, obs, n, &ll, g) == CRM_OK, "status");
		ut_close(ll, c->loglik, 1e-14, "LL at MLE");
		ut_close_abs(g[0] / 1000, 0.0, 1e-11, "dLL/dalpha per customer ~ 0");
		ut_close_abs(g[1] / 1000, 0.0, 1e-11, "dLL/dbeta per customer ~ 0");
		ut_ok(crm_sbg_spec.loglik(pub, obs, n, &ll, NULL) == CRM_OK, "status");
		ut_close(ll, c->ll_published, 1e-14, "LL at published parameters");
		ut_ok(crm_sbg_spec.loglik(one, obs, n, &ll, NULL) == CRM_OK, "status");
		ut_close(ll / 1000, c->ll11, 1e-14, "LL per customer at (1, 1)");
		ut_end();
	}
}

static void
gradient_fd(void)
{
	static const double pars[][2] = {
		{0.7, 1.2}, {0.05, 0.02}, {3.0, 40.0}, {150.0, 0.3}, {1e-4, 1e4}
	};
	static const double ts[] = {0, 1, 2, 5, 17, 63, 64, 65, 200, 5000, 1e6};
	int			pi,
				ti,
				ch;

	ut_begin("sbg: analytic gradient vs central differences");
	for (pi = 0; pi < 5; pi++)
		for (ti = 0; ti < 11; ti++)
			for (ch = 0; ch <= 1; ch++)
			{
				double		par[2],
							g[2],
							ll,
							lp,
							lm;
				int			k;

				if (ch && ts[ti] < 1)
					continue;
				par[0] = pars[pi][0];
				par[1] = pars[pi][1];
				if (crm_sbg_loglik1(par, ts[ti], ch, &ll, g) != CRM_OK)
				{
					ut_ok(false, "status at a=%g b=%g t=%g", par[0], par[1], ts[ti]);
					continue;
				}
				for (k = 0; k < 2; k++)
				{
					double		p0 = par[k];
					double		h = 1e-6 * p0;
					double		fd;

					par[k] = p0 + h;
					crm_sbg_loglik1(par, ts[ti], ch, &lp, NULL);
					par[k] = p0 - h;
					crm_sbg_loglik1(par, ts[ti], ch, &lm, NULL);
					par[k] = p0;
					fd = (lp - lm) / (2 * h);
					/* scale: the derivative times the parameter (log-parameter gradient) */
					ut_close_abs(g[k] * p0, fd * p0, 1e-6 * (1 + fabs(fd * p0)),
								 "d/d%s at a=%g b=%g t=%g churned=%d", k ? "beta" : "alpha",
								 par[0], par[1], ts[ti], ch);
				}
			}
	ut_end();
}

/* the batch likelihood (survival cursor) equals the sum of per-customer terms */
static void
batch_vs_single(void)
{
	static CrmObs obs[4000];
	size_t		n = 0;
	double		t = 0;
	unsigned int seed = 7;
	double		pars[3][2] = {{0.7, 1.2}, {0.02, 30.0}, {40.0, 0.3}};
	int			pi;

	ut_begin("sbg: batch likelihood (survival cursor) equals the per-customer sum");
	while (n < 3990)
	{
		seed = seed * 1103515245u + 12345u;
		/* mostly consecutive periods, sometimes a jump beyond the cursor's reach */
		t += (seed >> 16) % 10 == 0 ? 65 + (seed >> 8) % 500 : (seed >> 12) % 3;
		if ((seed >> 20) % 3 != 0)
		{
			obs[n].x = t;
			obs[n].tx = 0;
			obs[n].T = 0;
			obs[n].w = 1 + (seed >> 4) % 7;
			n++;
		}
		if (t >= 1 && (seed >> 22) % 3 != 1)
		{
			obs[n].x = t;
			obs[n].tx = 1;
			obs[n].T = 0;
			obs[n].w = 0.5 + (seed >> 6) % 5;
			n++;
		}
		t += 1;
	}
	for (pi = 0; pi < 3; pi++)
	{
		double		ll,
					g[2],
					s = 0,
					sa = 0,
					sb = 0;
		size_t		i;

		ut_ok(crm_sbg_spec.loglik(pars[pi], obs, n, &ll, g) == CRM_OK, "status");
		for (i = 0; i < n; i++)
		{
			double		l1,
						g1[2];

			crm_sbg_loglik1(pars[pi], obs[i].x, obs[i].tx == 1, &l1, g1);
			s += obs[i].w * l1;
			sa += obs[i].w * g1[0];
			sb += obs[i].w * g1[1];
		}
		ut_close(ll, s, 1e-12, "LL at (%g, %g), %zu patterns", pars[pi][0], pars[pi][1], n);
		ut_close(g[0], sa, 1e-10, "dLL/dalpha at (%g, %g)", pars[pi][0], pars[pi][1]);
		ut_close(g[1], sb, 1e-10, "dLL/dbeta at (%g, %g)", pars[pi][0], pars[pi][1]);
	}
	ut_end();
}

static void
edges(void)
{
	double		par[2] = {0.7, 1.2};
	double		bad[2] = {-1, 1.2};
	double		v,
				ll;

	ut_begin("sbg: domain checks and extreme inputs");
	ut_ok(crm_sbg_survival(par, -1, &v) == CRM_EDOMAIN, "S(-1)");
	ut_ok(crm_sbg_survival(par, 1.5, &v) == CRM_EDOMAIN, "S(1.5)");
	ut_ok(crm_sbg_survival(par, NAN, &v) == CRM_EDOMAIN, "S(NaN)");
	ut_ok(crm_sbg_pmf(par, 0, &v) == CRM_EDOMAIN, "P(T=0)");
	ut_ok(crm_sbg_retention(par, 0, &v) == CRM_EDOMAIN, "r_0");
	ut_ok(crm_sbg_survival(bad, 1, &v) == CRM_EPARAM, "negative alpha");
	bad[0] = INFINITY;
	ut_ok(crm_sbg_survival(bad, 1, &v) == CRM_EPARAM, "infinite alpha");
	ut_ok(crm_sbg_del(par, 0, &v) == CRM_EDOMAIN, "DEL at d = 0");
	ut_ok(crm_sbg_del(par, -0.1, &v) == CRM_EDOMAIN, "DEL at d < 0");
	ut_ok(crm_sbg_derl(par, 0.1, -1, &v) == CRM_EDOMAIN, "DERL k < 0");
	ut_ok(crm_sbg_derl(par, 0.1, 0.5, &v) == CRM_EDOMAIN, "DERL k fractional");
	/* survival at a huge horizon: tiny but positive and finite, log exact */
	ut_ok(crm_sbg_survival(par, 1e15, &v) == CRM_OK && v > 0 && v < 1e-9, "S(1e15) = %g", v);
	ut_ok(crm_sbg_loglik1(par, 1e15, true, &ll, NULL) == CRM_OK && crm_isfinite(ll), "ln P(T=1e15) = %g", ll);
	ut_ok(crm_sbg_survival(par, 0, &v) == CRM_OK && v == 1.0, "S(0) = 1");
	/* tiny alpha: almost nobody churns */
	par[0] = 1e-300;
	ut_ok(crm_sbg_survival(par, 10, &v) == CRM_OK && v > 0.999, "tiny alpha S(10) = %g", v);
	/* DEL at a small rate: many series terms, still finite and accurate */
	par[0] = 0.7;
	ut_ok(crm_sbg_del(par, 1e-4, &v) == CRM_OK && crm_isfinite(v) && v > 10, "DEL(d=1e-4) = %g", v);
	/* DEL with alpha = 1, beta = 1: S(t) = 1/(t+1), DEL = (1+d) ln((1+d)/d) */
	par[0] = par[1] = 1.0;
	ut_ok(crm_sbg_del(par, 0.01, &v) == CRM_OK, "DEL(1,1) status");
	ut_close(v, 1.01 * log(1.01 / 0.01), 1e-13, "DEL(1,1,d=0.01) closed form");
	ut_ok(crm_sbg_del(par, 1e-9, &v) == CRM_ENOCONV, "DEL at d = 1e-9 gives up (%g)", v);
	ut_end();
}

static void
spec_and_fit(void)
{
	int			ci;
	CrmObs		o;
	const char *why;

	ut_begin("sbg: spec check_obs, check_data");
	memset(&o, 0, sizeof(o));
	o.w = 1;
	o.x = 3;
	o.tx = 1;
	ut_ok(crm_sbg_spec.check_obs(&o, &why) == CRM_OK, "churned at 3");
	o.x = 0;
	ut_ok(crm_sbg_spec.check_obs(&o, &why) == CRM_EDOMAIN, "churned at 0: %s", why);
	o.tx = 0;
	ut_ok(crm_sbg_spec.check_obs(&o, &why) == CRM_OK, "active after 0");
	o.x = -1;
	ut_ok(crm_sbg_spec.check_obs(&o, &why) == CRM_EDOMAIN, "negative: %s", why);
	o.x = 2.5;
	ut_ok(crm_sbg_spec.check_obs(&o, &why) == CRM_EDOMAIN, "fractional: %s", why);
	o.x = 2;
	o.tx = 0.5;
	ut_ok(crm_sbg_spec.check_obs(&o, &why) == CRM_EDOMAIN, "flag 0.5: %s", why);
	o.tx = 0;
	ut_ok(crm_sbg_spec.check_data(&o, 1, &why) == CRM_EEMPTY, "nobody churned: %s", why);
	ut_ok(crm_model_spec(CRM_MODEL_SBG) == &crm_sbg_spec, "crm_model_spec(SBG)");
	ut_ok(crm_model_spec((CrmModelKind) 0) == NULL, "crm_model_spec(0) is NULL");
	ut_ok(crm_model_spec((CrmModelKind) 99) == NULL, "crm_model_spec(99) is NULL");
	ut_end();

	for (ci = 0; ci < 2; ci++)
	{
		const Cohort *c = &cohorts[ci];
		CrmObs		obs[8];
		size_t		n = cohort_obs(c, obs);
		CrmFitOptions opt;
		CrmFitResult res;
		CrmStatus	st;
		char		name[80];

		snprintf(name, sizeof(name), "sbg: fit %s cohort to the hp MLE", c->name);
		ut_begin(name);
		crm_fit_options_default(&opt);
		st = crm_fit(&crm_sbg_spec, obs, n, &opt, &res);
		ut_ok(st == CRM_OK && res.converged, "status %s converged %d (%s)",
			  crm_status_message(st), res.converged, res.message);
		ut_close(res.par[0], c->alpha, 1e-9, "alpha");
		ut_close(res.par[1], c->beta, 1e-9, "beta");
		ut_close(res.loglik, c->loglik, 1e-14, "loglik");
		ut_close(res.n_customers, 1000, 0, "N");
		ut_close(round(res.par[0] * 1000) / 1000, c->pub_alpha, 1e-15, "alpha at published digits");
		ut_close(round(res.par[1] * 1000) / 1000, c->pub_beta, 1e-15, "beta at published digits");
		printf("# sbg fit %s: alpha rel err %.2e, beta rel err %.2e, LL rel err %.2e, %d evaluations (%s)\n",
			   c->name, fabs(res.par[0] / c->alpha - 1), fabs(res.par[1] / c->beta - 1),
			   fabs(res.loglik / c->loglik - 1), res.iterations, res.method);
		ut_end();
	}
}

/* data that do not identify (alpha, beta): the fit says so instead of converging */
static void
unidentified(void)
{
	CrmObs		all1[1] = {{1, 1, 0, 10}};
	CrmObs		one_period[2] = {{1, 0, 0, 70}, {1, 1, 0, 30}};
	CrmObs		geometric[5];
	CrmFitOptions opt;
	CrmFitResult res;
	int			t;

	ut_begin("sbg: unidentified data give converged = false");
	crm_fit_options_default(&opt);
	ut_ok(crm_fit(&crm_sbg_spec, all1, 1, &opt, &res) == CRM_OK && !res.converged,
		  "everyone churned in period 1: converged %d (%s)", res.converged, res.message);
	ut_ok(crm_fit(&crm_sbg_spec, one_period, 2, &opt, &res) == CRM_OK && !res.converged,
		  "one period observed: converged %d (%s)", res.converged, res.message);
	ut_close(res.par[0] / (res.par[0] + res.par[1]), 0.3, 1e-8, "but the mean churn rate is right");
	for (t = 1; t <= 5; t++)
	{
		geometric[t - 1].x = t;
		geometric[t - 1].tx = 1;
		geometric[t - 1].T = 0;
		geometric[t - 1].w = 1;
	}
	ut_ok(crm_fit(&crm_sbg_spec, geometric, 5, &opt, &res) == CRM_OK && !res.converged,
		  "homogeneous (geometric) data, optimum at infinity: converged %d (%s)", res.converged,
		  res.message);
	/* a penalizer makes the same data well posed */
	opt.penalizer = 0.01;
	ut_ok(crm_fit(&crm_sbg_spec, geometric, 5, &opt, &res) == CRM_OK && res.converged,
		  "with a penalizer it converges: %d (%s)", res.converged, res.message);
	ut_end();
}

void
test_sbg(void)
{
	predictions();
	likelihood();
	gradient_fd();
	batch_vs_single();
	edges();
	spec_and_fit();
	unidentified();
}
