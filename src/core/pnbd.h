/*
 * pnbd.h
 *		Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader, Hardie & Lee
 *		2005): likelihood, gradient, predictions and DERT.
 *
 * par = {r, alpha, s, beta}, all > 0.  Customers are (x, tx, T); horizons
 * in the same time unit.  CRM_OK with a finite result, or an error status;
 * never NaN.
 */
#ifndef CRM_PNBD_H
#define CRM_PNBD_H

#include "crm_model.h"
#include "predcache.h"

/* ln L for one customer; grad (d/d{r,alpha,s,beta}) may be NULL */
extern CrmStatus crm_pnbd_loglik1(const double *par, double x, double tx, double T,
								  double *ll, double *grad);
/*
 * Σ w ln L over obs[0..n) (sorted by x, tx, T for speed; any order gives the
 * same result) and, if grad != NULL, its gradient: crm_pnbd_spec.loglik.
 */
extern CrmStatus crm_pnbd_loglik(const double *par, const CrmObs *obs, size_t n,
								 double *ll, double *grad);
/* P(alive at T | x, tx, T) */
extern CrmStatus crm_pnbd_p_alive(const double *par, double x, double tx, double T, double *out);
/* ln P(alive at T | x, tx, T) (for customers whose P(alive) underflows) */
extern CrmStatus crm_pnbd_log_p_alive(const double *par, double x, double tx, double T,
									  double *out);
/* E[X(t)] for a new customer */
extern CrmStatus crm_pnbd_expected(const double *par, double t, double *out);
/* E[Y(t) | x, tx, T] */
extern CrmStatus crm_pnbd_cond_expected(const double *par, double t, double x, double tx,
										double T, double *out);
/* ln E[Y(t) | x, tx, T] (−inf at t = 0) */
extern CrmStatus crm_pnbd_log_cond_expected(const double *par, double t, double x, double tx,
											double T, double *out);
/* P(X(t) = n) for a new customer */
extern CrmStatus crm_pnbd_prob_n(const double *par, double n, double t, double *out);
/* P(n purchases in (T, T + t] | x, tx, T) */
extern CrmStatus crm_pnbd_cond_prob_n(const double *par, double n, double t, double x,
									  double tx, double T, double *out);
/*
 * DERT (Fader, Hardie & Lee 2005, JMR) with continuous discount rate
 * delta > 0 per time unit:
 * α^r β^s δ^(s−1) Γ(r+x+1) U(s, s; δ(β+T)) / [Γ(r) (α+T)^(r+x+1) L].
 */
extern CrmStatus crm_pnbd_dert(const double *par, double delta, double x, double tx, double T,
							   double *out);

/*
 * The customer predictions above with a memo of the factors that depend on
 * fewer inputs than the row (the 2F1 terms per (x, tx) and per (x, T), the
 * horizon's terms per (x, T)): pc (may be NULL = not memoized) is the call
 * site's cache (predcache.h); results and statuses are bit for bit those
 * of the functions without _memo.
 */
extern CrmStatus crm_pnbd_p_alive_memo(const double *par, double x, double tx, double T,
									   CrmPredCache *pc, double *out);
extern CrmStatus crm_pnbd_cond_expected_memo(const double *par, double t, double x,
											 double tx, double T, CrmPredCache *pc,
											 double *out);
extern CrmStatus crm_pnbd_cond_prob_n_memo(const double *par, double n, double t, double x,
										   double tx, double T, CrmPredCache *pc,
										   double *out);
extern CrmStatus crm_pnbd_dert_memo(const double *par, double delta, double x, double tx,
									double T, CrmPredCache *pc, double *out);

/*
 * ln 2F1(w, c; w+1; z) for w > 0, 0 < c < w + 1, 0 <= z < 1 — the function
 * in the likelihood — and, if dlogf != NULL, its derivatives
 * d/dw, d/dc, d/dz (3 entries).  CRM_EDOMAIN outside that domain.
 */
extern CrmStatus crm_pnbd_hyp2f1(double w, double c, double z, double *logf, double *dlogf);

#endif							/* CRM_PNBD_H */
