/* The response tracker fed arbitrary command/response sequences. Properties:
 * no crash or allocation; a failed call leaves the tracker exactly as it was
 * and the event empty; events view the payload just fed and carry kinds of
 * the right direction; the queue never exceeds its capacity; and the
 * harness's own count of queued and completed responses always equals what
 * the tracker reports as pending.
 *
 * Input: 8 bytes of capabilities (little-endian), then records. A record is a
 * header byte: bits 0-5 a length (63: a length byte follows), bit 6 set and
 * bit 7 clear an operation instead of a payload (length % 4: 0 a response
 * whose command was not seen, 1 abandon the response in progress, 2 reset,
 * 3 toggle CLIENT_DEPRECATE_EOF), otherwise bit 7 the direction (1: server
 * payload, 0: client payload), then that many bytes. */
#include "fuzz_common.h"

static bool client_kind(redir_resp_kind k) {
    return k == REDIR_RESP_COMMAND || k == REDIR_RESP_INFILE_DATA || k == REDIR_RESP_INFILE_END ||
           k == REDIR_RESP_AUTH_DATA;
}

static void check_event(const redir_resp_event *ev, const redir_resp_tracker *t, bool server,
                        const uint8_t *p, size_t n, uint64_t caps) {
    FUZZ_CHECK(ev->kind != REDIR_RESP_NONE);
    FUZZ_CHECK(client_kind(ev->kind) == !server);
    FUZZ_CHECK(strcmp(redir_resp_kind_name(ev->kind), "unknown") != 0);
    FUZZ_CHECK(ev->pending == redir_resp_pending(t));
    FUZZ_CHECK(fuzz_span_inside(ev->data, p, n));
    FUZZ_CHECK(!(ev->more_results && ev->complete));
    FUZZ_CHECK(!ev->cursor || ev->complete);
    FUZZ_CHECK(!ev->binary || ev->kind == REDIR_RESP_ROW);
    if (ev->kind == REDIR_RESP_COLUMN_DEF || ev->kind == REDIR_RESP_PARAM_DEF) {
        FUZZ_CHECK(fuzz_span_inside(ev->column.name, p, n));
        size_t len = 0;
        FUZZ_CHECK(redir_column_def_encode(NULL, 0, &len, &ev->column, caps) == REDIR_E_NOSPACE);
        FUZZ_CHECK(len <= n);
    }
    if (ev->kind == REDIR_RESP_OK || ev->kind == REDIR_RESP_OK_AS_EOF) {
        FUZZ_CHECK(fuzz_span_inside(ev->ok.info, p, n));
    }
    if (ev->kind == REDIR_RESP_PROGRESS) {
        FUZZ_CHECK(ev->err.is_progress && !ev->complete);
    }
    if (ev->kind == REDIR_RESP_ERR) {
        FUZZ_CHECK(ev->complete && !ev->err.is_progress);
    }
    if (ev->kind == REDIR_RESP_COLUMN_COUNT) {
        FUZZ_CHECK(ev->column_count.count > 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 8) {
        return 0;
    }
    uint64_t caps = 0;
    for (int i = 0; i < 8; i++) {
        caps |= (uint64_t)data[i] << (8 * i);
    }
    data += 8;
    size -= 8;
    redir_resp_tracker t;
    redir_resp_init(&t, caps);
    uint64_t queued = 0, done = 0;
    while (size > 0) {
        uint8_t h = data[0];
        data++;
        size--;
        size_t len = h & 63;
        if ((h & 0xC0) == 0x40) {
            redir_status st;
            switch (len % 4) {
            case 0:
                fuzz_lib_enter();
                st = redir_resp_expect_unknown(&t, NULL);
                fuzz_lib_leave();
                FUZZ_CHECK(st == REDIR_OK || st == REDIR_E_RESP_QUEUE_FULL ||
                           st == REDIR_E_RESP_UNEXPECTED);
                queued += st == REDIR_OK;
                break;
            case 1:
                done += redir_resp_pending(&t) > 0;
                redir_resp_abandon(&t);
                break;
            case 2:
                done += redir_resp_pending(&t);
                redir_resp_reset(&t);
                FUZZ_CHECK(redir_resp_pending(&t) == 0);
                break;
            default:
                caps ^= REDIR_CLIENT_DEPRECATE_EOF;
                redir_resp_set_caps(&t, caps);
                break;
            }
            FUZZ_CHECK(redir_resp_pending(&t) == queued - done);
            continue;
        }
        if (len == 63) {
            if (size == 0) {
                break;
            }
            len = data[0];
            data++;
            size--;
        }
        if (len > size) {
            len = size;
        }
        bool server = (h & 0x80) != 0;
        /* A private copy so that any read past the payload is caught. */
        uint8_t *p = len > 0 ? malloc(len) : NULL;
        if (len > 0) {
            memcpy(p, data, len);
        }
        redir_resp_tracker before = t;
        redir_resp_event ev;
        redir_diag d = {0, 0};
        fuzz_lib_enter();
        redir_status st = server ? redir_resp_feed(&t, &ev, &d, p, len)
                                 : redir_resp_command(&t, &ev, &d, p, len);
        fuzz_lib_leave();
        if (st != REDIR_OK) {
            FUZZ_CHECK(redir_status_is_error(st) && redir_status_name(st) != NULL);
            FUZZ_CHECK(memcmp(&before, &t, sizeof t) == 0);
            FUZZ_CHECK(ev.kind == REDIR_RESP_NONE && !ev.complete);
            FUZZ_CHECK(d.offset <= len);
        } else {
            check_event(&ev, &t, server, p, len, caps);
            if (ev.kind == REDIR_RESP_COMMAND && !ev.complete) {
                queued++;
            }
            if (server && ev.complete) {
                done++;
            }
        }
        FUZZ_CHECK(redir_resp_pending(&t) <= REDIR_RESP_QUEUE_CAP);
        FUZZ_CHECK(redir_resp_pending(&t) == queued - done);
        free(p);
        data += len;
        size -= len;
    }
    return 0;
}
