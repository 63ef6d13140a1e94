/*
 * codec.c
 *		Little-endian byte writer/reader and the base64url text form used by
 *		the aggregate state types.  See codec.h.
 */
#include <string.h>

#include "codec.h"

/* Start writing into buf, which holds cap bytes. */
void
crm_writer_init(CrmWriter *w, unsigned char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->pos = 0;
	w->overflow = false;
}

static void
put_bytes_le(CrmWriter *w, uint64_t v, int n)
{
	int			i;

	if (w->overflow || w->cap - w->pos < (size_t) n)
	{
		w->overflow = true;
		return;
	}
	for (i = 0; i < n; i++)
		w->buf[w->pos++] = (unsigned char) (v >> (8 * i));
}

/* Append one byte. */
void
crm_put_u8(CrmWriter *w, uint8_t v)
{
	put_bytes_le(w, v, 1);
}

/* Append a 32-bit unsigned integer, little-endian. */
void
crm_put_u32(CrmWriter *w, uint32_t v)
{
	put_bytes_le(w, v, 4);
}

/* Append a 64-bit unsigned integer, little-endian. */
void
crm_put_u64(CrmWriter *w, uint64_t v)
{
	put_bytes_le(w, v, 8);
}

/* Append a 64-bit signed integer (two's complement), little-endian. */
void
crm_put_i64(CrmWriter *w, int64_t v)
{
	put_bytes_le(w, (uint64_t) v, 8);
}

/* Append an IEEE double by its bit pattern, little-endian. */
void
crm_put_f64(CrmWriter *w, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	put_bytes_le(w, bits, 8);
}

/* Start reading len bytes at buf. */
void
crm_reader_init(CrmReader *r, const unsigned char *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->pos = 0;
	r->error = false;
}

static uint64_t
get_bytes_le(CrmReader *r, int n)
{
	uint64_t	v = 0;
	int			i;

	if (r->error || r->len - r->pos < (size_t) n)
	{
		r->error = true;
		return 0;
	}
	for (i = 0; i < n; i++)
		v |= (uint64_t) r->buf[r->pos++] << (8 * i);
	return v;
}

/* Read one byte (0 and error flag past the end). */
uint8_t
crm_get_u8(CrmReader *r)
{
	return (uint8_t) get_bytes_le(r, 1);
}

/* Read a little-endian 32-bit unsigned integer. */
uint32_t
crm_get_u32(CrmReader *r)
{
	return (uint32_t) get_bytes_le(r, 4);
}

/* Read a little-endian 64-bit unsigned integer. */
uint64_t
crm_get_u64(CrmReader *r)
{
	return get_bytes_le(r, 8);
}

/* Read a little-endian 64-bit signed integer. */
int64_t
crm_get_i64(CrmReader *r)
{
	return (int64_t) get_bytes_le(r, 8);
}

/* Read a little-endian IEEE double. */
double
crm_get_f64(CrmReader *r)
{
	uint64_t	bits = get_bytes_le(r, 8);
	double		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* Bytes not yet read; 0 once a read has failed. */
size_t
crm_reader_left(const CrmReader *r)
{
	return r->error ? 0 : r->len - r->pos;
}

static const char b64[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Length of "<prefix>:<base64url>" for nbytes bytes, without the NUL. */
size_t
crm_text_encoded_len(size_t prefix_len, size_t nbytes)
{
	return prefix_len + 1 + (nbytes / 3) * 4 + (nbytes % 3 == 0 ? 0 : nbytes % 3 + 1);
}

/* Write "<prefix>:<base64url of bytes>" and a NUL into out. */
void
crm_text_encode(const char *prefix, const unsigned char *bytes, size_t nbytes, char *out)
{
	size_t		plen = strlen(prefix);
	size_t		i;
	char	   *o = out;

	memcpy(o, prefix, plen);
	o += plen;
	*o++ = ':';
	for (i = 0; i + 2 < nbytes; i += 3)
	{
		uint32_t	v = ((uint32_t) bytes[i] << 16) | ((uint32_t) bytes[i + 1] << 8) | bytes[i + 2];

		*o++ = b64[(v >> 18) & 63];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = b64[v & 63];
	}
	if (nbytes - i == 1)
	{
		uint32_t	v = (uint32_t) bytes[i] << 16;

		*o++ = b64[(v >> 18) & 63];
		*o++ = b64[(v >> 12) & 63];
	}
	else if (nbytes - i == 2)
	{
		uint32_t	v = ((uint32_t) bytes[i] << 16) | ((uint32_t) bytes[i + 1] << 8);

		*o++ = b64[(v >> 18) & 63];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
	}
	*o = '\0';
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decode "<prefix>:<base64url>".  Rejects a wrong prefix, characters outside
 * the alphabet, an impossible length and non-zero padding bits, so that every
 * byte string has exactly one accepted text form.
 */
CrmStatus
crm_text_decode(const char *prefix, const char *text, unsigned char **out, size_t *nbytes)
{
	size_t		plen = strlen(prefix);
	size_t		tlen;
	size_t		n;
	size_t		i;
	size_t		j = 0;
	unsigned char *buf;
	uint32_t	acc = 0;
	int			bits = 0;

	*out = NULL;
	*nbytes = 0;
	if (strncmp(text, prefix, plen) != 0 || text[plen] != ':')
		return CRM_EDATA;
	text += plen + 1;
	tlen = strlen(text);
	if (tlen % 4 == 1)
		return CRM_EDATA;
	n = (tlen / 4) * 3 + (tlen % 4 == 0 ? 0 : tlen % 4 - 1);
	buf = crm_alloc(n == 0 ? 1 : n);
	if (buf == NULL)
		return CRM_ENOMEM;
	for (i = 0; i < tlen; i++)
	{
		int			v = b64_value(text[i]);

		if (v < 0)
		{
			crm_free(buf);
			return CRM_EDATA;
		}
		acc = (acc << 6) | (uint32_t) v;
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			buf[j++] = (unsigned char) (acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)				/* non-canonical trailing bits */
	{
		crm_free(buf);
		return CRM_EDATA;
	}
	*out = buf;
	*nbytes = n;
	return CRM_OK;
}
