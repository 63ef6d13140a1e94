/*
 * gg.h
 *		Gamma-Gamma spend model (Fader, Hardie & Lee 2005b; Colombo & Jiang
 *		1999).  par = {p, q, v} (v is the scale, γ in the papers), all > 0.
 */
#ifndef CRM_GG_H
#define CRM_GG_H

#include "crm_model.h"

/* ln density of mean spend mbar over x >= 1 repeat purchases; grad (d/d{p,q,v}) may be NULL */
extern CrmStatus crm_gg_loglik1(const double *par, double x, double mbar, double *ll, double *grad);
/*
 * E[M | x, mbar] = (1 − w) p v/(q − 1) + w mbar, w = p x/(p x + q − 1);
 * for x = 0 the population mean p v/(q − 1).  Needs q > 1 (CRM_EPARAM otherwise).
 */
extern CrmStatus crm_gg_cond_mean(const double *par, double x, double mbar, double *out);

#endif							/* CRM_GG_H */
