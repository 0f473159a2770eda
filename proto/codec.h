/* corral: a message codec behind an untyped pointer.
 *
 * Helpers that encode a request or decode a reply for their caller (the
 * request loop's replies, the CLI's calls, the master's forwarding) take
 * the codec as a function and the message as a pointer.  MSG_CODECS(msg)
 * makes msg_enc and msg_dec from msg_encode and msg_decode, so a call site
 * names the message once and the compiler still checks the struct type.
 */
#ifndef CORRAL_CODEC_H
#define CORRAL_CODEC_H

#include "buf.h"

typedef int (*msg_enc_fn)(struct cbuf *b, const void *m);
typedef int (*msg_dec_fn)(struct cbuf *b, void *m);

#define MSG_ENC(msg) \
static inline int msg##_enc(struct cbuf *b, const void *m) \
{ return msg##_encode(b, m); }
#define MSG_DEC(msg) \
static inline int msg##_dec(struct cbuf *b, void *m) \
{ return msg##_decode(b, m); }
#define MSG_CODECS(msg) MSG_ENC(msg) MSG_DEC(msg)

#endif
