/*
 * svg.h
 *		Chart rendering core: line (and scatter), grouped bar, heat map and
 *		histogram charts as self-contained SVG text.
 *
 * Plain C99, no PostgreSQL headers.  Every chart function takes a
 * description of the chart (caller-owned arrays), validates it, and returns
 * a NUL-terminated SVG document allocated with crm_alloc() (free it with
 * crm_free()).  The output is:
 *	- pure ASCII: every character of a label outside printable ASCII is
 *	  written as a numeric character reference (&#233;), and & < > " ' are
 *	  escaped, so the text is valid XML in any database encoding;
 *	- deterministic: numbers are formatted here with integer arithmetic (no
 *	  locale, no printf of doubles), the same input gives the same bytes;
 *	- bounded: inputs beyond the CRM_SVG_MAX_* limits are refused
 *	  (CRM_EDOMAIN), labels are truncated to CRM_SVG_MAX_LABEL characters;
 *	- responsive: a viewBox plus width/height (the natural size), scaled
 *	  down by CSS max-width in pages;
 *	- accessible: role="img", aria-label, <title> and a <desc> summarising
 *	  the data;
 *	- readable on light and dark backgrounds: the chart paints its own
 *	  background, colours are presentation attributes (for renderers without
 *	  CSS) overridden by a <style> block whose prefers-color-scheme: dark
 *	  rules switch to a dark palette; series colours are the colour-blind
 *	  safe Okabe-Ito palette and differ in dash pattern and point shape too;
 *	  the heat map uses viridis.  The style block's class names start with
 *	  "crm-" and are the same in every chart, so many charts can be inlined
 *	  in one HTML page.  No element has an id.
 *
 * Data: NaN means "no value" where a field says so (a gap in a line, a
 * missing bar, an empty heat map cell); everywhere else, and for infinities
 * always, a non-finite value is refused with CRM_EDOMAIN.  A chart without
 * any value to show renders an explicit "no data" chart.
 */
#ifndef CRM_SVG_H
#define CRM_SVG_H

#include "crm_core.h"

/* Limits (inputs beyond them give CRM_EDOMAIN). */
#define CRM_SVG_MAX_SERIES		8	/* series of a line or bar chart (palette size) */
#define CRM_SVG_MAX_POINTS		100000	/* npoints * nseries of a line chart */
#define CRM_SVG_MAX_BARS		2000	/* ncategories * nseries of a bar chart */
#define CRM_SVG_MAX_CELLS		40000	/* nrows * ncols of a heat map */
#define CRM_SVG_MAX_BINS		500 /* bins of a histogram */
#define CRM_SVG_MAX_VALUES		20000000	/* values of a histogram */
#define CRM_SVG_MAX_LABEL		200 /* characters of a label; longer ones are cut with an ellipsis */

/*
 * Line chart: nseries series over the same x values; series s has the
 * values y[s * npoints + i] (NaN = no value: the line has a gap there).
 * Lines join the points in array order.  With points = true it is a
 * scatter plot (points, no lines); diagonal adds the reference line y = x.
 * marker_x (NaN = none) draws a labelled vertical line, e.g. the end of the
 * calibration period.  The y axis includes 0 when all values are >= 0 and
 * the smallest is at most half the largest (and likewise for <= 0).
 */
typedef struct CrmSvgLineChart
{
	const char *title;			/* NULL or "" for none */
	const char *x_label;		/* axis titles, with units; NULL = none */
	const char *y_label;
	int			npoints;
	const double *x;			/* npoints finite values */
	int			nseries;		/* 1 .. CRM_SVG_MAX_SERIES */
	const char *const *series_names;	/* nseries names (NULL = no legend) */
	const double *y;			/* nseries * npoints; NaN = no value */
	double		marker_x;		/* NaN = no marker */
	const char *marker_label;	/* label of the marker, NULL = none */
	bool		points;			/* scatter: points only */
	bool		diagonal;		/* draw y = x */
} CrmSvgLineChart;

/*
 * Grouped bar chart: ncategories groups (x axis, labels in order), one bar
 * per series in each; values[s * ncategories + c] (NaN = no bar).  Bars
 * start at 0.  Values are printed above the bars when there is room.
 */
typedef struct CrmSvgBarChart
{
	const char *title;
	const char *x_label;
	const char *y_label;
	int			ncategories;
	const char *const *categories;	/* ncategories labels */
	int			nseries;		/* 1 .. CRM_SVG_MAX_SERIES */
	const char *const *series_names;	/* nseries names (NULL = no legend) */
	const double *values;		/* nseries * ncategories; NaN = no bar */
} CrmSvgBarChart;

/*
 * Heat map: nrows x ncols cells, values[r * ncols + c] (NaN = no data,
 * drawn grey).  Row 0 is drawn at the bottom (a y axis growing upwards),
 * column 0 at the left.  Colours: viridis from value_min (dark purple) to
 * value_max (yellow); NaN bounds are taken from the data, values outside
 * the bounds get the end colours.  Cells large enough show their value.
 */
typedef struct CrmSvgHeatmap
{
	const char *title;
	const char *x_label;		/* title of the columns' axis */
	const char *y_label;		/* title of the rows' axis */
	const char *value_label;	/* title of the colour scale */
	int			nrows;
	int			ncols;
	const char *const *row_labels;	/* nrows labels */
	const char *const *col_labels;	/* ncols labels */
	const double *values;		/* nrows * ncols; NaN = no data */
	double		value_min;		/* NaN = minimum of the data */
	double		value_max;		/* NaN = maximum of the data */
} CrmSvgHeatmap;

/*
 * Histogram of n finite values.  bins = 0 picks the number of bins
 * (Freedman-Diaconis, at most 60); bin edges are rounded to nice numbers.
 * clip_quantile in (0, 1) puts the values above that quantile into one
 * overflow bar at the right (for long tails such as CLV); NaN or 1 = no
 * clipping.  Vertical lines mark the median and the mean.
 */
typedef struct CrmSvgHistogram
{
	const char *title;
	const char *x_label;
	const char *y_label;		/* NULL = "count" */
	size_t		n;
	const double *values;		/* n finite values */
	int			bins;			/* 0 = automatic, else 1 .. CRM_SVG_MAX_BINS */
	double		clip_quantile;	/* NaN or 1 = none, else in (0, 1) */
} CrmSvgHistogram;

/* Render a chart; *svg (crm_alloc'd, NUL-terminated) and *len on success. */
extern CrmStatus crm_svg_line_chart(const CrmSvgLineChart *c, char **svg, size_t *len);
extern CrmStatus crm_svg_bar_chart(const CrmSvgBarChart *c, char **svg, size_t *len);
extern CrmStatus crm_svg_heatmap(const CrmSvgHeatmap *c, char **svg, size_t *len);
extern CrmStatus crm_svg_histogram(const CrmSvgHistogram *c, char **svg, size_t *len);

/*
 * Axis ticks (exposed for the unit tests): at most max_ticks (>= 2) round
 * values first + i * step, i = 0 .. n-1, with step = m * 10^k, m in
 * {1, 2, 2.5, 5}, covering [lo, hi]; integer = true keeps step >= 1 and
 * m != 2.5.  lo == hi is widened around the value.  Labels are the values
 * divided by scale (1, 1e3 "k", 1e6 "M", 1e9 "G", 1e12 "T") with decimals
 * decimals, or in exponent notation when scale is 0.
 */
typedef struct CrmSvgTicks
{
	double		first;
	double		step;
	int			n;
	int			decimals;
	double		scale;
	const char *suffix;			/* "", "k", "M", "G", "T" */
} CrmSvgTicks;

extern CrmStatus crm_svg_ticks(double lo, double hi, int max_ticks, bool integer,
							   CrmSvgTicks *t);
/* Value of tick i. */
extern double crm_svg_tick_value(const CrmSvgTicks *t, int i);
/* ASCII label of tick i into buf (size >= 32); returns its length. */
extern size_t crm_svg_tick_label(const CrmSvgTicks *t, int i, char *buf, size_t size);

/*
 * v with exactly decimals (0..9) digits after the point, rounded half away
 * from zero, ASCII, no "-0"; exponent notation beyond 1e15.  Returns the
 * length; buf needs 32 bytes.
 */
extern size_t crm_svg_format_fixed(double v, int decimals, char *buf, size_t size);
/* v with sig (1..15) significant digits, trailing zeros removed. */
extern size_t crm_svg_format_sig(double v, int sig, char *buf, size_t size);

#endif							/* CRM_SVG_H */
