/* The ERR-redirect message "|text|host[:port]": the parser against a
 * reference written from its contract (status and offset), then the
 * builder round trip through a framed ERR packet. */
#include "fuzz_common.h"

static uint8_t pkt[2048];

static redir_status reference(const uint8_t *m, size_t n, size_t *off, size_t *host_from,
                              size_t *host_to, bool *has_port, uint32_t *port) {
    *off = 0;
    if (n == 0 || m[0] != '|') {
        return REDIR_E_ERR_REDIRECT_FORMAT;
    }
    const uint8_t *bar = memchr(m + 1, '|', n - 1);
    if (bar == NULL) {
        *off = n;
        return REDIR_E_ERR_REDIRECT_FORMAT;
    }
    size_t i = (size_t)(bar - m) + 1;
    *host_from = i;
    for (; i < n && m[i] != ':'; i++) {
        if (m[i] <= 0x20 || m[i] == 0x7F || m[i] == '|') {
            *off = i;
            return REDIR_E_URL_CHAR;
        }
    }
    *host_to = i;
    if (i == *host_from) {
        *off = i;
        return REDIR_E_URL_HOST;
    }
    *has_port = i < n;
    *port = 3306;
    if (i < n) {
        if (i + 1 == n) {
            *off = n;
            return REDIR_E_URL_PORT;
        }
        uint32_t v = 0;
        for (size_t k = i + 1; k < n; k++) {
            if (m[k] < '0' || m[k] > '9') {
                *off = k;
                return REDIR_E_URL_PORT;
            }
            v = v * 10 + (uint32_t)(m[k] - '0');
            if (v > 65535) {
                *off = k;
                return REDIR_E_URL_PORT_RANGE;
            }
        }
        *port = v;
    }
    return REDIR_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redir_span text, host;
    bool has_port;
    uint16_t port;
    redir_diag d = {0, 0};
    fuzz_lib_enter();
    redir_status st =
        redir_err_redirect_parse(&text, &host, &has_port, &port, &d, (const uint8_t *)data, size);
    fuzz_lib_leave();
    size_t off, hf = 0, ht = 0;
    bool rhp = false;
    uint32_t rport = 0;
    redir_status ref = reference(data, size, &off, &hf, &ht, &rhp, &rport);
    FUZZ_CHECK(st == ref);
    if (st != REDIR_OK) {
        FUZZ_CHECK(d.offset == off && host.len == 0 && text.len == 0 && !has_port);
        return 0;
    }
    FUZZ_CHECK(fuzz_span_inside(text, data, size) && fuzz_span_inside(host, data, size));
    FUZZ_CHECK(host.ptr == data + hf && host.len == ht - hf && text.ptr == data + 1 &&
               text.len == hf - 2);
    FUZZ_CHECK(has_port == rhp && port == rport);
    size_t n;
    fuzz_lib_enter();
    redir_status b = redir_build_err_redirect(pkt, sizeof pkt, &n, 2, REDIR_ERR_REDIRECT_DEFAULT_CODE,
                                              redir_span_of("HY000", 5), text, host,
                                              has_port ? port : 0);
    fuzz_lib_leave();
    char digits[8];
    int nd = has_port && port ? snprintf(digits, sizeof digits, ":%u", (unsigned)port) : 0;
    if (2 + text.len + host.len + (size_t)nd > 511) {
        /* the builder caps messages at 511 bytes, as servers do */
        FUZZ_CHECK(b == REDIR_E_FIELD_TOO_LONG);
        return 0;
    }
    FUZZ_CHECK(b == REDIR_OK);
    redir_frame f;
    size_t used;
    FUZZ_CHECK(redir_frame_decode(&f, &used, &d, pkt, n) == REDIR_OK && used == n);
    redir_err e;
    FUZZ_CHECK(redir_err_decode(&e, &d, f.payload.ptr, f.payload.len, REDIR_CAPS_MARIADB_DEFAULT) ==
               REDIR_OK);
    FUZZ_CHECK(e.has_sql_state && memcmp(e.sql_state.ptr, "HY000", 5) == 0);
    redir_instruction ins;
    FUZZ_CHECK(redir_redirect_from_err(&ins, &d, &e, REDIR_ERR_REDIRECT_DEFAULT_CODE) == REDIR_OK);
    FUZZ_CHECK(ins.host.len == host.len && memcmp(ins.host.ptr, host.ptr, host.len) == 0);
    FUZZ_CHECK(ins.text.len == text.len && (text.len == 0 || memcmp(ins.text.ptr, text.ptr, text.len) == 0));
    /* port 0 is written as no port at all */
    FUZZ_CHECK(ins.port == (has_port && port ? port : REDIR_DEFAULT_PORT));
    FUZZ_CHECK(ins.has_port == (has_port && port != 0));
    /* without leading zeros in the port the message comes back byte for byte */
    if (!has_port || (port != 0 && data[ht + 1] != '0')) {
        FUZZ_CHECK(e.message.len == size && memcmp(e.message.ptr, data, size) == 0);
    }
    return 0;
}
