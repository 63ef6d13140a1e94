/*
 * vmath.c
 *		exp and log1p over arrays (see vmath.h).
 *
 * Why: a likelihood evaluation of the BG/NBD on a million customers takes
 * one exp and one log1p per distinct customer, six to eight times per
 * fit; one value at a time they were half of it.  glibc ships vector
 * versions of exp and log (libmvec, x86-64, since 2.22; the same
 * functions GCC calls when it vectorizes loops under -ffast-math), four
 * doubles per call with AVX2, within a few ulp.  We call them directly
 * (the extension is not built with -ffast-math) on CPUs that have AVX2
 * and FMA, checked once at run time; the build defines CRM_HAVE_LIBMVEC
 * when it can link -lmvec on x86-64.  ln(1 + e) is taken as ln u plus the
 * rounding error of u = 1 + e, as crm_log1p does.
 */
#include <math.h>

#include "crm_core.h"
#include "vmath.h"

#if defined(CRM_HAVE_LIBMVEC) && defined(__x86_64__) && defined(__GNUC__)
#define CRM_VMATH_AVX2 1
#include <immintrin.h>

/* glibc's libmvec: 4-lane AVX2 versions of exp and log (vector ABI names) */
extern __m256d _ZGVdN4v_exp(__m256d x) __attribute__((target("avx2")));
extern __m256d _ZGVdN4v_log(__m256d x) __attribute__((target("avx2")));

/* the first multiple of 4 of the n values; returns how many it did */
__attribute__((target("avx2,fma")))
static size_t
exp_log1p_avx2(double *v, double *l, size_t n)
{
	const __m256d one = _mm256_set1_pd(1.0);
	size_t		i;

	for (i = 0; i + 4 <= n; i += 4)
	{
		__m256d		e = _ZGVdN4v_exp(_mm256_loadu_pd(v + i));
		__m256d		u = _mm256_add_pd(one, e);
		/* (e − (u − 1))/u: the rounding error of u, relative */
		__m256d		c = _mm256_div_pd(_mm256_sub_pd(e, _mm256_sub_pd(u, one)), u);

		_mm256_storeu_pd(v + i, e);
		_mm256_storeu_pd(l + i, _mm256_add_pd(_ZGVdN4v_log(u), c));
	}
	return i;
}
#endif

/* -1: not yet checked; 0: libm loop; 1: AVX2 */
static int	vmath_mode = -1;
static bool vmath_allowed = true;

static int
vmath_check(void)
{
#ifdef CRM_VMATH_AVX2
	if (vmath_allowed)
	{
		__builtin_cpu_init();
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
	}
#endif
	return 0;
}

bool
crm_vmath_vectorized(void)
{
	if (vmath_mode < 0)
		vmath_mode = vmath_check();
	return vmath_mode == 1;
}

void
crm_vmath_allow_vector(bool allow)
{
	vmath_allowed = allow;
	vmath_mode = -1;
}

void
crm_exp_log1p_n(double *v, double *l, size_t n)
{
	size_t		i = 0;

#ifdef CRM_VMATH_AVX2
	if (crm_vmath_vectorized())
		i = exp_log1p_avx2(v, l, n);
#endif
	/* the values left (all of them without the vector functions) */
	for (; i < n; i++)
	{
		v[i] = exp(v[i]);
		l[i] = crm_log1p(v[i]);
	}
}
