/*
 * test_svg.c
 *		The chart core (svg.c): every output is well-formed XML (checked by
 *		a small strict parser below, so the tests need no library), pure
 *		ASCII and deterministic; labels are escaped and cut; tick values
 *		and number formatting; degenerate and hostile inputs; allocation
 *		failures at every step.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "svg.h"
#include "crm_core.h"

void		test_svg(void);

/* ------------------------------------------------------------------------
 * A strict XML well-formedness checker for our output: one root element,
 * matched tags, quoted attributes without duplicates, only the five
 * predefined entities and numeric references (to characters XML allows),
 * no '<' or stray '&' in text, only ASCII printable bytes and \n.  No
 * DTD, CDATA or processing instructions (svg.c writes none).
 * ------------------------------------------------------------------------ */

#define XML_MAX_DEPTH 64
#define XML_MAX_ATTRS 32

typedef struct XmlCheck
{
	const char *p;
	const char *err;
	int			elements;
	int			depth;
	const char *names[XML_MAX_DEPTH];
	size_t		name_len[XML_MAX_DEPTH];
} XmlCheck;

static bool
xml_fail(XmlCheck *x, const char *msg)
{
	if (x->err == NULL)
		x->err = msg;
	return false;
}

static bool
is_name_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':')
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

/* a reference after '&': predefined entity or &#N; / &#xH; to an allowed character */
static bool
xml_reference(XmlCheck *x)
{
	static const char *const ents[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
	const char *p = x->p + 1;
	int			i;

	for (i = 0; i < 5; i++)
		if (strncmp(p, ents[i], strlen(ents[i])) == 0)
		{
			x->p = p + strlen(ents[i]);
			return true;
		}
	if (*p == '#')
	{
		long		v = 0;
		int			nd = 0;
		bool		hex = p[1] == 'x';

		p += hex ? 2 : 1;
		while ((*p >= '0' && *p <= '9') || (hex && ((*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))))
		{
			int			d = *p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10;

			v = v * (hex ? 16 : 10) + d;
			if (v > 0x10FFFF)
				return xml_fail(x, "character reference out of range");
			p++;
			nd++;
		}
		if (nd == 0 || *p != ';')
			return xml_fail(x, "malformed character reference");
		if (!(v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v <= 0xD7FF) ||
			  (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000))
			return xml_fail(x, "reference to a character XML does not allow");
		x->p = p + 1;
		return true;
	}
	return xml_fail(x, "unknown entity");
}

static bool
xml_check(const char *s, const char **err)
{
	XmlCheck	x;
	bool		root_done = false;
	const char *q;

	memset(&x, 0, sizeof(x));
	x.p = s;
	for (q = s; *q; q++)
		if (!((*q >= 0x20 && *q < 0x7F) || *q == '\n'))
		{
			*err = "byte outside printable ASCII";
			return false;
		}
	while (*x.p)
	{
		if (*x.p == '<')
		{
			const char *name;
			size_t		nlen;

			x.p++;
			if (*x.p == '/')
			{
				x.p++;
				name = x.p;
				while (is_name_char(*x.p, x.p == name))
					x.p++;
				nlen = (size_t) (x.p - name);
				if (*x.p != '>' || x.depth == 0 || nlen != x.name_len[x.depth - 1] ||
					strncmp(name, x.names[x.depth - 1], nlen) != 0)
				{
					xml_fail(&x, "mismatched end tag");
					break;
				}
				x.p++;
				x.depth--;
				if (x.depth == 0)
					root_done = true;
				continue;
			}
			if (root_done && x.depth == 0)
			{
				xml_fail(&x, "content after the root element");
				break;
			}
			name = x.p;
			while (is_name_char(*x.p, x.p == name))
				x.p++;
			nlen = (size_t) (x.p - name);
			if (nlen == 0)
			{
				xml_fail(&x, "bad element name");
				break;
			}
			x.elements++;
			{
				const char *an[XML_MAX_ATTRS];
				size_t		al[XML_MAX_ATTRS];
				int			na = 0,
							i;

				for (;;)
				{
					const char *a;
					char		quote;
					bool		space = false;

					while (*x.p == ' ' || *x.p == '\n')
					{
						x.p++;
						space = true;
					}
					if (*x.p == '>' || (x.p[0] == '/' && x.p[1] == '>'))
						break;
					if (!space)
						return (*err = "attributes must be separated by white space", false);
					a = x.p;
					while (is_name_char(*x.p, x.p == a))
						x.p++;
					if (x.p == a || *x.p != '=' || (x.p[1] != '"' && x.p[1] != '\''))
						return (*err = "malformed attribute", false);
					for (i = 0; i < na; i++)
						if (al[i] == (size_t) (x.p - a) && strncmp(an[i], a, al[i]) == 0)
							return (*err = "duplicate attribute", false);
					if (na == XML_MAX_ATTRS)
						return (*err = "too many attributes", false);
					an[na] = a;
					al[na++] = (size_t) (x.p - a);
					quote = x.p[1];
					x.p += 2;
					while (*x.p && *x.p != quote)
					{
						if (*x.p == '<')
							return (*err = "'<' in an attribute value", false);
						if (*x.p == '&')
						{
							if (!xml_reference(&x))
								return (*err = x.err, false);
						}
						else
							x.p++;
					}
					if (*x.p != quote)
						return (*err = "unterminated attribute value", false);
					x.p++;
				}
			}
			if (*x.p == '/')
			{
				x.p += 2;
				if (x.depth == 0)
					root_done = true;
				continue;
			}
			x.p++;
			if (x.depth == XML_MAX_DEPTH)
				return (*err = "nesting too deep", false);
			x.names[x.depth] = name;
			x.name_len[x.depth++] = nlen;
			continue;
		}
		if (*x.p == '&')
		{
			if (!xml_reference(&x))
				break;
			if (x.depth == 0)
				return (*err = "reference outside the root element", false);
			continue;
		}
		if (x.depth == 0 && *x.p != ' ' && *x.p != '\n')
			return (*err = "text outside the root element", false);
		if (*x.p == '>' && x.p > s && x.p[-1] == ']')
			return (*err = "]]> in text", false);
		x.p++;
	}
	if (x.err)
	{
		*err = x.err;
		return false;
	}
	if (x.depth != 0)
		return (*err = "unclosed element", false);
	if (!root_done || x.elements == 0)
		return (*err = "no root element", false);
	*err = NULL;
	return true;
}

/* Check s is well-formed, ASCII, an <svg> with the accessibility parts. */
static bool
check_svg(const char *s, const char *what)
{
	const char *err = NULL;
	bool		ok = true;

	ok &= ut_ok(xml_check(s, &err), "%s: not well-formed XML: %s", what, err ? err : "?");
	ok &= ut_ok(strncmp(s, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0, "%s: starts with the svg root", what);
	ok &= ut_ok(strstr(s, "role=\"img\"") != NULL && strstr(s, "<title>") != NULL &&
				strstr(s, "<desc>") != NULL && strstr(s, "viewBox=\"0 0 ") != NULL,
				"%s: role, title, desc, viewBox", what);
	ok &= ut_ok(strstr(s, "prefers-color-scheme:dark") != NULL && strstr(s, "class=\"crm-bg\"") != NULL,
				"%s: own background and a dark theme", what);
	ok &= ut_ok(strstr(s, "NaN") == NULL && strstr(s, "nan") == NULL && strstr(s, "inf") == NULL &&
				strstr(s, "Infinity") == NULL, "%s: no non-finite numbers", what);
	ok &= ut_ok(strstr(s, " id=") == NULL, "%s: no ids (charts are inlined side by side)", what);
	return ok;
}

/* ------------------------------------------------------------------------ */

static void
test_xml_checker(void)
{
	const char *err;

	ut_begin("svg: the test's XML checker accepts and rejects what it should");
	ut_ok(xml_check("<a x=\"1\" y='&amp;&#233;'><b/>t&lt;</a>\n", &err), "good document: %s", err ? err : "");
	ut_ok(!xml_check("<a><b></a></b>", &err), "crossed tags");
	ut_ok(!xml_check("<a x=\"1\" x=\"2\"/>", &err), "duplicate attribute");
	ut_ok(!xml_check("<a>&nbsp;</a>", &err), "unknown entity");
	ut_ok(!xml_check("<a>&#1;</a>", &err), "control character reference");
	ut_ok(!xml_check("<a>x<y</a>", &err), "bare <");
	ut_ok(!xml_check("<a x=1/>", &err), "unquoted attribute");
	ut_ok(!xml_check("<a/><b/>", &err), "two roots");
	ut_ok(!xml_check("<a>\x01</a>", &err), "raw control byte");
	ut_ok(!xml_check("<a>", &err), "unclosed");
	ut_ok(!xml_check("<a x=\"1\"y=\"2\"/>", &err), "attributes run together");
	ut_end();
}

static void
test_ticks(void)
{
	CrmSvgTicks t;
	char		buf[48];
	static const struct
	{
		double		lo,
					hi;
		int			max;
		bool		integer;
		double		first,
					step;
		int			n;
		const char *last_label;
	}			cases[] = {
		{0, 4512, 6, false, 0, 1000, 6, "5000"},
		{0, 45120, 6, false, 0, 10000, 6, "50k"},
		{0, 1, 6, false, 0, 0.2, 6, "1.0"},
		{0, 3, 11, true, 0, 1, 4, "3"},
		{0, 3, 11, false, 0, 0.5, 7, "3.0"},
		{0.001, 0.0093, 6, false, 0, 0.002, 6, "0.010"},
		{-3.7, 12.2, 6, false, -5, 5, 5, "15"},
		{0, 78, 9, false, 0, 10, 9, "80"},
		{0, 1500000, 7, false, 0, 250000, 7, "1.50M"},
		{0, 0.9, 5, false, 0, 0.25, 5, "1.00"},
		{1411, 1411, 6, true, 0, 500, 4, "1500"},
		{0, 0, 6, false, 0, 0.2, 6, "1.0"},
		{-1e-7, 2e-7, 4, true, -1, 1, 3, "1"},
		{0, 0, 6, true, 0, 1, 2, "1"},
		{-2e9, 3e9, 6, false, -2e9, 1e9, 6, "3G"},
	};
	size_t		i;

	/* labels of one axis share their number of decimals */
	ut_begin("svg: nice ticks (values, count, labels)");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		CrmStatus	st = crm_svg_ticks(cases[i].lo, cases[i].hi, cases[i].max, cases[i].integer, &t);

		if (!ut_ok(st == CRM_OK, "case %zu: status %d", i, (int) st))
			continue;
		ut_close_abs(crm_svg_tick_value(&t, 0), cases[i].first, 1e-12 * fabs(cases[i].step), "case %zu first", i);
		ut_close(t.step, cases[i].step, 1e-12, "case %zu step", i);
		ut_ok(t.n == cases[i].n, "case %zu: n %d, want %d", i, t.n, cases[i].n);
		crm_svg_tick_label(&t, t.n - 1, buf, sizeof(buf));
		ut_ok(strcmp(buf, cases[i].last_label) == 0, "case %zu: last label '%s', want '%s'", i, buf, cases[i].last_label);
	}
	crm_svg_ticks(0, 1, 6, false, &t);
	crm_svg_tick_label(&t, 3, buf, sizeof(buf));
	ut_ok(strcmp(buf, "0.6") == 0, "0.6 prints as 0.6, not 0.6000000001 (%s)", buf);
	crm_svg_ticks(0, 0.9, 5, false, &t);
	crm_svg_tick_label(&t, 1, buf, sizeof(buf));
	ut_ok(strcmp(buf, "0.25") == 0, "step 2.5 keeps two decimals (%s)", buf);
	crm_svg_ticks(-1, 1, 5, false, &t);
	crm_svg_tick_label(&t, 2, buf, sizeof(buf));
	ut_ok(strcmp(buf, "0.0") == 0, "zero prints as 0.0, no minus sign (%s)", buf);
	crm_svg_ticks(0, 3e-9, 5, false, &t);
	crm_svg_tick_label(&t, t.n - 1, buf, sizeof(buf));
	ut_ok(t.scale == 0 && strchr(buf, 'e') != NULL, "tiny steps use exponents (%s)", buf);
	crm_svg_ticks(0, 4e17, 5, false, &t);
	crm_svg_tick_label(&t, t.n - 1, buf, sizeof(buf));
	ut_ok(strcmp(buf, "4e17") == 0, "huge values use exponents (%s)", buf);
	ut_end();

	ut_begin("svg: tick invariants over many ranges");
	{
		unsigned	seed = 12345;
		int			k,
					bad = 0;

		for (k = 0; k < 20000; k++)
		{
			double		lo,
						hi,
						m,
						first,
						last;
			int			maxt;
			bool		integer;

			seed = seed * 1103515245u + 12345u;
			lo = ((double) (seed >> 8) / 16777216.0 - 0.5) * pow(10.0, (int) (seed % 25) - 12);
			seed = seed * 1103515245u + 12345u;
			hi = lo + ((double) (seed >> 8) / 16777216.0) * pow(10.0, (int) (seed % 25) - 12);
			maxt = 2 + (int) (seed % 12);
			integer = (seed & 64) != 0;
			if (crm_svg_ticks(lo, hi, maxt, integer, &t) != CRM_OK)
			{
				bad++;
				continue;
			}
			first = crm_svg_tick_value(&t, 0);
			last = crm_svg_tick_value(&t, t.n - 1);
			m = t.step / pow(10.0, floor(log10(t.step) + 1e-12));
			if (t.n < 2 || t.n > maxt || first > lo + 1e-9 * t.step || last < hi - 1e-9 * t.step ||
				!(fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 2.5) < 1e-9 || fabs(m - 5) < 1e-9) ||
				(integer && t.step < 1))
				bad++;
		}
		ut_ok(bad == 0, "%d of 20000 random ranges broke an invariant", bad);
	}
	ut_ok(crm_svg_ticks(NAN, 1, 5, false, &t) == CRM_EDOMAIN, "NaN refused");
	ut_ok(crm_svg_ticks(0, INFINITY, 5, false, &t) == CRM_EDOMAIN, "infinity refused");
	ut_ok(crm_svg_ticks(2, 1, 5, false, &t) == CRM_EDOMAIN, "lo > hi refused");
	ut_ok(crm_svg_ticks(0, 1, 1, false, &t) == CRM_EDOMAIN, "fewer than 2 ticks refused");
	ut_ok(crm_svg_ticks(-1e308, 1e308, 5, false, &t) == CRM_ERANGE, "range beyond 1e300 refused");
	ut_end();
}

static void
test_format(void)
{
	char		buf[40];
	static const struct
	{
		double		v;
		int			d;
		const char *want;
	}			fixed[] = {
		{0.125, 2, "0.13"}, {-0.001, 2, "0.00"}, {-0.0, 0, "0"}, {1234.5, 0, "1235"},
		{-2.5, 1, "-2.5"}, {7, 3, "7.000"}, {1e20, 2, "1e20"}, {0.1 + 0.2, 9, "0.300000000"},
		{123456789.987654321, 2, "123456789.99"}
	};
	static const struct
	{
		double		v;
		int			sig;
		const char *want;
	}			sig[] = {
		{0.000123456, 4, "0.0001235"}, {1.23456e-7, 4, "1.235e-7"}, {9.9999e-7, 3, "1e-6"},
		{123456, 3, "123456"}, {0, 4, "0"}, {-1.5e300, 2, "-1.5e300"}, {2357, 4, "2357"},
		{0.5, 4, "0.5"}, {1e15, 4, "1e15"}
	};
	size_t		i;

	ut_begin("svg: number formatting is exact and locale-free");
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
	{
		crm_svg_format_fixed(fixed[i].v, fixed[i].d, buf, sizeof(buf));
		ut_ok(strcmp(buf, fixed[i].want) == 0, "fixed(%g, %d) = '%s', want '%s'", fixed[i].v, fixed[i].d, buf, fixed[i].want);
	}
	for (i = 0; i < sizeof(sig) / sizeof(sig[0]); i++)
	{
		crm_svg_format_sig(sig[i].v, sig[i].sig, buf, sizeof(buf));
		ut_ok(strcmp(buf, sig[i].want) == 0, "sig(%g, %d) = '%s', want '%s'", sig[i].v, sig[i].sig, buf, sig[i].want);
	}
	crm_svg_format_fixed(NAN, 2, buf, sizeof(buf));
	ut_ok(strcmp(buf, "NaN") == 0, "NaN");
	ut_ok(crm_svg_format_fixed(123.456, 2, buf, 4) == 3 && strcmp(buf, "123") == 0, "truncates to the buffer");
	ut_end();
}

/* A line chart with two series over 10 points, title given. */
static CrmSvgLineChart
line_fixture(const char *title, const char *const *names, const double *x, const double *y)
{
	CrmSvgLineChart c;

	memset(&c, 0, sizeof(c));
	c.title = title;
	c.x_label = "week";
	c.y_label = "purchases";
	c.npoints = 10;
	c.x = x;
	c.nseries = 2;
	c.series_names = names;
	c.y = y;
	c.marker_x = 5;
	c.marker_label = "calibration end";
	return c;
}

static void
test_charts(void)
{
	double		x[10],
				y[20];
	const char *names[2] = {"actual", "model"};
	CrmSvgLineChart lc;
	char	   *s = NULL,
			   *s2 = NULL;
	size_t		n = 0,
				n2 = 0;
	int			i;

	for (i = 0; i < 10; i++)
	{
		x[i] = i;
		y[i] = i * i;
		y[10 + i] = i * i + 0.5;
	}
	lc = line_fixture("Tracking", names, x, y);

	ut_begin("svg: line chart is well-formed, accessible and deterministic");
	if (ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_OK, "renders"))
	{
		check_svg(s, "line");
		ut_ok(n == strlen(s), "length %zu", n);
		ut_ok(strstr(s, "aria-label=\"Tracking\"") != NULL, "aria-label");
		ut_ok(strstr(s, ">calibration end</text>") != NULL, "marker label");
		ut_ok(strstr(s, ">actual</text>") && strstr(s, ">model</text>"), "legend");
		ut_ok(strstr(s, "stroke-dasharray=\"7 4\"") != NULL, "second series is dashed");
		ut_ok(crm_svg_line_chart(&lc, &s2, &n2) == CRM_OK && n2 == n && memcmp(s, s2, n) == 0,
			  "same input, same bytes");
	}
	crm_free(s);
	crm_free(s2);
	s = s2 = NULL;
	ut_end();

	ut_begin("svg: gaps, single points, constant and extreme series");
	y[3] = NAN;
	y[12] = NAN;
	y[14] = NAN;
	if (ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_OK, "NaN gaps render"))
	{
		check_svg(s, "gaps");
		ut_ok(strstr(s, "<circle") != NULL, "an isolated point gets a marker");
	}
	crm_free(s);
	for (i = 0; i < 20; i++)
		y[i] = 42;
	ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_OK && check_svg(s, "constant"), "constant series");
	crm_free(s);
	for (i = 0; i < 20; i++)
		y[i] = (i % 2 ? 1e299 : -1e299);
	ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_OK && check_svg(s, "extreme"), "values near 1e300");
	crm_free(s);
	for (i = 0; i < 20; i++)
		y[i] = 1e-300 * i;
	ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_OK && check_svg(s, "tiny"), "tiny values");
	crm_free(s);
	lc.npoints = 1;
	ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_OK && check_svg(s, "one point"), "one point");
	crm_free(s);
	lc.npoints = 10;
	for (i = 0; i < 10; i++)
		x[i] = 7;
	ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_OK && check_svg(s, "same x"), "all x equal");
	crm_free(s);
	s = NULL;
	ut_end();

	ut_begin("svg: bad line chart input is refused, empty input says no data");
	for (i = 0; i < 10; i++)
	{
		x[i] = i;
		y[i] = y[10 + i] = i;
	}
	y[4] = INFINITY;
	ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_EDOMAIN, "infinite y refused");
	y[4] = 4;
	x[2] = NAN;
	ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_EDOMAIN, "NaN x refused");
	x[2] = 2;
	y[4] = 2e300;
	ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_ERANGE, "|y| > 1e300 refused");
	y[4] = 4;
	lc.marker_x = INFINITY;
	ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_EDOMAIN, "infinite marker refused");
	lc.marker_x = NAN;
	lc.nseries = 0;
	ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_EDOMAIN, "no series refused");
	lc.nseries = CRM_SVG_MAX_SERIES + 1;
	ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_EDOMAIN, "too many series refused");
	lc.nseries = 2;
	lc.npoints = CRM_SVG_MAX_POINTS;
	ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_EDOMAIN, "too many points refused");
	lc.npoints = -1;
	ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_EDOMAIN, "negative count refused");
	ut_ok(crm_svg_line_chart(NULL, &s, &n) == CRM_EDOMAIN, "NULL chart refused");
	lc.npoints = 0;
	lc.x = NULL;
	lc.y = NULL;
	if (ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_OK, "no points renders"))
		ut_ok(check_svg(s, "empty") && strstr(s, ">no data</text>") != NULL, "says no data");
	crm_free(s);
	lc.npoints = 10;
	lc.x = x;
	lc.y = y;
	for (i = 0; i < 20; i++)
		y[i] = NAN;
	if (ut_ok(crm_svg_line_chart(&lc, &s, &n) == CRM_OK, "all-NaN renders"))
		ut_ok(strstr(s, ">no data</text>") != NULL, "says no data");
	crm_free(s);
	s = NULL;
	ut_end();

	ut_begin("svg: scatter plot with a diagonal");
	{
		static double sx[3000],
					sy[3000];
		CrmSvgLineChart sc;

		for (i = 0; i < 3000; i++)
		{
			sx[i] = (i % 37) * 0.25;
			sy[i] = (i % 41) * 0.2;
		}
		memset(&sc, 0, sizeof(sc));
		sc.title = "Predicted vs actual";
		sc.npoints = 3000;
		sc.x = sx;
		sc.nseries = 1;
		sc.y = sy;
		sc.marker_x = NAN;
		sc.points = true;
		sc.diagonal = true;
		if (ut_ok(crm_svg_line_chart(&sc, &s, &n) == CRM_OK, "renders"))
		{
			check_svg(s, "scatter");
			ut_ok(strstr(s, "stroke-dasharray=\"4 4\"") != NULL, "diagonal drawn");
			ut_ok(strstr(s, "<path") == NULL, "no lines");
		}
		crm_free(s);
		s = NULL;
	}
	ut_end();
}

static void
test_escaping(void)
{
	double		x[2] = {0, 1},
				y[2] = {1, 2};
	const char *hostile = "<script>alert(\"x\")</script> & 'q' caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xff\xfe \x01\x1f tab\tend ]]> \xed\xa0\x80 \xef\xbf\xbf";
	const char *names[1];
	CrmSvgLineChart c;
	char	   *s = NULL;
	size_t		n;
	char		longt[3000];

	names[0] = hostile;
	memset(&c, 0, sizeof(c));
	c.title = hostile;
	c.x_label = hostile;
	c.y_label = hostile;
	c.npoints = 2;
	c.x = x;
	c.nseries = 1;
	c.series_names = names;
	c.y = y;
	c.marker_x = 0.5;
	c.marker_label = hostile;

	ut_begin("svg: labels from user data are escaped, sanitised, ASCII");
	if (ut_ok(crm_svg_line_chart(&c, &s, &n) == CRM_OK, "renders"))
	{
		check_svg(s, "hostile");
		ut_ok(strstr(s, "<script") == NULL, "no raw markup");
		ut_ok(strstr(s, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; caf&#233; &#26085;&#26412;") != NULL,
			  "escapes and numeric references");
		ut_ok(strstr(s, "&#65533;&#65533;") != NULL, "invalid UTF-8 becomes U+FFFD");
		ut_ok(strstr(s, "tab end") != NULL, "controls become spaces");
		ut_ok(strstr(s, "]]>") == NULL, "no ]]> in text");
	}
	crm_free(s);
	ut_end();

	ut_begin("svg: long labels are cut with an ellipsis, output stays bounded");
	memset(longt, 'W', sizeof(longt) - 1);
	longt[sizeof(longt) - 1] = '\0';
	c.title = c.x_label = c.y_label = c.marker_label = longt;
	names[0] = longt;
	if (ut_ok(crm_svg_line_chart(&c, &s, &n) == CRM_OK, "renders"))
	{
		check_svg(s, "long");
		ut_ok(strstr(s, "&#8230;") != NULL, "ellipsis");
		ut_ok(n < 6 * 3000 + 8000, "size %zu bounded by label caps", n);
		ut_ok(strstr(s, "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW") == NULL,
			  "no label longer than CRM_SVG_MAX_LABEL");
	}
	crm_free(s);
	ut_end();
}

static void
test_bar_heat_hist(void)
{
	const char *cats[8] = {"0", "1", "2", "3", "4", "5", "6", "7+"};
	const char *names[2] = {"actual", "expected"};
	double		v[16] = {1411, 439, 214, 100, 62, 38, 29, 64,
	1398.2, 460.1, 213.5, 106.2, 59.2, 35.3, 21.9, 62.4};
	CrmSvgBarChart bc;
	CrmSvgHeatmap hm;
	CrmSvgHistogram hg;
	char	   *s = NULL;
	size_t		n;
	double		cells[12];
	const char *rl[3] = {"0", "1", "2"},
			   *cl[4] = {"a", "b", "c", "d"};
	double		hv[1000];
	int			i;

	memset(&bc, 0, sizeof(bc));
	bc.title = "Frequency histogram";
	bc.x_label = "repeat purchases";
	bc.y_label = "customers";
	bc.ncategories = 8;
	bc.categories = cats;
	bc.nseries = 2;
	bc.series_names = names;
	bc.values = v;

	ut_begin("svg: grouped bar chart");
	if (ut_ok(crm_svg_bar_chart(&bc, &s, &n) == CRM_OK, "renders"))
	{
		check_svg(s, "bar");
		ut_ok(strstr(s, ">7+</text>") != NULL, "category labels");
		ut_ok(strstr(s, ">1411</text>") != NULL && strstr(s, ">1398</text>") != NULL, "value labels");
		ut_ok(strstr(s, "actual: 0 1411, 1 439") != NULL, "desc lists the values");
	}
	crm_free(s);
	v[3] = -50;
	v[5] = NAN;
	ut_ok(crm_svg_bar_chart(&bc, &s, &n) == CRM_OK && check_svg(s, "bar negative"), "negative and missing bars");
	crm_free(s);
	v[5] = -INFINITY;
	ut_ok(crm_svg_bar_chart(&bc, &s, &n) == CRM_EDOMAIN, "infinity refused");
	v[5] = 38;
	bc.ncategories = 0;
	ut_ok(crm_svg_bar_chart(&bc, &s, &n) == CRM_OK && strstr(s, ">no data</text>") != NULL, "no categories: no data");
	crm_free(s);
	bc.ncategories = CRM_SVG_MAX_BARS;
	ut_ok(crm_svg_bar_chart(&bc, &s, &n) == CRM_EDOMAIN, "too many bars refused");
	ut_end();

	ut_begin("svg: bar chart with many categories thins its labels");
	{
		static double many[400];
		static char labs[400][24];
		static const char *lp[400];

		for (i = 0; i < 400; i++)
		{
			many[i] = (i * 37) % 101;
			snprintf(labs[i], sizeof(labs[i]), "category %d", i);
			lp[i] = labs[i];
		}
		bc.ncategories = 400;
		bc.nseries = 1;
		bc.categories = lp;
		bc.values = many;
		if (ut_ok(crm_svg_bar_chart(&bc, &s, &n) == CRM_OK, "renders"))
		{
			check_svg(s, "bar many");
			ut_ok(strstr(s, ">category 1</text>") == NULL, "labels thinned");
		}
		crm_free(s);
	}
	ut_end();

	for (i = 0; i < 12; i++)
		cells[i] = i / 11.0;
	memset(&hm, 0, sizeof(hm));
	hm.title = "P(alive)";
	hm.x_label = "recency";
	hm.y_label = "frequency";
	hm.value_label = "P(alive)";
	hm.nrows = 3;
	hm.ncols = 4;
	hm.row_labels = rl;
	hm.col_labels = cl;
	hm.values = cells;
	hm.value_min = 0;
	hm.value_max = 1;

	ut_begin("svg: heat map");
	if (ut_ok(crm_svg_heatmap(&hm, &s, &n) == CRM_OK, "renders"))
	{
		check_svg(s, "heat");
		ut_ok(strstr(s, "fill=\"#440154\"") != NULL && strstr(s, "fill=\"#fde725\"") != NULL,
			  "viridis ends for 0 and 1");
		ut_ok(strstr(s, ">0.45</text>") != NULL, "cells annotated");
	}
	crm_free(s);
	cells[5] = NAN;
	hm.value_min = hm.value_max = NAN;
	if (ut_ok(crm_svg_heatmap(&hm, &s, &n) == CRM_OK, "NaN cell, bounds from data"))
	{
		check_svg(s, "heat nan");
		ut_ok(strstr(s, "class=\"crm-na\"") != NULL && strstr(s, ">no data</text>") != NULL, "no-data cell and key");
	}
	crm_free(s);
	for (i = 0; i < 12; i++)
		cells[i] = 3;
	ut_ok(crm_svg_heatmap(&hm, &s, &n) == CRM_OK && check_svg(s, "heat constant"), "constant values");
	crm_free(s);
	hm.value_min = 2;
	hm.value_max = 1;
	ut_ok(crm_svg_heatmap(&hm, &s, &n) == CRM_EDOMAIN, "min > max refused");
	hm.value_min = NAN;
	hm.value_max = 1;
	ut_ok(crm_svg_heatmap(&hm, &s, &n) == CRM_OK && check_svg(s, "heat one bound"), "one bound below the data");
	crm_free(s);
	hm.value_max = NAN;
	cells[0] = INFINITY;
	ut_ok(crm_svg_heatmap(&hm, &s, &n) == CRM_EDOMAIN, "infinity refused");
	for (i = 0; i < 12; i++)
		cells[i] = NAN;
	ut_ok(crm_svg_heatmap(&hm, &s, &n) == CRM_OK && strstr(s, ">no data</text>") != NULL, "all NaN: no data");
	crm_free(s);
	hm.nrows = 0;
	ut_ok(crm_svg_heatmap(&hm, &s, &n) == CRM_OK && strstr(s, ">no data</text>") != NULL, "no rows: no data");
	crm_free(s);
	hm.nrows = 201;
	hm.ncols = 200;
	ut_ok(crm_svg_heatmap(&hm, &s, &n) == CRM_EDOMAIN, "too many cells refused");
	ut_end();

	ut_begin("svg: large heat map thins labels, skips annotations");
	{
		static double big[100 * 120];
		static char labs[220][16];
		static const char *r[100],
				   *c[120];

		for (i = 0; i < 100 * 120; i++)
			big[i] = sin(i * 0.01);
		for (i = 0; i < 100; i++)
		{
			snprintf(labs[i], sizeof(labs[i]), "%d", i);
			r[i] = labs[i];
		}
		for (i = 0; i < 120; i++)
		{
			snprintf(labs[100 + i], sizeof(labs[0]), "%d", i);
			c[i] = labs[100 + i];
		}
		hm.nrows = 100;
		hm.ncols = 120;
		hm.row_labels = r;
		hm.col_labels = c;
		hm.values = big;
		if (ut_ok(crm_svg_heatmap(&hm, &s, &n) == CRM_OK, "renders"))
		{
			check_svg(s, "heat big");
			ut_ok(strstr(s, "font-size=\"10\" text-anchor=\"middle\"") == NULL, "no cell annotations");
		}
		crm_free(s);
	}
	ut_end();

	for (i = 0; i < 1000; i++)
		hv[i] = exp(0.01 * i) - 1;
	memset(&hg, 0, sizeof(hg));
	hg.title = "CLV";
	hg.x_label = "CLV";
	hg.n = 1000;
	hg.values = hv;
	hg.clip_quantile = 0.95;

	ut_begin("svg: histogram");
	if (ut_ok(crm_svg_histogram(&hg, &s, &n) == CRM_OK, "renders with clipping"))
	{
		check_svg(s, "hist");
		ut_ok(strstr(s, "50 values above") != NULL, "overflow counted (%s)", strstr(s, "values above") ? "found" : "missing");
		ut_ok(strstr(s, ">median ") != NULL && strstr(s, ">mean ") != NULL, "median and mean");
		ut_ok(strstr(s, ">count</text>") != NULL, "default y label");
	}
	crm_free(s);
	hg.clip_quantile = NAN;
	hg.bins = 7;
	if (ut_ok(crm_svg_histogram(&hg, &s, &n) == CRM_OK, "fixed bins"))
		check_svg(s, "hist bins");
	crm_free(s);
	hg.bins = 0;
	for (i = 0; i < 1000; i++)
		hv[i] = i % 4;
	if (ut_ok(crm_svg_histogram(&hg, &s, &n) == CRM_OK, "whole numbers"))
		ut_ok(check_svg(s, "hist int") && strstr(s, "in 4 bins of width 1") != NULL, "one bar per value");
	crm_free(s);
	for (i = 0; i < 1000; i++)
		hv[i] = 2.5;
	ut_ok(crm_svg_histogram(&hg, &s, &n) == CRM_OK && check_svg(s, "hist constant"), "constant values");
	crm_free(s);
	hg.n = 1;
	ut_ok(crm_svg_histogram(&hg, &s, &n) == CRM_OK && check_svg(s, "hist one"), "one value");
	crm_free(s);
	hg.n = 0;
	ut_ok(crm_svg_histogram(&hg, &s, &n) == CRM_OK && strstr(s, ">no data</text>") != NULL, "no values: no data");
	crm_free(s);
	hg.n = 1000;
	hv[10] = NAN;
	ut_ok(crm_svg_histogram(&hg, &s, &n) == CRM_EDOMAIN, "NaN refused");
	hv[10] = 1;
	hg.clip_quantile = 1.5;
	ut_ok(crm_svg_histogram(&hg, &s, &n) == CRM_EDOMAIN, "clip quantile > 1 refused");
	hg.clip_quantile = 0;
	ut_ok(crm_svg_histogram(&hg, &s, &n) == CRM_EDOMAIN, "clip quantile 0 refused");
	hg.clip_quantile = NAN;
	hg.bins = CRM_SVG_MAX_BINS + 1;
	ut_ok(crm_svg_histogram(&hg, &s, &n) == CRM_EDOMAIN, "too many bins refused");
	hg.bins = -1;
	ut_ok(crm_svg_histogram(&hg, &s, &n) == CRM_EDOMAIN, "negative bins refused");
	ut_end();
}

/* Allocator that fails after a budget of allocations (for ENOMEM paths). */
static int alloc_budget;

static void *
failing_alloc(size_t size, void *ctx)
{
	(void) ctx;
	if (alloc_budget-- <= 0)
		return NULL;
	return malloc(size == 0 ? 1 : size);
}

static void
plain_free(void *p, void *ctx)
{
	(void) ctx;
	free(p);
}

static void
test_out_of_memory(void)
{
	CrmAllocator fa = {failing_alloc, plain_free, NULL, NULL};
	double		x[50],
				y[100];
	const char *names[2] = {"a", "b"};
	CrmSvgLineChart lc;
	CrmSvgHistogram hg;
	int			budget,
				bad = 0,
				ok = 0;
	char	   *s;
	size_t		n;

	for (budget = 0; budget < 50; budget++)
	{
		x[budget] = budget;
		y[budget] = budget;
		y[50 + budget] = budget * 2.0;
	}
	lc = line_fixture("t", names, x, y);
	lc.npoints = 50;
	memset(&hg, 0, sizeof(hg));
	hg.n = 100;
	hg.values = y;
	hg.clip_quantile = 0.9;

	ut_begin("svg: allocation failures give ENOMEM and leak nothing");
	crm_set_allocator(&fa);
	for (budget = 0; budget < 40; budget++)
	{
		CrmStatus	st;

		alloc_budget = budget;
		s = NULL;
		st = crm_svg_line_chart(&lc, &s, &n);
		if (st == CRM_OK)
		{
			ok++;
			plain_free(s, NULL);
		}
		else if (st != CRM_ENOMEM)
			bad++;
		alloc_budget = budget;
		s = NULL;
		st = crm_svg_histogram(&hg, &s, &n);
		if (st == CRM_OK)
		{
			ok++;
			plain_free(s, NULL);
		}
		else if (st != CRM_ENOMEM)
			bad++;
	}
	crm_set_allocator(NULL);
	ut_ok(bad == 0, "%d failures with a status other than ENOMEM", bad);
	ut_ok(ok > 0, "succeeds once the budget suffices");
	ut_end();
}

/* A small deterministic pseudo-random generator (LCG, high bits). */
static unsigned
rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

/* Random charts with random bytes as labels: never crash, always well-formed. */
static void
test_random(void)
{
	unsigned	seed = 777;
	int			k,
				bad = 0,
				rendered = 0;
	static double x[300],
				y[300 * 3];
	static char labels[8][40];
	const char *lp[8];

	ut_begin("svg: random charts and labels stay well-formed");
	for (k = 0; k < 400; k++)
	{
		int			i,
					np,
					ns;
		char	   *s = NULL;
		size_t		n;
		CrmStatus	st;
		const char *err;

		for (i = 0; i < 8; i++)
		{
			int			len = (int) (rnd(&seed) % 39),
						j;

			for (j = 0; j < len; j++)
				labels[i][j] = (char) (1 + rnd(&seed) % 255);
			labels[i][len] = '\0';
			lp[i] = labels[i];
		}
		np = (int) (rnd(&seed) % 300);
		ns = 1 + (int) (rnd(&seed) % 3);
		for (i = 0; i < np; i++)
			x[i] = (rnd(&seed) % 2) ? i : (double) (rnd(&seed) % 1000) * pow(10.0, (int) (rnd(&seed) % 20) - 10);
		for (i = 0; i < np * ns; i++)
		{
			unsigned	r = rnd(&seed);

			y[i] = r % 10 == 0 ? NAN : ((double) (r % 100000) - 50000) * pow(10.0, (int) (rnd(&seed) % 30) - 15);
		}
		switch (k % 4)
		{
			case 0:
				{
					CrmSvgLineChart c;

					memset(&c, 0, sizeof(c));
					c.title = lp[0];
					c.x_label = lp[1];
					c.y_label = lp[2];
					c.npoints = np;
					c.x = x;
					c.nseries = ns;
					c.series_names = lp + 3;
					c.y = y;
					c.marker_x = (k & 8) ? x[0] : NAN;
					c.marker_label = lp[7];
					c.points = (k & 16) != 0;
					c.diagonal = (k & 32) != 0;
					st = crm_svg_line_chart(&c, &s, &n);
					break;
				}
			case 1:
				{
					CrmSvgBarChart c;

					memset(&c, 0, sizeof(c));
					c.title = lp[0];
					c.ncategories = np < 8 ? np : 8;
					c.categories = lp;
					c.nseries = ns;
					c.series_names = lp + 2;
					c.values = y;
					st = crm_svg_bar_chart(&c, &s, &n);
					break;
				}
			case 2:
				{
					CrmSvgHeatmap c;

					memset(&c, 0, sizeof(c));
					c.title = lp[0];
					c.value_label = lp[1];
					c.nrows = np < 8 ? np : 8;
					c.ncols = ns;
					c.row_labels = lp;
					c.col_labels = lp + 4;
					c.values = y;
					c.value_min = NAN;
					c.value_max = NAN;
					st = crm_svg_heatmap(&c, &s, &n);
					break;
				}
			default:
				{
					CrmSvgHistogram c;

					memset(&c, 0, sizeof(c));
					c.title = lp[0];
					c.x_label = lp[1];
					c.n = (size_t) np;
					c.values = x;
					c.bins = (int) (rnd(&seed) % 30);
					c.clip_quantile = (k & 8) ? 0.9 : NAN;
					st = crm_svg_histogram(&c, &s, &n);
					break;
				}
		}
		if (st == CRM_OK)
		{
			rendered++;
			if (!xml_check(s, &err))
			{
				if (bad++ < 3)
					ut_ok(false, "case %d: %s", k, err);
			}
			crm_free(s);
		}
		else if (st != CRM_EDOMAIN && st != CRM_ERANGE)
			bad++;
	}
	ut_ok(bad == 0, "%d bad outputs", bad);
	ut_ok(rendered > 300, "%d of 400 rendered", rendered);
	ut_end();
}

void
test_svg(void)
{
	test_xml_checker();
	test_ticks();
	test_format();
	test_charts();
	test_escaping();
	test_bar_heat_hist();
	test_out_of_memory();
	test_random();
}
