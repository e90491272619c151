/*
 * The single list of libredir status codes.
 *
 * Each row is X(NAME, value, "message"). The enum in <redir/status.h>, the
 * name table and the message table are all generated from this list, so the
 * three can never drift apart. Values are stable ABI: append, never renumber.
 *
 * Ranges:   0..  9  success and iterator sentinels
 *          10.. 49  wire decoding
 *          50.. 59  encoding and arguments
 *          60.. 79  compression
 *          80..119  URL grammars and redirect carriers
 *         120..139  command phase and response tracker
 *         140..149  streaming framer
 *         150..169  client engine and authentication
 *         170..189  server engine
 */
#ifndef REDIR_STATUS_LIST_H
#define REDIR_STATUS_LIST_H

#define REDIR_STATUS_LIST(X)                                                                   \
    X(OK, 0, "success")                                                                        \
    X(DONE, 1, "iteration finished: no more items")                                            \
    X(NOT_FOUND, 2, "the input carries no such item")                                          \
    /* wire decoding */                                                                        \
    X(E_TRUNCATED, 10, "input ends before the field is complete")                              \
    X(E_TRAILING, 11, "unexpected bytes after the end of the packet")                          \
    X(E_LENENC_NULL, 12, "length-encoded NULL (0xFB) where a length is required")              \
    X(E_LENENC_INVALID, 13, "byte 0xFF cannot start a length-encoded integer")                 \
    X(E_LENGTH_RANGE, 14, "length-encoded value does not fit the remaining bytes")             \
    X(E_BAD_HEADER, 15, "first payload byte does not match the packet type")                   \
    X(E_BAD_PROTOCOL_VERSION, 16, "greeting protocol version is not 10")                       \
    X(E_NO_TERMINATOR, 17, "NUL-terminated string has no terminator")                          \
    X(E_SEQUENCE, 18, "sequence id does not follow the previous packet")                       \
    X(E_EMPTY_PACKET, 19, "empty payload where a packet body is required")                     \
    X(E_BAD_SQLSTATE, 20, "SQLSTATE marker '#' without five state bytes")                      \
    X(E_BAD_PROGRESS, 21, "malformed progress report")                                         \
    X(E_STATE_BLOCK, 22, "session state block overruns the packet")                            \
    X(E_STATE_ENTRY, 23, "session state entry overruns its block")                             \
    X(E_STATE_VALUE, 24, "session state entry body is malformed for its type")                 \
    X(E_UNSUPPORTED, 25, "pre-4.1 protocol form is not supported")                             \
    X(E_MISSING_CAPABILITY, 26, "packet requires a capability flag that is not set")           \
    X(E_BAD_ATTRIBUTES, 27, "connection attributes are malformed")                             \
    X(E_PACKET_TOO_LARGE, 28, "payload exceeds the configured maximum")                        \
    X(E_BAD_AUTH_DATA_LEN, 29, "auth-plugin-data length points past the packet")               \
    /* encoding and arguments */                                                               \
    X(E_NOSPACE, 50, "output buffer too small: see the reported size")                         \
    X(E_INVALID_ARGUMENT, 51, "argument out of range for this field")                          \
    X(E_FIELD_TOO_LONG, 52, "field is longer than the wire format can carry")                  \
    /* compression */                                                                          \
    X(E_DECOMPRESS_LIMIT, 60, "declared uncompressed length exceeds the caller's bound")       \
    X(E_DECOMPRESS_LENGTH, 61, "inflated size differs from the declared length")               \
    X(E_ZLIB, 62, "zlib stream is corrupt")                                                    \
    X(E_SCRATCH, 63, "compression scratch buffer is too small")                                \
    /* URL grammars and redirect carriers */                                                   \
    X(E_URL_SCHEME, 80, "scheme is not mysql:// or mariadb://")                                \
    X(E_URL_EMPTY, 81, "nothing after the scheme")                                             \
    X(E_URL_HOST, 82, "host is empty or malformed")                                            \
    X(E_URL_PORT, 83, "port is empty or not decimal digits")                                   \
    X(E_URL_PORT_RANGE, 84, "port is greater than 65535")                                      \
    X(E_URL_TRAILING, 85, "unexpected characters after the port")                              \
    X(E_URL_USERINFO, 86, "user or password part is malformed")                                \
    X(E_URL_IPV6, 87, "bracketed IPv6 literal is malformed")                                   \
    X(E_URL_PERCENT, 88, "malformed percent-encoding")                                         \
    X(E_URL_CHAR, 89, "character not allowed here")                                            \
    X(E_URL_OPTION, 90, "query option is malformed")                                           \
    X(E_URL_TOO_MANY_HOSTS, 91, "more hosts than the parser can hold")                         \
    X(E_URL_ADDRESS, 92, "address=(...) host description is malformed")                        \
    X(E_URL_TTL, 93, "ttl is not a valid number")                                              \
    X(E_LOCATION_PREFIX, 94, "info does not start with a Location: mysql:// line")             \
    X(E_LOCATION_FIELD, 95, "Location: line misses a required part")                           \
    X(E_ERR_REDIRECT_FORMAT, 96, "ERR message is not of the form |text|host[:port]")     \
    /* command phase and response tracker */                                                   \
    X(E_RESP_QUEUE_FULL, 120, "more commands awaiting a response than the tracker holds")      \
    X(E_RESP_UNEXPECTED, 121, "server payload that no outstanding command explains")           \
    X(E_RESP_COLUMN_MISMATCH, 122, "column definitions disagree with the announced count")     \
    X(E_RESP_ROW_MISMATCH, 123, "row does not hold the announced number of columns")           \
    X(E_RESP_AWAITING_CLIENT, 124, "server payload while the client owes file or auth data")   \
    X(E_COLUMN_COUNT, 125, "column count is zero or too large")                                \
    X(E_COLUMN_DEF, 126, "column definition's fixed-length block is malformed")                \
    X(E_QUERY_ATTRIBUTES, 127, "query attributes are malformed")                               \
    X(E_STMT_PARAMS, 128, "statement parameter block is malformed")                            \
                                                                                               \
    /* streaming framer */                                                                     \
    X(E_FRAMER_PAYLOAD_LIMIT, 140, "logical packet is larger than the framer's payload limit") \
    X(E_FRAMER_INFLATE_LIMIT, 141, "compressed frame inflates beyond the framer's limit")      \
    X(E_FRAMER_INPUT_FULL, 142, "compressed frame is larger than the framer's input buffer")   \
    X(E_FRAMER_CSEQUENCE, 143, "compressed sequence id does not follow the previous frame")    \
    X(E_FRAMER_NO_INFLATE, 144, "zlib frame arrived but the framer has no inflate buffer")     \
    /* client engine and authentication (engine 150..161, libredir-auth 162..169) */          \
    X(E_TLS_NOT_OFFERED, 150, "TLS is required but the server does not offer it")              \
    X(E_BEFORE_TLS, 151, "packet arrived before the TLS handshake completed: not trusted")     \
    X(E_LOGIN_REFUSED, 152, "the server refused the connection with an ERR packet")            \
    X(E_AUTH_PLUGIN, 153, "the server asked for an authentication plugin not supported")       \
    X(E_AUTH_OLD_PASSWORD, 154, "the server asked for mysql_old_password, which is refused")   \
    X(E_AUTH_CLEARTEXT, 155, "cleartext password refused: not opted in or TLS not up")         \
    X(E_AUTH_DATA, 156, "authentication data from the server is malformed")                    \
    X(E_CLIENT_UNEXPECTED, 157, "server packet not expected at this point of the connection")  \
    X(E_CLIENT_STATE, 158, "call not valid in the client engine's current state")              \
    X(E_CLIENT_CLOSED, 159, "the connection ended before the exchange was complete")           \
    X(E_AUTH_NO_ANSWER, 162, "libredir-auth has no answer for this plugin and stage")          \
    X(E_AUTH_NONCE, 163, "the server's nonce has the wrong length for the plugin")            \
    X(E_AUTH_RSA_KEY, 164, "the server's RSA public key cannot be read")                      \
    X(E_AUTH_RSA_TOO_LONG, 165, "password too long for one block of the server's RSA key")    \
    X(E_AUTH_CRYPTO, 166, "the crypto library failed")                                        \
    /* server engine */                                                                        \
    X(E_SERVER_STATE, 170, "call not allowed at this point of the server conversation")        \
    X(E_SERVER_TLS_NOT_OFFERED, 171, "client asked for TLS, which the server did not offer")   \
    /* end of list */

#endif
