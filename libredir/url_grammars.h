/* The four URL grammars (url_server.c, url_connector.c, url_multi.c,
 * url_location.c), dispatched by redir_url_parse (url.c). Each fills *out
 * (already zeroed) from in[0..len). They are built on url_internal.h. */
#ifndef REDIR_URL_GRAMMARS_H
#define REDIR_URL_GRAMMARS_H

#include "url_internal.h"

redir_status redir__url_parse_server(redir_url *out, redir_diag *diag, const uint8_t *in,
                                     size_t len);
redir_status redir__url_parse_connector(redir_url *out, redir_diag *diag, const uint8_t *in,
                                        size_t len);
redir_status redir__url_parse_multi(redir_url *out, redir_diag *diag, const uint8_t *in,
                                    size_t len);
redir_status redir__url_parse_location(redir_url *out, redir_diag *diag, const uint8_t *in,
                                       size_t len);

#endif
