/*
 * sqlfuzz.c
 *		SQL-level fuzzer of crm_ext: throws random valid and invalid calls at
 *		every function and aggregate of schema crm and classifies what comes
 *		back.  A test tool (libpq client), not part of the extension.
 *
 * Usage: sqlfuzz [-n calls] [-s seed] [-j workers] [-t statement_timeout_ms]
 *				  [-b batch] [-v]
 * Connection: the usual libpq environment (PGHOST, PGPORT, PGDATABASE ...).
 * The database must have crm_ext installed; the fuzzer never commits a
 * change (functions that are not IMMUTABLE or STABLE run inside a
 * transaction that is rolled back).
 *
 * How it works.  The function list comes from pg_proc (schema crm), so new
 * functions are fuzzed without changes here.  Functions with an `internal`
 * argument (aggregate support) and trigger functions cannot be called from
 * SQL and are skipped; their code runs through the aggregates.  Each call
 * is a prepared statement with text parameters (or binary ones, for the
 * extension's own base types, which reaches their receive functions):
 *	 function:		SELECT f($1::t1, ...)			  (also without defaulted args)
 *	 set-returning:	SELECT count(*) FROM (SELECT f(...) LIMIT 20) s
 *					(in the target list, so that the rows are made lazily)
 *	 aggregate:		SELECT agg(a1, ...) FROM (VALUES ($1, ...), ...) v(a1, ...)
 *					with 0..6 rows in one or two groups; each argument is
 *					either constant over the rows or varies.
 * Argument values come from pools of nasty values per type (NULL, NaN,
 * +-Infinity, 0, -0, -1, 1e308, -1e308, 1e-308, 5e-324, huge integers,
 * fractions, 10^6, infinite timestamps, zero/negative/mixed intervals,
 * malformed text for every type, arrays with NULLs, wrong lengths and
 * dimensions, composites with NULL, non-finite or missing fields), from
 * plausible valid values, and from a corpus of values that earlier calls
 * returned (model values, fit states), which are also mutated: composite
 * fields replaced, dropped or added; encoded states ("prefix:base64url")
 * truncated, bit-flipped, given another version, kind, count or
 * non-finite doubles, extended with garbage, or sent in binary.
 *
 * Statements are sent in libpq pipeline mode, each followed by a Sync, so
 * that every call is its own transaction and an error affects only that
 * call; with -j workers several connections run in parallel (fork).
 * Outcomes:
 *	 ok / null			the call returned (NaN inside a float result is
 *						counted as "nan": the core must not return NaN
 *						silently, reported as a finding)
 *	 expected error		SQLSTATE class 22 (data exception), 0A000, 55000,
 *						42804 (datatype mismatch), 53xxx, 54xxx, 57014
 *						(statement_timeout), and 23xxx/P0001-free errors of
 *						the volatile writers
 *	 unexpected error	anything else, XX000 (elog: "cannot happen") above
 *						all; printed with the call
 *	 crash				the connection is lost: the batch is replayed one
 *						call at a time after the server has restarted, and the
 *						first call that kills the backend again is printed
 * Deterministic: the same seed, workers and catalog give the same calls.
 * Exit status: 0 when there were no crashes and no unexpected errors.
 * The last line is "sqlfuzz: N calls, C crashes, U unexpected errors".
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libpq-fe.h"

#define MAX_ARGS 32
#define MAX_ROWS 6
#define CORPUS_MAX 128
#define MAX_SHAPES 64
#define MAX_EXAMPLES 12

/* ------------------------------------------------------------ utilities */

static void
die(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	fprintf(stderr, "sqlfuzz: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void *
xmalloc(size_t n)
{
	void	   *p = calloc(1, n == 0 ? 1 : n);

	if (p == NULL)
		die("out of memory");
	return p;
}

static char *
xstrdup(const char *s)
{
	char	   *p = strdup(s);

	if (p == NULL)
		die("out of memory");
	return p;
}

static double
now_seconds(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* A growable string. */
typedef struct Buf
{
	char	   *s;
	size_t		len;
	size_t		cap;
} Buf;

static void
buf_reserve(Buf *b, size_t more)
{
	if (b->len + more + 1 > b->cap)
	{
		size_t		cap = b->cap ? b->cap : 64;

		while (b->len + more + 1 > cap)
			cap *= 2;
		b->s = realloc(b->s, cap);
		if (b->s == NULL)
			die("out of memory");
		b->cap = cap;
	}
}

static void
buf_add(Buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_puts(Buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_printf(Buf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_reserve(b, (size_t) n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

static void
buf_reset(Buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

/* ------------------------------------------------------------ random */

static uint64_t rng_state;

static uint64_t
rng_next(void)
{
	/* splitmix64: small, fast and good enough for choosing test inputs */
	uint64_t	z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* uniform in [0, n) */
static uint32_t
rnd(uint32_t n)
{
	return n == 0 ? 0 : (uint32_t) (rng_next() % n);
}

/* true with probability p */
static bool
chance(double p)
{
	return (rng_next() >> 11) * (1.0 / 9007199254740992.0) < p;
}

static double
unif(double lo, double hi)
{
	return lo + (hi - lo) * ((rng_next() >> 11) * (1.0 / 9007199254740992.0));
}

#define PICK(arr) ((arr)[rnd(sizeof(arr) / sizeof((arr)[0]))])

/* ------------------------------------------------------------ catalog */

typedef enum Kind
{
	K_OTHER,
	K_FLOAT,
	K_INT2,
	K_INT4,
	K_INT8,
	K_NUMERIC,
	K_BOOL,
	K_TIMESTAMPTZ,
	K_TIMESTAMP,
	K_DATE,
	K_INTERVAL,
	K_TEXT,
	K_JSON,
	K_BYTEA,
	K_CSTRING,
	K_ARRAY,
	K_COMPOSITE,
	K_ENUM,
	K_OWNBASE,					/* a base type of the extension (fit_state ...) */
	K_POLY						/* anyelement & co: resolved per call */
} Kind;

typedef struct Corpus
{
	int			n;
	char	   *v[CORPUS_MAX];
} Corpus;

typedef struct TypeInfo
{
	unsigned int oid;
	char	   *name;			/* format_type() with search_path = pg_catalog */
	Kind		kind;
	struct TypeInfo *elem;		/* K_ARRAY */
	int			natts;			/* K_COMPOSITE */
	struct TypeInfo **atts;
	int			nlabels;		/* K_ENUM */
	char	  **labels;
	Corpus		corpus;			/* values seen in results */
} TypeInfo;

typedef struct FuncInfo
{
	char	   *sig;			/* regprocedure text */
	char	   *qname;			/* crm.name */
	char		prokind;
	char		volatility;
	bool		retset;
	bool		strict;
	int			nargs;
	int			ndefaults;
	TypeInfo   *args[MAX_ARGS];
	char	   *argnames[MAX_ARGS];
	TypeInfo   *ret;
	bool		poly;			/* has a polymorphic argument */
	/* outcome counters */
	long		calls;
	long		ok;
	long		nulls;
	long		errors;
	long		nan;
	long		unexpected;
	long		crashes;
} FuncInfo;

static PGconn *conn;
static TypeInfo **types;
static int	ntypes;
static FuncInfo *funcs;
static int	nfuncs;
static TypeInfo **crm_composites;	/* candidates for polymorphic arguments */
static int	ncrm_composites;
static bool verbose = false;
static int	timeout_ms = 5000;

static PGresult *
exec_ok(const char *sql)
{
	PGresult   *r = PQexec(conn, sql);

	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
		die("query failed: %s\n%s", PQerrorMessage(conn), sql);
	return r;
}

static TypeInfo *type_get(unsigned int oid);

/* Load one type's description (and the types it refers to). */
static TypeInfo *
type_load(unsigned int oid)
{
	char		sql[1024];
	PGresult   *r;
	TypeInfo   *t = xmalloc(sizeof(TypeInfo));
	const char *name,
			   *typtype,
			   *cat;
	unsigned int elem,
				base;
	bool		own;

	snprintf(sql, sizeof(sql),
			 "SELECT pg_catalog.format_type(t.oid, NULL), t.typtype, t.typcategory, t.typelem, "
			 "t.typbasetype, t.typnamespace = 'crm'::pg_catalog.regnamespace, t.typrelid, t.typlen "
			 "FROM pg_catalog.pg_type t WHERE t.oid = %u", oid);
	r = exec_ok(sql);
	if (PQntuples(r) != 1)
		die("type %u not found", oid);
	t->oid = oid;
	name = PQgetvalue(r, 0, 0);
	typtype = PQgetvalue(r, 0, 1);
	cat = PQgetvalue(r, 0, 2);
	elem = (unsigned int) strtoul(PQgetvalue(r, 0, 3), NULL, 10);
	base = (unsigned int) strtoul(PQgetvalue(r, 0, 4), NULL, 10);
	own = PQgetvalue(r, 0, 5)[0] == 't';
	t->name = xstrdup(name);
	/* register before recursing (composites may refer to arrays of themselves) */
	types = realloc(types, sizeof(TypeInfo *) * (ntypes + 1));
	types[ntypes++] = t;

	if (typtype[0] == 'p')
	{
		if (strcmp(name, "cstring") == 0)
			t->kind = K_CSTRING;
		else if (strncmp(name, "any", 3) == 0 || strcmp(name, "record") == 0)
			t->kind = K_POLY;
		else
			t->kind = K_OTHER;
	}
	else if (typtype[0] == 'd')
	{
		TypeInfo   *b = type_get(base);

		*t = *b;
		t->oid = oid;
		t->name = xstrdup(name);
		memset(&t->corpus, 0, sizeof(t->corpus));
	}
	else if (typtype[0] == 'e')
	{
		PGresult   *l;
		int			i;

		t->kind = K_ENUM;
		snprintf(sql, sizeof(sql),
				 "SELECT enumlabel FROM pg_catalog.pg_enum WHERE enumtypid = %u ORDER BY enumsortorder", oid);
		l = exec_ok(sql);
		t->nlabels = PQntuples(l);
		t->labels = xmalloc(sizeof(char *) * (t->nlabels + 1));
		for (i = 0; i < t->nlabels; i++)
			t->labels[i] = xstrdup(PQgetvalue(l, i, 0));
		PQclear(l);
	}
	else if (typtype[0] == 'c')
	{
		PGresult   *a;
		int			i;

		t->kind = K_COMPOSITE;
		snprintf(sql, sizeof(sql),
				 "SELECT a.atttypid FROM pg_catalog.pg_attribute a WHERE a.attrelid = %s "
				 "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", PQgetvalue(r, 0, 6));
		a = exec_ok(sql);
		t->natts = PQntuples(a);
		t->atts = xmalloc(sizeof(TypeInfo *) * (t->natts + 1));
		for (i = 0; i < t->natts; i++)
			t->atts[i] = type_get((unsigned int) strtoul(PQgetvalue(a, i, 0), NULL, 10));
		PQclear(a);
		if (own)
		{
			crm_composites = realloc(crm_composites, sizeof(TypeInfo *) * (ncrm_composites + 1));
			crm_composites[ncrm_composites++] = t;
		}
	}
	else if (cat[0] == 'A' && elem != 0)
	{
		t->kind = K_ARRAY;
		t->elem = type_get(elem);
	}
	else if (own)
		t->kind = K_OWNBASE;
	else if (strcmp(name, "double precision") == 0 || strcmp(name, "real") == 0)
		t->kind = K_FLOAT;
	else if (strcmp(name, "smallint") == 0)
		t->kind = K_INT2;
	else if (strcmp(name, "integer") == 0)
		t->kind = K_INT4;
	else if (strcmp(name, "bigint") == 0)
		t->kind = K_INT8;
	else if (strcmp(name, "numeric") == 0)
		t->kind = K_NUMERIC;
	else if (strcmp(name, "boolean") == 0)
		t->kind = K_BOOL;
	else if (strcmp(name, "timestamp with time zone") == 0)
		t->kind = K_TIMESTAMPTZ;
	else if (strcmp(name, "timestamp without time zone") == 0)
		t->kind = K_TIMESTAMP;
	else if (strcmp(name, "date") == 0)
		t->kind = K_DATE;
	else if (strcmp(name, "interval") == 0)
		t->kind = K_INTERVAL;
	else if (strcmp(name, "text") == 0 || strcmp(name, "character varying") == 0 ||
			 strcmp(name, "name") == 0 || strcmp(name, "\"char\"") == 0 ||
			 strcmp(name, "character") == 0)
		t->kind = K_TEXT;
	else if (strcmp(name, "jsonb") == 0 || strcmp(name, "json") == 0)
		t->kind = K_JSON;
	else if (strcmp(name, "bytea") == 0)
		t->kind = K_BYTEA;
	else
		t->kind = K_OTHER;
	PQclear(r);
	return t;
}

static TypeInfo *
type_get(unsigned int oid)
{
	int			i;

	for (i = 0; i < ntypes; i++)
		if (types[i]->oid == oid)
			return types[i];
	return type_load(oid);
}

/* Read the functions of schema crm. */
static void
load_functions(void)
{
	PGresult   *r;
	int			i;

	r = exec_ok(
				"SELECT p.oid::pg_catalog.regprocedure::text, 'crm.' || pg_catalog.quote_ident(p.proname), "
				"p.prokind, p.provolatile, p.proretset, p.proisstrict, p.pronargs, p.pronargdefaults, "
				"pg_catalog.array_to_string(p.proargtypes::pg_catalog.oid[], ' '), "
				"coalesce((SELECT pg_catalog.string_agg(coalesce(u.n, ''), ',' ORDER BY u.i) "
				"  FROM ROWS FROM (pg_catalog.unnest(p.proargnames), pg_catalog.unnest(coalesce(p.proargmodes, "
				"       pg_catalog.array_fill('i'::\"char\", ARRAY[coalesce(pg_catalog.cardinality(p.proargnames), 0)])))) "
				"       WITH ORDINALITY AS u(n, m, i) WHERE u.m IN ('i', 'b', 'v')), ''), "
				"p.prorettype, "
				"EXISTS (SELECT FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) a(t) "
				"        WHERE a.t IN ('internal'::pg_catalog.regtype, 'trigger'::pg_catalog.regtype, "
				"                      'event_trigger'::pg_catalog.regtype)) "
				"  OR p.prorettype IN ('trigger'::pg_catalog.regtype, 'event_trigger'::pg_catalog.regtype, "
				"                      'internal'::pg_catalog.regtype) "
				"  OR p.prokind = 'p' "
				"FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'crm'::pg_catalog.regnamespace "
				"ORDER BY 1");
	funcs = xmalloc(sizeof(FuncInfo) * (PQntuples(r) + 1));
	for (i = 0; i < PQntuples(r); i++)
	{
		FuncInfo   *f = &funcs[nfuncs];
		char	   *argtypes,
				   *names,
				   *tok,
				   *save = NULL;
		int			j;

		if (PQgetvalue(r, i, 11)[0] == 't')
			continue;			/* not callable from SQL */
		f->sig = xstrdup(PQgetvalue(r, i, 0));
		f->qname = xstrdup(PQgetvalue(r, i, 1));
		f->prokind = PQgetvalue(r, i, 2)[0];
		f->volatility = PQgetvalue(r, i, 3)[0];
		f->retset = PQgetvalue(r, i, 4)[0] == 't';
		f->strict = PQgetvalue(r, i, 5)[0] == 't';
		f->nargs = atoi(PQgetvalue(r, i, 6));
		f->ndefaults = atoi(PQgetvalue(r, i, 7));
		if (f->nargs > MAX_ARGS)
			continue;
		argtypes = xstrdup(PQgetvalue(r, i, 8));
		for (j = 0, tok = strtok_r(argtypes, " ", &save); tok != NULL && j < f->nargs;
			 tok = strtok_r(NULL, " ", &save), j++)
		{
			f->args[j] = type_get((unsigned int) strtoul(tok, NULL, 10));
			if (f->args[j]->kind == K_POLY)
				f->poly = true;
		}
		free(argtypes);
		names = xstrdup(PQgetvalue(r, i, 9));
		for (j = 0; j < f->nargs; j++)
			f->argnames[j] = "";
		if (names[0] != '\0')
		{
			char	   *p = names;

			for (j = 0; j < f->nargs && p != NULL; j++)
			{
				char	   *c = strchr(p, ',');

				if (c)
					*c = '\0';
				f->argnames[j] = xstrdup(p);
				p = c ? c + 1 : NULL;
			}
		}
		free(names);
		f->ret = type_get((unsigned int) strtoul(PQgetvalue(r, i, 10), NULL, 10));
		nfuncs++;
	}
	PQclear(r);
}

/* ------------------------------------------------------------ corpus */

static void
corpus_add(Corpus *c, const char *v)
{
	size_t		len = strlen(v);
	int			i;

	if (len > 4096)
		return;
	for (i = 0; i < c->n; i++)
		if (strcmp(c->v[i], v) == 0)
			return;
	if (c->n < CORPUS_MAX)
		c->v[c->n++] = xstrdup(v);
	else
	{
		i = (int) rnd(CORPUS_MAX);
		free(c->v[i]);
		c->v[i] = xstrdup(v);
	}
}

/* ------------------------------------------------------------ base64url */

static const char b64chars[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
b64val(char ch)
{
	const char *p = ch ? strchr(b64chars, ch) : NULL;

	return p ? (int) (p - b64chars) : -1;
}

/* Decode unpadded base64url; returns the byte count or -1. */
static long
b64_decode(const char *s, unsigned char *out, size_t cap)
{
	uint32_t	acc = 0;
	int			bits = 0;
	size_t		n = 0;

	for (; *s; s++)
	{
		int			v = b64val(*s);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t) v;
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (unsigned char) (acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return (long) n;
}

static void
b64_encode(Buf *b, const unsigned char *in, size_t n)
{
	size_t		i;

	for (i = 0; i + 2 < n; i += 3)
	{
		uint32_t	v = ((uint32_t) in[i] << 16) | ((uint32_t) in[i + 1] << 8) | in[i + 2];
		char		o[4] = {b64chars[(v >> 18) & 63], b64chars[(v >> 12) & 63],
		b64chars[(v >> 6) & 63], b64chars[v & 63]};

		buf_add(b, o, 4);
	}
	if (n - i == 1)
	{
		uint32_t	v = (uint32_t) in[i] << 16;
		char		o[2] = {b64chars[(v >> 18) & 63], b64chars[(v >> 12) & 63]};

		buf_add(b, o, 2);
	}
	else if (n - i == 2)
	{
		uint32_t	v = ((uint32_t) in[i] << 16) | ((uint32_t) in[i + 1] << 8);
		char		o[3] = {b64chars[(v >> 18) & 63], b64chars[(v >> 12) & 63],
		b64chars[(v >> 6) & 63]};

		buf_add(b, o, 3);
	}
}

/* ------------------------------------------------------------ values */

/*
 * One generated argument: text (or binary when binary is set) or NULL.
 */
typedef struct Value
{
	bool		isnull;
	bool		binary;
	Buf			b;
} Value;

static const char *const nasty_floats[] = {
	"NaN", "Infinity", "-Infinity", "0", "-0", "-1", "1", "1e308", "-1e308", "1e-308",
	"5e-324", "-5e-324", "0.5", "2.5", "1e6", "1000000", "1e15", "1e18", "9.3e18", "-1e-300",
	"1.7976931348623157e308", "2147483648", "-2147483649", "0.999999999999", "1e-10",
	"1e10", "1e100", "-1e100", "3.5", "-0.5", "1e-5", "1e5", "4503599627370497"
};
static const char *const bad_floats[] = {
	"", "abc", "1e999", "--1", "1.2.3", " ", "0x10", "inf inity", "1e", "nan(1)"
};
static const char *const nasty_ints[] = {
	"0", "-1", "1", "2", "10", "2147483647", "-2147483648", "1000000", "-1000000",
	"100000", "65535", "2147483646", "-2", "1000", "99999999"
};
static const char *const nasty_int8s[] = {
	"9223372036854775807", "-9223372036854775808", "4294967296", "-4294967296",
	"9007199254740993", "1000000000000"
};
static const char *const bad_ints[] = {
	"", "1.5", "abc", "99999999999999999999", "1e3", "- 1"
};
static const char *const nasty_numerics[] = {
	"NaN", "Infinity", "-Infinity", "0", "-0", "0.00", "-0.01", "12.345", "1e17", "1e18",
	"-1e18", "999999999999999999.999999999999", "1000000000000000000", "1e-12", "1e-13",
	"0.0000000000001", "99999999999999999999999", "-99999999999999999999999.5",
	"123456789012345678901234567890.123456789", "1e-1000", "1e300", "5", "-5", "0.5",
	"9223372036854775807", "9223372036854775808", "-9223372036854775809", "0.000000000001"
};
static const char *const nasty_timestamps[] = {
	"infinity", "-infinity", "2024-01-01", "1997-09-30", "4713-01-01 00:00 BC",
	"294276-12-31 23:59:59+00", "2000-01-01", "1900-01-01", "2100-01-01", "1970-01-01",
	"2024-03-31 02:30 Europe/Berlin", "2024-10-27 02:30 Europe/Berlin", "1997-01-01",
	"2024-02-29", "1999-12-31 23:59:59.999999+00", "2099-12-31 23:59:59.999999+00"
};
static const char *const bad_timestamps[] = {
	"", "abc", "2024-13-01", "2024-02-30", "99999999-01-01", "now()"
};
static const char *const nasty_intervals[] = {
	"1 day", "7 days", "1 mon", "3 mons", "1 year", "0", "-1 day", "1 mon 1 day",
	"1 hour", "90 minutes", "178000000 years", "1 microsecond", "2147483647 days",
	"-2147483648 mons", "1 day 00:00:00.000001", "1 day -25 hours", "-1 mon",
	"2147483647 mons", "106751991 days", "106751992 days", "30 days", "1 week",
	"00:00:00.5", "-178000000 years", "1 year 1 hour", "1 mon -30 days"
};
static const char *const bad_intervals[] = {
	"", "abc", "1 fortnight", "1 day 1", "99999999999999 years"
};
static const char *const nasty_texts[] = {
	"", " ", "x", "bgnbd", "pareto_nbd", "mbgnbd", "bgbb", "gamma_gamma", "sbg", "rfm",
	"NULL", "null", "'; DROP TABLE crm.customers; --", "\"quoted\"", "a,b", "(1,2)",
	"{1,2}", "\\", "%s%s%n", "<script>", "\xc3\xa9t\xc3\xa9", "\t\n", "default",
	"champions", "at_risk", "week", "day", "month", "1 day", "purchase", "refund"
};
static const char *const nasty_jsons[] = {
	"{}", "[]", "null", "1", "\"x\"", "{\"a\": 1}", "{\"a\": {\"b\": [1, 2]}}",
	"{bad", "", "{\"a\": NaN}"
};

static void gen_value(TypeInfo *t, const char *argname, Value *v, int depth);

static void
gen_float(const char *argname, Buf *b)
{
	int			r = (int) rnd(100);

	if (r < 30)
		buf_puts(b, PICK(nasty_floats));
	else if (r < 33)
		buf_puts(b, PICK(bad_floats));
	else if (r < 60)
		buf_printf(b, "%d", (int) rnd(25));
	else if (r < 80)
		buf_printf(b, "%.6g", unif(0, 60));
	else if (r < 93)
		buf_printf(b, "%.17g", exp(unif(-25, 25)));
	else
		buf_printf(b, "%.17g", -exp(unif(-25, 25)));
	(void) argname;
}

static void
gen_int(Kind k, Buf *b)
{
	int			r = (int) rnd(100);

	if (r < 25)
		buf_puts(b, PICK(nasty_ints));
	else if (r < 28)
		buf_puts(b, PICK(bad_ints));
	else if (r < 32 && k == K_INT8)
		buf_puts(b, PICK(nasty_int8s));
	else if (r < 80)
		buf_printf(b, "%d", (int) rnd(30));
	else
		buf_printf(b, "%d", (int) rnd(2000) - 100);
	if (k == K_INT2 && b->len > 6)
	{
		buf_reset(b);
		buf_puts(b, "32767");
	}
}

static void
gen_numeric(Buf *b)
{
	int			r = (int) rnd(100);

	if (r < 30)
		buf_puts(b, PICK(nasty_numerics));
	else if (r < 33)
		buf_puts(b, PICK(bad_floats));
	else if (r < 80)
		buf_printf(b, "%d.%02d", (int) rnd(500), (int) rnd(100));
	else if (r < 90)
		buf_printf(b, "-%d.%02d", (int) rnd(100), (int) rnd(100));
	else
		buf_printf(b, "%.17g", exp(unif(-30, 45)));
}

static void
gen_timestamp(Buf *b)
{
	int			r = (int) rnd(100);

	if (r < 25)
		buf_puts(b, PICK(nasty_timestamps));
	else if (r < 28)
		buf_puts(b, PICK(bad_timestamps));
	else
		buf_printf(b, "%04d-%02d-%02d %02d:%02d:%02d+00", 1995 + (int) rnd(35), 1 + (int) rnd(12),
				   1 + (int) rnd(28), (int) rnd(24), (int) rnd(60), (int) rnd(60));
}

static void
gen_interval(Buf *b)
{
	int			r = (int) rnd(100);

	if (r < 40)
		buf_puts(b, PICK(nasty_intervals));
	else if (r < 43)
		buf_puts(b, PICK(bad_intervals));
	else if (r < 75)
		buf_printf(b, "%d days", 1 + (int) rnd(30));
	else if (r < 90)
		buf_printf(b, "%d mons", 1 + (int) rnd(12));
	else
		buf_printf(b, "%d hours", 1 + (int) rnd(72));
}

static void
gen_text(Buf *b)
{
	int			r = (int) rnd(100);

	if (r < 70)
		buf_puts(b, PICK(nasty_texts));
	else if (r < 72)
	{
		/* a long string */
		int			n = 1000 + (int) rnd(20000);
		int			i;

		for (i = 0; i < n; i++)
			buf_add(b, "abcdefgh" + (i % 8), 1);
	}
	else
	{
		int			n = (int) rnd(12);
		int			i;

		for (i = 0; i < n; i++)
		{
			char		c = (char) (32 + rnd(95));

			buf_add(b, &c, 1);
		}
	}
}

/* Write one element of an array literal, quoted. */
static void
array_elem(Buf *b, TypeInfo *elem, int depth)
{
	Value		v = {0};
	size_t		i;

	gen_value(elem, "", &v, depth + 1);
	if (v.isnull || v.binary)
		buf_puts(b, "NULL");
	else
	{
		buf_puts(b, "\"");
		for (i = 0; i < v.b.len; i++)
		{
			if (v.b.s[i] == '"' || v.b.s[i] == '\\')
				buf_puts(b, "\\");
			buf_add(b, &v.b.s[i], 1);
		}
		buf_puts(b, "\"");
	}
	free(v.b.s);
}

static void
gen_array(TypeInfo *t, Buf *b, int depth)
{
	int			r = (int) rnd(100);
	int			n,
				i;

	if (r < 8)
	{
		static const char *const bad[] = {
			"{", "{1,", "1,2", "{{1,2},{3}}", "{1,2}}", "", "{NULL}", "[0:1]={1,2}",
			"[5:5]={3}", "{{1,2},{3,4}}", "{}", "{{}}", "[1:2][1:2]={{1,2},{3,4}}"
		};

		buf_puts(b, PICK(bad));
		return;
	}
	if (r < 12)
	{
		/* two dimensions */
		int			d1 = 1 + (int) rnd(3),
					d2 = 1 + (int) rnd(4),
					j;

		buf_puts(b, "{");
		for (i = 0; i < d1; i++)
		{
			buf_puts(b, i ? ",{" : "{");
			for (j = 0; j < d2; j++)
			{
				if (j)
					buf_puts(b, ",");
				array_elem(b, t->elem, depth);
			}
			buf_puts(b, "}");
		}
		buf_puts(b, "}");
		return;
	}
	n = chance(0.9) ? (int) rnd(7) : (int) rnd(200);
	if (r < 16 && n > 0)
	{
		/* explicit bounds that do not start at 1 */
		int			lo = (int) rnd(5) - 2;

		buf_printf(b, "[%d:%d]=", lo, lo + n - 1);
	}
	buf_puts(b, "{");
	for (i = 0; i < n; i++)
	{
		if (i)
			buf_puts(b, ",");
		array_elem(b, t->elem, depth);
	}
	buf_puts(b, "}");
}

/* Write a composite literal field, quoted when needed. */
static void
composite_field(Buf *b, const Value *v)
{
	size_t		i;

	if (v->isnull || v->binary)
		return;					/* empty field = NULL */
	buf_puts(b, "\"");
	for (i = 0; i < v->b.len; i++)
	{
		if (v->b.s[i] == '"' || v->b.s[i] == '\\')
			buf_add(b, &v->b.s[i], 1);
		buf_add(b, &v->b.s[i], 1);
	}
	buf_puts(b, "\"");
}

/* A plausible model parameter (or other float field). */
static void
good_float(Buf *b)
{
	static const char *const good[] = {"0.243", "4.41", "0.793", "2.43", "0.55", "10.58",
	"0.61", "11.67", "1.2", "0.75", "6.25", "3.74", "15.44", "1", "2", "0.5", "1.5"};

	if (chance(0.6))
		buf_puts(b, PICK(good));
	else
		buf_printf(b, "%.6g", exp(unif(-3, 3)));
}

static void
gen_composite(TypeInfo *t, Buf *b, int depth)
{
	int			r = (int) rnd(100);
	int			i;

	if (r < 4)
	{
		static const char *const bad[] = {
			"(", ")", "()", "(,)", "((1,2))", "(1,2", "abc", "", "(1,2,3,4,5,6,7,8,9,10,11,12,13)",
			"(\"1\"", "(1)x"
		};

		buf_puts(b, PICK(bad));
		return;
	}
	if (t->corpus.n > 0 && r < 50)
	{
		/* a value seen in a result, perhaps with fields replaced */
		const char *src = t->corpus.v[rnd((uint32_t) t->corpus.n)];

		if (chance(0.4) || src[0] != '(')
		{
			buf_puts(b, src);
			return;
		}
		else
		{
			/* split on commas (model composites have no quoted fields) */
			char	   *copy = xstrdup(src + 1);
			char	   *fields[64];
			int			nf = 0;
			char	   *p = copy;
			size_t		l = strlen(copy);

			if (l > 0 && copy[l - 1] == ')')
				copy[l - 1] = '\0';
			while (p != NULL && nf < 64)
			{
				char	   *c = strchr(p, ',');

				if (c)
					*c = '\0';
				fields[nf++] = p;
				p = c ? c + 1 : NULL;
			}
			{
				int			victim = (int) rnd((uint32_t) nf);
				int			op = (int) rnd(10);
				bool		first = true;

				buf_puts(b, "(");
				for (i = 0; i < nf; i++)
				{
					if (op == 8 && i == victim)
						continue;	/* drop a field */
					if (!first)
						buf_puts(b, ",");
					first = false;
					if (i == victim && op < 2)
						continue;	/* NULL field */
					if (i == victim && op < 8 && i < t->natts)
					{
						Value		v = {0};

						gen_value(t->atts[i], "", &v, depth + 1);
						composite_field(b, &v);
						free(v.b.s);
					}
					else
						buf_puts(b, fields[i]);
				}
				if (op == 9)
					buf_puts(b, ",1");	/* an extra field */
				buf_puts(b, ")");
			}
			free(copy);
			return;
		}
	}
	buf_puts(b, "(");
	for (i = 0; i < t->natts; i++)
	{
		if (i)
			buf_puts(b, ",");
		if (t->atts[i]->kind == K_FLOAT && chance(0.8))
			good_float(b);
		else if (chance(0.15))
			continue;			/* NULL */
		else
		{
			Value		v = {0};

			gen_value(t->atts[i], "", &v, depth + 1);
			composite_field(b, &v);
			free(v.b.s);
		}
	}
	buf_puts(b, ")");
}

/* Mutate the bytes of an encoded state. */
static size_t
mutate_bytes(unsigned char *p, size_t n, size_t cap)
{
	int			nm = 1 + (int) rnd(3);
	int			m;

	for (m = 0; m < nm; m++)
	{
		int			op = (int) rnd(11);

		switch (op)
		{
			case 0:				/* truncate */
				n = n ? rnd((uint32_t) n) : 0;
				break;
			case 1:				/* flip a bit */
				if (n)
					p[rnd((uint32_t) n)] ^= (unsigned char) (1u << rnd(8));
				break;
			case 2:				/* version byte */
				if (n)
					p[0] = (unsigned char) PICK(((const int[]) {0, 2, 3, 255, 1}));
				break;
			case 3:				/* tag / kind / count bytes */
				if (n > 3)
					p[1 + rnd(3)] = (unsigned char) rnd(256);
				break;
			case 4:				/* a random byte */
				if (n)
					p[rnd((uint32_t) n)] = (unsigned char) rnd(256);
				break;
			case 5:				/* 8 bytes: a nasty double or integer */
				if (n >= 8)
				{
					static const uint64_t pats[] = {
						UINT64_C(0x7ff8000000000000), UINT64_C(0x7ff0000000000000),
						UINT64_C(0xfff0000000000000), UINT64_C(0x8000000000000000),
						UINT64_C(0xffffffffffffffff), UINT64_C(0x0000000000000001),
						UINT64_C(0x7fffffffffffffff), UINT64_C(0x00000000ffffffff),
						UINT64_C(0x7fefffffffffffff), UINT64_C(0xbff0000000000000)
					};
					uint64_t	v = PICK(pats);
					size_t		off = rnd((uint32_t) (n - 7));
					int			i;

					for (i = 0; i < 8; i++)
						p[off + i] = (unsigned char) (v >> (8 * i));
				}
				break;
			case 6:				/* append garbage */
				{
					int			k = 1 + (int) rnd(48);

					while (k-- > 0 && n < cap)
						p[n++] = (unsigned char) rnd(256);
				}
				break;
			case 7:				/* duplicate a tail block (repeated entries) */
				if (n > 40 && n + 40 <= cap)
				{
					memcpy(p + n, p + n - 40, 40);
					n += 40;
				}
				break;
			case 8:				/* zero a run */
				if (n)
				{
					size_t		off = rnd((uint32_t) n);
					size_t		k = 1 + rnd(16);

					memset(p + off, 0, off + k > n ? n - off : k);
				}
				break;
			case 9:				/* 0xff run (varints that never end) */
				if (n)
				{
					size_t		off = rnd((uint32_t) n);
					size_t		k = 1 + rnd(12);

					memset(p + off, 0xff, off + k > n ? n - off : k);
				}
				break;
			default:			/* swap two bytes */
				if (n > 1)
				{
					size_t		a = rnd((uint32_t) n),
								c = rnd((uint32_t) n);
					unsigned char tmp = p[a];

					p[a] = p[c];
					p[c] = tmp;
				}
				break;
		}
	}
	return n;
}

/* A value of one of the extension's base types (prefix:base64url text). */
static void
gen_ownbase(TypeInfo *t, Value *v)
{
	Buf		   *b = &v->b;
	int			r = (int) rnd(100);
	const char *src = t->corpus.n > 0 ? t->corpus.v[rnd((uint32_t) t->corpus.n)] : NULL;
	const char *colon = src ? strchr(src, ':') : NULL;

	if (src == NULL || r < 6)
	{
		static const char *const bad[] = {
			"", "fitstate", "fitstate:", "fitstate:A", "fitstate:AA", "fitstate:AAA",
			"fitstate:AAAA", "fitstate:!!!!", "fitstate:AQ==", "fitstate:AR", "state:AQID",
			"FITSTATE:AQID", "fitstate: AQID", "fitstate:AQID ", "rfm:AQID", ":",
			"fitstate:AQE", "fitstate:AUY"
		};

		buf_puts(b, PICK(bad));
		return;
	}
	if (r < 35 || colon == NULL)
	{
		buf_puts(b, src);
		return;
	}
	else
	{
		unsigned char bytes[8192];
		long		n = b64_decode(colon + 1, bytes, sizeof(bytes) - 256);

		if (n < 0)
		{
			buf_puts(b, src);
			return;
		}
		n = (long) mutate_bytes(bytes, (size_t) n, sizeof(bytes));
		if (r < 45)
		{
			/* binary input: the receive function */
			v->binary = true;
			buf_add(b, (const char *) bytes, (size_t) n);
			return;
		}
		buf_add(b, src, (size_t) (colon - src + 1));
		b64_encode(b, bytes, (size_t) n);
		if (r < 48)
			buf_puts(b, PICK(((const char *const[]) {"B", "BB", "=", "*", "_"})));
	}
}

/* Generate an argument value of type t. */
static void
gen_value(TypeInfo *t, const char *argname, Value *v, int depth)
{
	Buf		   *b = &v->b;

	buf_reset(b);
	v->binary = false;
	v->isnull = chance(depth > 0 ? 0.05 : 0.07);
	if (v->isnull)
		return;
	if (depth > 3)
	{
		buf_puts(b, "1");
		return;
	}
	/* sometimes reuse a value a function returned */
	if (t->corpus.n > 0 && t->kind != K_COMPOSITE && t->kind != K_OWNBASE && chance(0.1))
	{
		buf_puts(b, t->corpus.v[rnd((uint32_t) t->corpus.n)]);
		return;
	}
	switch (t->kind)
	{
		case K_FLOAT:
			gen_float(argname, b);
			break;
		case K_INT2:
		case K_INT4:
		case K_INT8:
			gen_int(t->kind, b);
			break;
		case K_NUMERIC:
			gen_numeric(b);
			break;
		case K_BOOL:
			buf_puts(b, chance(0.03) ? PICK(((const char *const[]) {"maybe", "", "2"}))
					 : (chance(0.5) ? "t" : "f"));
			break;
		case K_TIMESTAMPTZ:
		case K_TIMESTAMP:
		case K_DATE:
			gen_timestamp(b);
			break;
		case K_INTERVAL:
			gen_interval(b);
			break;
		case K_TEXT:
		case K_CSTRING:
			gen_text(b);
			break;
		case K_JSON:
			buf_puts(b, PICK(nasty_jsons));
			break;
		case K_BYTEA:
			if (chance(0.5))
				buf_puts(b, PICK(((const char *const[]) {"", "\\x", "\\x00", "\\x01524600", "\\xzz"})));
			else
			{
				int			n = (int) rnd(64),
							i;

				buf_puts(b, "\\x");
				for (i = 0; i < n; i++)
					buf_printf(b, "%02x", (unsigned) rnd(256));
			}
			break;
		case K_ENUM:
			if (chance(0.9) && t->nlabels > 0)
				buf_puts(b, t->labels[rnd((uint32_t) t->nlabels)]);
			else
				buf_puts(b, PICK(((const char *const[]) {"", "PURCHASE", "nope", "purchase "})));
			break;
		case K_ARRAY:
			gen_array(t, b, depth);
			break;
		case K_COMPOSITE:
			gen_composite(t, b, depth);
			break;
		case K_OWNBASE:
			gen_ownbase(t, v);
			break;
		case K_POLY:
		case K_OTHER:
			gen_text(b);
			break;
	}
}

/* ------------------------------------------------------------ calls */

/*
 * A call shape: how many arguments are passed (defaults left out), for
 * aggregates how many rows and groups, and for polymorphic functions the
 * concrete type of each argument.
 */
typedef struct Shape
{
	int			nargs;
	int			nrows;
	int			ngroups;
	TypeInfo   *types[MAX_ARGS];
	char		name[32];		/* prepared statement name */
	bool		prepared;
	int			nparams;
	unsigned int paramtypes[MAX_ARGS * MAX_ROWS];
} Shape;

typedef struct Plan
{
	FuncInfo   *f;
	int			nshapes;
	Shape		shapes[MAX_SHAPES];
} Plan;

static Plan *plans;

/* One call, kept until its result is read (and for replays). */
typedef struct Call
{
	Plan	   *plan;
	Shape	   *shape;
	int			nparams;
	Value		vals[MAX_ARGS * MAX_ROWS];
} Call;

/* Resolve the concrete type for a polymorphic argument. */
static TypeInfo *
resolve_poly(TypeInfo *t)
{
	if (t->kind != K_POLY)
		return t;
	if (strcmp(t->name, "anyarray") == 0 || strcmp(t->name, "anycompatiblearray") == 0)
		return type_get(1022);	/* float8[] */
	if (ncrm_composites > 0 && chance(0.85))
		return crm_composites[rnd((uint32_t) ncrm_composites)];
	return type_get(701);		/* float8 */
}

static void
build_sql(FuncInfo *f, Shape *s, Buf *sql)
{
	int			i,
				r,
				p = 1;

	buf_reset(sql);
	if (f->prokind == 'a')
	{
		buf_printf(sql, "SELECT %s(", f->qname);
		for (i = 0; i < s->nargs; i++)
			buf_printf(sql, "%sa%d", i ? ", " : "", i);
		buf_puts(sql, ") FROM (VALUES ");
		for (r = 0; r < (s->nrows ? s->nrows : 1); r++)
		{
			buf_puts(sql, r ? ", (" : "(");
			buf_printf(sql, "%d", s->ngroups > 1 ? r % s->ngroups : 0);
			for (i = 0; i < s->nargs; i++)
			{
				buf_printf(sql, ", $%d::%s", p, s->types[i]->name);
				s->paramtypes[p - 1] = s->types[i]->oid;
				p++;
			}
			buf_puts(sql, ")");
		}
		buf_puts(sql, ") v(g");
		for (i = 0; i < s->nargs; i++)
			buf_printf(sql, ", a%d", i);
		buf_puts(sql, ")");
		if (s->nrows == 0)
			buf_puts(sql, " WHERE false");
		if (s->ngroups > 1)
			buf_puts(sql, " GROUP BY g");
	}
	else
	{
		if (f->retset)
			buf_printf(sql, "SELECT pg_catalog.count(*) FROM (SELECT %s(", f->qname);
		else
			buf_printf(sql, "SELECT %s(", f->qname);
		for (i = 0; i < s->nargs; i++)
		{
			buf_printf(sql, "%s$%d::%s", i ? ", " : "", p, s->types[i]->name);
			s->paramtypes[p - 1] = s->types[i]->oid;
			p++;
		}
		buf_puts(sql, f->retset ? ") LIMIT 20) s" : ")");
	}
	s->nparams = p - 1;
}

/* Build the call shapes of every function. */
static void
make_plans(void)
{
	int			i,
				k;

	plans = xmalloc(sizeof(Plan) * (nfuncs + 1));
	for (i = 0; i < nfuncs; i++)
	{
		FuncInfo   *f = &funcs[i];
		Plan	   *pl = &plans[i];
		int			minargs = f->nargs - f->ndefaults;

		pl->f = f;
		for (k = 0; k < MAX_SHAPES; k++)
		{
			Shape	   *s = &pl->shapes[k];
			int			j;

			s->nargs = f->nargs;
			if (f->ndefaults > 0 && k % 3 == 1)
				s->nargs = minargs + (int) rnd((uint32_t) f->ndefaults);
			s->nrows = 1;
			s->ngroups = 1;
			if (f->prokind == 'a')
			{
				static const int rows[] = {0, 1, 1, 2, 3, 3, 4, 6};

				s->nrows = rows[k % 8];
				s->ngroups = (k / 8) % 3 == 2 && s->nrows > 1 ? 2 : 1;
			}
			for (j = 0; j < s->nargs; j++)
				s->types[j] = resolve_poly(f->args[j]);
			snprintf(s->name, sizeof(s->name), "f%d_%d", i, k);
			{
				Buf			sql = {0};

				build_sql(f, s, &sql);	/* sets nparams and paramtypes */
				free(sql.s);
			}
			pl->nshapes++;
			if (!f->poly && f->prokind != 'a' && f->ndefaults == 0)
				break;			/* one shape is all there is */
		}
	}
}

/* Fill the parameters of a call. */
static void
gen_call(Call *c, Plan *pl)
{
	Shape	   *s = &pl->shapes[rnd((uint32_t) pl->nshapes)];
	FuncInfo   *f = pl->f;
	int			rows = (f->prokind == 'a') ? (s->nrows ? s->nrows : 1) : 1;
	int			i,
				r;

	c->plan = pl;
	c->shape = s;
	c->nparams = s->nparams;
	for (i = 0; i < s->nargs; i++)
	{
		/* an aggregate argument is constant over the rows half of the time */
		bool		constant = f->prokind == 'a' && i > 0 && chance(0.5);

		for (r = 0; r < rows; r++)
		{
			Value	   *v = &c->vals[r * s->nargs + i];

			if (constant && r > 0)
			{
				Value	   *first = &c->vals[i];

				buf_reset(&v->b);
				v->isnull = first->isnull;
				v->binary = first->binary;
				buf_add(&v->b, first->b.s ? first->b.s : "", first->b.len);
			}
			else
				gen_value(s->types[i], f->argnames[i], v, 0);
		}
	}
}

/* ------------------------------------------------------------ outcomes */

typedef struct Stats
{
	long		calls;
	long		ok;
	long		nulls;
	long		errors;
	long		unexpected;
	long		nan;
	long		crashes;
	long		timeouts;
	int			nstates;
	char		states[64][8];
	long		state_count[64];
} Stats;

static Stats stats;
static int	examples_printed = 0;

static void
describe_call(FILE *out, const Call *c)
{
	int			i;

	fprintf(out, "    %s  [%s]\n", c->plan->f->sig,
			c->plan->f->prokind == 'a' ? "aggregate" : "function");
	for (i = 0; i < c->nparams; i++)
	{
		const Value *v = &c->vals[i];

		if (v->isnull)
			fprintf(out, "      $%d = NULL\n", i + 1);
		else if (v->binary)
		{
			size_t		j;

			fprintf(out, "      $%d = binary '\\x", i + 1);
			for (j = 0; j < v->b.len && j < 512; j++)
				fprintf(out, "%02x", (unsigned char) v->b.s[j]);
			fprintf(out, "'\n");
		}
		else
			fprintf(out, "      $%d = '%.*s'%s\n", i + 1, (int) (v->b.len > 300 ? 300 : v->b.len),
					v->b.s ? v->b.s : "", v->b.len > 300 ? "..." : "");
	}
}

static bool
sqlstate_expected(const FuncInfo *f, const char *st)
{
	if (st == NULL || strlen(st) != 5)
		return false;
	if (strncmp(st, "22", 2) == 0 || strcmp(st, "0A000") == 0 || strcmp(st, "55000") == 0 ||
		strncmp(st, "53", 2) == 0 || strncmp(st, "54", 2) == 0 || strcmp(st, "57014") == 0 ||
		strcmp(st, "42804") == 0)
		return true;
	/* writers may refuse with integrity errors (unique_violation ...) */
	if (f->volatility == 'v' && strncmp(st, "23", 2) == 0)
		return true;
	/*
	 * a polymorphic function given a type it has no implementation for (the
	 * fuzzer tries every composite type of ours)
	 */
	if (f->poly && strcmp(st, "42883") == 0)
		return true;
	return false;
}

static void
count_state(const char *st)
{
	int			i;

	for (i = 0; i < stats.nstates; i++)
		if (strcmp(stats.states[i], st) == 0)
		{
			stats.state_count[i]++;
			return;
		}
	if (stats.nstates < 64)
	{
		snprintf(stats.states[stats.nstates], 8, "%s", st);
		stats.state_count[stats.nstates++] = 1;
	}
}

/* Does a result text hold a NaN (a float result, or inside a composite)? */
static bool
has_nan(const FuncInfo *f, const char *txt)
{
	const char *p = txt;

	if (f->retset || f->ret->kind == K_TEXT || f->ret->kind == K_JSON || f->ret->kind == K_CSTRING)
		return false;
	while ((p = strstr(p, "NaN")) != NULL)
	{
		bool		left = (p == txt || p[-1] == '(' || p[-1] == ',' || p[-1] == '{' || p[-1] == '"');
		char		r = p[3];

		if (left && (r == '\0' || r == ')' || r == ',' || r == '}' || r == '"'))
			return true;
		p += 3;
	}
	return false;
}

/* Record the outcome of one call. */
static void
record_result(const Call *c, PGresult *res)
{
	FuncInfo   *f = c->plan->f;
	ExecStatusType est = PQresultStatus(res);

	stats.calls++;
	f->calls++;
	if (est == PGRES_TUPLES_OK)
	{
		if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0))
		{
			stats.nulls++;
			f->nulls++;
			return;
		}
		stats.ok++;
		f->ok++;
		{
			const char *txt = PQgetvalue(res, 0, 0);

			/*
			 * crm.customer_equity sums like sum(float8): NaN in, NaN out
			 * (documented); anything else returning NaN is a finding
			 */
			if (has_nan(f, txt) && strcmp(f->qname, "crm.customer_equity") != 0)
			{
				stats.nan++;
				f->nan++;
				if (examples_printed < MAX_EXAMPLES)
				{
					examples_printed++;
					fprintf(stdout, "# NaN result: %.200s\n", txt);
					describe_call(stdout, c);
				}
			}
			/* learn the values functions return */
			if (!f->retset && PQntuples(res) == 1 && f->ret->kind != K_OTHER)
				corpus_add(&f->ret->corpus, txt);
		}
		return;
	}
	if (est == PGRES_FATAL_ERROR)
	{
		const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		stats.errors++;
		f->errors++;
		count_state(st ? st : "?????");
		if (st && strcmp(st, "57014") == 0)
		{
			stats.timeouts++;
			if (verbose)
			{
				fprintf(stdout, "# statement timeout:\n");
				describe_call(stdout, c);
			}
		}
		if (!sqlstate_expected(f, st))
		{
			stats.unexpected++;
			f->unexpected++;
			if (examples_printed < MAX_EXAMPLES * 2)
			{
				examples_printed++;
				fprintf(stdout, "# unexpected error %s: %s", st ? st : "(none)",
						PQresultErrorMessage(res));
				describe_call(stdout, c);
			}
		}
		else if (verbose && rnd(2000) == 0)
		{
			fprintf(stdout, "# sample error %s: %s", st, PQresultErrorMessage(res));
			describe_call(stdout, c);
		}
		return;
	}
	stats.unexpected++;
	f->unexpected++;
	fprintf(stdout, "# unexpected result status %s\n", PQresStatus(est));
	describe_call(stdout, c);
}

/* ------------------------------------------------------------ connection */

static void
session_setup(void)
{
	char		sql[256];
	PGresult   *r;

	r = exec_ok("SET search_path = pg_catalog");
	PQclear(r);
	r = exec_ok("SET client_min_messages = error");
	PQclear(r);
	snprintf(sql, sizeof(sql), "SET statement_timeout = %d", timeout_ms);
	r = exec_ok(sql);
	PQclear(r);
	r = exec_ok("SET max_parallel_workers_per_gather = 0");
	PQclear(r);
}

static bool
connect_db(int wait_seconds)
{
	double		until = now_seconds() + wait_seconds;

	for (;;)
	{
		if (conn)
			PQfinish(conn);
		conn = PQconnectdb("");
		if (PQstatus(conn) == CONNECTION_OK)
		{
			session_setup();
			return true;
		}
		if (now_seconds() > until)
			return false;
		usleep(200000);
	}
}

/* Prepare a shape on the current connection (after a reconnect too). */
static void
prepare_shape(FuncInfo *f, Shape *s)
{
	Buf			sql = {0};
	PGresult   *r;

	build_sql(f, s, &sql);
	r = PQprepare(conn, s->name, sql.s, s->nparams, s->paramtypes);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die("cannot prepare %s: %s\n%s", f->sig, PQerrorMessage(conn), sql.s);
	PQclear(r);
	free(sql.s);
	s->prepared = true;
}

static void
unprepare_all(void)
{
	int			i,
				k;

	for (i = 0; i < nfuncs; i++)
		for (k = 0; k < plans[i].nshapes; k++)
			plans[i].shapes[k].prepared = false;
}

/* Send one call (pipeline mode or not). */
static bool
send_call(Call *c)
{
	const char *vals[MAX_ARGS * MAX_ROWS];
	int			lens[MAX_ARGS * MAX_ROWS];
	int			fmts[MAX_ARGS * MAX_ROWS];
	int			i;

	for (i = 0; i < c->nparams; i++)
	{
		vals[i] = c->vals[i].isnull ? NULL : (c->vals[i].b.s ? c->vals[i].b.s : "");
		lens[i] = (int) c->vals[i].b.len;
		fmts[i] = c->vals[i].binary ? 1 : 0;
	}
	return PQsendQueryPrepared(conn, c->shape->name, c->nparams, vals, lens, fmts, 0) == 1;
}

static bool
connection_lost(void)
{
	return PQstatus(conn) != CONNECTION_OK;
}

/*
 * Run a VOLATILE function's call inside a transaction that is rolled back
 * (synchronously, outside pipeline mode).  Returns false when the
 * connection was lost.
 */
static bool
run_volatile(Call *c)
{
	PGresult   *r;
	const char *vals[MAX_ARGS * MAX_ROWS];
	int			lens[MAX_ARGS * MAX_ROWS];
	int			fmts[MAX_ARGS * MAX_ROWS];
	int			i;

	r = PQexec(conn, "BEGIN");
	PQclear(r);
	if (connection_lost())
		return false;
	/* writers asked for 2^31 rows would only burn the time of the pass */
	r = PQexec(conn, "SET LOCAL statement_timeout = 1000");
	PQclear(r);
	for (i = 0; i < c->nparams; i++)
	{
		vals[i] = c->vals[i].isnull ? NULL : (c->vals[i].b.s ? c->vals[i].b.s : "");
		lens[i] = (int) c->vals[i].b.len;
		fmts[i] = c->vals[i].binary ? 1 : 0;
	}
	r = PQexecPrepared(conn, c->shape->name, c->nparams, vals, lens, fmts, 0);
	if (connection_lost())
	{
		PQclear(r);
		return false;
	}
	record_result(c, r);
	PQclear(r);
	r = PQexec(conn, "ROLLBACK");
	PQclear(r);
	return !connection_lost();
}

/* Replay a batch one call at a time to find the one that kills the backend. */
static void
replay_batch(Call *batch, int n)
{
	int			i;

	fprintf(stdout, "# CRASH: the connection was lost; replaying %d calls one by one\n", n);
	fflush(stdout);
	for (i = 0; i < n; i++)
	{
		PGresult   *r;
		const char *vals[MAX_ARGS * MAX_ROWS];
		int			lens[MAX_ARGS * MAX_ROWS];
		int			fmts[MAX_ARGS * MAX_ROWS];
		int			j;
		Call	   *c = &batch[i];

		if (!connect_db(60))
			die("server did not come back after a crash");
		unprepare_all();
		prepare_shape(c->plan->f, c->shape);
		for (j = 0; j < c->nparams; j++)
		{
			vals[j] = c->vals[j].isnull ? NULL : (c->vals[j].b.s ? c->vals[j].b.s : "");
			lens[j] = (int) c->vals[j].b.len;
			fmts[j] = c->vals[j].binary ? 1 : 0;
		}
		r = PQexecPrepared(conn, c->shape->name, c->nparams, vals, lens, fmts, 0);
		PQclear(r);
		if (connection_lost())
		{
			stats.crashes++;
			c->plan->f->crashes++;
			fprintf(stdout, "# CRASH reproduced by:\n");
			describe_call(stdout, c);
			fflush(stdout);
			return;
		}
	}
	stats.crashes++;
	fprintf(stdout, "# CRASH not reproduced by a single call of the batch (another session's crash?)\n");
}

/* ------------------------------------------------------------ worker */

/* Calls per function: writers are slow and few; everything else alike. */
static double
func_weight(const FuncInfo *f)
{
	if (f->volatility == 'v')
		return 0.0;				/* a fixed small number, see run_worker */
	if (f->prokind == 'a')
		return 1.5;
	return 1.0;
}

static void
run_worker(int worker, int nworkers, long ncalls, uint64_t seed, int batch)
{
	double		wsum = 0;
	long	   *quota;
	long		total = 0;
	int			i;
	Call	   *calls = xmalloc(sizeof(Call) * batch);
	int			nvol = 0;
	double		t0 = now_seconds();

	rng_state = seed * UINT64_C(0x100000001B3) + (uint64_t) worker * UINT64_C(0x9E3779B97F4A7C15) + 1;
	if (!connect_db(10))
		die("cannot connect: %s", PQerrorMessage(conn));
	load_functions();
	make_plans();

	/* each worker's share, per function */
	quota = xmalloc(sizeof(long) * (nfuncs + 1));
	for (i = 0; i < nfuncs; i++)
		wsum += func_weight(&funcs[i]);
	for (i = 0; i < nfuncs; i++)
	{
		if (funcs[i].volatility == 'v')
		{
			quota[i] = 40 / nworkers + 1;
			nvol++;
		}
		else
			quota[i] = (long) (ncalls / nworkers * func_weight(&funcs[i]) / (wsum > 0 ? wsum : 1)) + 1;
		total += quota[i];
	}
	if (worker == 0)
	{
		int			nagg = 0;

		for (i = 0; i < nfuncs; i++)
			nagg += funcs[i].prokind == 'a';
		fprintf(stdout, "# sqlfuzz: %d callable functions (%d aggregates, %d volatile), %d types; "
				"%d workers, seed %" PRIu64 "\n", nfuncs, nagg, nvol, ntypes, nworkers, seed);
		fflush(stdout);
	}

	/* the volatile writers first, one at a time inside rolled-back transactions */
	for (i = 0; i < nfuncs; i++)
		while (funcs[i].volatility == 'v' && quota[i] > 0)
		{
			Call	   *c = &calls[0];

			quota[i]--;
			total--;
			gen_call(c, &plans[i]);
			if (!c->shape->prepared)
				prepare_shape(c->plan->f, c->shape);
			if (!run_volatile(c))
			{
				replay_batch(c, 1);
				unprepare_all();
			}
		}

	/* the rest: pipelined batches, functions drawn in proportion to their quota */
	while (total > 0)
	{
		int			n = 0,
					k;
		bool		lost = false;

		/* prepare outside pipeline mode */
		while (n < batch && total > 0)
		{
			long		pick = (long) (rng_next() % (uint64_t) total);
			Plan	   *pl = NULL;

			for (i = 0; i < nfuncs; i++)
			{
				if (pick < quota[i])
				{
					pl = &plans[i];
					break;
				}
				pick -= quota[i];
			}
			if (pl == NULL)
				break;
			quota[i]--;
			total--;
			gen_call(&calls[n], pl);
			if (!calls[n].shape->prepared)
				prepare_shape(pl->f, calls[n].shape);
			n++;
		}
		if (PQenterPipelineMode(conn) != 1)
			die("cannot enter pipeline mode: %s", PQerrorMessage(conn));
		for (k = 0; k < n && !lost; k++)
		{
			if (!send_call(&calls[k]) || PQpipelineSync(conn) != 1)
				lost = true;
		}
		/* read every result */
		for (k = 0; k < n && !lost; k++)
		{
			PGresult   *r;
			bool		got = false;

			while ((r = PQgetResult(conn)) != NULL)
			{
				if (!got)
				{
					if (PQresultStatus(r) == PGRES_FATAL_ERROR && connection_lost())
					{
						lost = true;
						PQclear(r);
						break;
					}
					record_result(&calls[k], r);
					got = true;
				}
				PQclear(r);
			}
			if (lost)
				break;
			r = PQgetResult(conn);	/* the Sync */
			if (r == NULL || PQresultStatus(r) != PGRES_PIPELINE_SYNC)
			{
				if (connection_lost())
					lost = true;
				else
					die("pipeline out of step: %s", r ? PQresStatus(PQresultStatus(r)) : "no result");
			}
			PQclear(r);
		}
		if (lost || connection_lost())
		{
			replay_batch(&calls[k < n ? k : 0], n - (k < n ? k : 0));
			unprepare_all();
			if (stats.crashes >= 5)
			{
				fprintf(stdout, "# too many crashes, stopping\n");
				break;
			}
			continue;
		}
		if (PQexitPipelineMode(conn) != 1)
			die("cannot leave pipeline mode: %s", PQerrorMessage(conn));
	}

	if (verbose)
	{
		for (i = 0; i < nfuncs; i++)
			fprintf(stdout, "# w%d %-90s calls %6ld ok %6ld null %5ld err %6ld nan %ld unexp %ld crash %ld\n",
					worker, funcs[i].sig, funcs[i].calls, funcs[i].ok, funcs[i].nulls,
					funcs[i].errors, funcs[i].nan, funcs[i].unexpected, funcs[i].crashes);
	}
	fprintf(stdout, "# w%d: %ld calls in %.1f s\n", worker, stats.calls, now_seconds() - t0);
	fflush(stdout);
	PQfinish(conn);
}

/* ------------------------------------------------------------ main */

/* The children report their counters through a pipe as one line. */
static void
write_stats(int fd)
{
	char		line[4096];
	int			len,
				i;

	len = snprintf(line, sizeof(line), "%ld %ld %ld %ld %ld %ld %ld %ld %d", stats.calls, stats.ok,
				   stats.nulls, stats.errors, stats.unexpected, stats.nan, stats.crashes,
				   stats.timeouts, stats.nstates);
	for (i = 0; i < stats.nstates; i++)
		len += snprintf(line + len, sizeof(line) - len, " %s %ld", stats.states[i],
						stats.state_count[i]);
	line[len++] = '\n';
	if (write(fd, line, len) != len)
		exit(3);
}

static void
read_stats(FILE *in, Stats *sum)
{
	Stats		s = {0};
	int			i;

	while (fscanf(in, "%ld %ld %ld %ld %ld %ld %ld %ld %d", &s.calls, &s.ok, &s.nulls, &s.errors,
				  &s.unexpected, &s.nan, &s.crashes, &s.timeouts, &s.nstates) == 9)
	{
		sum->calls += s.calls;
		sum->ok += s.ok;
		sum->nulls += s.nulls;
		sum->errors += s.errors;
		sum->unexpected += s.unexpected;
		sum->nan += s.nan;
		sum->crashes += s.crashes;
		sum->timeouts += s.timeouts;
		for (i = 0; i < s.nstates; i++)
		{
			char		st[8];
			long		cnt;
			int			j;

			if (fscanf(in, "%7s %ld", st, &cnt) != 2)
				break;
			for (j = 0; j < sum->nstates; j++)
				if (strcmp(sum->states[j], st) == 0)
					break;
			if (j == sum->nstates && j < 64)
			{
				snprintf(sum->states[j], 8, "%s", st);
				sum->nstates++;
			}
			if (j < 64)
				sum->state_count[j] += cnt;
		}
	}
}

int
main(int argc, char **argv)
{
	long		ncalls = 100000;
	uint64_t	seed = 1;
	int			nworkers = 2;
	int			batch = 64;
	int			opt,
				w,
				i;
	int			fds[2];
	Stats		sum = {0};
	FILE	   *in;
	double		t0 = now_seconds();
	bool		failed_child = false;

	while ((opt = getopt(argc, argv, "n:s:j:t:b:v")) != -1)
	{
		switch (opt)
		{
			case 'n':
				ncalls = atol(optarg);
				break;
			case 's':
				seed = strtoull(optarg, NULL, 10);
				break;
			case 'j':
				nworkers = atoi(optarg);
				break;
			case 't':
				timeout_ms = atoi(optarg);
				break;
			case 'b':
				batch = atoi(optarg);
				break;
			case 'v':
				verbose = true;
				break;
			default:
				fprintf(stderr, "usage: sqlfuzz [-n calls] [-s seed] [-j workers] [-t timeout_ms] [-b batch] [-v]\n");
				return 2;
		}
	}
	if (nworkers < 1 || nworkers > 64 || batch < 1 || batch > 1024)
		die("bad -j or -b");
	if (pipe(fds) != 0)
		die("pipe: %s", strerror(errno));
	fflush(stdout);
	for (w = 0; w < nworkers; w++)
	{
		pid_t		pid = fork();

		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0)
		{
			close(fds[0]);
			run_worker(w, nworkers, ncalls, seed, batch);
			write_stats(fds[1]);
			_exit(0);
		}
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	read_stats(in, &sum);
	for (w = 0; w < nworkers; w++)
	{
		int			status;

		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed_child = true;
	}
	printf("# %ld ok, %ld NULL, %ld errors (%ld statement timeouts), %ld NaN results, in %.1f s (%.0f calls/s)\n",
		   sum.ok, sum.nulls, sum.errors, sum.timeouts, sum.nan, now_seconds() - t0,
		   sum.calls / (now_seconds() - t0));
	printf("# SQLSTATEs:");
	for (i = 0; i < sum.nstates; i++)
		printf(" %s=%ld", sum.states[i], sum.state_count[i]);
	printf("\n");
	if (failed_child)
		printf("# a worker failed (see above)\n");
	printf("sqlfuzz: %ld calls, %ld crashes, %ld unexpected errors, %ld NaN results\n",
		   sum.calls, sum.crashes, sum.unexpected, sum.nan);
	return (sum.crashes == 0 && sum.unexpected == 0 && !failed_child) ? 0 : 1;
}
