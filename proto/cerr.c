/* corral: names of the CERR_* codes. */
#include "cerr.h"

const char *
cerr_str(int code)
{
	switch (code) {
	case CERR_OK:         return "success";
	case CERR_NOMEM:      return "out of memory";
	case CERR_TRUNCATED:  return "field runs past the end of the message";
	case CERR_TOO_BIG:    return "length over the protocol maximum";
	case CERR_BAD_TYPE:   return "unknown message type";
	case CERR_BAD_STRING: return "malformed string (NUL inside or over its bound)";
	case CERR_VERSION:    return "no protocol version in common";
	case CERR_IO:         return "I/O error";
	case CERR_EOF:        return "connection closed by peer";
	case CERR_PROTOCOL:   return "message not allowed here";
	case CERR_TRAILING:   return "unexpected bytes after the last field";
	case CERR_BAD_COUNT:  return "list count over its bound";
	case CERR_INVALID:    return "invalid argument";
	case CERR_BUF_FULL:   return "buffer full";
	case CERR_TIMEOUT:    return "timed out";
	case CERR_REMOTE:     return "error reported by peer";
	case CERR_AUTH:       return "record failed authentication";
	case CERR_UNREACHABLE: return "receiver unreachable";
	}
	return "unknown error";
}
