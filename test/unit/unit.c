/*
 * unit.c
 *		Implementation of the unit-test framework in unit.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "unit.h"

static const char *case_name = NULL;
static int	case_failures = 0;
static int	case_checks = 0;
static int	case_number = 0;
int			ut_passed = 0;
int			ut_failed = 0;
int			ut_skipped = 0;
static const char *shared_dir = NULL;
static bool shared_checked = false;

#define MAX_PRINTED_FAILURES 5

void
ut_begin(const char *name)
{
	case_name = name;
	case_failures = 0;
	case_checks = 0;
}

void
ut_end(void)
{
	case_number++;
	if (case_failures == 0)
	{
		printf("ok %d - %s (%d checks)\n", case_number, case_name, case_checks);
		ut_passed++;
	}
	else
	{
		printf("not ok %d - %s (%d of %d checks failed)\n", case_number, case_name,
			   case_failures, case_checks);
		ut_failed++;
	}
	fflush(stdout);
	case_name = NULL;
}

void
ut_skip(const char *name, const char *why)
{
	case_number++;
	printf("ok %d - %s # SKIP %s\n", case_number, name, why);
	ut_skipped++;
}

static void
vdiag(const char *fmt, va_list ap)
{
	if (case_failures <= MAX_PRINTED_FAILURES)
	{
		printf("#   %s: ", case_name ? case_name : "?");
		vprintf(fmt, ap);
		printf("\n");
	}
	else if (case_failures == MAX_PRINTED_FAILURES + 1)
		printf("#   %s: (further failures not printed)\n", case_name ? case_name : "?");
}

bool
ut_ok(bool cond, const char *fmt,...)
{
	va_list		ap;

	case_checks++;
	if (cond)
		return true;
	case_failures++;
	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
	return false;
}

static bool
close_rel(double got, double want, double rel)
{
	if (isnan(want))
		return isnan(got);
	if (isinf(want))
		return got == want;
	if (!isfinite(got))
		return false;
	return fabs(got - want) <= rel * fabs(want);
}

bool
ut_close(double got, double want, double rel, const char *fmt,...)
{
	va_list		ap;
	bool		ok = close_rel(got, want, rel);

	case_checks++;
	if (ok)
		return true;
	case_failures++;
	if (case_failures <= MAX_PRINTED_FAILURES + 1)
	{
		char		buf[512];

		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		if (case_failures <= MAX_PRINTED_FAILURES)
			printf("#   %s: %s: got %.17g want %.17g (rel err %.3g > %.3g)\n",
				   case_name, buf, got, want,
				   want != 0 ? fabs(got - want) / fabs(want) : fabs(got - want), rel);
		else
			printf("#   %s: (further failures not printed)\n", case_name);
	}
	return false;
}

bool
ut_close_abs(double got, double want, double abs_tol, const char *fmt,...)
{
	va_list		ap;
	bool		ok = isfinite(got) && fabs(got - want) <= abs_tol;

	case_checks++;
	if (ok)
		return true;
	case_failures++;
	if (case_failures <= MAX_PRINTED_FAILURES)
	{
		char		buf[512];

		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		printf("#   %s: %s: got %.17g want %.17g (abs err %.3g > %.3g)\n",
			   case_name, buf, got, want, fabs(got - want), abs_tol);
	}
	return false;
}

void
ut_set_shared_dir(const char *dir);

void
ut_set_shared_dir(const char *dir)
{
	struct stat st;

	shared_checked = true;
	if (dir != NULL && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		shared_dir = dir;
	else
		shared_dir = NULL;
}

const char *
ut_shared_dir(void)
{
	if (!shared_checked)
		ut_set_shared_dir(getenv("CRM_SHARED_DIR"));
	return shared_dir;
}

bool
ut_begin_shared(const char *name)
{
	if (ut_shared_dir() != NULL)
	{
		ut_begin(name);
		return true;
	}
	if (getenv("CRM_REQUIRE_SHARED") != NULL && getenv("CRM_REQUIRE_SHARED")[0] != '\0')
	{
		ut_begin(name);
		ut_ok(false, "reference directory ../shared is missing (CRM_REQUIRE_SHARED is set)");
		ut_end();
	}
	else
		ut_skip(name, "reference directory ../shared not found: SKIPPED, results incomplete");
	return false;
}

const char *
ut_shared_path(const char *rel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", shared_dir ? shared_dir : ".", rel);
	return buf;
}

#define CSV_MAX_COLS 64

struct UtCsv
{
	FILE	   *f;
	char	   *line;
	size_t		cap;
	int			ncols;
	char	   *header[CSV_MAX_COLS];
	char	   *field[CSV_MAX_COLS];
	int			nfields;
};

static int
split_line(char *line, char **out)
{
	int			n = 0;
	char	   *p = line;
	size_t		len = strlen(line);

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	out[n++] = p;
	for (; *p; p++)
	{
		if (*p == ',' && n < CSV_MAX_COLS)
		{
			*p = '\0';
			out[n++] = p + 1;
		}
	}
	return n;
}

UtCsv *
ut_csv_open(const char *path)
{
	UtCsv	   *c = calloc(1, sizeof(UtCsv));
	ssize_t		len;
	int			i;
	char	   *fields[CSV_MAX_COLS];

	if (c == NULL)
		return NULL;
	c->f = fopen(path, "r");
	if (c->f == NULL)
	{
		free(c);
		return NULL;
	}
	len = getline(&c->line, &c->cap, c->f);
	if (len <= 0)
	{
		ut_csv_close(c);
		return NULL;
	}
	c->ncols = split_line(c->line, fields);
	for (i = 0; i < c->ncols; i++)
		c->header[i] = strdup(fields[i]);
	return c;
}

bool
ut_csv_next(UtCsv *c)
{
	ssize_t		len;

	do
	{
		len = getline(&c->line, &c->cap, c->f);
		if (len < 0)
			return false;
	} while (len == 0 || c->line[0] == '\n' || c->line[0] == '\r');
	c->nfields = split_line(c->line, c->field);
	return true;
}

int
ut_csv_col(UtCsv *c, const char *name)
{
	int			i;

	for (i = 0; i < c->ncols; i++)
		if (strcmp(c->header[i], name) == 0)
			return i;
	return -1;
}

double
ut_csv_num(UtCsv *c, int col)
{
	if (col < 0 || col >= c->nfields || c->field[col][0] == '\0')
		return NAN;
	return strtod(c->field[col], NULL);
}

const char *
ut_csv_str(UtCsv *c, int col)
{
	if (col < 0 || col >= c->nfields)
		return "";
	return c->field[col];
}

void
ut_csv_close(UtCsv *c)
{
	int			i;

	if (c == NULL)
		return;
	if (c->f)
		fclose(c->f);
	for (i = 0; i < c->ncols; i++)
		free(c->header[i]);
	free(c->line);
	free(c);
}

double
ut_relative_step(double x)
{
	return 1e-6 * (fabs(x) > 1e-3 ? fabs(x) : 1e-3);
}
