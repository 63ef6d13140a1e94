/*
 * sbg.h
 *		Shifted Beta-Geometric contractual retention (Fader & Hardie 2007).
 *		par = {alpha, beta}, both > 0.  Periods t are whole numbers.
 */
#ifndef CRM_SBG_H
#define CRM_SBG_H

#include "crm_model.h"

/*
 * ln L of one customer: churned in period t (t >= 1) -> ln P(T = t);
 * still active after t periods (t >= 0) -> ln S(t).  grad (d/d{alpha,beta}) may be NULL.
 */
extern CrmStatus crm_sbg_loglik1(const double *par, double t, bool churned, double *ll,
								 double *grad);
/* P(T = t), t >= 1 */
extern CrmStatus crm_sbg_pmf(const double *par, double t, double *out);
/* S(t) = P(T > t) = B(α, β + t)/B(α, β), t >= 0 */
extern CrmStatus crm_sbg_survival(const double *par, double t, double *out);
/* retention r_t = S(t)/S(t − 1) = (β + t − 1)/(α + β + t − 1), t >= 1 */
extern CrmStatus crm_sbg_retention(const double *par, double t, double *out);
/*
 * DEL of a new customer, Σ_{t>=0} S(t)/(1+d)^t = 2F1(1, β; α+β; 1/(1+d)),
 * and DERL of a customer who has made k renewals (k >= 0), standing just
 * before the next renewal decision:
 * (β+k)/(α+β+k) · 2F1(1, β+k+1; α+β+k+1; 1/(1+d)).  d > 0 per period.
 */
extern CrmStatus crm_sbg_del(const double *par, double d, double *out);
extern CrmStatus crm_sbg_derl(const double *par, double d, double k, double *out);

#endif							/* CRM_SBG_H */
