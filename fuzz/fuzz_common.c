#include "fuzz_common.h"

/* Thread-local: the hooks run for every thread's allocations, and the
 * fuzzing engine and the sanitizer runtime allocate on their own threads
 * while the fuzzing thread is inside the library. */
static _Thread_local int in_library;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_HAVE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_HAVE_ASAN 1
#endif

#ifdef FUZZ_HAVE_ASAN
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

static void on_malloc(const volatile void *ptr, size_t size) {
    (void)ptr;
    if (in_library) {
        fprintf(stderr, "library allocated %zu bytes\n", size);
        abort();
    }
}

static void on_free(const volatile void *ptr) {
    if (in_library && ptr != NULL) {
        fprintf(stderr, "library freed memory\n");
        abort();
    }
}

static int hooks_installed;
#endif

void fuzz_lib_enter(void) {
#ifdef FUZZ_HAVE_ASAN
    if (!hooks_installed) {
        __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
        hooks_installed = 1;
    }
#endif
    in_library = 1;
}

void fuzz_lib_leave(void) { in_library = 0; }

static const uint64_t caps_presets[] = {
    REDIR_CAPS_MARIADB_DEFAULT,
    /* MySQL 8 client against MySQL 8 */
    REDIR_CLIENT_MYSQL | REDIR_CLIENT_FOUND_ROWS | REDIR_CLIENT_LONG_FLAG |
        REDIR_CLIENT_CONNECT_WITH_DB | REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_TRANSACTIONS |
        REDIR_CLIENT_SECURE_CONNECTION | REDIR_CLIENT_MULTI_RESULTS | REDIR_CLIENT_PLUGIN_AUTH |
        REDIR_CLIENT_CONNECT_ATTRS | REDIR_CLIENT_PLUGIN_AUTH_LENENC_DATA |
        REDIR_CLIENT_SESSION_TRACK | REDIR_CLIENT_DEPRECATE_EOF | REDIR_CLIENT_QUERY_ATTRIBUTES,
    /* MySQL 5.5 era */
    REDIR_CLIENT_MYSQL | REDIR_CLIENT_PROTOCOL_41 | REDIR_CLIENT_TRANSACTIONS |
        REDIR_CLIENT_SECURE_CONNECTION | REDIR_CLIENT_PLUGIN_AUTH,
    /* pre-4.1 */
    REDIR_CLIENT_MYSQL | REDIR_CLIENT_TRANSACTIONS,
    0,
};

static const uint64_t caps_toggles[8] = {
    REDIR_CLIENT_SESSION_TRACK, REDIR_CLIENT_DEPRECATE_EOF,
    REDIR_CLIENT_PROTOCOL_41,   REDIR_CLIENT_TRANSACTIONS,
    REDIR_MARIADB_CLIENT_PROGRESS | REDIR_CLIENT_PROGRESS_OBSOLETE,
    REDIR_CLIENT_MULTI_FACTOR_AUTH, REDIR_CLIENT_MYSQL,
    REDIR_CLIENT_COMPRESS,
};

uint64_t fuzz_take_caps(const uint8_t **data, size_t *size) {
    uint64_t caps = caps_presets[0];
    if (*size >= 1) {
        caps = caps_presets[(*data)[0] % (sizeof caps_presets / sizeof caps_presets[0])];
        (*data)++;
        (*size)--;
    }
    if (*size >= 1) {
        for (int i = 0; i < 8; i++) {
            if ((*data)[0] & (1u << i)) {
                caps ^= caps_toggles[i];
            }
        }
        (*data)++;
        (*size)--;
    }
    return caps;
}

static uint8_t enc_buf[FUZZ_ENC_MAX + 64];

int fuzz_encode_checked(fuzz_encoder enc, const void *ctx, const uint8_t **out, size_t *out_len) {
    size_t need = 0;
    fuzz_lib_enter();
    redir_status st = enc(NULL, 0, &need, ctx);
    fuzz_lib_leave();
    if (st == REDIR_OK) {
        FUZZ_CHECK(need == 0);
    } else {
        FUZZ_CHECK(st == REDIR_E_NOSPACE);
    }
    if (need > FUZZ_ENC_MAX) {
        return 0;
    }
    /* One byte short: must refuse, report the same size, and leave the
     * poisoned byte at cap untouched. */
    if (need > 0) {
        memset(enc_buf, 0xA5, need + 64);
        size_t again = 0;
        fuzz_lib_enter();
        st = enc(enc_buf, need - 1, &again, ctx);
        fuzz_lib_leave();
        FUZZ_CHECK(st == REDIR_E_NOSPACE);
        FUZZ_CHECK(again == need);
        for (size_t i = need - 1; i < need + 64; i++) {
            FUZZ_CHECK(enc_buf[i] == 0xA5);
        }
    }
    /* A buffer with no room at all, and one half the size: still nothing
     * written at or past cap, and the same size reported. */
    memset(enc_buf, 0xA5, need + 64);
    size_t zero = 0;
    fuzz_lib_enter();
    st = enc(enc_buf, 0, &zero, ctx);
    fuzz_lib_leave();
    FUZZ_CHECK(need == 0 ? st == REDIR_OK : st == REDIR_E_NOSPACE);
    FUZZ_CHECK(zero == need && enc_buf[0] == 0xA5);
    if (need >= 4) {
        size_t half = need / 2;
        size_t again = 0;
        fuzz_lib_enter();
        st = enc(enc_buf, half, &again, ctx);
        fuzz_lib_leave();
        FUZZ_CHECK(st == REDIR_E_NOSPACE && again == need);
        for (size_t i = half; i < need + 64; i++) {
            FUZZ_CHECK(enc_buf[i] == 0xA5);
        }
    }
    memset(enc_buf + need, 0x5A, 64);
    size_t got = 0;
    fuzz_lib_enter();
    st = enc(enc_buf, need, &got, ctx);
    fuzz_lib_leave();
    FUZZ_CHECK(st == REDIR_OK);
    FUZZ_CHECK(got == need);
    for (size_t i = need; i < need + 64; i++) {
        FUZZ_CHECK(enc_buf[i] == 0x5A);
    }
    *out = enc_buf;
    *out_len = got;
    return 1;
}
