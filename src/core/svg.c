/*
 * svg.c
 *		Chart rendering core: line/scatter, grouped bar, heat map and
 *		histogram charts as self-contained SVG text (see svg.h for the
 *		output's guarantees).
 *
 * Written by hand rather than with a plotting library: the extension's
 * charts must come out of the database backend with no dependency beyond
 * libc (no cairo/fontconfig in a PostgreSQL process), byte-for-byte
 * deterministic and locale-independent, and SVG is plain text.  The parts a
 * library would give us are small: "nice" tick values (Heckbert's
 * loose-labelling idea, steps 1, 2, 2.5, 5 x 10^k), a text-width estimate
 * for layout, and XML escaping.
 *
 * All output goes through SvgBuf, a growing buffer that remembers the first
 * failure (out of memory, size limit): writers never check, the chart
 * function checks once at the end.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "svg.h"

/* Largest SVG document produced (the input limits keep far below it). */
#define SVG_MAX_BYTES	((size_t) 64 * 1024 * 1024)

/* Natural sizes of the charts (user units = CSS pixels). */
#define CHART_W			720.0
#define CHART_H			400.0
#define HEATMAP_H		460.0
#define PAD				16.0	/* outer padding */
#define FONT			12.0	/* base font size */
#define FONT_SMALL		11.0	/* tick and value labels */
#define FONT_TITLE		16.0

/* ------------------------------------------------------------------------
 * Output buffer
 * ------------------------------------------------------------------------ */

typedef struct SvgBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
	CrmStatus	st;				/* first failure, CRM_OK while all is well */
} SvgBuf;

/* Start an empty buffer. */
static void
sb_init(SvgBuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->st = CRM_OK;
}

/* Append n bytes (no-op after a failure). */
static void
sb_put(SvgBuf *b, const char *s, size_t n)
{
	if (b->st != CRM_OK)
		return;
	if (b->len + n + 1 > b->cap)
	{
		size_t		ncap = b->cap ? b->cap : 4096;
		char	   *p;

		while (ncap < b->len + n + 1)
			ncap *= 2;
		if (ncap > SVG_MAX_BYTES)
		{
			if (b->len + n + 1 > SVG_MAX_BYTES)
			{
				b->st = CRM_ERANGE;
				return;
			}
			ncap = SVG_MAX_BYTES;
		}
		p = crm_realloc(b->data, b->len, ncap);
		if (p == NULL)
		{
			b->st = CRM_ENOMEM;
			return;
		}
		b->data = p;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Append a NUL-terminated ASCII string. */
static void
sb_puts(SvgBuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* Append a non-negative or negative int in decimal. */
static void
sb_int(SvgBuf *b, long long v)
{
	char		tmp[24];
	int			i = (int) sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long) v : (unsigned long long) v;

	do
	{
		tmp[--i] = (char) ('0' + (int) (u % 10));
		u /= 10;
	} while (u > 0);
	if (v < 0)
		tmp[--i] = '-';
	sb_put(b, tmp + i, sizeof(tmp) - (size_t) i);
}

/*
 * Append a coordinate: v rounded to 2 decimals, trailing zeros dropped.
 * Layout coordinates are small; anything absurd is clamped.
 */
static void
sb_coord(SvgBuf *b, double v)
{
	long long	q;
	long long	ip;
	int			fp;
	char		frac[4];

	if (!crm_isfinite(v))
		v = 0;
	if (v > 1e9)
		v = 1e9;
	if (v < -1e9)
		v = -1e9;
	q = llround(v * 100.0);
	if (q < 0)
	{
		sb_put(b, "-", 1);
		q = -q;
	}
	ip = q / 100;
	fp = (int) (q % 100);
	sb_int(b, ip);
	if (fp != 0)
	{
		frac[0] = '.';
		frac[1] = (char) ('0' + fp / 10);
		frac[2] = (char) ('0' + fp % 10);
		sb_put(b, frac, fp % 10 ? 3 : 2);
	}
}

/* ------------------------------------------------------------------------
 * Text: UTF-8 decoding, XML escaping, width estimates
 * ------------------------------------------------------------------------ */

/*
 * Decode one code point at s (s[0] != 0).  Invalid or overlong sequences
 * give U+FFFD and consume one byte; characters XML 1.0 does not allow, and
 * control characters, are mapped (controls to a space).  Returns the bytes
 * consumed.
 */
static int
utf8_next(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	int			n;
	uint32_t	v;
	unsigned char lo = 0x80,
				hi = 0xBF;
	int			i;

	if (c < 0x80)
	{
		*cp = (c < 0x20 || c == 0x7F) ? 0x20 : c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
	{
		n = 2;
		v = c & 0x1F;
	}
	else if (c >= 0xE0 && c <= 0xEF)
	{
		n = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;			/* no surrogates */
	}
	else if (c >= 0xF0 && c <= 0xF4)
	{
		n = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	}
	else
	{
		*cp = 0xFFFD;
		return 1;
	}
	for (i = 1; i < n; i++)
	{
		unsigned char d = s[i];

		if (d < (i == 1 ? lo : 0x80) || d > (i == 1 ? hi : 0xBF))
		{
			*cp = 0xFFFD;
			return 1;
		}
		v = (v << 6) | (d & 0x3F);
	}
	if (v >= 0x80 && v <= 0x9F)
		v = 0x20;				/* C1 controls */
	else if (v == 0xFFFE || v == 0xFFFF)
		v = 0xFFFD;
	*cp = v;
	return n;
}

/* Append one code point as XML text (escaped, ASCII only). */
static void
sb_cp(SvgBuf *b, uint32_t cp)
{
	char		c;

	switch (cp)
	{
		case '&':
			sb_puts(b, "&amp;");
			return;
		case '<':
			sb_puts(b, "&lt;");
			return;
		case '>':
			sb_puts(b, "&gt;");
			return;
		case '"':
			sb_puts(b, "&quot;");
			return;
		case '\'':
			sb_puts(b, "&#39;");
			return;
	}
	if (cp < 0x80)
	{
		c = (char) cp;
		sb_put(b, &c, 1);
		return;
	}
	sb_puts(b, "&#");
	sb_int(b, (long long) cp);
	sb_puts(b, ";");
}

/* Number of code points of s (NULL = 0). */
static int
text_len(const char *s)
{
	const unsigned char *p = (const unsigned char *) s;
	int			n = 0;
	uint32_t	cp;

	if (s == NULL)
		return 0;
	while (*p)
	{
		p += utf8_next(p, &cp);
		n++;
	}
	return n;
}

/*
 * Append s escaped, at most max_cp code points (also capped by
 * CRM_SVG_MAX_LABEL); a longer text ends in an ellipsis within the limit.
 */
static void
sb_text(SvgBuf *b, const char *s, int max_cp)
{
	const unsigned char *p = (const unsigned char *) s;
	uint32_t	cp;
	int			total;
	int			i = 0;

	if (s == NULL)
		return;
	if (max_cp > CRM_SVG_MAX_LABEL)
		max_cp = CRM_SVG_MAX_LABEL;
	if (max_cp < 1)
		max_cp = 1;
	total = text_len(s);
	while (*p)
	{
		if (total > max_cp && i == max_cp - 1)
		{
			sb_cp(b, 0x2026);
			return;
		}
		p += utf8_next(p, &cp);
		sb_cp(b, cp);
		i++;
	}
}

/* Estimated advance of one code point, in em (calibrated on DejaVu Sans, a wide font). */
static double
cp_width(uint32_t cp)
{
	if (cp >= 0x2E80)
		return 1.0;				/* CJK and other wide scripts */
	if (cp >= 0x80)
		return 0.66;
	if (strchr("ijl'|!.,:;", (int) cp))
		return 0.29;
	if (strchr(" ()[]{}ftrI-", (int) cp))
		return 0.40;
	if (strchr("sczJ\"*/\\", (int) cp))
		return 0.53;
	if (strchr("mwMW@%", (int) cp))
		return 0.98;
	if (cp >= 'A' && cp <= 'Z')
		return 0.72;
	return 0.64;
}

/* Estimated width of the first max_cp code points of s at font size size. */
static double
text_width(const char *s, double size, int max_cp)
{
	const unsigned char *p = (const unsigned char *) s;
	uint32_t	cp;
	double		w = 0;
	int			i = 0;

	if (s == NULL)
		return 0;
	if (max_cp > CRM_SVG_MAX_LABEL)
		max_cp = CRM_SVG_MAX_LABEL;
	while (*p && i < max_cp)
	{
		p += utf8_next(p, &cp);
		w += cp_width(cp);
		i++;
	}
	return w * size;
}

/* How many code points of s to show (for sb_text) so that it fits in maxw. */
static int
text_fit(const char *s, double size, double maxw)
{
	const unsigned char *p = (const unsigned char *) s;
	uint32_t	cp;
	double		w = 0;
	int			i = 0;
	int			total = text_len(s);

	if (total <= CRM_SVG_MAX_LABEL && text_width(s, size, total) <= maxw)
		return CRM_SVG_MAX_LABEL;
	/* leave room for the ellipsis */
	maxw -= cp_width(0x2026) * size;
	while (*p && i < CRM_SVG_MAX_LABEL - 1)
	{
		p += utf8_next(p, &cp);
		w += cp_width(cp) * size;
		if (w > maxw)
			break;
		i++;
	}
	return i + 1 < 2 ? 2 : i + 1;
}

/* Width of s as it will be shown with at most max_cp code points. */
static double
shown_width(const char *s, double size, int max_cp)
{
	int			n = text_len(s);

	if (n > max_cp)
		return text_width(s, size, max_cp - 1) + cp_width(0x2026) * size;
	return text_width(s, size, n);
}

/* true when s is NULL or has no character */
static bool
text_empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/*
 * Formatted append: %s raw ASCII string, %d int, %f coordinate (double),
 * %t escaped label text (cut at CRM_SVG_MAX_LABEL), %% a percent sign.
 */
static void
sb_fmt(SvgBuf *b, const char *fmt,...)
{
	va_list		ap;
	const char *p = fmt;
	const char *run = fmt;

	va_start(ap, fmt);
	for (; *p; p++)
	{
		if (*p != '%')
			continue;
		sb_put(b, run, (size_t) (p - run));
		p++;
		switch (*p)
		{
			case 's':
				sb_puts(b, va_arg(ap, const char *));
				break;
			case 'd':
				sb_int(b, va_arg(ap, int));
				break;
			case 'f':
				sb_coord(b, va_arg(ap, double));
				break;
			case 't':
				sb_text(b, va_arg(ap, const char *), CRM_SVG_MAX_LABEL);
				break;
			case '%':
				sb_put(b, "%", 1);
				break;
			default:
				/* a bug in a format string of this file */
				b->st = CRM_EINTERNAL;
				va_end(ap);
				return;
		}
		run = p + 1;
	}
	sb_put(b, run, (size_t) (p - run));
	va_end(ap);
}

/* ------------------------------------------------------------------------
 * Numbers
 * ------------------------------------------------------------------------ */

static const double pow10d[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
static const unsigned long long pow10u[] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
	100000000ULL, 1000000000ULL
};

/* Copy tmp (n bytes) into buf of size, NUL-terminated; returns the length kept. */
static size_t
copy_out(const char *tmp, size_t n, char *buf, size_t size)
{
	if (size == 0)
		return 0;
	if (n >= size)
		n = size - 1;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return n;
}

/* v with fixed decimals; see svg.h. */
size_t
crm_svg_format_fixed(double v, int decimals, char *buf, size_t size)
{
	char		tmp[48];
	int			n = 0;
	double		a;
	unsigned long long q,
				ip,
				fp;
	char		digits[24];
	int			nd = 0;
	int			i;

	if (isnan(v))
		return copy_out("NaN", 3, buf, size);
	if (!crm_isfinite(v))
		return copy_out(v > 0 ? "Infinity" : "-Infinity", v > 0 ? 8 : 9, buf, size);
	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	a = fabs(v) * pow10d[decimals];
	if (a >= 9.0e15)
		return crm_svg_format_sig(v, 15, buf, size);
	q = (unsigned long long) floor(a + 0.5);
	if (v < 0 && q != 0)
		tmp[n++] = '-';
	ip = q / pow10u[decimals];
	fp = q % pow10u[decimals];
	do
	{
		digits[nd++] = (char) ('0' + (int) (ip % 10));
		ip /= 10;
	} while (ip > 0);
	while (nd > 0)
		tmp[n++] = digits[--nd];
	if (decimals > 0)
	{
		tmp[n++] = '.';
		for (i = decimals - 1; i >= 0; i--)
		{
			tmp[n + i] = (char) ('0' + (int) (fp % 10));
			fp /= 10;
		}
		n += decimals;
	}
	return copy_out(tmp, (size_t) n, buf, size);
}

/* Remove trailing zeros after a decimal point (and the point itself). */
static size_t
trim_zeros(char *s, size_t n)
{
	if (memchr(s, '.', n) == NULL)
		return n;
	while (n > 0 && s[n - 1] == '0')
		n--;
	if (n > 0 && s[n - 1] == '.')
		n--;
	s[n] = '\0';
	return n;
}

/* v with sig significant digits; see svg.h. */
size_t
crm_svg_format_sig(double v, int sig, char *buf, size_t size)
{
	char		tmp[48];
	size_t		n;
	int			e;
	double		m;
	int			dec;

	if (!crm_isfinite(v))
		return crm_svg_format_fixed(v, 0, buf, size);
	if (sig < 1)
		sig = 1;
	if (sig > 15)
		sig = 15;
	if (v == 0)
		return copy_out("0", 1, buf, size);
	e = (int) floor(log10(fabs(v)));
	dec = sig - 1 - e;
	if (e >= -5 && e < 15 && dec <= 9)
	{
		n = crm_svg_format_fixed(v, dec < 0 ? 0 : dec, tmp, sizeof(tmp));
		n = trim_zeros(tmp, n);
		return copy_out(tmp, n, buf, size);
	}
	/* exponent notation: mantissa in [1, 10) after rounding */
	m = v / pow(10.0, (double) e);
	if (fabs(m) * pow10d[sig - 1 > 9 ? 9 : sig - 1] + 0.5 >= 10.0 * pow10d[sig - 1 > 9 ? 9 : sig - 1])
	{
		m /= 10.0;
		e++;
	}
	n = crm_svg_format_fixed(m, sig - 1 > 9 ? 9 : sig - 1, tmp, sizeof(tmp));
	n = trim_zeros(tmp, n);
	tmp[n++] = 'e';
	if (e < 0)
	{
		tmp[n++] = '-';
		e = -e;
	}
	if (e >= 100)
		tmp[n++] = (char) ('0' + e / 100);
	if (e >= 10)
		tmp[n++] = (char) ('0' + (e / 10) % 10);
	tmp[n++] = (char) ('0' + e % 10);
	return copy_out(tmp, n, buf, size);
}

/*
 * Append a number label: a leading '-' becomes the typographic minus sign
 * (U+2212).
 */
static void
sb_numtext(SvgBuf *b, const char *s)
{
	if (s[0] == '-')
	{
		sb_puts(b, "&#8722;");
		s++;
	}
	sb_puts(b, s);
}

/* Compact label of a value (3-4 significant digits, k/M suffixes). */
static size_t
format_compact(double v, char *buf, size_t size)
{
	double		a = fabs(v);
	char		tmp[40];
	size_t		n;
	static const struct
	{
		double		div;
		const char *suf;
	}			units[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
	int			i;

	if (a >= 1e15 || (a > 0 && a < 1e-3))
		return crm_svg_format_sig(v, 3, buf, size);
	for (i = 0; i < 4; i++)
	{
		if (a >= 1e4 && a >= units[i].div)
		{
			double		s = v / units[i].div;

			n = crm_svg_format_fixed(s, fabs(s) >= 100 ? 0 : 1, tmp, sizeof(tmp) - 2);
			n = trim_zeros(tmp, n);
			memcpy(tmp + n, units[i].suf, 2);
			return copy_out(tmp, n + 1, buf, size);
		}
	}
	n = crm_svg_format_fixed(v, a >= 100 ? 0 : (a >= 10 ? 1 : (a >= 1 ? 2 : 3)), tmp, sizeof(tmp));
	n = trim_zeros(tmp, n);
	return copy_out(tmp, n, buf, size);
}

/* ------------------------------------------------------------------------
 * Ticks
 * ------------------------------------------------------------------------ */

/* Nice ticks covering [lo, hi]; see svg.h. */
CrmStatus
crm_svg_ticks(double lo, double hi, int max_ticks, bool integer, CrmSvgTicks *t)
{
	static const double mant[] = {1.0, 2.0, 2.5, 5.0};
	double		mag,
				half,
				raw,
				base,
				step = 1,
				kfirst = 0,
				klast = 0;
	int			k,
				j,
				guard;
	int			mi = 0;
	double		maxabs;

	if (t == NULL || !crm_isfinite(lo) || !crm_isfinite(hi) || lo > hi || max_ticks < 2)
		return CRM_EDOMAIN;
	if (max_ticks > 100)
		max_ticks = 100;
	mag = fmax(fabs(lo), fabs(hi));
	if (mag > 1e300)
		return CRM_ERANGE;
	/* a constant (or numerically constant) range: widen it around the value */
	if (hi - lo <= mag * 1e-12)
	{
		double		c = lo * 0.5 + hi * 0.5;

		if (c == 0)
		{
			lo = 0;
			hi = 1;
		}
		else if (integer && fabs(c) < 1e15)
		{
			lo = c > 0 ? 0 : c - 1;
			hi = c > 0 ? c + 1 : 0;
		}
		else
		{
			lo = c - fabs(c) * 0.1;
			hi = c + fabs(c) * 0.1;
			if (c > 0 && lo < 0)
				lo = 0;
		}
	}
	half = hi * 0.5 - lo * 0.5;
	raw = half / ((max_ticks - 1) * 0.5);
	k = (int) floor(log10(raw));
	if (integer && k < 0)
		k = 0;					/* whole-number steps only */
	base = pow(10.0, (double) k);
	if (!crm_isfinite(base) || base == 0)
		return CRM_ERANGE;
	for (guard = 0; guard < 40; guard++)
	{
		bool		skip = false;

		step = mant[mi] * base;
		if (integer && (step < 1 || mi == 2))
			skip = true;
		if (!skip)
		{
			kfirst = floor(lo / step + 1e-9);
			klast = ceil(hi / step - 1e-9);
			if (klast < kfirst)
				klast = kfirst;
			if (klast - kfirst + 1 <= max_ticks)
				break;
		}
		if (++mi == 4)
		{
			mi = 0;
			k++;
			base = pow(10.0, (double) k);
		}
	}
	if (guard == 40 || !crm_isfinite(step))
		return CRM_ERANGE;
	t->first = kfirst * step;
	t->step = step;
	t->n = (int) (klast - kfirst) + 1;
	if (t->n < 2)
	{
		/* a single tick: add the next one so the axis has a length */
		t->n = 2;
	}

	/* labels: scale and decimals */
	maxabs = fmax(fabs(t->first), fabs(t->first + (t->n - 1) * step));
	t->scale = 1;
	t->suffix = "";
	j = 0;
	if (maxabs >= 1e16 || (maxabs > 0 && step < 1e-6))
	{
		t->scale = 0;			/* exponent notation */
		t->decimals = 0;
		return CRM_OK;
	}
	if (maxabs >= 1e12)
	{
		t->scale = 1e12;
		t->suffix = "T";
		j = 12;
	}
	else if (maxabs >= 1e9)
	{
		t->scale = 1e9;
		t->suffix = "G";
		j = 9;
	}
	else if (maxabs >= 1e6)
	{
		t->scale = 1e6;
		t->suffix = "M";
		j = 6;
	}
	else if (maxabs >= 1e4)
	{
		t->scale = 1e3;
		t->suffix = "k";
		j = 3;
	}
	/* step / scale = mant * 10^(k - j) */
	t->decimals = (k - j) < 0 ? j - k : 0;
	if (mi == 2)
		t->decimals += (k - j) < 1 ? 1 : 0;
	if (t->decimals > 9)
		t->decimals = 9;
	return CRM_OK;
}

/* Value of tick i. */
double
crm_svg_tick_value(const CrmSvgTicks *t, int i)
{
	double		kfirst = floor(t->first / t->step + 0.5);
	double		v = (kfirst + i) * t->step;

	return v == 0 ? 0 : v;		/* no -0 */
}

/* Label of tick i. */
size_t
crm_svg_tick_label(const CrmSvgTicks *t, int i, char *buf, size_t size)
{
	double		v = crm_svg_tick_value(t, i);
	size_t		n;
	char		tmp[48];

	if (t->scale == 0)
		return crm_svg_format_sig(v, 3, buf, size);
	n = crm_svg_format_fixed(v / t->scale, t->decimals, tmp, sizeof(tmp) - 2);
	if (v != 0 && t->suffix[0] != '\0')
	{
		tmp[n++] = t->suffix[0];
		tmp[n] = '\0';
	}
	return copy_out(tmp, n, buf, size);
}

/* ------------------------------------------------------------------------
 * Theme: colours, style block, frame
 * ------------------------------------------------------------------------ */

/* Okabe-Ito colours: light background / dark background. */
static const char *const series_light[CRM_SVG_MAX_SERIES] = {
	"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#6e7781"
};
static const char *const series_dark[CRM_SVG_MAX_SERIES] = {
	"#56b4e9", "#e69f00", "#1fbf8f", "#e08fc0", "#f0e442", "#ff8c4a", "#e6edf3", "#9da7b3"
};
/* dash patterns, cycled with the colours (colour is never the only cue) */
static const char *const series_dash[4] = {"", "7 4", "2 3", "9 3 2 3"};

#define C_BG		"#ffffff"
#define C_FG		"#1f2328"
#define C_MUTED		"#57606a"
#define C_GRID		"#e4e7eb"
#define C_AXIS		"#8c959f"
#define C_NA		"#d0d7de"

/* viridis at 10 evenly spaced stops (matplotlib / viridisLite) */
static const unsigned char viridis[10][3] = {
	{0x44, 0x01, 0x54}, {0x48, 0x28, 0x78}, {0x3e, 0x49, 0x89}, {0x31, 0x68, 0x8e},
	{0x26, 0x82, 0x8e}, {0x1f, 0x9e, 0x89}, {0x35, 0xb7, 0x79}, {0x6e, 0xce, 0x58},
	{0xb5, 0xde, 0x2b}, {0xfd, 0xe7, 0x25}
};

/* viridis colour at u in [0, 1] as "#rrggbb" into out[8]; *dark: use white text on it. */
static void
viridis_at(double u, char *out, bool *dark)
{
	static const char hex[] = "0123456789abcdef";
	double		pos;
	int			i,
				ch;
	double		f,
				lum = 0;

	if (!(u >= 0))
		u = 0;
	if (u > 1)
		u = 1;
	pos = u * 9.0;
	i = (int) floor(pos);
	if (i > 8)
		i = 8;
	f = pos - i;
	out[0] = '#';
	for (ch = 0; ch < 3; ch++)
	{
		double		v = viridis[i][ch] + f * (viridis[i + 1][ch] - viridis[i][ch]);
		int			q = (int) floor(v + 0.5);

		out[1 + 2 * ch] = hex[q >> 4];
		out[2 + 2 * ch] = hex[q & 15];
		lum += (ch == 0 ? 0.2126 : ch == 1 ? 0.7152 : 0.0722) * pow(q / 255.0, 2.2);
	}
	out[7] = '\0';
	*dark = lum < 0.25;
}

/*
 * Open the document: root element, title, desc (written by the caller
 * between svg_open and svg_body), style block.
 */
static void
svg_open(SvgBuf *b, double w, double h, const char *title)
{
	sb_fmt(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%f\" height=\"%f\" viewBox=\"0 0 %f %f\" role=\"img\"",
		   w, h, w, h);
	if (!text_empty(title))
		sb_fmt(b, " aria-label=\"%t\"", title);
	sb_puts(b, " font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif\""
			" font-size=\"12\" style=\"max-width:100%;height:auto\">\n");
	sb_fmt(b, "<title>%t</title>\n", text_empty(title) ? "chart" : title);
	sb_puts(b, "<desc>");
}

/* Close the desc, write the style block, the background and the title. */
static void
svg_body(SvgBuf *b, double w, double h, const char *title)
{
	int			i;

	sb_puts(b, "</desc>\n<style>\n"
			".crm-bg{fill:" C_BG "}.crm-fg{fill:" C_FG "}.crm-mu{fill:" C_MUTED "}"
			".crm-gr{stroke:" C_GRID "}.crm-ax{stroke:" C_AXIS "}.crm-mk{stroke:" C_MUTED "}"
			".crm-na{fill:" C_NA "}.crm-cb{stroke:" C_BG "}.crm-ov{fill:" C_BG "}\n");
	for (i = 0; i < CRM_SVG_MAX_SERIES; i++)
		sb_fmt(b, ".crm-s%d{stroke:%s}.crm-f%d{fill:%s}", i, series_light[i], i, series_light[i]);
	sb_puts(b, "\n@media (prefers-color-scheme:dark){\n"
			".crm-bg{fill:#161b22}.crm-fg{fill:#e6edf3}.crm-mu{fill:#9da7b3}"
			".crm-gr{stroke:#2d333b}.crm-ax{stroke:#6e7681}.crm-mk{stroke:#9da7b3}"
			".crm-na{fill:#3d444d}.crm-cb{stroke:#161b22}.crm-ov{fill:#161b22}\n");
	for (i = 0; i < CRM_SVG_MAX_SERIES; i++)
		sb_fmt(b, ".crm-s%d{stroke:%s}.crm-f%d{fill:%s}", i, series_dark[i], i, series_dark[i]);
	sb_puts(b, "\n}\n</style>\n");
	sb_fmt(b, "<rect class=\"crm-bg\" fill=\"" C_BG "\" x=\"0\" y=\"0\" width=\"%f\" height=\"%f\" rx=\"6\"/>\n", w, h);
	if (!text_empty(title))
	{
		sb_fmt(b, "<text class=\"crm-fg\" fill=\"" C_FG "\" x=\"%f\" y=\"%f\" font-size=\"16\" font-weight=\"600\">",
			   PAD, PAD + 12.0);
		sb_text(b, title, text_fit(title, FONT_TITLE * 1.08, w - 2 * PAD));
		sb_puts(b, "</text>\n");
	}
}

/* Close the document. */
static void
svg_close(SvgBuf *b)
{
	sb_puts(b, "</svg>\n");
}

/* y just below the title (where the legend or the plot starts). */
static double
title_bottom(const char *title)
{
	return text_empty(title) ? PAD : PAD + 24.0;
}

/* Hand the finished buffer to the caller, or free it and return its failure. */
static CrmStatus
sb_finish(SvgBuf *b, char **svg, size_t *len)
{
	if (b->st != CRM_OK)
	{
		crm_free(b->data);
		return b->st;
	}
	*svg = b->data;
	if (len)
		*len = b->len;
	return CRM_OK;
}

/* Write a complete "no data" chart (title, message). */
static void
svg_no_data(SvgBuf *b, double w, double h, const char *title, const char *what)
{
	svg_open(b, w, h, title);
	sb_fmt(b, "%s: no data.", what);
	svg_body(b, w, h, title);
	sb_fmt(b, "<text class=\"crm-mu\" fill=\"" C_MUTED "\" x=\"%f\" y=\"%f\" text-anchor=\"middle\" font-size=\"14\">no data</text>\n",
		   w / 2, h / 2);
	svg_close(b);
}

/* Append a number to the desc with 4 significant digits. */
static void
sb_descnum(SvgBuf *b, double v)
{
	char		buf[40];

	crm_svg_format_sig(v, 4, buf, sizeof(buf));
	sb_puts(b, buf);
}

/* ------------------------------------------------------------------------
 * Legend and axes
 * ------------------------------------------------------------------------ */

typedef enum LegendKind
{
	LEGEND_LINE,				/* a line swatch (with a point when markers) */
	LEGEND_BOX,					/* a filled square */
	LEGEND_POINT				/* a point */
} LegendKind;

/* Append a point marker of series s at (x, y), radius r. */
static void
draw_point(SvgBuf *b, int s, double x, double y, double r, bool outline)
{
	int			shape = s % 4;
	const char *ol = outline ? " class=\"crm-cb\" stroke=\"" C_BG "\" stroke-width=\"1\"" : "";

	/* the fill comes from a wrapping group (class crm-fN) */
	switch (shape)
	{
		case 0:
			sb_fmt(b, "<circle cx=\"%f\" cy=\"%f\" r=\"%f\"%s/>", x, y, r, ol);
			break;
		case 1:
			sb_fmt(b, "<rect x=\"%f\" y=\"%f\" width=\"%f\" height=\"%f\"%s/>",
				   x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8, ol);
			break;
		case 2:
			sb_fmt(b, "<path d=\"M%f %fL%f %fL%f %fZ\"%s/>",
				   x, y - r * 1.2, x + r * 1.1, y + r * 0.8, x - r * 1.1, y + r * 0.8, ol);
			break;
		default:
			sb_fmt(b, "<path d=\"M%f %fL%f %fL%f %fL%f %fZ\"%s/>",
				   x, y - r * 1.25, x + r * 1.1, y, x, y + r * 1.25, x - r * 1.1, y, ol);
			break;
	}
}

/*
 * Open a group filled with series s's colour; outline: its shapes get a
 * 1px outline in the background colour; extra: more attributes.
 */
static void
open_fill_group(SvgBuf *b, int s, bool outline, const char *extra)
{
	sb_fmt(b, "<g class=\"crm-f%d%s\" fill=\"%s\"%s%s>", s % CRM_SVG_MAX_SERIES,
		   outline ? " crm-cb" : "", series_light[s % CRM_SVG_MAX_SERIES],
		   outline ? " stroke=\"" C_BG "\" stroke-width=\"1\"" : "", extra ? extra : "");
}

/* Attributes of a stroked line of series s (class, colour, dash). */
static void
stroke_attrs(SvgBuf *b, int s, double width)
{
	int			c = s % CRM_SVG_MAX_SERIES;

	sb_fmt(b, " class=\"crm-s%d\" stroke=\"%s\" stroke-width=\"%f\" fill=\"none\"", c, series_light[c], width);
	if (series_dash[s % 4][0] != '\0')
		sb_fmt(b, " stroke-dasharray=\"%s\"", series_dash[s % 4]);
}

/*
 * Legend of n named entries, left to right from (x0, y0), wrapping within
 * maxw.  Returns the y below the legend (y0 when there is none).
 */
static double
draw_legend(SvgBuf *b, int n, const char *const *names, int first, LegendKind kind,
			bool markers, double x0, double y0, double maxw)
{
	double		x = x0,
				row = y0 + 8;
	int			i;
	double		sw = kind == LEGEND_LINE ? 26.0 : 12.0;

	if (names == NULL || n < 1 || (n == 1 && text_empty(names[0])))
		return y0;
	for (i = 0; i < n; i++)
	{
		const char *name = names[i] ? names[i] : "";
		int			fit = text_fit(name, FONT, maxw - sw - 8);
		double		tw = shown_width(name, FONT, fit);
		double		ew = sw + 6 + tw;

		if (x > x0 && x + ew > x0 + maxw)
		{
			x = x0;
			row += 18;
		}
		if (kind == LEGEND_LINE)
		{
			sb_fmt(b, "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\"", x, row, x + sw, row);
			stroke_attrs(b, first + i, 2.5);
			sb_puts(b, "/>");
			if (markers)
			{
				open_fill_group(b, first + i, false, NULL);
				draw_point(b, first + i, x + sw / 2, row, 3.5, true);
				sb_puts(b, "</g>");
			}
		}
		else if (kind == LEGEND_BOX)
		{
			open_fill_group(b, first + i, false, NULL);
			sb_fmt(b, "<rect x=\"%f\" y=\"%f\" width=\"12\" height=\"12\" rx=\"2\"/></g>", x, row - 6);
		}
		else
		{
			open_fill_group(b, first + i, false, NULL);
			draw_point(b, first + i, x + 6, row, 4, false);
			sb_puts(b, "</g>");
		}
		sb_fmt(b, "<text class=\"crm-fg\" fill=\"" C_FG "\" x=\"%f\" y=\"%f\">", x + sw + 6, row + 4);
		sb_text(b, name, fit);
		sb_puts(b, "</text>\n");
		x += ew + 18;
	}
	return row + 14;
}

/* Plot area */
typedef struct Frame
{
	double		left,
				top,
				right,
				bottom;
} Frame;

/* A numeric axis: ticks and the value range they span, mapped to pixels. */
typedef struct Axis
{
	CrmSvgTicks t;
	double		lo,
				hi;				/* values at p0 and p1 */
	double		p0,
				p1;				/* pixels */
	double		label_max;		/* tick labels must end left of this pixel */
} Axis;

/* Pixel position of value v on axis a. */
static double
ax_map(const Axis *a, double v)
{
	return a->p0 + (v - a->lo) / (a->hi - a->lo) * (a->p1 - a->p0);
}

/* Ticks for [lo, hi] and the axis range they span (the first and last tick). */
static CrmStatus
ax_ticks(Axis *a, double lo, double hi, int max_ticks, bool integer)
{
	CrmStatus	st = crm_svg_ticks(lo, hi, max_ticks, integer, &a->t);

	a->label_max = 1e9;
	if (st != CRM_OK)
		return st;
	a->lo = crm_svg_tick_value(&a->t, 0);
	a->hi = crm_svg_tick_value(&a->t, a->t.n - 1);
	if (!(a->hi > a->lo))
		return CRM_ERANGE;
	return CRM_OK;
}

/* Widest tick label of a, at font size size. */
static double
ax_label_width(const Axis *a, double size)
{
	double		w = 0;
	int			i;
	char		buf[48];

	for (i = 0; i < a->t.n; i++)
	{
		crm_svg_tick_label(&a->t, i, buf, sizeof(buf));
		w = fmax(w, text_width(buf, size, CRM_SVG_MAX_LABEL));
	}
	return w;
}

/* Horizontal grid lines and labels of a vertical value axis (ticks at the left). */
static void
draw_y_axis(SvgBuf *b, const Frame *f, const Axis *a)
{
	int			i;
	char		buf[48];

	sb_puts(b, "<g class=\"crm-gr\" stroke=\"" C_GRID "\" stroke-width=\"1\">");
	for (i = 0; i < a->t.n; i++)
	{
		double		y = ax_map(a, crm_svg_tick_value(&a->t, i));

		sb_fmt(b, "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\"/>", f->left, y, f->right, y);
	}
	sb_puts(b, "</g>\n<g class=\"crm-mu\" fill=\"" C_MUTED "\" font-size=\"11\" text-anchor=\"end\">");
	for (i = 0; i < a->t.n; i++)
	{
		double		y = ax_map(a, crm_svg_tick_value(&a->t, i));

		crm_svg_tick_label(&a->t, i, buf, sizeof(buf));
		sb_fmt(b, "<text x=\"%f\" y=\"%f\">", f->left - 6, y + 4);
		sb_numtext(b, buf);
		sb_puts(b, "</text>");
	}
	sb_puts(b, "</g>\n");
}

/* Vertical grid lines (scatter plots). */
static void
draw_x_grid(SvgBuf *b, const Frame *f, const Axis *a)
{
	int			i;

	sb_puts(b, "<g class=\"crm-gr\" stroke=\"" C_GRID "\" stroke-width=\"1\">");
	for (i = 0; i < a->t.n; i++)
	{
		double		x = ax_map(a, crm_svg_tick_value(&a->t, i));

		sb_fmt(b, "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\"/>", x, f->top, x, f->bottom);
	}
	sb_puts(b, "</g>\n");
}

/* Whether tick i of a lies within the axis range (histogram axes are not tick-aligned). */
static bool
ax_tick_inside(const Axis *a, int i)
{
	double		v = crm_svg_tick_value(&a->t, i);
	double		eps = (a->hi - a->lo) * 1e-9;

	return v >= a->lo - eps && v <= a->hi + eps;
}

/* Tick marks and labels of a horizontal numeric axis, below the plot. */
static void
draw_x_axis(SvgBuf *b, const Frame *f, const Axis *a)
{
	int			i;
	char		buf[48];

	sb_puts(b, "<g class=\"crm-ax\" stroke=\"" C_AXIS "\" stroke-width=\"1\">");
	for (i = 0; i < a->t.n; i++)
	{
		double		x = ax_map(a, crm_svg_tick_value(&a->t, i));

		if (!ax_tick_inside(a, i))
			continue;
		sb_fmt(b, "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\"/>", x, f->bottom, x, f->bottom + 5);
	}
	sb_puts(b, "</g>\n<g class=\"crm-mu\" fill=\"" C_MUTED "\" font-size=\"11\" text-anchor=\"middle\">");
	for (i = 0; i < a->t.n; i++)
	{
		double		x = ax_map(a, crm_svg_tick_value(&a->t, i));

		if (!ax_tick_inside(a, i))
			continue;
		crm_svg_tick_label(&a->t, i, buf, sizeof(buf));
		if (x + text_width(buf, FONT_SMALL, CRM_SVG_MAX_LABEL) / 2 > a->label_max)
			continue;
		sb_fmt(b, "<text x=\"%f\" y=\"%f\">", x, f->bottom + 18);
		sb_numtext(b, buf);
		sb_puts(b, "</text>");
	}
	sb_puts(b, "</g>\n");
}

/* The axis lines at the bottom (and the left when left_line). */
static void
draw_axis_lines(SvgBuf *b, const Frame *f, bool left_line)
{
	sb_fmt(b, "<g class=\"crm-ax\" stroke=\"" C_AXIS "\" stroke-width=\"1\">"
		   "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\"/>",
		   f->left, f->bottom, f->right, f->bottom);
	if (left_line)
		sb_fmt(b, "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\"/>", f->left, f->top, f->left, f->bottom);
	sb_puts(b, "</g>\n");
}

/* Axis titles: x centred under the plot at y, y rotated at the left edge. */
static void
draw_axis_titles(SvgBuf *b, const Frame *f, const char *x_label, const char *y_label, double x_y)
{
	if (!text_empty(x_label))
	{
		sb_fmt(b, "<text class=\"crm-fg\" fill=\"" C_FG "\" x=\"%f\" y=\"%f\" text-anchor=\"middle\">",
			   (f->left + f->right) / 2, x_y);
		sb_text(b, x_label, text_fit(x_label, FONT, f->right - f->left));
		sb_puts(b, "</text>\n");
	}
	if (!text_empty(y_label))
	{
		double		cy = (f->top + f->bottom) / 2;

		sb_fmt(b, "<text class=\"crm-fg\" fill=\"" C_FG "\" transform=\"rotate(-90 %f %f)\" x=\"%f\" y=\"%f\" text-anchor=\"middle\">",
			   PAD + 10, cy, PAD + 10, cy);
		sb_text(b, y_label, text_fit(y_label, FONT, f->bottom - f->top + 40));
		sb_puts(b, "</text>\n");
	}
}

/* Largest number of ticks that fits in len pixels, one per spacing pixels. */
static int
ticks_for(double len, double spacing, int cap)
{
	int			n = (int) floor(len / spacing) + 1;

	if (n < 2)
		n = 2;
	if (n > cap)
		n = cap;
	return n;
}

/* ------------------------------------------------------------------------
 * Line chart
 * ------------------------------------------------------------------------ */

/* Whether every value v[0..n-1] (NaN skipped) is a whole number. */
static bool
all_integral(const double *v, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		if (!isnan(v[i]) && v[i] != floor(v[i]))
			return false;
	return true;
}

/*
 * Extend [*lo, *hi] (data range) to include 0 when the data is on one side
 * of it and reaches within half its largest magnitude.
 */
static void
include_zero(double *lo, double *hi)
{
	if (*lo >= 0 && *lo <= *hi * 0.5)
		*lo = 0;
	else if (*hi <= 0 && *hi >= *lo * 0.5)
		*hi = 0;
}

/* Line chart / scatter plot; see svg.h. */
CrmStatus
crm_svg_line_chart(const CrmSvgLineChart *c, char **svg, size_t *len)
{
	SvgBuf		b;
	double		xmin = INFINITY,
				xmax = -INFINITY,
				ymin = INFINITY,
				ymax = -INFINITY;
	int			i,
				s;
	size_t		nvals = 0;
	bool		has_legend,
				markers;
	Frame		f;
	Axis		ax,
				ay;
	double		top,
				w = CHART_W,
				h = CHART_H;
	CrmStatus	st;
	bool		has_marker;
	double		xlw;

	if (c == NULL || svg == NULL)
		return CRM_EDOMAIN;
	if (c->npoints < 0 || c->nseries < 1 || c->nseries > CRM_SVG_MAX_SERIES ||
		(size_t) c->npoints * (size_t) c->nseries > CRM_SVG_MAX_POINTS)
		return CRM_EDOMAIN;
	if (c->npoints > 0 && (c->x == NULL || c->y == NULL))
		return CRM_EDOMAIN;
	has_marker = !isnan(c->marker_x);
	if (has_marker && !crm_isfinite(c->marker_x))
		return CRM_EDOMAIN;
	for (i = 0; i < c->npoints; i++)
	{
		if (!crm_isfinite(c->x[i]))
			return CRM_EDOMAIN;
	}
	for (i = 0; i < c->npoints * c->nseries; i++)
	{
		double		v = c->y[i];

		if (isnan(v))
			continue;
		if (!crm_isfinite(v))
			return CRM_EDOMAIN;
		ymin = fmin(ymin, v);
		ymax = fmax(ymax, v);
		xmin = fmin(xmin, c->x[i % c->npoints]);
		xmax = fmax(xmax, c->x[i % c->npoints]);
		nvals++;
	}

	sb_init(&b);
	if (nvals == 0)
	{
		svg_no_data(&b, w, h, c->title, c->points ? "Scatter plot" : "Line chart");
		return sb_finish(&b, svg, len);
	}
	if (fmax(fmax(fabs(xmin), fabs(xmax)), fmax(fabs(ymin), fabs(ymax))) > 1e300)
		return CRM_ERANGE;
	if (has_marker)
	{
		xmin = fmin(xmin, c->marker_x);
		xmax = fmax(xmax, c->marker_x);
	}
	if (c->diagonal)
	{
		/* same range on both axes, so y = x runs corner to corner */
		xmin = ymin = fmin(xmin, ymin);
		xmax = ymax = fmax(xmax, ymax);
		include_zero(&xmin, &xmax);
		ymin = xmin;
		ymax = xmax;
	}
	else
		include_zero(&ymin, &ymax);

	has_legend = c->series_names != NULL &&
		(c->nseries > 1 || !text_empty(c->series_names[0]));
	markers = !c->points && c->npoints <= 40;

	/* desc: what the chart shows, in words */
	svg_open(&b, w, h, c->title);
	sb_puts(&b, c->points ? "Scatter plot" : "Line chart");
	sb_fmt(&b, " of %d series", c->nseries);
	if (!text_empty(c->x_label))
		sb_fmt(&b, " against %t", c->x_label);
	sb_puts(&b, ", x from ");
	sb_descnum(&b, xmin);
	sb_puts(&b, " to ");
	sb_descnum(&b, xmax);
	sb_puts(&b, ".");
	for (s = 0; s < c->nseries && s < CRM_SVG_MAX_SERIES; s++)
	{
		double		lo = INFINITY,
					hi = -INFINITY,
					last = NAN;

		for (i = 0; i < c->npoints; i++)
		{
			double		v = c->y[(size_t) s * c->npoints + i];

			if (isnan(v))
				continue;
			lo = fmin(lo, v);
			hi = fmax(hi, v);
			last = v;
		}
		sb_puts(&b, " ");
		if (c->series_names && !text_empty(c->series_names[s]))
			sb_fmt(&b, "%t", c->series_names[s]);
		else
			sb_fmt(&b, "series %d", s + 1);
		if (isnan(last))
			sb_puts(&b, ": no values.");
		else
		{
			sb_puts(&b, ": from ");
			sb_descnum(&b, lo);
			sb_puts(&b, " to ");
			sb_descnum(&b, hi);
			if (!c->points)
			{
				sb_puts(&b, ", last ");
				sb_descnum(&b, last);
			}
			sb_puts(&b, ".");
		}
	}
	if (has_marker && !text_empty(c->marker_label))
	{
		sb_fmt(&b, " Marker %t at x = ", c->marker_label);
		sb_descnum(&b, c->marker_x);
		sb_puts(&b, ".");
	}
	svg_body(&b, w, h, c->title);

	/* layout */
	top = title_bottom(c->title);
	if (has_legend)
		top = draw_legend(&b, c->nseries, c->series_names, 0,
						  c->points ? LEGEND_POINT : LEGEND_LINE, markers,
						  PAD + 4, top, w - 2 * PAD - 8);
	f.top = top + 14;
	f.bottom = h - PAD - (text_empty(c->x_label) ? 22 : 40);
	f.right = w - PAD - 8;
	ay.p0 = f.bottom;
	ay.p1 = f.top;
	st = ax_ticks(&ay, ymin, ymax, ticks_for(f.bottom - f.top, 40, 11),
				  all_integral(c->y, (size_t) c->npoints * c->nseries));
	if (st != CRM_OK)
	{
		crm_free(b.data);
		return st;
	}
	f.left = PAD + (text_empty(c->y_label) ? 0 : 20) + ax_label_width(&ay, FONT_SMALL) + 10;
	if (c->diagonal)
	{
		ax = ay;
		ax.p0 = f.left;
		ax.p1 = f.right;
	}
	else
	{
		bool		xint = all_integral(c->x, (size_t) c->npoints);

		ax.p0 = f.left;
		ax.p1 = f.right;
		st = ax_ticks(&ax, xmin, xmax, 11, xint);
		if (st == CRM_OK)
		{
			xlw = ax_label_width(&ax, FONT_SMALL);
			st = ax_ticks(&ax, xmin, xmax, ticks_for(f.right - f.left, xlw + 28, 11), xint);
		}
		if (st != CRM_OK)
		{
			crm_free(b.data);
			return st;
		}
	}

	draw_y_axis(&b, &f, &ay);
	if (c->points)
		draw_x_grid(&b, &f, &ax);
	draw_axis_lines(&b, &f, c->points);
	draw_x_axis(&b, &f, &ax);
	draw_axis_titles(&b, &f, c->x_label, c->y_label, h - PAD - 4);

	if (c->diagonal)
	{
		double		lo = fmax(ax.lo, ay.lo),
					hi = fmin(ax.hi, ay.hi);

		if (hi > lo)
			sb_fmt(&b, "<line class=\"crm-mk\" stroke=\"" C_MUTED "\" stroke-width=\"1\" stroke-dasharray=\"4 4\" x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\"/>\n",
				   ax_map(&ax, lo), ax_map(&ay, lo), ax_map(&ax, hi), ax_map(&ay, hi));
	}
	if (has_marker)
	{
		double		mx = ax_map(&ax, c->marker_x);

		sb_fmt(&b, "<line class=\"crm-mk\" stroke=\"" C_MUTED "\" stroke-width=\"1.25\" stroke-dasharray=\"5 4\" x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\"/>\n",
			   mx, f.top - 4, mx, f.bottom);
	}

	/* the series */
	for (s = 0; s < c->nseries; s++)
	{
		const double *ys = c->y + (size_t) s * c->npoints;

		if (c->points)
		{
			double		r = c->npoints > 500 ? 2.5 : 3.5;

			open_fill_group(&b, s, false, c->npoints > 500 ? " fill-opacity=\"0.55\"" : " fill-opacity=\"0.8\"");
			for (i = 0; i < c->npoints; i++)
			{
				if (isnan(ys[i]))
					continue;
				draw_point(&b, s, ax_map(&ax, c->x[i]), ax_map(&ay, ys[i]), r, false);
				if (i % 8 == 7)
					sb_puts(&b, "\n");
			}
			sb_puts(&b, "</g>\n");
			continue;
		}
		/* lines: one path, a new subpath after each gap */
		{
			bool		pen = false;
			int			nseg = 0;

			sb_puts(&b, "<path");
			stroke_attrs(&b, s, 2.25);
			sb_puts(&b, " stroke-linejoin=\"round\" stroke-linecap=\"round\" d=\"");
			for (i = 0; i < c->npoints; i++)
			{
				if (isnan(ys[i]))
				{
					pen = false;
					continue;
				}
				sb_fmt(&b, "%s%f %f", pen ? "L" : "M", ax_map(&ax, c->x[i]), ax_map(&ay, ys[i]));
				pen = true;
				if (++nseg % 10 == 0)
					sb_puts(&b, "\n");
			}
			sb_puts(&b, "\"/>\n");
		}
		/* point markers: all of them for short series, else isolated points */
		open_fill_group(&b, s, false, NULL);
		for (i = 0; i < c->npoints; i++)
		{
			bool		isolated;

			if (isnan(ys[i]))
				continue;
			isolated = (i == 0 || isnan(ys[i - 1])) &&
				(i == c->npoints - 1 || isnan(ys[i + 1]));
			if (markers || isolated)
				draw_point(&b, s, ax_map(&ax, c->x[i]), ax_map(&ay, ys[i]), 3.5, true);
		}
		sb_puts(&b, "</g>\n");
	}

	/* marker label last, above the lines, with a halo in the background colour */
	if (has_marker && !text_empty(c->marker_label))
	{
		double		mx = ax_map(&ax, c->marker_x);
		int			fit = text_fit(c->marker_label, FONT_SMALL, (f.right - f.left) * 0.45);
		double		tw = shown_width(c->marker_label, FONT_SMALL, fit);
		bool		left = mx - 6 - tw >= f.left;
		const char *anchor = left ? "end" : "start";
		double		tx = left ? mx - 6 : mx + 6;
		int			pass;

		for (pass = 0; pass < 2; pass++)
		{
			if (pass == 0)
				sb_fmt(&b, "<text class=\"crm-cb\" stroke=\"" C_BG "\" stroke-width=\"4\" stroke-linejoin=\"round\" fill=\"none\" x=\"%f\" y=\"%f\" font-size=\"11\" text-anchor=\"%s\">",
					   tx, f.top + 10, anchor);
			else
				sb_fmt(&b, "<text class=\"crm-mu\" fill=\"" C_MUTED "\" x=\"%f\" y=\"%f\" font-size=\"11\" text-anchor=\"%s\">",
					   tx, f.top + 10, anchor);
			sb_text(&b, c->marker_label, fit);
			sb_puts(&b, "</text>\n");
		}
	}
	svg_close(&b);
	return sb_finish(&b, svg, len);
}

/* ------------------------------------------------------------------------
 * Grouped bar chart
 * ------------------------------------------------------------------------ */

/* Grouped bar chart; see svg.h. */
CrmStatus
crm_svg_bar_chart(const CrmSvgBarChart *c, char **svg, size_t *len)
{
	SvgBuf		b;
	double		ymin = 0,
				ymax = 0;
	int			i,
				s;
	size_t		nvals = 0;
	size_t		nbars;
	Frame		f;
	Axis		ay;
	double		top,
				w = CHART_W,
				h = CHART_H;
	CrmStatus	st;
	double		gw,
				inner,
				bw,
				gap,
				y0,
				lw = 0,
				vlw = 0;
	int			stride,
				fit;
	bool		value_labels;
	char		buf[48];

	if (c == NULL || svg == NULL)
		return CRM_EDOMAIN;
	if (c->ncategories < 0 || c->nseries < 1 || c->nseries > CRM_SVG_MAX_SERIES ||
		(size_t) c->ncategories * (size_t) c->nseries > CRM_SVG_MAX_BARS)
		return CRM_EDOMAIN;
	if (c->ncategories > 0 && (c->categories == NULL || c->values == NULL))
		return CRM_EDOMAIN;
	nbars = (size_t) c->ncategories * c->nseries;
	for (i = 0; i < (int) nbars; i++)
	{
		double		v = c->values[i];

		if (isnan(v))
			continue;
		if (!crm_isfinite(v))
			return CRM_EDOMAIN;
		if (fabs(v) > 1e300)
			return CRM_ERANGE;
		ymin = fmin(ymin, v);
		ymax = fmax(ymax, v);
		nvals++;
	}
	sb_init(&b);
	if (nvals == 0)
	{
		svg_no_data(&b, w, h, c->title, "Bar chart");
		return sb_finish(&b, svg, len);
	}

	/* desc: every value (up to 60 per series) */
	svg_open(&b, w, h, c->title);
	sb_fmt(&b, "Bar chart of %d categories", c->ncategories);
	if (!text_empty(c->x_label))
		sb_fmt(&b, " (%t)", c->x_label);
	sb_fmt(&b, " and %d series", c->nseries);
	if (!text_empty(c->y_label))
		sb_fmt(&b, ", values in %t", c->y_label);
	sb_puts(&b, ".");
	for (s = 0; s < c->nseries; s++)
	{
		sb_puts(&b, " ");
		if (c->series_names && !text_empty(c->series_names[s]))
			sb_fmt(&b, "%t", c->series_names[s]);
		else
			sb_fmt(&b, "series %d", s + 1);
		sb_puts(&b, ":");
		for (i = 0; i < c->ncategories && i < 60; i++)
		{
			double		v = c->values[(size_t) s * c->ncategories + i];

			sb_fmt(&b, "%s %t ", i ? "," : "", c->categories[i] ? c->categories[i] : "");
			if (isnan(v))
				sb_puts(&b, "none");
			else
				sb_descnum(&b, v);
		}
		sb_puts(&b, c->ncategories > 60 ? ", ...." : ".");
	}
	svg_body(&b, w, h, c->title);

	top = title_bottom(c->title);
	if (c->series_names != NULL && (c->nseries > 1 || !text_empty(c->series_names[0])))
		top = draw_legend(&b, c->nseries, c->series_names, 0, LEGEND_BOX, false,
						  PAD + 4, top, w - 2 * PAD - 8);
	f.top = top + 14;
	f.bottom = h - PAD - (text_empty(c->x_label) ? 22 : 40);
	f.right = w - PAD - 8;
	ay.p0 = f.bottom;
	ay.p1 = f.top;
	st = ax_ticks(&ay, ymin, ymax, ticks_for(f.bottom - f.top, 40, 11),
				  all_integral(c->values, nbars));
	if (st != CRM_OK)
	{
		crm_free(b.data);
		return st;
	}
	f.left = PAD + (text_empty(c->y_label) ? 0 : 20) + ax_label_width(&ay, FONT_SMALL) + 10;
	draw_y_axis(&b, &f, &ay);
	draw_axis_titles(&b, &f, c->x_label, c->y_label, h - PAD - 4);

	gw = (f.right - f.left) / c->ncategories;
	inner = gw * (c->nseries == 1 ? 0.72 : 0.82);
	bw = inner / c->nseries;
	gap = fmin(2.0, bw * 0.12);
	y0 = ax_map(&ay, 0);

	/* values above the bars when they fit */
	for (i = 0; i < (int) nbars; i++)
	{
		if (isnan(c->values[i]))
			continue;
		format_compact(c->values[i], buf, sizeof(buf));
		vlw = fmax(vlw, text_width(buf, 10, CRM_SVG_MAX_LABEL));
	}
	value_labels = nbars <= 48 && vlw <= bw + gap + 2 && bw >= 14;

	for (s = 0; s < c->nseries; s++)
	{
		open_fill_group(&b, s, false, NULL);
		for (i = 0; i < c->ncategories; i++)
		{
			double		v = c->values[(size_t) s * c->ncategories + i];
			double		x = f.left + gw * i + (gw - inner) / 2 + bw * s + gap / 2;
			double		yv,
						y,
						hgt;

			if (isnan(v))
				continue;
			yv = ax_map(&ay, v);
			y = fmin(yv, y0);
			hgt = fabs(yv - y0);
			if (v != 0 && hgt < 1)
			{
				hgt = 1;
				if (v > 0)
					y = y0 - 1;
			}
			sb_fmt(&b, "<rect x=\"%f\" y=\"%f\" width=\"%f\" height=\"%f\"/>",
				   x, y, bw - gap, hgt);
			if (i % 8 == 7)
				sb_puts(&b, "\n");
		}
		sb_puts(&b, "</g>\n");
	}
	if (value_labels)
	{
		sb_puts(&b, "<g class=\"crm-mu\" fill=\"" C_MUTED "\" font-size=\"10\" text-anchor=\"middle\">");
		for (s = 0; s < c->nseries; s++)
			for (i = 0; i < c->ncategories; i++)
			{
				double		v = c->values[(size_t) s * c->ncategories + i];
				double		x = f.left + gw * i + (gw - inner) / 2 + bw * s + bw / 2;
				double		yv;

				if (isnan(v))
					continue;
				yv = ax_map(&ay, v);
				format_compact(v, buf, sizeof(buf));
				sb_fmt(&b, "<text x=\"%f\" y=\"%f\">", x, v >= 0 ? fmin(yv, y0) - 4 : fmax(yv, y0) + 12);
				sb_numtext(&b, buf);
				sb_puts(&b, "</text>");
			}
		sb_puts(&b, "</g>\n");
	}
	/* the zero line and the bottom axis */
	draw_axis_lines(&b, &f, false);
	if (y0 < f.bottom - 0.5)
		sb_fmt(&b, "<line class=\"crm-ax\" stroke=\"" C_AXIS "\" stroke-width=\"1\" x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\"/>\n",
			   f.left, y0, f.right, y0);

	/* category labels: every stride-th, cut to the room they have */
	for (i = 0; i < c->ncategories; i++)
		lw = fmax(lw, shown_width(c->categories[i] ? c->categories[i] : "", FONT_SMALL,
								  text_fit(c->categories[i] ? c->categories[i] : "", FONT_SMALL, 120)));
	stride = lw + 6 <= gw ? 1 : (int) ceil((lw + 8) / gw);
	if (stride < 1)
		stride = 1;
	sb_puts(&b, "<g class=\"crm-mu\" fill=\"" C_MUTED "\" font-size=\"11\" text-anchor=\"middle\">");
	for (i = 0; i < c->ncategories; i += stride)
	{
		const char *lab = c->categories[i] ? c->categories[i] : "";

		fit = text_fit(lab, FONT_SMALL, gw * stride - 6);
		sb_fmt(&b, "<text x=\"%f\" y=\"%f\">", f.left + gw * (i + 0.5), f.bottom + 16);
		sb_text(&b, lab, fit);
		sb_puts(&b, "</text>");
		if ((i / stride) % 10 == 9)
			sb_puts(&b, "\n");
	}
	sb_puts(&b, "</g>\n");
	svg_close(&b);
	return sb_finish(&b, svg, len);
}

/* ------------------------------------------------------------------------
 * Heat map
 * ------------------------------------------------------------------------ */

/* Label of a heat map value: 2 decimals in [-1, 1] ranges, else compact. */
static size_t
format_cell(double v, double lo, double hi, char *buf, size_t size)
{
	if (fmax(fabs(lo), fabs(hi)) <= 1)
	{
		size_t		n = crm_svg_format_fixed(v, 2, buf, size);

		return n;
	}
	return format_compact(v, buf, size);
}

/* Heat map; see svg.h. */
CrmStatus
crm_svg_heatmap(const CrmSvgHeatmap *c, char **svg, size_t *len)
{
	SvgBuf		b;
	double		dmin = INFINITY,
				dmax = -INFINITY,
				lo,
				hi;
	size_t		ncells,
				nvals = 0,
				i;
	int			r,
				col;
	Frame		f;
	double		w = CHART_W,
				h = HEATMAP_H;
	double		rlw = 0,
				clw = 0,
				cw,
				ch,
				barx,
				tickw = 0;
	CrmSvgTicks ct;
	CrmStatus	st;
	int			rstride,
				cstride,
				j;
	bool		borders,
				annotate,
				has_na = false;
	char		colour[8];
	bool		dark;
	char		buf[48];

	if (c == NULL || svg == NULL)
		return CRM_EDOMAIN;
	if (c->nrows < 0 || c->ncols < 0 ||
		(size_t) c->nrows * (size_t) c->ncols > CRM_SVG_MAX_CELLS)
		return CRM_EDOMAIN;
	ncells = (size_t) c->nrows * c->ncols;
	if (ncells > 0 && (c->values == NULL || c->row_labels == NULL || c->col_labels == NULL))
		return CRM_EDOMAIN;
	if ((!isnan(c->value_min) && !crm_isfinite(c->value_min)) ||
		(!isnan(c->value_max) && !crm_isfinite(c->value_max)))
		return CRM_EDOMAIN;
	if (!isnan(c->value_min) && !isnan(c->value_max) && c->value_min > c->value_max)
		return CRM_EDOMAIN;
	for (i = 0; i < ncells; i++)
	{
		double		v = c->values[i];

		if (isnan(v))
		{
			has_na = true;
			continue;
		}
		if (!crm_isfinite(v))
			return CRM_EDOMAIN;
		if (fabs(v) > 1e300)
			return CRM_ERANGE;
		dmin = fmin(dmin, v);
		dmax = fmax(dmax, v);
		nvals++;
	}
	sb_init(&b);
	if (nvals == 0)
	{
		svg_no_data(&b, w, h, c->title, "Heat map");
		return sb_finish(&b, svg, len);
	}
	lo = isnan(c->value_min) ? dmin : c->value_min;
	hi = isnan(c->value_max) ? dmax : c->value_max;
	if (lo > hi)
	{
		/* one bound given, the data entirely on the other side of it */
		double		t = lo;

		lo = hi;
		hi = t;
	}

	svg_open(&b, w, h, c->title);
	sb_fmt(&b, "Heat map of %d rows", c->nrows);
	if (!text_empty(c->y_label))
		sb_fmt(&b, " (%t", c->y_label);
	if (!text_empty(c->y_label) && c->nrows > 0)
		sb_fmt(&b, " %t to %t)", c->row_labels[0] ? c->row_labels[0] : "",
			   c->row_labels[c->nrows - 1] ? c->row_labels[c->nrows - 1] : "");
	sb_fmt(&b, " by %d columns", c->ncols);
	if (!text_empty(c->x_label))
		sb_fmt(&b, " (%t %t to %t)", c->x_label, c->col_labels[0] ? c->col_labels[0] : "",
			   c->col_labels[c->ncols - 1] ? c->col_labels[c->ncols - 1] : "");
	sb_puts(&b, "; ");
	if (!text_empty(c->value_label))
		sb_fmt(&b, "%t ", c->value_label);
	sb_puts(&b, "from ");
	sb_descnum(&b, dmin);
	sb_puts(&b, " to ");
	sb_descnum(&b, dmax);
	sb_puts(&b, has_na ? "; some cells have no data." : ".");
	svg_body(&b, w, h, c->title);

	/* colour scale ticks (only those inside [lo, hi]) */
	st = crm_svg_ticks(lo, hi, 6, false, &ct);
	if (st != CRM_OK)
	{
		crm_free(b.data);
		return st;
	}
	for (j = 0; j < ct.n; j++)
	{
		crm_svg_tick_label(&ct, j, buf, sizeof(buf));
		tickw = fmax(tickw, text_width(buf, FONT_SMALL, CRM_SVG_MAX_LABEL));
	}

	/* layout */
	for (r = 0; r < c->nrows; r++)
		rlw = fmax(rlw, shown_width(c->row_labels[r] ? c->row_labels[r] : "", FONT_SMALL,
									text_fit(c->row_labels[r] ? c->row_labels[r] : "", FONT_SMALL, 100)));
	for (col = 0; col < c->ncols; col++)
		clw = fmax(clw, shown_width(c->col_labels[col] ? c->col_labels[col] : "", FONT_SMALL,
									text_fit(c->col_labels[col] ? c->col_labels[col] : "", FONT_SMALL, 90)));
	f.top = title_bottom(c->title) + 26;
	f.bottom = h - PAD - (text_empty(c->x_label) ? 22 : 40);
	f.left = PAD + (text_empty(c->y_label) ? 0 : 20) + rlw + 8;
	f.right = w - PAD - (16 + 14 + 6 + tickw + 4);
	barx = f.right + 16;
	cw = (f.right - f.left) / c->ncols;
	ch = (f.bottom - f.top) / c->nrows;
	borders = cw >= 12 && ch >= 12;
	annotate = cw >= 34 && ch >= 16 && ncells <= 600;

	/* cells, row by row (row 0 at the bottom) */
	sb_fmt(&b, "<g%s>\n", borders ? " class=\"crm-cb\" stroke=\"" C_BG "\" stroke-width=\"1\"" : "");
	for (r = 0; r < c->nrows; r++)
	{
		for (col = 0; col < c->ncols; col++)
		{
			double		v = c->values[(size_t) r * c->ncols + col];
			double		x = f.left + cw * col,
						y = f.bottom - ch * (r + 1);

			if (isnan(v))
			{
				sb_fmt(&b, "<rect class=\"crm-na\" fill=\"" C_NA "\" x=\"%f\" y=\"%f\" width=\"%f\" height=\"%f\"/>",
					   x, y, cw, ch);
				continue;
			}
			viridis_at(hi > lo ? (v - lo) / (hi - lo) : 0.5, colour, &dark);
			sb_fmt(&b, "<rect fill=\"%s\" x=\"%f\" y=\"%f\" width=\"%f\" height=\"%f\"/>",
				   colour, x, y, cw, ch);
		}
		sb_puts(&b, "\n");
	}
	sb_puts(&b, "</g>\n");
	if (annotate)
	{
		sb_puts(&b, "<g font-size=\"10\" text-anchor=\"middle\">");
		for (r = 0; r < c->nrows; r++)
			for (col = 0; col < c->ncols; col++)
			{
				double		v = c->values[(size_t) r * c->ncols + col];

				if (isnan(v))
					continue;
				viridis_at(hi > lo ? (v - lo) / (hi - lo) : 0.5, colour, &dark);
				format_cell(v, lo, hi, buf, sizeof(buf));
				/* fixed text colours: the cells look the same in both themes */
				sb_fmt(&b, "<text fill=\"%s\" x=\"%f\" y=\"%f\">", dark ? "#ffffff" : "#1f2328",
					   f.left + cw * (col + 0.5), f.bottom - ch * (r + 0.5) + 3.5);
				sb_numtext(&b, buf);
				sb_puts(&b, "</text>");
			}
		sb_puts(&b, "</g>\n");
	}

	/* row and column labels, thinned out when the cells are small */
	rstride = ch >= 13 ? 1 : (int) ceil(13 / ch);
	sb_puts(&b, "<g class=\"crm-mu\" fill=\"" C_MUTED "\" font-size=\"11\" text-anchor=\"end\">");
	for (r = 0; r < c->nrows; r += rstride)
	{
		const char *lab = c->row_labels[r] ? c->row_labels[r] : "";

		sb_fmt(&b, "<text x=\"%f\" y=\"%f\">", f.left - 6, f.bottom - ch * (r + 0.5) + 4);
		sb_text(&b, lab, text_fit(lab, FONT_SMALL, 100));
		sb_puts(&b, "</text>");
	}
	sb_puts(&b, "</g>\n");
	cstride = clw + 6 <= cw ? 1 : (int) ceil((clw + 8) / cw);
	sb_puts(&b, "<g class=\"crm-mu\" fill=\"" C_MUTED "\" font-size=\"11\" text-anchor=\"middle\">");
	for (col = 0; col < c->ncols; col += cstride)
	{
		const char *lab = c->col_labels[col] ? c->col_labels[col] : "";

		sb_fmt(&b, "<text x=\"%f\" y=\"%f\">", f.left + cw * (col + 0.5), f.bottom + 16);
		sb_text(&b, lab, text_fit(lab, FONT_SMALL, fmin(90, cw * cstride - 4)));
		sb_puts(&b, "</text>");
	}
	sb_puts(&b, "</g>\n");
	draw_axis_titles(&b, &f, c->x_label, c->y_label, h - PAD - 4);

	/* colour scale: 64 bands from lo (bottom) to hi (top), ticks at the right */
	sb_puts(&b, "<g>");
	for (j = 0; j < 64; j++)
	{
		double		y1 = f.bottom - (f.bottom - f.top) * (j + 1) / 64.0;

		viridis_at((j + 0.5) / 64.0, colour, &dark);
		sb_fmt(&b, "<rect fill=\"%s\" x=\"%f\" y=\"%f\" width=\"14\" height=\"%f\"/>",
			   colour, barx, y1, (f.bottom - f.top) / 64.0 + 0.3);
	}
	sb_puts(&b, "</g>\n<g class=\"crm-mu\" fill=\"" C_MUTED "\" font-size=\"11\">");
	for (j = 0; j < ct.n; j++)
	{
		double		v = crm_svg_tick_value(&ct, j);
		double		y;

		if (v < lo - (hi - lo) * 1e-9 || v > hi + (hi - lo) * 1e-9)
			continue;
		y = hi > lo ? f.bottom - (v - lo) / (hi - lo) * (f.bottom - f.top) : (f.top + f.bottom) / 2;
		crm_svg_tick_label(&ct, j, buf, sizeof(buf));
		sb_fmt(&b, "<text x=\"%f\" y=\"%f\">", barx + 20, y + 4);
		sb_numtext(&b, buf);
		sb_puts(&b, "</text>");
		sb_fmt(&b, "<line class=\"crm-ax\" stroke=\"" C_AXIS "\" x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\"/>",
			   barx + 14, y, barx + 18, y);
	}
	sb_puts(&b, "</g>\n");
	if (!text_empty(c->value_label))
	{
		sb_fmt(&b, "<text class=\"crm-fg\" fill=\"" C_FG "\" x=\"%f\" y=\"%f\" text-anchor=\"end\">",
			   w - PAD, f.top - 10);
		sb_text(&b, c->value_label, text_fit(c->value_label, FONT, 200));
		sb_puts(&b, "</text>\n");
	}
	if (has_na)
	{
		sb_fmt(&b, "<rect class=\"crm-na\" fill=\"" C_NA "\" x=\"%f\" y=\"%f\" width=\"10\" height=\"10\"/>"
			   "<text class=\"crm-mu\" fill=\"" C_MUTED "\" x=\"%f\" y=\"%f\" font-size=\"11\">no data</text>\n",
			   barx, f.bottom + 8, barx + 14, f.bottom + 17);
	}
	svg_close(&b);
	return sb_finish(&b, svg, len);
}

/* ------------------------------------------------------------------------
 * Histogram
 * ------------------------------------------------------------------------ */

/* qsort comparator of doubles (no NaN here) */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Quantile q of sorted a[0..n-1] (linear interpolation, type 7). */
static double
quantile_sorted(const double *a, size_t n, double q)
{
	double		pos = q * (double) (n - 1);
	size_t		i = (size_t) floor(pos);
	double		f = pos - (double) i;

	if (i + 1 >= n)
		return a[n - 1];
	return a[i] + f * (a[i + 1] - a[i]);
}

/* Histogram; see svg.h. */
CrmStatus
crm_svg_histogram(const CrmSvgHistogram *c, char **svg, size_t *len)
{
	SvgBuf		b;
	double	   *a = NULL;
	size_t		i,
				over = 0;
	double		sum = 0,
				comp = 0,
				mean,
				median,
				lo,
				hi;
	bool		clip,
				integer,
				discrete;
	int			nb,
				nbins,
				j;
	CrmSvgTicks bt;
	double		first,
				step;
	size_t	   *counts = NULL;
	size_t		maxcount = 0;
	Frame		f;
	Axis		ax,
				ay;
	double		w = CHART_W,
				h = CHART_H,
				top,
				slot = 0,
				xlw,
				barw;
	CrmStatus	st = CRM_OK;
	const char *ylab;
	const char *names[2];
	char		nbuf[2][64];
	char		buf[48];

	if (c == NULL || svg == NULL)
		return CRM_EDOMAIN;
	if (c->n > CRM_SVG_MAX_VALUES || (c->n > 0 && c->values == NULL))
		return CRM_EDOMAIN;
	if (c->bins < 0 || c->bins > CRM_SVG_MAX_BINS)
		return CRM_EDOMAIN;
	clip = !isnan(c->clip_quantile) && c->clip_quantile != 1.0;
	if (clip && !(c->clip_quantile > 0 && c->clip_quantile < 1))
		return CRM_EDOMAIN;
	for (i = 0; i < c->n; i++)
	{
		if (!crm_isfinite(c->values[i]))
			return CRM_EDOMAIN;
		if (fabs(c->values[i]) > 1e300)
			return CRM_ERANGE;
	}
	sb_init(&b);
	ylab = text_empty(c->y_label) ? "count" : c->y_label;
	if (c->n == 0)
	{
		svg_no_data(&b, w, h, c->title, "Histogram");
		return sb_finish(&b, svg, len);
	}

	/* sorted copy: quantiles, median; Neumaier sum for the mean */
	a = crm_alloc(c->n * sizeof(double));
	if (a == NULL)
		return CRM_ENOMEM;
	memcpy(a, c->values, c->n * sizeof(double));
	qsort(a, c->n, sizeof(double), cmp_double);
	for (i = 0; i < c->n; i++)
		crm_neumaier_add(&sum, &comp, a[i]);
	mean = (sum + comp) / (double) c->n;
	median = quantile_sorted(a, c->n, 0.5);
	lo = a[0];
	hi = clip ? quantile_sorted(a, c->n, c->clip_quantile) : a[c->n - 1];
	integer = all_integral(a, c->n);
	if (clip && integer)
		hi = ceil(hi);
	for (i = c->n; i > 0 && a[i - 1] > hi; i--)
		over++;

	/* bins */
	if (c->bins > 0)
		nb = c->bins;
	else
	{
		double		iqr = quantile_sorted(a, c->n, 0.75) - quantile_sorted(a, c->n, 0.25);
		double		width = 2.0 * iqr / cbrt((double) c->n);

		if (width > 0 && hi > lo)
			nb = (int) fmin(60.0, ceil((hi - lo) / width));
		else
			nb = (int) ceil(log2((double) c->n)) + 1;
		if (nb < 5)
			nb = 5;
		if (nb > 60)
			nb = 60;
	}
	st = crm_svg_ticks(lo, hi, nb + 1, integer, &bt);
	if (st != CRM_OK)
		goto done;
	step = bt.step;
	/* whole numbers one apart: bars centred on the values */
	discrete = integer && step == 1;
	if (discrete)
	{
		first = lo - 0.5;
		nbins = (int) (hi - lo) + 1;
	}
	else
	{
		first = crm_svg_tick_value(&bt, 0);
		nbins = bt.n - 1;
		if (nbins < 1)
			nbins = 1;
	}
	counts = crm_alloc((size_t) nbins * sizeof(size_t));
	if (counts == NULL)
	{
		st = CRM_ENOMEM;
		goto done;
	}
	memset(counts, 0, (size_t) nbins * sizeof(size_t));
	for (i = 0; i < c->n - over; i++)
	{
		double		p = floor((a[i] - first) / step);
		int			k = p < 0 ? 0 : (p >= nbins ? nbins - 1 : (int) p);

		counts[k]++;
	}
	for (j = 0; j < nbins; j++)
		if (counts[j] > maxcount)
			maxcount = counts[j];
	if (over > maxcount)
		maxcount = over;

	/* desc */
	svg_open(&b, w, h, c->title);
	sb_puts(&b, "Histogram of ");
	sb_int(&b, (long long) c->n);
	sb_puts(&b, " values");
	if (!text_empty(c->x_label))
		sb_fmt(&b, " of %t", c->x_label);
	sb_puts(&b, " from ");
	sb_descnum(&b, lo);
	sb_puts(&b, " to ");
	sb_descnum(&b, a[c->n - 1]);
	sb_fmt(&b, " in %d bins of width ", nbins);
	sb_descnum(&b, step);
	sb_puts(&b, "; median ");
	sb_descnum(&b, median);
	sb_puts(&b, ", mean ");
	sb_descnum(&b, mean);
	sb_puts(&b, ".");
	if (over > 0)
	{
		sb_puts(&b, " ");
		sb_int(&b, (long long) over);
		sb_puts(&b, " values above ");
		sb_descnum(&b, hi);
		sb_puts(&b, " are counted in the last bar.");
	}
	sb_puts(&b, " Counts:");
	for (j = 0; j < nbins && j < 60; j++)
	{
		sb_puts(&b, j ? ", " : " ");
		sb_int(&b, (long long) counts[j]);
	}
	sb_puts(&b, nbins > 60 ? ", ...." : ".");
	svg_body(&b, w, h, c->title);

	/* legend: the median and mean lines */
	nbuf[0][0] = nbuf[1][0] = '\0';
	memcpy(nbuf[0], "median ", 7);
	format_compact(median, nbuf[0] + 7, sizeof(nbuf[0]) - 7);
	memcpy(nbuf[1], "mean ", 5);
	format_compact(mean, nbuf[1] + 5, sizeof(nbuf[1]) - 5);
	names[0] = nbuf[0];
	names[1] = nbuf[1];
	top = draw_legend(&b, 2, names, 1, LEGEND_LINE, false, PAD + 4, title_bottom(c->title), w - 2 * PAD - 8);

	f.top = top + 14;
	f.bottom = h - PAD - (text_empty(c->x_label) ? 22 : 40);
	f.right = w - PAD - 8;
	ay.p0 = f.bottom;
	ay.p1 = f.top;
	st = ax_ticks(&ay, 0, (double) maxcount, ticks_for(f.bottom - f.top, 40, 11), true);
	if (st != CRM_OK)
		goto done;
	f.left = PAD + 20 + ax_label_width(&ay, FONT_SMALL) + 10;

	/* room for the overflow bar and its label at the right */
	if (over > 0)
	{
		memcpy(buf, "> ", 2);
		format_compact(hi, buf + 2, sizeof(buf) - 2);
		slot = fmax(text_width(buf, FONT_SMALL, CRM_SVG_MAX_LABEL) + 16, (f.right - f.left) / (nbins + 2));
	}
	ax.p0 = f.left;
	ax.p1 = f.right - slot;
	ax.lo = first;
	ax.hi = first + nbins * step;
	ax.label_max = over > 0 ? ax.p1 + 2 : 1e9;	/* keep clear of the overflow label */
	/* x ticks: round values inside the binned range */
	st = crm_svg_ticks(ax.lo, ax.hi, 11, integer, &ax.t);
	if (st == CRM_OK)
	{
		xlw = ax_label_width(&ax, FONT_SMALL);
		st = crm_svg_ticks(ax.lo, ax.hi, ticks_for(ax.p1 - ax.p0, xlw + 24, 11), integer, &ax.t);
	}
	if (st != CRM_OK)
		goto done;

	draw_y_axis(&b, &f, &ay);
	draw_axis_titles(&b, &f, c->x_label, ylab, h - PAD - 4);

	/* bars, outlined in the background colour so neighbours stay apart */
	barw = (ax.p1 - ax.p0) / nbins;
	open_fill_group(&b, 0, barw >= 4, NULL);
	for (j = 0; j < nbins; j++)
	{
		double		y = ax_map(&ay, (double) counts[j]);

		if (counts[j] == 0)
			continue;
		sb_fmt(&b, "<rect x=\"%f\" y=\"%f\" width=\"%f\" height=\"%f\"/>",
			   ax.p0 + barw * j, fmin(y, f.bottom - 1), barw, fmax(f.bottom - y, 1));
		if (j % 8 == 7)
			sb_puts(&b, "\n");
	}
	sb_puts(&b, "</g>\n");
	if (over > 0)
	{
		double		y = ax_map(&ay, (double) over);
		double		x0 = ax.p1 + 8,
					bwid = fmin(slot - 8, fmax(barw, 14));

		/* the overflow bar: same colour, hatched look by a dashed outline */
		sb_fmt(&b, "<rect class=\"crm-f0\" fill=\"%s\" fill-opacity=\"0.45\" x=\"%f\" y=\"%f\" width=\"%f\" height=\"%f\"/>",
			   series_light[0], x0, fmin(y, f.bottom - 1), bwid, fmax(f.bottom - y, 1));
		sb_fmt(&b, "<rect class=\"crm-s0\" stroke=\"%s\" fill=\"none\" stroke-dasharray=\"3 2\" x=\"%f\" y=\"%f\" width=\"%f\" height=\"%f\"/>\n",
			   series_light[0], x0, fmin(y, f.bottom - 1), bwid, fmax(f.bottom - y, 1));
		sb_fmt(&b, "<text class=\"crm-mu\" fill=\"" C_MUTED "\" font-size=\"11\" text-anchor=\"middle\" x=\"%f\" y=\"%f\">",
			   x0 + bwid / 2, f.bottom + 18);
		sb_puts(&b, "&gt; ");
		sb_numtext(&b, buf + 2);
		sb_puts(&b, "</text>\n");
	}
	draw_axis_lines(&b, &f, false);
	draw_x_axis(&b, &f, &ax);

	/* median and mean */
	for (j = 0; j < 2; j++)
	{
		double		v = j == 0 ? median : mean;
		double		x;

		if (v < ax.lo || v > ax.hi)
			continue;
		x = ax_map(&ax, v);
		sb_fmt(&b, "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\"", x, f.top - 4, x, f.bottom);
		stroke_attrs(&b, 1 + j, 2);
		sb_puts(&b, "/>\n");
	}
	svg_close(&b);

done:
	crm_free(counts);
	crm_free(a);
	if (st != CRM_OK)
	{
		crm_free(b.data);
		return st;
	}
	return sb_finish(&b, svg, len);
}
