/*
 * hyp.c
 *		Gauss hypergeometric 2F1 and Tricomi U(s, s, z).  PLACEHOLDER: being
 *		written (returns CRM_EUNSUP until then).
 */
#include <math.h>

#include "special.h"

CrmStatus
crm_hyp2f1(double a, double b, double c, double z, double *logabs, int *sign)
{
	*logabs = NAN;
	*sign = 0;
	return CRM_EUNSUP;
}

CrmStatus
crm_hyperu_ss(double s, double z, double *logu)
{
	*logu = NAN;
	return CRM_EUNSUP;
}
