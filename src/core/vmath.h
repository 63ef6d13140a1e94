/*
 * vmath.h
 *		exp and log1p over arrays, for the likelihood loops: with glibc's
 *		vector math library (libmvec) where the build has it and the CPU
 *		runs AVX2, else with libm one value at a time.
 */
#ifndef CRM_VMATH_H
#define CRM_VMATH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * v[i] = e^v[i], then l[i] = ln(1 + v[i]), for i < n (v and l distinct).
 * Within 3 ulp of the exact values either way (unit tests); the two ways
 * may differ in the last bits.
 */
extern void crm_exp_log1p_n(double *v, double *l, size_t n);

/* Whether crm_exp_log1p_n uses libmvec's AVX2 functions (for the tests). */
extern bool crm_vmath_vectorized(void);

/* Force the libm loop (false) or allow the vector one again (true); tests. */
extern void crm_vmath_allow_vector(bool allow);

#endif							/* CRM_VMATH_H */
