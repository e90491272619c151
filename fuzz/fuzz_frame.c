/* Framing: single frames and logical messages joined from continuations,
 * with re-framing round trips. */
#include "fuzz_common.h"

static uint8_t join[1u << 20];
static uint8_t reframed[(1u << 20) + 1024];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) {
        return 0;
    }
    int expected = (data[0] & 1) ? -1 : data[0] >> 1;
    data++;
    size--;
    redir_frame f;
    size_t used;
    redir_diag d;
    fuzz_lib_enter();
    redir_status st = redir_frame_decode(&f, &used, &d, data, size);
    fuzz_lib_leave();
    if (st == REDIR_OK) {
        FUZZ_CHECK(used == 4u + f.payload_len && used <= size);
        FUZZ_CHECK(fuzz_span_inside(f.payload, data, size));
    } else {
        FUZZ_CHECK(st == REDIR_E_TRUNCATED && d.needed > 0);
    }
    redir_message m;
    fuzz_lib_enter();
    st = redir_message_decode(&m, &used, &d, data, size, expected, join, sizeof join, 0);
    fuzz_lib_leave();
    if (st != REDIR_OK) {
        FUZZ_CHECK(redir_status_is_error(st));
        return 0;
    }
    FUZZ_CHECK(used <= size && m.num_frames >= 1);
    FUZZ_CHECK(m.num_frames == 1 ? fuzz_span_inside(m.payload, data, size)
                                 : fuzz_span_inside(m.payload, join, sizeof join));
    size_t out_len;
    uint8_t next;
    fuzz_lib_enter();
    st = redir_message_encode(reframed, sizeof reframed, &out_len, &next, m.first_seq,
                              m.payload.ptr, m.payload.len);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK);
    /* framing has a single valid form, so re-framing reproduces the input */
    FUZZ_CHECK(out_len == used && memcmp(reframed, data, used) == 0);
    FUZZ_CHECK(next == m.next_seq);
    return 0;
}
