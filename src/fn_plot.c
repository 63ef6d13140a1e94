/*
 * fn_plot.c
 *		SQL chart building blocks: crm.svg_line_chart, crm.svg_scatter,
 *		crm.svg_bar_chart, crm.svg_heatmap and crm.svg_histogram.  Each
 *		takes arrays, checks them, hands them to the chart core
 *		(src/core/svg.c) and returns the SVG document as text.
 *
 * Labels are converted from the database encoding to UTF-8 for the core;
 * the core writes pure ASCII (numeric character references for everything
 * else), so the result is valid text in any database encoding.
 *
 * The functions are not STRICT because their optional arguments default to
 * NULL; a NULL data array gives a NULL result, as STRICT would.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "crm_pg.h"
#include "core/svg.h"

/* A float8[] argument read into C: values (NULL elements -> NaN), shape. */
typedef struct FloatArg
{
	double	   *v;
	int			n;				/* number of elements */
	int			ndims;			/* 0 (empty), 1 or 2 */
	int			dims[2];
} FloatArg;

/* A text[] argument read into C: UTF-8 strings (NULL elements -> ""). */
typedef struct TextArg
{
	const char **s;
	int			n;
} TextArg;

/* ereport 54000 for an input beyond a chart limit. */
static void
too_large(const char *what, long long n, long long limit)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("too many %s for a chart", what),
			 errdetail("The input has %lld %s; the limit is %lld.", n, what, limit),
			 errhint("Aggregate or sample the data before charting it.")));
}

/* A text argument (may be NULL) as a UTF-8 C string, or NULL. */
static const char *
text_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *s;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NULL;
	s = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	return pg_server_to_any(s, strlen(s), PG_UTF8);
}

/*
 * A float8[] argument (not NULL).  Elements must be finite, |v| <= 1e300;
 * NULL elements become NaN when nulls_ok, else raise 22004.  At most two
 * dimensions.
 */
static FloatArg
float_arg(FunctionCallInfo fcinfo, int argno, const char *name, bool nulls_ok)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(argno);
	FloatArg	r;
	Datum	   *elems;
	bool	   *nulls;
	int			i;

	r.ndims = ARR_NDIM(a);
	if (r.ndims > 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must have one or two dimensions", name),
				 errdetail("The array given has %d dimensions.", r.ndims)));
	r.dims[0] = r.ndims >= 1 ? ARR_DIMS(a)[0] : 0;
	r.dims[1] = r.ndims == 2 ? ARR_DIMS(a)[1] : 0;
	deconstruct_array(a, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &r.n);
	r.v = palloc((size_t) (r.n > 0 ? r.n : 1) * sizeof(double));
	for (i = 0; i < r.n; i++)
	{
		double		v;

		if (nulls[i])
		{
			if (!nulls_ok)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s must not contain NULL", name),
						 errdetail("Element %d of %s is NULL.", i + 1, name)));
			r.v[i] = NAN;
			continue;
		}
		v = DatumGetFloat8(elems[i]);
		if (isnan(v) || isinf(v))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must contain finite numbers", name),
					 errdetail("Element %d of %s is %s.", i + 1, name,
							   isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity")),
					 nulls_ok ? errhint("Use NULL for a missing value.") : 0));
		if (fabs(v) > 1e300)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s is out of the range a chart can show", name),
					 errdetail("Element %d of %s is %g; charts take values up to 1e300 in magnitude.",
							   i + 1, name, v)));
		r.v[i] = v;
	}
	return r;
}

/* A one-dimensional text[] argument (NULL elements -> "") in UTF-8. */
static TextArg
text_array_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(argno);
	TextArg		r;
	Datum	   *elems;
	bool	   *nulls;
	int			i;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", name),
				 errdetail("The array given has %d dimensions.", ARR_NDIM(a))));
	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &r.n);
	r.s = palloc((size_t) (r.n > 0 ? r.n : 1) * sizeof(char *));
	for (i = 0; i < r.n; i++)
	{
		char	   *s;

		if (nulls[i])
		{
			r.s[i] = "";
			continue;
		}
		s = TextDatumGetCString(elems[i]);
		r.s[i] = pg_server_to_any(s, strlen(s), PG_UTF8);
	}
	return r;
}

/*
 * The series layout of a values array: 2-D = [series][points], 1-D = one
 * series, empty = one series without values.  Raises 22023 when the inner length is not npoints (or, with
 * npoints < 0, sets it from the array).
 */
static int
series_shape(const FloatArg *v, const char *name, int *npoints, const char *what)
{
	int			ns,
				np;

	if (v->ndims == 0)
	{
		ns = 1;
		np = 0;
	}
	else if (v->ndims == 1)
	{
		ns = 1;
		np = v->dims[0];
	}
	else
	{
		ns = v->dims[0];
		np = v->dims[1];
	}
	if (*npoints >= 0 && np != *npoints)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s does not match %s", name, what),
				 errdetail("Each series of %s has %d values, and there are %d %s.",
						   name, np, *npoints, what),
				 errhint("Give %s as an array of one row per series, ARRAY[[...], [...]], each row as long as %s.",
						 name, what)));
	*npoints = np;
	return ns;
}

/* Check that the names array has one name per series. */
static void
check_names(const TextArg *names, int nseries, const char *name)
{
	if (names->n != nseries)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must have one name per series", name),
				 errdetail("The chart has %d series and %d names.", nseries, names->n)));
	if (nseries > CRM_SVG_MAX_SERIES)
		too_large("series", nseries, CRM_SVG_MAX_SERIES);
}

/* An optional float8 argument: NaN when NULL, else finite (22023). */
static double
opt_float_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NAN;
	return crm_arg_finite(fcinfo, argno, name);
}

/* Return the core's SVG as text, or raise its failure. */
static Datum
svg_result(CrmStatus st, char *svg, size_t len)
{
	text	   *t;

	if (st != CRM_OK)
		crm_report_status(st, "cannot draw the chart");
	t = cstring_to_text_with_len(svg, (int) len);
	crm_free(svg);
	PG_RETURN_TEXT_P(t);
}

PG_FUNCTION_INFO_V1(svg_line_chart);

/*
 * crm.svg_line_chart(title, x float8[], series_names text[], ys float8[],
 * x_label, y_label, marker_x, marker_label): one line per series.
 */
Datum
svg_line_chart(PG_FUNCTION_ARGS)
{
	CrmSvgLineChart c;
	FloatArg	x,
				y;
	TextArg		names;
	int			np = -1;
	char	   *svg = NULL;
	size_t		len = 0;
	CrmStatus	st;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	memset(&c, 0, sizeof(c));
	x = float_arg(fcinfo, 1, "x", false);
	if (x.ndims > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x must be a one-dimensional array"),
				 errdetail("The array given has %d dimensions.", x.ndims)));
	y = float_arg(fcinfo, 3, "ys", true);
	np = x.n;
	c.nseries = series_shape(&y, "ys", &np, "x values");
	if (!PG_ARGISNULL(2))
	{
		names = text_array_arg(fcinfo, 2, "series_names");
		if (y.ndims == 0 && names.n > 0)
			c.nseries = names.n;	/* no values yet: one empty series per name */
		if (names.n > 0)		/* an empty array means no legend, like NULL */
		{
			check_names(&names, c.nseries, "series_names");
			c.series_names = names.s;
		}
	}
	if (c.nseries > CRM_SVG_MAX_SERIES)
		too_large("series", c.nseries, CRM_SVG_MAX_SERIES);
	if ((long long) np * c.nseries > CRM_SVG_MAX_POINTS)
		too_large("points", (long long) np * c.nseries, CRM_SVG_MAX_POINTS);
	c.title = text_arg(fcinfo, 0);
	c.x_label = text_arg(fcinfo, 4);
	c.y_label = text_arg(fcinfo, 5);
	c.marker_x = opt_float_arg(fcinfo, 6, "marker_x");
	c.marker_label = text_arg(fcinfo, 7);
	c.npoints = np;
	c.x = x.v;
	c.y = y.v;
	st = crm_svg_line_chart(&c, &svg, &len);
	return svg_result(st, svg, len);
}

PG_FUNCTION_INFO_V1(svg_scatter);

/*
 * crm.svg_scatter(title, x float8[], y float8[], x_label, y_label,
 * diagonal boolean): points (x[i], y[i]); pairs with a NULL are skipped.
 */
Datum
svg_scatter(PG_FUNCTION_ARGS)
{
	CrmSvgLineChart c;
	FloatArg	x,
				y;
	int			i,
				m = 0;
	char	   *svg = NULL;
	size_t		len = 0;
	CrmStatus	st;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	memset(&c, 0, sizeof(c));
	x = float_arg(fcinfo, 1, "x", true);
	y = float_arg(fcinfo, 2, "y", true);
	if (x.ndims > 1 || y.ndims > 1 || x.n != y.n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x and y must be one-dimensional arrays of the same length"),
				 errdetail("x has %d values in %d dimensions, y has %d values in %d dimensions.",
						   x.n, x.ndims, y.n, y.ndims)));
	if (x.n > CRM_SVG_MAX_POINTS)
		too_large("points", x.n, CRM_SVG_MAX_POINTS);
	/* drop incomplete pairs: the core needs every x */
	for (i = 0; i < x.n; i++)
		if (!isnan(x.v[i]) && !isnan(y.v[i]))
		{
			x.v[m] = x.v[i];
			y.v[m] = y.v[i];
			m++;
		}
	c.title = text_arg(fcinfo, 0);
	c.x_label = text_arg(fcinfo, 3);
	c.y_label = text_arg(fcinfo, 4);
	c.npoints = m;
	c.x = x.v;
	c.nseries = 1;
	c.y = y.v;
	c.marker_x = NAN;
	c.points = true;
	c.diagonal = PG_NARGS() > 5 && !PG_ARGISNULL(5) && PG_GETARG_BOOL(5);
	st = crm_svg_line_chart(&c, &svg, &len);
	return svg_result(st, svg, len);
}

PG_FUNCTION_INFO_V1(svg_bar_chart);

/*
 * crm.svg_bar_chart(title, categories text[], series_names text[],
 * values float8[], x_label, y_label): grouped bars.
 */
Datum
svg_bar_chart(PG_FUNCTION_ARGS)
{
	CrmSvgBarChart c;
	FloatArg	v;
	TextArg		cats,
				names;
	int			nc;
	char	   *svg = NULL;
	size_t		len = 0;
	CrmStatus	st;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	memset(&c, 0, sizeof(c));
	cats = text_array_arg(fcinfo, 1, "categories");
	v = float_arg(fcinfo, 3, "values", true);
	nc = cats.n;
	c.nseries = series_shape(&v, "values", &nc, "categories");
	if (!PG_ARGISNULL(2))
	{
		names = text_array_arg(fcinfo, 2, "series_names");
		if (v.ndims == 0 && names.n > 0)
			c.nseries = names.n;	/* no values yet: one empty series per name */
		if (names.n > 0)		/* an empty array means no legend, like NULL */
		{
			check_names(&names, c.nseries, "series_names");
			c.series_names = names.s;
		}
	}
	if (c.nseries > CRM_SVG_MAX_SERIES)
		too_large("series", c.nseries, CRM_SVG_MAX_SERIES);
	if ((long long) nc * c.nseries > CRM_SVG_MAX_BARS)
		too_large("bars", (long long) nc * c.nseries, CRM_SVG_MAX_BARS);
	c.title = text_arg(fcinfo, 0);
	c.x_label = text_arg(fcinfo, 4);
	c.y_label = text_arg(fcinfo, 5);
	c.ncategories = nc;
	c.categories = cats.s;
	c.values = v.v;
	st = crm_svg_bar_chart(&c, &svg, &len);
	return svg_result(st, svg, len);
}

PG_FUNCTION_INFO_V1(svg_heatmap);

/*
 * crm.svg_heatmap(title, row_labels text[], col_labels text[], values
 * float8[][], x_label, y_label, value_label, value_min, value_max).
 */
Datum
svg_heatmap(PG_FUNCTION_ARGS)
{
	CrmSvgHeatmap c;
	FloatArg	v;
	TextArg		rows,
				cols;
	int			nr,
				nc;
	char	   *svg = NULL;
	size_t		len = 0;
	CrmStatus	st;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	memset(&c, 0, sizeof(c));
	rows = text_array_arg(fcinfo, 1, "row_labels");
	cols = text_array_arg(fcinfo, 2, "col_labels");
	v = float_arg(fcinfo, 3, "values", true);
	nr = v.ndims == 2 ? v.dims[0] : (v.ndims == 1 ? 1 : 0);
	nc = v.ndims == 2 ? v.dims[1] : (v.ndims == 1 ? v.dims[0] : 0);
	if (nr != rows.n || nc != cols.n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("values does not match row_labels and col_labels"),
				 errdetail("values has %d rows of %d values; there are %d row labels and %d column labels.",
						   nr, nc, rows.n, cols.n),
				 errhint("Give values as a two-dimensional array, one row per row label.")));
	if ((long long) nr * nc > CRM_SVG_MAX_CELLS)
		too_large("cells", (long long) nr * nc, CRM_SVG_MAX_CELLS);
	c.title = text_arg(fcinfo, 0);
	c.x_label = text_arg(fcinfo, 4);
	c.y_label = text_arg(fcinfo, 5);
	c.value_label = text_arg(fcinfo, 6);
	c.value_min = opt_float_arg(fcinfo, 7, "value_min");
	c.value_max = opt_float_arg(fcinfo, 8, "value_max");
	if (!isnan(c.value_min) && !isnan(c.value_max) && c.value_min > c.value_max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value_min must not exceed value_max"),
				 errdetail("value_min is %g and value_max is %g.", c.value_min, c.value_max)));
	c.nrows = nr;
	c.ncols = nc;
	c.row_labels = rows.s;
	c.col_labels = cols.s;
	c.values = v.v;
	st = crm_svg_heatmap(&c, &svg, &len);
	return svg_result(st, svg, len);
}

PG_FUNCTION_INFO_V1(svg_histogram);

/*
 * crm.svg_histogram(title, values float8[], x_label, y_label, bins,
 * clip_quantile): NULL elements are skipped.
 */
Datum
svg_histogram(PG_FUNCTION_ARGS)
{
	CrmSvgHistogram c;
	FloatArg	v;
	int			i,
				m = 0;
	char	   *svg = NULL;
	size_t		len = 0;
	CrmStatus	st;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	memset(&c, 0, sizeof(c));
	v = float_arg(fcinfo, 1, "values", true);
	if (v.ndims > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("values must be a one-dimensional array"),
				 errdetail("The array given has %d dimensions.", v.ndims)));
	if (v.n > CRM_SVG_MAX_VALUES)
		too_large("values", v.n, CRM_SVG_MAX_VALUES);
	for (i = 0; i < v.n; i++)
		if (!isnan(v.v[i]))
			v.v[m++] = v.v[i];
	c.title = text_arg(fcinfo, 0);
	c.x_label = text_arg(fcinfo, 2);
	c.y_label = text_arg(fcinfo, 3);
	c.n = (size_t) m;
	c.values = v.v;
	c.bins = 0;
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
	{
		int32		b = PG_GETARG_INT32(4);

		if (b < 1 || b > CRM_SVG_MAX_BINS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bins must be between 1 and %d", CRM_SVG_MAX_BINS),
					 errdetail("The value given is %d.", b),
					 errhint("Use NULL to choose the number of bins from the data.")));
		c.bins = b;
	}
	c.clip_quantile = opt_float_arg(fcinfo, 5, "clip_quantile");
	if (!isnan(c.clip_quantile) && !(c.clip_quantile > 0 && c.clip_quantile <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("clip_quantile must be in (0, 1]"),
				 errdetail("The value given is %g.", c.clip_quantile),
				 errhint("Use e.g. 0.99 to gather the top 1%% of values into one bar, or NULL for no clipping.")));
	st = crm_svg_histogram(&c, &svg, &len);
	return svg_result(st, svg, len);
}
