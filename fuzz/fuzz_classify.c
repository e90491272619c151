/* The classifier: total over every phase, and consistent with the decoders. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint64_t caps = fuzz_take_caps(&data, &size);
    for (int ph = REDIR_PHASE_CONNECT; ph <= REDIR_PHASE_ROWS; ph++) {
        fuzz_lib_enter();
        redir_kind k = redir_classify((redir_phase)ph, caps, data, size);
        fuzz_lib_leave();
        FUZZ_CHECK(redir_kind_name(k) != NULL);
        redir_diag d;
        redir_status st = REDIR_OK;
        fuzz_lib_enter();
        switch (k) {
        case REDIR_KIND_EOF: {
            redir_eof e;
            st = redir_eof_decode(&e, &d, data, size, caps);
            break;
        }
        case REDIR_KIND_OK:
        case REDIR_KIND_OK_AS_EOF: {
            redir_ok o;
            st = redir_ok_decode(&o, &d, data, size, caps);
            break;
        }
        default:
            break;
        }
        fuzz_lib_leave();
        /* a packet classified as EOF or OK may still be malformed, but the
         * decoder must then say precisely why */
        FUZZ_CHECK(redir_status_name(st) != NULL);
        if (k == REDIR_KIND_EOF || k == REDIR_KIND_OK_AS_EOF) {
            FUZZ_CHECK(size > 0 && data[0] == 0xFE);
        }
        if (k == REDIR_KIND_ERR) {
            FUZZ_CHECK(size > 0 && data[0] == 0xFF);
        }
    }
    return 0;
}
