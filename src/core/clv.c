/*
 * clv.c
 *		Customer lifetime value building blocks: calendar/discount unit
 *		conversions, lifetimes' discrete step sum, and discounted expected
 *		residual transactions over a finite (adaptive Gauss–Kronrod) or
 *		infinite (the models' DERT) horizon.  See clv.h.
 *
 * The quadrature is written here rather than taken from a library: GSL's
 * QAG is GPL (incompatible with the PostgreSQL licence of the extension)
 * and the integrand is smooth and bounded, so a small adaptive G7/K15 with
 * the QUADPACK error estimate is enough.  The BG/NBD family's own
 * integrator (bgnbd.c) handles its Beta mixture inside E[Y(t)] and its
 * infinite-horizon DERT; this file only integrates over calendar time.
 */
#include <math.h>

#include "clv.h"
#include "pnbd.h"
#include "bgbb.h"
#include "bgnbd.h"

/* subintervals the adaptive quadrature may hold */
#define CLV_MAX_INTERVALS 400
/* relative accuracy asked of ∫ e^(−δt) E[Y(t)] dt */
#define CLV_RELTOL 1e-12
/* beyond δt = this, e^(−δt) underflows the contributions (e^−745 ~ 5e-324) */
#define CLV_EXP_CUT 745.0

/* Continuous rate per model unit from an effective annual rate. */
CrmStatus
crm_clv_continuous_rate(double annual_rate, double unit_days, double *delta)
{
	*delta = NAN;
	if (!crm_isfinite(annual_rate) || annual_rate <= -1.0 ||
		!crm_isfinite(unit_days) || unit_days <= 0.0)
		return CRM_EDOMAIN;
	*delta = log1p(annual_rate) * (unit_days / CRM_DAYS_PER_YEAR);
	if (!crm_isfinite(*delta))
	{
		*delta = NAN;
		return CRM_ERANGE;
	}
	return CRM_OK;
}

/* Discrete rate per period of unit_days days from an effective annual rate. */
CrmStatus
crm_clv_period_rate(double annual_rate, double unit_days, double *d)
{
	double		delta;
	CrmStatus	st;

	*d = NAN;
	if ((st = crm_clv_continuous_rate(annual_rate, unit_days, &delta)) != CRM_OK)
		return st;
	*d = expm1(delta);
	if (!crm_isfinite(*d))
	{
		*d = NAN;
		return CRM_ERANGE;
	}
	return CRM_OK;
}

/* Days in months (of 365.2425/12 days) + days + seconds. */
double
crm_clv_interval_days(double months, double days, double seconds)
{
	double		v = months * CRM_DAYS_PER_MONTH + days + seconds / 86400.0;

	return crm_isfinite(v) ? v : NAN;
}

/* E[Y(t) | x, tx, T] dispatched on the model kind. */
CrmStatus
crm_clv_cond_expected(CrmModelKind kind, const double *par, double t,
					  double x, double tx, double T, double *out)
{
	*out = NAN;
	if (!crm_isfinite(t) || t < 0.0)
		return CRM_EDOMAIN;
	switch (kind)
	{
		case CRM_MODEL_PNBD:
			return crm_pnbd_cond_expected(par, t, x, tx, T, out);
		case CRM_MODEL_BGBB:
			return crm_bgbb_cond_expected(par, t, x, tx, T, out);
		case CRM_MODEL_BGNBD:
			return crm_bgnbd_cond_expected(par, t, x, tx, T, out);
		case CRM_MODEL_MBGNBD:
			return crm_mbgnbd_cond_expected(par, t, x, tx, T, out);
		default:
			return CRM_EUNSUP;
	}
}

/* lifetimes' step sum (see clv.h). */
CrmStatus
crm_clv_discrete(CrmModelKind kind, const double *par, double x, double tx,
				 double T, double spend, int steps, double step_length,
				 double rate_per_step, double *out)
{
	double		sum = 0.0,
				prev = 0.0;
	int			k;
	CrmStatus	st;

	*out = NAN;
	if (steps < 0 || !crm_isfinite(step_length) || step_length <= 0.0 ||
		!crm_isfinite(rate_per_step) || rate_per_step <= -1.0 || !crm_isfinite(spend))
		return CRM_EDOMAIN;
	if (kind == CRM_MODEL_BGBB && step_length != floor(step_length))
		return CRM_EDOMAIN;
	for (k = 1; k <= steps; k++)
	{
		/* as lifetimes: i = k f, E[Y(i)] − E[Y(i − f)], discount (1+d)^(i/f) */
		double		i = (double) k * step_length;
		double		cur;

		if ((k & 63) == 0 && crm_interrupted())
			return CRM_EINTERRUPTED;
		if ((st = crm_clv_cond_expected(kind, par, i, x, tx, T, &cur)) != CRM_OK)
			return st;
		if (k == 1 && i - step_length != 0.0)
		{
			if ((st = crm_clv_cond_expected(kind, par, i - step_length, x, tx, T, &prev)) != CRM_OK)
				return st;
		}
		sum += spend * (cur - prev) / pow(1.0 + rate_per_step, i / step_length);
		prev = cur;
	}
	if (!crm_isfinite(sum))
		return CRM_ERANGE;
	*out = sum;
	return CRM_OK;
}

/* ---- adaptive Gauss–Kronrod 7/15 over calendar time ---- */

/* Kronrod nodes (abscissae of the 15-point rule, >= 0) and weights; Gauss 7-point weights */
static const double gk_x[8] = {
	0.991455371120812639206854697526329,
	0.949107912342758524526189684047851,
	0.864864423359769072789712788640926,
	0.741531185599394439863864773280788,
	0.586087235467691130294144845693013,
	0.405845151377397166906606412076961,
	0.207784955007898467600689403773245,
	0.000000000000000000000000000000000
};
static const double gk_wk[8] = {
	0.022935322010529224963732008058970,
	0.063092092629978553290700663189204,
	0.104790010322250183839876322541518,
	0.140653259715525918745189590510238,
	0.169004726639267902826583426598550,
	0.190350578064785409913256402421014,
	0.204432940075298892414161999234649,
	0.209482141084727828012999174891714
};
static const double gk_wg[4] = {
	0.129484966168869693270611432679082,
	0.279705391489276667901467771423780,
	0.381830050505118944950369775488975,
	0.417959183673469387755102040816327
};

typedef struct ClvIntegrand
{
	CrmModelKind kind;
	const double *par;
	double		x,
				tx,
				T,
				delta;
} ClvIntegrand;

typedef struct ClvPiece
{
	double		a,
				b,
				val,
				err;
} ClvPiece;

/* e^(−δt) E[Y(t)] */
static CrmStatus
clv_f(const ClvIntegrand *f, double t, double *out)
{
	double		e;
	CrmStatus	st;

	if ((st = crm_clv_cond_expected(f->kind, f->par, t, f->x, f->tx, f->T, &e)) != CRM_OK)
		return st;
	*out = e * exp(-f->delta * t);
	return CRM_OK;
}

/* The 15-point Kronrod estimate over [a, b] and its error estimate (QUADPACK's). */
static CrmStatus
clv_gk15(const ClvIntegrand *f, ClvPiece *p)
{
	double		c = 0.5 * (p->a + p->b),
				h = 0.5 * (p->b - p->a),
				fc,
				rk,
				rg,
				resabs,
				resasc,
				mean,
				err,
				fv[15];
	int			j;
	CrmStatus	st;

	if ((st = clv_f(f, c, &fc)) != CRM_OK)
		return st;
	fv[7] = fc;
	for (j = 0; j < 7; j++)
	{
		if ((st = clv_f(f, c - h * gk_x[j], &fv[j])) != CRM_OK)
			return st;
		if ((st = clv_f(f, c + h * gk_x[j], &fv[14 - j])) != CRM_OK)
			return st;
	}
	rk = gk_wk[7] * fc;
	rg = gk_wg[3] * fc;
	resabs = fabs(rk);
	for (j = 0; j < 7; j++)
	{
		double		s = fv[j] + fv[14 - j];

		rk += gk_wk[j] * s;
		resabs += gk_wk[j] * (fabs(fv[j]) + fabs(fv[14 - j]));
		if (j & 1)
			rg += gk_wg[j / 2] * s;
	}
	mean = 0.5 * rk;
	resasc = gk_wk[7] * fabs(fc - mean);
	for (j = 0; j < 7; j++)
		resasc += gk_wk[j] * (fabs(fv[j] - mean) + fabs(fv[14 - j] - mean));
	err = fabs((rk - rg) * h);
	resasc *= fabs(h);
	if (resasc != 0.0 && err != 0.0)
		err = resasc * fmin(1.0, pow(200.0 * err / resasc, 1.5));
	if (resabs * fabs(h) > 2.2250738585072014e-308 / (50.0 * 2.22e-16))
		err = fmax(50.0 * 2.22e-16 * resabs * fabs(h), err);
	p->val = rk * h;
	p->err = err;
	return CRM_OK;
}

/*
 * ∫0^H e^(−δt) E[Y(t)] dt by adaptive G7/K15: the interval is first cut at
 * geometric points of H and of 1/δ (where the integrand has its features),
 * then the piece with the largest error estimate is halved until the total
 * error is below CLV_RELTOL of the total.
 */
static CrmStatus
clv_integrate(const ClvIntegrand *f, double H, double *out)
{
	ClvPiece   *pcs;
	double		cuts[32],
				total,
				errsum;
	int			ncut = 0,
				n = 0,
				i,
				j;
	CrmStatus	st = CRM_OK;

	*out = NAN;
	pcs = crm_alloc(sizeof(ClvPiece) * CLV_MAX_INTERVALS);
	if (pcs == NULL)
		return CRM_ENOMEM;

	/* cut points: H/4^k (k = 1..8), 1/δ · {1/4, 1, 4, 16, 64} inside (0, H) */
	cuts[ncut++] = 0.0;
	for (i = 8; i >= 1; i--)
		cuts[ncut++] = ldexp(H, -2 * i);
	if (f->delta > 0.0)
	{
		static const double m[5] = {0.25, 1.0, 4.0, 16.0, 64.0};

		for (i = 0; i < 5; i++)
			if (m[i] / f->delta < H)
				cuts[ncut++] = m[i] / f->delta;
	}
	cuts[ncut++] = H;
	/* insertion sort, then drop duplicates */
	for (i = 1; i < ncut; i++)
		for (j = i; j > 0 && cuts[j - 1] > cuts[j]; j--)
		{
			double		tmp = cuts[j];

			cuts[j] = cuts[j - 1];
			cuts[j - 1] = tmp;
		}
	for (i = 1; i < ncut; i++)
	{
		if (cuts[i] <= cuts[i - 1])
			continue;
		pcs[n].a = cuts[i - 1];
		pcs[n].b = cuts[i];
		if ((st = clv_gk15(f, &pcs[n])) != CRM_OK)
			goto done;
		n++;
	}

	for (;;)
	{
		int			worst = 0;
		ClvPiece	left,
					right;

		total = 0.0;
		errsum = 0.0;
		for (i = 0; i < n; i++)
		{
			total += pcs[i].val;
			errsum += pcs[i].err;
			if (pcs[i].err > pcs[worst].err)
				worst = i;
		}
		if (errsum <= CLV_RELTOL * fabs(total) || errsum == 0.0)
			break;
		if (n >= CLV_MAX_INTERVALS)
		{
			/* accept when still accurate to 1e-9, else report non-convergence */
			if (errsum > 1e-9 * fabs(total))
				st = CRM_ENOCONV;
			break;
		}
		if (crm_interrupted())
		{
			st = CRM_EINTERRUPTED;
			goto done;
		}
		left.a = pcs[worst].a;
		left.b = 0.5 * (pcs[worst].a + pcs[worst].b);
		right.a = left.b;
		right.b = pcs[worst].b;
		if (left.b <= left.a || right.b <= right.a)
			break;				/* cannot split further: accept */
		if ((st = clv_gk15(f, &left)) != CRM_OK ||
			(st = clv_gk15(f, &right)) != CRM_OK)
			goto done;
		pcs[worst] = left;
		pcs[n++] = right;
	}
	if (st == CRM_OK)
	{
		if (!crm_isfinite(total))
			st = CRM_ERANGE;
		else
			*out = total;
	}
done:
	crm_free(pcs);
	return st;
}

/* Discounted expected residual transactions (see clv.h). */
CrmStatus
crm_clv_discounted_transactions(CrmModelKind kind, const double *par,
								double x, double tx, double T,
								double delta, double horizon, double *out)
{
	CrmStatus	st;
	ClvIntegrand f;
	double		H,
				eh,
				integral;

	*out = NAN;
	if (!crm_isfinite(delta) || delta < 0.0 || isnan(horizon) || horizon <= 0.0)
		return CRM_EDOMAIN;
	if (kind != CRM_MODEL_PNBD && kind != CRM_MODEL_BGBB &&
		kind != CRM_MODEL_BGNBD && kind != CRM_MODEL_MBGNBD)
		return CRM_EUNSUP;

	if (kind == CRM_MODEL_BGBB)
	{
		/* discrete periods: d = e^δ − 1, transactions in period n + k at (1 + d)^−k */
		double		d = expm1(delta),
					sum = 0.0,
					prev = 0.0,
					m;

		if (isinf(horizon))
		{
			if (delta <= 0.0)
				return CRM_EDOMAIN;
			return crm_bgbb_dert(par, d, x, tx, T, out);
		}
		m = floor(horizon + 1e-9);
		if (m > 1e7)
			return CRM_EDOMAIN;
		for (H = 1.0; H <= m; H += 1.0)
		{
			double		cur;

			if (((long) H & 1023) == 0 && crm_interrupted())
				return CRM_EINTERRUPTED;
			if ((st = crm_bgbb_cond_expected(par, H, x, tx, T, &cur)) != CRM_OK)
				return st;
			sum += (cur - prev) * exp(-delta * H);
			prev = cur;
		}
		*out = sum;
		return CRM_OK;
	}

	if (isinf(horizon))
	{
		if (delta <= 0.0)
			return CRM_EDOMAIN;
		switch (kind)
		{
			case CRM_MODEL_PNBD:
				return crm_pnbd_dert(par, delta, x, tx, T, out);
			case CRM_MODEL_BGNBD:
				return crm_bgnbd_dert(par, delta, x, tx, T, out);
			default:
				return crm_mbgnbd_dert(par, delta, x, tx, T, out);
		}
	}

	/* finite horizon: e^(−δH) E[Y(H)] + δ ∫0^H' e^(−δt) E[Y(t)] dt */
	if ((st = crm_clv_cond_expected(kind, par, horizon, x, tx, T, &eh)) != CRM_OK)
		return st;
	if (delta == 0.0)
	{
		*out = eh;
		return CRM_OK;
	}
	/* beyond δt = CLV_EXP_CUT the integrand is below the double range */
	H = fmin(horizon, CLV_EXP_CUT / delta);
	f.kind = kind;
	f.par = par;
	f.x = x;
	f.tx = tx;
	f.T = T;
	f.delta = delta;
	if ((st = clv_integrate(&f, H, &integral)) != CRM_OK)
		return st;
	*out = (eh > 0.0 ? exp(log(eh) - delta * horizon) : 0.0) + delta * integral;
	if (!crm_isfinite(*out))
	{
		*out = NAN;
		return CRM_ERANGE;
	}
	return CRM_OK;
}
