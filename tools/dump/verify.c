/* Re-encoding every decoded packet and comparing it with the capture. */
#include <stdlib.h>
#include <string.h>

#include "dump_internal.h"

static void compare(dump_verify_info *out, const uint8_t *want, size_t want_len,
                    const uint8_t *got, size_t got_len) {
    out->encoded_len = got_len;
    size_t n = want_len < got_len ? want_len : got_len;
    for (size_t i = 0; i < n; i++) {
        if (want[i] != got[i]) {
            out->result = DUMP_VERIFY_MISMATCH;
            out->offset = i;
            return;
        }
    }
    if (want_len != got_len) {
        out->result = DUMP_VERIFY_MISMATCH;
        out->offset = n;
        return;
    }
    out->result = DUMP_VERIFY_OK;
}

static bool fail(dump_verify_info *out, dump_verify_result r, redir_status st, size_t off) {
    out->result = r;
    out->status = st;
    out->offset = off;
    return false;
}

/* encode_payload decodes p with its kind's codec and re-encodes it into buf. */
static bool encode_payload(const dump_packet *p, uint8_t *buf, size_t cap, size_t *out_len,
                           dump_verify_info *out) {
    redir_diag d = {0, 0};
    redir_status st;
    const uint8_t *in = p->payload;
    size_t n = p->len;
    switch (p->kind) {
    case DUMP_K_GREETING: {
        redir_greeting g;
        if ((st = redir_greeting_decode(&g, &d, in, n)) != REDIR_OK) {
            return fail(out, DUMP_VERIFY_DECODE_ERROR, st, d.offset);
        }
        st = redir_greeting_encode(buf, cap, out_len, &g);
        break;
    }
    case DUMP_K_HANDSHAKE_RESPONSE: {
        redir_handshake_response r;
        if ((st = redir_handshake_response_decode(&r, &d, in, n)) != REDIR_OK) {
            return fail(out, DUMP_VERIFY_DECODE_ERROR, st, d.offset);
        }
        st = redir_handshake_response_encode(buf, cap, out_len, &r);
        break;
    }
    case DUMP_K_SSL_REQUEST: {
        redir_handshake_response r;
        if ((st = redir_ssl_request_decode(&r, &d, in, n)) != REDIR_OK) {
            return fail(out, DUMP_VERIFY_DECODE_ERROR, st, d.offset);
        }
        st = redir_ssl_request_encode(buf, cap, out_len, &r);
        break;
    }
    case DUMP_K_AUTH_SWITCH:
    case DUMP_K_AUTH_SWITCH_OLD: {
        redir_auth_switch a;
        if ((st = redir_auth_switch_decode(&a, &d, in, n)) != REDIR_OK) {
            return fail(out, DUMP_VERIFY_DECODE_ERROR, st, d.offset);
        }
        st = redir_auth_switch_encode(buf, cap, out_len, &a);
        break;
    }
    case DUMP_K_AUTH_MORE_DATA: {
        redir_span data;
        if ((st = redir_auth_more_data_decode(&data, &d, in, n)) != REDIR_OK) {
            return fail(out, DUMP_VERIFY_DECODE_ERROR, st, d.offset);
        }
        st = redir_auth_more_data_encode(buf, cap, out_len, data);
        break;
    }
    case DUMP_K_OK:
    case DUMP_K_OK_AS_EOF: {
        redir_ok ok;
        if ((st = redir_ok_decode(&ok, &d, in, n, p->caps)) != REDIR_OK) {
            return fail(out, DUMP_VERIFY_DECODE_ERROR, st, d.offset);
        }
        st = redir_ok_encode(buf, cap, out_len, &ok, p->caps);
        break;
    }
    case DUMP_K_EOF: {
        redir_eof e;
        if ((st = redir_eof_decode(&e, &d, in, n, p->caps)) != REDIR_OK) {
            return fail(out, DUMP_VERIFY_DECODE_ERROR, st, d.offset);
        }
        st = redir_eof_encode(buf, cap, out_len, &e);
        break;
    }
    case DUMP_K_ERR: {
        redir_err e;
        if ((st = redir_err_decode(&e, &d, in, n, p->caps)) != REDIR_OK) {
            return fail(out, DUMP_VERIFY_DECODE_ERROR, st, d.offset);
        }
        st = redir_err_encode(buf, cap, out_len, &e);
        break;
    }
    default:
        out->result = DUMP_VERIFY_SKIPPED;
        return false;
    }
    if (st != REDIR_OK) {
        out->result = DUMP_VERIFY_MISMATCH;
        out->status = st;
        out->offset = 0;
        return false;
    }
    return true;
}

static bool verify_header(const dump_packet *p, dump_verify_info *out) {
    if (p->wire == NULL || p->wire_len < REDIR_FRAME_HEADER_SIZE || p->num_frames != 1) {
        return true;
    }
    uint8_t hdr[REDIR_FRAME_HEADER_SIZE];
    size_t n = 0;
    redir_status st = redir_frame_encode_header(hdr, sizeof hdr, &n, (uint32_t)p->len, p->seq);
    if (st != REDIR_OK || n != sizeof hdr || memcmp(hdr, p->wire, sizeof hdr) != 0) {
        out->result = DUMP_VERIFY_MISMATCH;
        out->status = st;
        out->offset = 0;
        return false;
    }
    return true;
}

void dump_verify_packet(const dump_packet *p, dump_verify_info *out) {
    memset(out, 0, sizeof *out);
    out->status = REDIR_OK;
    if (p->truncated) {
        out->result = DUMP_VERIFY_SKIPPED;
        return;
    }
    if (!verify_header(p, out)) {
        return;
    }
    uint8_t small[512];
    size_t need = 0;
    if (!encode_payload(p, small, sizeof small, &need, out)) {
        if (out->result != DUMP_VERIFY_MISMATCH || out->status != REDIR_E_NOSPACE) {
            return;
        }
        uint8_t *big = malloc(need ? need : 1);
        if (big == NULL) {
            out->result = DUMP_VERIFY_SKIPPED;
            out->status = REDIR_OK;
            return;
        }
        memset(out, 0, sizeof *out);
        size_t got = 0;
        if (encode_payload(p, big, need, &got, out)) {
            compare(out, p->payload, p->len, big, got);
        }
        free(big);
        return;
    }
    compare(out, p->payload, p->len, small, need);
}

void dump_verify_cframe(const dump_cframe_event *c, dump_verify_info *out) {
    memset(out, 0, sizeof *out);
    size_t need = 0;
    redir_status st = redir_cframe_encode(NULL, 0, &need, &c->frame);
    if (st != REDIR_E_NOSPACE && st != REDIR_OK) {
        out->result = DUMP_VERIFY_MISMATCH;
        out->status = st;
        return;
    }
    uint8_t *buf = malloc(need ? need : 1);
    if (buf == NULL) {
        out->result = DUMP_VERIFY_SKIPPED;
        return;
    }
    size_t got = 0;
    st = redir_cframe_encode(buf, need, &got, &c->frame);
    if (st != REDIR_OK) {
        out->result = DUMP_VERIFY_MISMATCH;
        out->status = st;
    } else {
        compare(out, c->wire, c->wire_len, buf, got);
    }
    free(buf);
}
