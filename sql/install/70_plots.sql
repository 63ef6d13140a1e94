
-- ---------------------------------------------------------------------------
-- Charts: SVG building blocks (src/fn_plot.c over src/core/svg.c)
--
-- Each function returns one self-contained SVG document as text: pure
-- ASCII (other characters as numeric references), a viewBox with a natural
-- width and height, its own background, light and dark themes (CSS
-- prefers-color-scheme), colour-blind safe colours (Okabe-Ito; viridis for
-- heat maps), <title>, <desc> and aria-label for screen readers, no
-- external references and no element ids, so many charts can be inlined in
-- one HTML page.  The output depends only on the arguments (IMMUTABLE).
-- Write one to a file with psql:
--   \pset format unaligned \pset tuples_only on
--   SELECT crm.svg_line_chart(...) \g chart.svg
-- A NULL data array gives NULL; NULL labels are left out.  Limits: 8 series,
-- 100000 points, 2000 bars, 40000 heat map cells, 500 histogram bins,
-- labels cut at 200 characters (54000 beyond a limit).
-- ---------------------------------------------------------------------------

CREATE FUNCTION crm.svg_line_chart(
	title text,
	x float8[],
	series_names text[],
	ys float8[],
	x_label text DEFAULT NULL,
	y_label text DEFAULT NULL,
	marker_x float8 DEFAULT NULL,
	marker_label text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'svg_line_chart'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION crm.svg_line_chart(text, float8[], text[], float8[], text, text, float8, text) IS
'SVG line chart: ys holds one row per series (ARRAY[[...], [...]], or a 1-D array for one series), each as long as x; a NULL in ys is a gap; series_names label the legend (NULL = none); marker_x draws a labelled vertical line (e.g. the calibration end); lines join the points in array order';

CREATE FUNCTION crm.svg_scatter(
	title text,
	x float8[],
	y float8[],
	x_label text DEFAULT NULL,
	y_label text DEFAULT NULL,
	diagonal boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'svg_scatter'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION crm.svg_scatter(text, float8[], float8[], text, text, boolean) IS
'SVG scatter plot of the points (x[i], y[i]) (pairs with a NULL are skipped); diagonal = true draws y = x on equal axes, e.g. predicted against actual';

CREATE FUNCTION crm.svg_bar_chart(
	title text,
	categories text[],
	series_names text[],
	"values" float8[],
	x_label text DEFAULT NULL,
	y_label text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'svg_bar_chart'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION crm.svg_bar_chart(text, text[], text[], float8[], text, text) IS
'SVG grouped bar chart: one group per category, one bar per series; values holds one row per series (ARRAY[[...], [...]], or 1-D for one series), each as long as categories; NULL = no bar; bars start at 0 and show their values when there is room';

CREATE FUNCTION crm.svg_heatmap(
	title text,
	row_labels text[],
	col_labels text[],
	"values" float8[],
	x_label text DEFAULT NULL,
	y_label text DEFAULT NULL,
	value_label text DEFAULT NULL,
	value_min float8 DEFAULT NULL,
	value_max float8 DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'svg_heatmap'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION crm.svg_heatmap(text, text[], text[], float8[], text, text, text, float8, float8) IS
'SVG heat map of a matrix: values[r][c] (2-D, one row per row label; NULL = no data), row 1 drawn at the bottom; viridis colours from value_min to value_max (NULL = from the data) with a colour scale titled value_label; x_label titles the columns, y_label the rows';

CREATE FUNCTION crm.svg_histogram(
	title text,
	"values" float8[],
	x_label text DEFAULT NULL,
	y_label text DEFAULT NULL,
	bins integer DEFAULT NULL,
	clip_quantile float8 DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'svg_histogram'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION crm.svg_histogram(text, float8[], text, text, integer, float8) IS
'SVG histogram of values (NULLs skipped) with lines at the median and mean; bins NULL = chosen from the data (Freedman-Diaconis, nice edges); clip_quantile (e.g. 0.99) gathers the values above that quantile into one last bar, for long tails such as CLV; y_label defaults to "count"';
