/*
 * libredir — umbrella header. Including it brings in the whole public API:
 *   <redir/common.h>   status codes, spans, diagnostics, protocol constants
 *   <redir/wire.h>     length-encoded values, framing, compressed framing
 *   <redir/stream.h>   streaming framer: bytes in any chunking to packets
 *   <redir/packets.h>  greeting, handshake response, SSLRequest, auth
 *                      exchange, OK + session state, EOF, ERR, classifier
 *   <redir/command.h>  command bytes and codecs, column definitions,
 *                      prepare-OK, capability negotiation, response tracker
 *   <redir/url.h>      redirect URL grammars and the compatibility report
 *   <redir/redirect.h> redirect extraction and packet builders
 *   <redir/policy.h>   the client-side follow policy and target cache
 *   <redir/server.h>   the server engine (greeting, login, command phase)
 */
#ifndef REDIR_REDIR_H
#define REDIR_REDIR_H

#include "common.h"
#include "wire.h"
#include "packets.h"
#include "command.h"
#include "stream.h"
#include "url.h"
#include "redirect.h"
#include "policy.h"
#include "auth_request.h"
#include "client.h"
#include "server.h"

#ifdef __cplusplus
extern "C" {
#endif

/* redir_version returns the library version, "MAJOR.MINOR.PATCH". */
REDIR_API const char *redir_version(void);

#ifdef __cplusplus
}
#endif

#endif
