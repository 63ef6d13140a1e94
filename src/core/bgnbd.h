/*
 * bgnbd.h
 *		BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam, Denizel &
 *		Filiztekin 2007): likelihood, gradient and predictions.
 *
 * par = {r, alpha, a, b}, all > 0.  Customers are (x, tx, T) as in
 * crm_model.h; horizons t >= 0 are in the same time unit.  Every function
 * returns CRM_OK with a finite result, or CRM_EPARAM / CRM_EDOMAIN /
 * CRM_ERANGE (a result that does not fit in a double) — never NaN.
 * The mbgnbd functions take the same arguments.
 */
#ifndef CRM_BGNBD_H
#define CRM_BGNBD_H

#include "crm_model.h"
#include "predcache.h"

/* ln L for one customer; grad (4 entries, d/d{r,alpha,a,b}) may be NULL */
extern CrmStatus crm_bgnbd_loglik1(const double *par, double x, double tx, double T,
								   double *ll, double *grad);
extern CrmStatus crm_mbgnbd_loglik1(const double *par, double x, double tx, double T,
									double *ll, double *grad);

/* P(alive at T | x, tx, T) */
extern CrmStatus crm_bgnbd_p_alive(const double *par, double x, double tx, double T, double *out);
extern CrmStatus crm_mbgnbd_p_alive(const double *par, double x, double tx, double T, double *out);

/*
 * ln P(alive) and ln E[Y(t) | x, tx, T]: the same in log space, for
 * customers whose values underflow a double (−Inf for E[Y(0)]).
 */
extern CrmStatus crm_bgnbd_log_p_alive(const double *par, double x, double tx, double T,
									   double *out);
extern CrmStatus crm_mbgnbd_log_p_alive(const double *par, double x, double tx, double T,
										double *out);
extern CrmStatus crm_bgnbd_log_cond_expected(const double *par, double t, double x,
											 double tx, double T, double *out);
extern CrmStatus crm_mbgnbd_log_cond_expected(const double *par, double t, double x,
											  double tx, double T, double *out);

/* E[X(t)]: expected purchases of a new customer in (0, t] */
extern CrmStatus crm_bgnbd_expected(const double *par, double t, double *out);
extern CrmStatus crm_mbgnbd_expected(const double *par, double t, double *out);

/* E[Y(t) | x, tx, T]: expected purchases in (T, T + t] */
extern CrmStatus crm_bgnbd_cond_expected(const double *par, double t, double x, double tx,
										 double T, double *out);
extern CrmStatus crm_mbgnbd_cond_expected(const double *par, double t, double x, double tx,
										  double T, double *out);

/*
 * The same with a memo of the factor that depends on (x, T) only (E[Y(t) |
 * alive]): pc (may be NULL = not memoized) is the call site's cache
 * (predcache.h); the result is bit for bit that of the function above.
 */
extern CrmStatus crm_bgnbd_cond_expected_memo(const double *par, double t, double x,
											  double tx, double T, CrmPredCache *pc,
											  double *out);
extern CrmStatus crm_mbgnbd_cond_expected_memo(const double *par, double t, double x,
											   double tx, double T, CrmPredCache *pc,
											   double *out);

/* P(X(t) = n) for a new customer, n integer >= 0 */
extern CrmStatus crm_bgnbd_prob_n(const double *par, double n, double t, double *out);
extern CrmStatus crm_mbgnbd_prob_n(const double *par, double n, double t, double *out);

/*
 * Discounted expected residual transactions with continuous discount rate
 * delta > 0 per time unit: ∫0^∞ e^(−δt) dE[Y(t) | x, tx, T]
 * (= δ ∫0^∞ e^(−δt) E[Y(t) | ·] dt), by accurate numerical integration.
 */
extern CrmStatus crm_bgnbd_dert(const double *par, double delta, double x, double tx, double T,
								double *out);
extern CrmStatus crm_mbgnbd_dert(const double *par, double delta, double x, double tx, double T,
								 double *out);

/* The same with a memo of the (x, T) factor below (see *_cond_expected_memo). */
extern CrmStatus crm_bgnbd_dert_memo(const double *par, double delta, double x, double tx,
									 double T, CrmPredCache *pc, double *out);
extern CrmStatus crm_mbgnbd_dert_memo(const double *par, double delta, double x, double tx,
									  double T, CrmPredCache *pc, double *out);

/*
 * ln(DERT / P(alive)): the factor of the DERT that depends on x and T only
 * (not on tx), so DERT = exp(factor + ln P(alive)) exactly as crm_*_dert
 * computes it; for valuing many customers that share (x, T).  tx is only
 * checked.
 */
extern CrmStatus crm_bgnbd_log_dert_factor(const double *par, double delta, double x,
										   double tx, double T, double *out);
extern CrmStatus crm_mbgnbd_log_dert_factor(const double *par, double delta, double x,
											double tx, double T, double *out);

/*
 * Chebyshev interpolant coef[0..n) (n <= CRM_CHEB_MAXN) of the factor above
 * of the BG/NBD (mbg false) or MBG/NBD as a function of t = ln(δ(α + T))
 * over [tlo, thi], for one x and δ; evaluate with crm_cheb_eval().
 */
#define CRM_CHEB_MAXN 32
extern CrmStatus crm_bg_log_dert_factor_cheb(bool mbg, const double *par, double delta,
											 double x, double tlo, double thi, int n,
											 double *coef);
extern double crm_cheb_eval(const double *coef, int n, double tlo, double thi, double t);

#endif							/* CRM_BGNBD_H */
