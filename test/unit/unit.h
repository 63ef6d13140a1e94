/*
 * unit.h
 *		A tiny test framework for the numerical core: cases, checks, CSV
 *		reading.  Output is TAP-like: one "ok N - name" or "not ok N - name"
 *		line per case, "# ..." diagnostics, and a summary; test/check.sh
 *		counts the ok / not ok lines.
 */
#ifndef CRM_UNIT_H
#define CRM_UNIT_H

#include <stdbool.h>
#include <stddef.h>

/* Start a case; every check until ut_end() belongs to it. */
extern void ut_begin(const char *name);
/* Finish the case: prints ok / not ok. */
extern void ut_end(void);
/* Report a case as skipped (counts as neither pass nor fail, printed loudly). */
extern void ut_skip(const char *name, const char *why);

/* Record a check; on failure print the formatted diagnostic. Returns cond. */
extern bool ut_ok(bool cond, const char *fmt,...) __attribute__((format(printf, 2, 3)));

/*
 * |got − want| <= rel·|want| (or both NaN / equal infinities).  The first
 * few failures of a case are printed; later ones are only counted.
 */
extern bool ut_close(double got, double want, double rel, const char *fmt,...) __attribute__((format(printf, 4, 5)));

/* |got − want| <= abs_tol */
extern bool ut_close_abs(double got, double want, double abs_tol, const char *fmt,...) __attribute__((format(printf, 4, 5)));

/*
 * Directory of ../shared (reference data), or NULL when absent.  Set from
 * the runner's first argument or CRM_SHARED_DIR.  When CRM_REQUIRE_SHARED
 * is set (CI), a missing directory is a failure instead of a skip.
 */
extern const char *ut_shared_dir(void);
/* Begin a case that needs ../shared: returns false (after a loud skip or a failure) when absent. */
extern bool ut_begin_shared(const char *name);
/* Path under the shared directory (static buffer, valid until the next call). */
extern const char *ut_shared_path(const char *rel);

/* Minimal CSV reader (no quoting): header names, numeric fields. */
typedef struct UtCsv UtCsv;
extern UtCsv *ut_csv_open(const char *path);
extern bool ut_csv_next(UtCsv *c);			/* advance to the next row */
extern int	ut_csv_col(UtCsv *c, const char *name);	/* column index or -1 */
extern double ut_csv_num(UtCsv *c, int col);	/* strtod of a field ("inf" ok) */
extern const char *ut_csv_str(UtCsv *c, int col);
extern void ut_csv_close(UtCsv *c);

/* Central finite-difference derivative helper: (f(x+h) − f(x−h)) / 2h. */
extern double ut_relative_step(double x);

#endif							/* CRM_UNIT_H */
