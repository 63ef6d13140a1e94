/*
 * codec.h
 *		Portable, versioned byte encoding of aggregate states.
 *
 * Every encoded state starts with a one-byte format version and a one-byte
 * tag saying what it is; all integers and doubles that follow are
 * little-endian, whatever the host.  There are no pointers and no OIDs, so a
 * state written on one machine (a parallel worker, a Citus node) reads back
 * identically on another.  Readers check every length before trusting it.
 */
#ifndef CRM_CODEC_H
#define CRM_CODEC_H

#include "crm_core.h"

/* tags of the encoded objects */
#define CRM_TAG_RFM			0x52	/* 'R': RFM summary state */
#define CRM_TAG_FIT			0x46	/* 'F': model-fit accumulator */

typedef struct CrmWriter
{
	unsigned char *buf;			/* destination, at least cap bytes */
	size_t		cap;
	size_t		pos;
	bool		overflow;		/* set when a put did not fit */
} CrmWriter;

typedef struct CrmReader
{
	const unsigned char *buf;
	size_t		len;
	size_t		pos;
	bool		error;			/* set when a get ran past the end */
} CrmReader;

extern void crm_writer_init(CrmWriter *w, unsigned char *buf, size_t cap);
extern void crm_put_u8(CrmWriter *w, uint8_t v);
extern void crm_put_u32(CrmWriter *w, uint32_t v);
extern void crm_put_u64(CrmWriter *w, uint64_t v);
extern void crm_put_i64(CrmWriter *w, int64_t v);
extern void crm_put_f64(CrmWriter *w, double v);

extern void crm_reader_init(CrmReader *r, const unsigned char *buf, size_t len);
extern uint8_t crm_get_u8(CrmReader *r);
extern uint32_t crm_get_u32(CrmReader *r);
extern uint64_t crm_get_u64(CrmReader *r);
extern int64_t crm_get_i64(CrmReader *r);
extern double crm_get_f64(CrmReader *r);
/* bytes left to read (0 after an error) */
extern size_t crm_reader_left(const CrmReader *r);

/*
 * Text form of an encoded state: "<prefix>:" followed by unpadded base64url of
 * the bytes.  crm_text_encoded_len() gives the length without the NUL.
 */
extern size_t crm_text_encoded_len(size_t prefix_len, size_t nbytes);
extern void crm_text_encode(const char *prefix, const unsigned char *bytes, size_t nbytes,
							char *out);
/*
 * Decode text made by crm_text_encode with the same prefix.  *out is
 * allocated with crm_alloc (caller frees).  CRM_EDATA on any malformation.
 */
extern CrmStatus crm_text_decode(const char *prefix, const char *text,
								 unsigned char **out, size_t *nbytes);

#endif							/* CRM_CODEC_H */
