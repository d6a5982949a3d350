/* Content-Transfer-Encoding decoders for bounce parts: quoted-printable and base64. */
#include "config.h"

#include <string.h>

#include "ndr_decode.h"
#include "xmalloc.h"

static int
hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *
ndr_decode_qp(const char *in, size_t in_len, int is_header, size_t *out_len)
{
	/* decoding never grows the text */
	char *out = xmalloc(in_len + 1);
	size_t i = 0, o = 0;

	while (i < in_len) {
		unsigned char c;

		if (!is_header) {
			/* a body is mostly plain text: copy up to the next '=' at once */
			const char *eq = memchr(in + i, '=', in_len - i);
			size_t run = eq != NULL ? (size_t)(eq - in) - i : in_len - i;

			memcpy(out + o, in + i, run);
			o += run;
			i += run;
			if (i == in_len)
				break;
		}
		c = (unsigned char)in[i];
		if (c == '=' && i + 1 < in_len) {
			int hi, lo;
			size_t j = i + 1;

			/* RFC 2045 6.7 rule 5: "=" at the end of a line is a soft break;
			 * trailing blanks before the line end are allowed */
			while (j < in_len && (in[j] == ' ' || in[j] == '\t'))
				j++;
			if (j < in_len && (in[j] == '\n' || in[j] == '\r')) {
				if (in[j] == '\r' && j + 1 < in_len && in[j + 1] == '\n')
					j++;
				i = j + 1;
				continue;
			}
			if (i + 2 < in_len) {
				hi = hex_val((unsigned char)in[i + 1]);
				lo = hex_val((unsigned char)in[i + 2]);
				if (hi >= 0 && lo >= 0) {
					out[o++] = (char)(hi << 4 | lo);
					i += 3;
					continue;
				}
			}
		}
		if (c == '_' && is_header)
			c = ' ';
		out[o++] = (char)c;
		i++;
	}
	out[o] = '\0';
	if (out_len != NULL)
		*out_len = o;
	return out;
}

static int
b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

char *
ndr_decode_base64(const char *in, size_t in_len, size_t *out_len)
{
	char *out = xmalloc(in_len / 4 * 3 + 4);
	size_t i, o = 0;
	unsigned acc = 0;
	int bits = 0;

	for (i = 0; i < in_len; i++) {
		unsigned char c = (unsigned char)in[i];
		int v;

		if (c == '=')
			break;
		v = b64_val(c);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	if (out_len != NULL)
		*out_len = o;
	return out;
}
