/*
 * test_codec.c
 *		Byte writer/reader round trips, bounds checks and the base64url text
 *		form (canonical: one accepted text per byte string).
 */
#include <math.h>
#include <string.h>

#include "unit.h"
#include "codec.h"
#include "crm_core.h"

void		test_codec(void);

static void
roundtrip_scalars(void)
{
	unsigned char buf[64];
	CrmWriter	w;
	CrmReader	r;
	double		nz = -0.0;

	ut_begin("codec: scalar round trip, little-endian layout");
	crm_writer_init(&w, buf, sizeof(buf));
	crm_put_u8(&w, 0xAB);
	crm_put_u32(&w, 0x01020304u);
	crm_put_u64(&w, 0x1122334455667788ull);
	crm_put_i64(&w, -5);
	crm_put_f64(&w, 0.1);
	crm_put_f64(&w, nz);
	ut_ok(!w.overflow && w.pos == 1 + 4 + 8 + 8 + 8 + 8, "writer position %zu", w.pos);
	ut_ok(buf[1] == 0x04 && buf[4] == 0x01, "u32 is little-endian");
	crm_reader_init(&r, buf, w.pos);
	ut_ok(crm_get_u8(&r) == 0xAB, "u8");
	ut_ok(crm_get_u32(&r) == 0x01020304u, "u32");
	ut_ok(crm_get_u64(&r) == 0x1122334455667788ull, "u64");
	ut_ok(crm_get_i64(&r) == -5, "i64");
	ut_ok(crm_get_f64(&r) == 0.1, "f64");
	ut_ok(signbit(crm_get_f64(&r)), "negative zero keeps its sign");
	ut_ok(crm_reader_left(&r) == 0 && !r.error, "all consumed");
	ut_ok(crm_get_u8(&r) == 0 && r.error, "read past end sets error");
	ut_ok(crm_reader_left(&r) == 0, "nothing left after error");
	ut_end();

	ut_begin("codec: writer overflow is flagged, never written");
	crm_writer_init(&w, buf, 6);
	crm_put_u32(&w, 1);
	crm_put_u32(&w, 2);
	ut_ok(w.overflow && w.pos == 4, "overflow flagged at pos %zu", w.pos);
	ut_end();
}

static void
roundtrip_text(void)
{
	unsigned char bytes[300];
	size_t		n;
	int			ok = 1;

	ut_begin("codec: base64url text round trip for lengths 0..299");
	for (n = 0; n < sizeof(bytes); n++)
		bytes[n] = (unsigned char) (n * 37 + 11);
	for (n = 0; n < sizeof(bytes); n++)
	{
		char		text[512];
		unsigned char *back;
		size_t		m;
		CrmStatus	st;

		crm_text_encode("t1", bytes, n, text);
		ok &= ut_ok(strlen(text) == crm_text_encoded_len(2, n), "length for n=%zu", n);
		st = crm_text_decode("t1", text, &back, &m);
		ok &= ut_ok(st == CRM_OK && m == n && (n == 0 || memcmp(back, bytes, n) == 0),
					"round trip n=%zu", n);
		crm_free(back);
	}
	ut_end();

	ut_begin("codec: malformed text is rejected");
	{
		unsigned char *back;
		size_t		m;

		ut_ok(crm_text_decode("t1", "t2:AAAA", &back, &m) == CRM_EDATA, "wrong prefix");
		ut_ok(crm_text_decode("t1", "t1AAAA", &back, &m) == CRM_EDATA, "missing colon");
		ut_ok(crm_text_decode("t1", "t1:AAA=", &back, &m) == CRM_EDATA, "padding char");
		ut_ok(crm_text_decode("t1", "t1:A", &back, &m) == CRM_EDATA, "impossible length");
		ut_ok(crm_text_decode("t1", "t1:AB", &back, &m) == CRM_EDATA, "non-zero pad bits");
		ut_ok(crm_text_decode("t1", "t1:AA", &back, &m) == CRM_OK && m == 1 && back[0] == 0,
			  "canonical one-byte text");
		crm_free(back);
		ut_ok(crm_text_decode("t1", "t1:", &back, &m) == CRM_OK && m == 0, "empty payload");
		crm_free(back);
	}
	ut_end();
}

void
test_codec(void)
{
	roundtrip_scalars();
	roundtrip_text();
}
