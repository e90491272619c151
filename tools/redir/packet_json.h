/*
 * The description of one decoded packet payload, shared by `redir decode`
 * and `redir dump` (JSON and text alike: see json.h for how one description
 * renders in both styles).
 *
 * The functions below add members to an object the caller has opened:
 * "kind" first, then the members of that kind. Every member of a kind is
 * always written; an optional field that the packet does not carry is null.
 * Integers are JSON numbers, text is a JSON string (bytes that are not UTF-8
 * are escaped as described in json.h), binary data is a lower-case hex string.
 * Every "capabilities" member is followed by "capability_flags" and every
 * "status" member by "status_flags": the names of the bits set, in bit order,
 * lower case without the CLIENT_/SERVER_STATUS_ prefix (MariaDB's extended
 * capabilities as "mariadb_..."; a bit without a name as "0x..."); both null
 * when the number is.
 *
 * Server packets (packet_json_write):
 *  greeting        protocol_version, server_version (as sent, any "5.5.5-"
 *                  prefix kept), connection_id, capabilities (all 64 bits,
 *                  MariaDB extended capabilities included), charset, status,
 *                  auth_plugin, auth_data (hex: auth-plugin-data part 1 then
 *                  part 2 without its trailing NUL). charset and status are
 *                  null when the packet ends after the low capability bits;
 *                  auth_plugin is null unless CLIENT_PLUGIN_AUTH is set and the
 *                  name is present.
 *  ok, ok-as-eof   affected_rows, last_insert_id, status, warnings, info,
 *                  session_track. status is null without CLIENT_PROTOCOL_41
 *                  and CLIENT_TRANSACTIONS, warnings without
 *                  CLIENT_PROTOCOL_41, info when the packet has no info bytes,
 *                  session_track when it has no session state block. The kind
 *                  is "ok-as-eof" when the header byte is 0xFE.
 *                  session_track is an array of objects, in packet order, each
 *                  with "type": "system_variable" (members name, value; one
 *                  object per name/value pair, so an entry holding several
 *                  pairs gives several objects), "schema", "state_change",
 *                  "gtids", "transaction_characteristics",
 *                  "transaction_state" (member value: the text the entry
 *                  carries; for state_change the entry body, "1" as servers
 *                  send it), or the type's number for a type this tool does
 *                  not know (member data: the entry body in hex).
 *  eof             warnings, status (both null without CLIENT_PROTOCOL_41).
 *  err             code, sql_state (null when the '#' marker is absent),
 *                  message, progress (null unless the packet is a MariaDB
 *                  progress report; then an object with stage, max_stage,
 *                  progress — thousandths of a percent, 0..100000 — and info).
 *  auth-switch     auth_plugin, auth_data (hex, the plugin data exactly as
 *                  sent, trailing NUL included).
 *  auth-switch-old the one-byte request: auth_plugin and auth_data are null.
 *  auth-more-data  data (hex).
 *  anything else   (unknown, auth-next-factor, local-infile, column-count,
 *                  column-def, row): length, data (hex of the whole payload).
 * Every ok, ok-as-eof and err object has a member "redirect": null when the
 * packet carries no redirect, else {carrier, host, port, user, ttl, url}: carrier is
 * "session-track", "err" or "location"; host as written; port (3306 when the
 * carrier names none); user and ttl null when absent; url is the redirect URL
 * (for the location carrier: the info line without its "Location:" prefix,
 * the spaces after it and its line end),
 * null for the err carrier. A carrier that is present but malformed gives
 * "redirect": null and "redirect_error": {carrier, status, offset} (status name
 * such as "E_URL_PORT", offset inside the carrier's text). No other kind has
 * either member.
 *
 * Client packets (packet_json_write_client):
 *  response        capabilities, max_packet, charset, user, auth_response
 *                  (hex), database, auth_plugin, attributes (an object mapping
 *                  each key to its value, in packet order). database,
 *                  auth_plugin and attributes are null when the packet does
 *                  not carry them.
 *  ssl-request     capabilities, max_packet, charset.
 */
#ifndef REDIR_TOOL_PACKET_JSON_H
#define REDIR_TOOL_PACKET_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <redir/redir.h>

#include "json.h"

typedef struct packet_json_opts {
    /* The packet ends authentication: an OK is then a login OK, and a
     * "Location:" line in its info is reported as a redirect. */
    bool login_ok;
    /* The caller already wrote a "length" member into this object (from the
     * frame header): kinds described by length and data leave it out. */
    bool length_written;
} packet_json_opts;

/* packet_json_write decodes payload[0..len) as a server packet of the given
 * kind under the negotiated capabilities caps, and writes "kind" and the
 * kind's members (listed above) into the JSON object open in j. opts may be
 * NULL (all false). Returns REDIR_OK, or the decoder's error with diag
 * (optional) set as the library sets it, offsets relative to payload; then
 * nothing has been written. */
redir_status packet_json_write(json_writer *j, redir_kind kind, const uint8_t *payload,
                               size_t len, uint64_t caps, const packet_json_opts *opts,
                               redir_diag *diag);

/* The client packets of the connection phase; the classifier only looks at
 * server packets, so these have no redir_kind. */
typedef enum packet_json_client {
    PACKET_JSON_RESPONSE = 0,   /* HandshakeResponse41 */
    PACKET_JSON_SSL_REQUEST = 1 /* SSLRequest */
} packet_json_client;

/* packet_json_write_client is packet_json_write for a client packet. */
redir_status packet_json_write_client(json_writer *j, packet_json_client kind,
                                      const uint8_t *payload, size_t len, redir_diag *diag);

/* packet_json_capabilities writes "capabilities" and "capability_flags";
 * packet_json_status "status" and "status_flags" (both null when !present). */
void packet_json_capabilities(json_writer *j, uint64_t caps);
void packet_json_status(json_writer *j, bool present, uint64_t status);

/* packet_json_track_name names a session-track entry type as the
 * session_track members do ("system_variable", "schema", ...); NULL for a
 * type without a name. */
const char *packet_json_track_name(uint8_t type);

/* packet_json_has_redirect tells whether packet_json_write would write a
 * "redirect" or "redirect_error" member for this packet (same rule, nothing
 * written). */
bool packet_json_has_redirect(redir_kind kind, const uint8_t *payload, size_t len, uint64_t caps,
                              bool login_ok);

/* packet_json_kind_from_name maps the server-packet names accepted by
 * `redir decode --as` ("greeting", "auth-switch", "auth-more-data", "ok",
 * "eof", "err") to their kind. */
bool packet_json_kind_from_name(const char *name, redir_kind *out);

/* packet_json_client_from_name maps "response" and "ssl-request". */
bool packet_json_client_from_name(const char *name, packet_json_client *out);

/* packet_json_client_name returns "response" or "ssl-request". */
const char *packet_json_client_name(packet_json_client kind);

#endif
