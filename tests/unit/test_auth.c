#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/packets.h"
#include "testutil.h"

/* AuthSwitchRequest and AuthMoreData payloads from real servers (see
 * /work/shared/pcaps/INDEX.md). */
static const char mysql8021_switch[] = /* deepflow mysql.pcap: caching_sha2 -> native */
    "fe6d7973716c5f6e61746976655f70617373776f7264003d504670126d6b117e793c716e333d706539"
    "797100";
static const char cu_switch[] = /* zeek change-user-success.pcap, at login */
    "fe6d7973716c5f6e61746976655f70617373776f726400113c676d3d4e4a2d120f680d647151621d5a"
    "323400";
static const char cu_switch_change_user[] = /* same capture, after COM_CHANGE_USER */
    "fe6d7973716c5f6e61746976655f70617373776f726400113c676d3d4e4a2d120f680d647151621d5a"
    "323400";
static const char afterswitch_switch[] = /* zeek ...-after-auth-switch: native -> sha2 */
    "fe63616368696e675f736861325f70617373776f726400567a08772b5e047002547601227e11341452"
    "503600";
static const char navicat_switch[] = /* zeek mysql8-navicat-login-failed: -> sha256 */
    "fe7368613235365f70617373776f726400283a3101744b3777562d42412e17686629440b2800";

static const char sha2_pubkey[] = /* zeek caching_sha2_password.pcap: RSA public key */
    "012d2d2d2d2d424547494e205055424c4943204b45592d2d2d2d2d0a4d494942496a414e42676b7168"
    "6b6947397730424151454641414f43415138414d49494243674b434151454130564143792f62593630"
    "4d52755057366143785a0a62692b6f3045674367787a464f6262797a44666e546e564a65674f586272"
    "646362753171496c456a50796e37554d42666a51722b567565694a76506a7a324d380a642f36475831"
    "683466597577573462455842566f344847784d384e3049794f3142596a61664f616f55654c2f4e492b"
    "624c69664837304b6f7249635355522b680a383739444151307a6c4b7a3576777044594e324c567869"
    "646a4676793562615350692f6373444d7169326a697442417a624e573939324f2f763943506e683566"
    "0a6b64524d61326c4d504b785261506571417739553743416d52714161485a41666449356b596e6a33"
    "76734f46764b4c32646b452b636b5938736835483275746f0a33372b6d67366f6c6c35507379644d62"
    "53757646484c63304a5a6d2b2b6f656d357a3257735a4264786d6f68714a38466f6334335738494f74"
    "78732b59414f770a76774944415141420a2d2d2d2d2d454e44205055424c4943204b45592d2d2d2d2d"
    "0a";
static const char dk4_pubkey[] = /* datakit mysql_4.pcapng: RSA public key */
    "012d2d2d2d2d424547494e205055424c4943204b45592d2d2d2d2d0a4d494942496a414e42676b7168"
    "6b6947397730424151454641414f43415138414d49494243674b434151454173635743454470323255"
    "35593246716347612b460a336e4b685751654d4f44763330516c466632486548314d74482b4c707066"
    "4950736e4538303165694e73586d6255334c5735495a77314b45712f4843423243760a32344c4a586f"
    "36517454744c596845336f475855684261463756644e36324939787a52326c4433476d3646464c7a6e"
    "6c464f35446b2f4955374862316c4c6c4c0a77755a54336f51782b62475530576b47626d54482b7472"
    "446b45646d355376736a6d2f32306b546e652f364a7257484e547341314c6a67696371314b6b6a536b"
    "0a446674724a416c38367a41334f5043486555724f48336b6d4c352b7a484341716368692b63347a64"
    "4363625762664b66533532534b6c507548632b78596d64770a744567546a4770626a4a3952566b5439"
    "356a726638656e4430794d527146374c50433854764d30634e6b393746533771634a3939596477502b"
    "45796c4f704a780a4f514944415141420a2d2d2d2d2d454e44205055424c4943204b45592d2d2d2d2d"
    "0a";

struct switch_vec {
    const char *name;
    const char *hex;
    const char *plugin;
    const char *data_hex; /* trailing 0x00 included */
};

static const struct switch_vec real_switches[] = {
    {"mysql-8.0.21", mysql8021_switch, "mysql_native_password",
     "3d504670126d6b117e793c716e333d706539797100"},
    {"mysql-8.4.2", cu_switch, "mysql_native_password",
     "113c676d3d4e4a2d120f680d647151621d5a323400"},
    {"mysql-8.4.2-change-user", cu_switch_change_user, "mysql_native_password",
     "113c676d3d4e4a2d120f680d647151621d5a323400"},
    {"mysql-8.0.32", afterswitch_switch, "caching_sha2_password",
     "567a08772b5e047002547601227e11341452503600"},
    {"mysql-8.0.35-navicat", navicat_switch, "sha256_password",
     "283a3101744b3777562d42412e17686629440b2800"},
};

static bool span_is(redir_span s, const char *str) {
    return s.len == strlen(str) && (s.len == 0 || memcmp(s.ptr, str, s.len) == 0);
}

static bool span_is_hex(redir_span s, const char *hex) {
    size_t n;
    const uint8_t *b = hexbuf(7, hex, &n);
    return s.len == n && (n == 0 || memcmp(s.ptr, b, n) == 0);
}

static void assert_switch_reencodes(const redir_auth_switch *s, const uint8_t *want, size_t n) {
    uint8_t out[256];
    size_t out_len = 0;
    cr_assert(eq(int, redir_auth_switch_encode(out, sizeof out, &out_len, s), REDIR_OK));
    cr_assert(eq(sz, out_len, n));
    cr_assert(eq(int, memcmp(out, want, n), 0));
}

Test(auth_switch, real_captures_decode_exactly_and_reencode) {
    for (size_t i = 0; i < sizeof real_switches / sizeof real_switches[0]; i++) {
        const struct switch_vec *v = &real_switches[i];
        size_t n;
        const uint8_t *raw = hexbuf(0, v->hex, &n);
        const uint8_t *in = guard_copy(0, raw, n);
        redir_auth_switch s;
        redir_diag d;
        cr_assert(eq(int, redir_auth_switch_decode(&s, &d, in, n), REDIR_OK), "%s", v->name);
        cr_assert(eq(int, s.old_form, false));
        cr_assert(span_is(s.auth_plugin, v->plugin), "%s", v->name);
        cr_assert(span_is_hex(s.auth_data, v->data_hex), "%s", v->name);
        /* mysql_common #193: the data keeps its trailing 0x00 */
        cr_assert(eq(sz, s.auth_data.len, 21));
        cr_assert(eq(u8, s.auth_data.ptr[20], 0));
        cr_assert(s.auth_plugin.ptr == in + 1);
        assert_switch_reencodes(&s, raw, n);

        /* prefixes: nothing, the old form, a name without NUL, shorter data */
        size_t name_end = 1 + strlen(v->plugin); /* offset of the NUL */
        for (size_t k = 0; k < n; k++) {
            const uint8_t *p = guard_copy(1, raw, k);
            redir_diag pd = {999, 999};
            redir_status st = redir_auth_switch_decode(&s, &pd, p, k);
            if (k == 0) {
                cr_assert(eq(int, st, REDIR_E_TRUNCATED));
                cr_assert(eq(sz, pd.offset, 0));
                cr_assert(eq(sz, pd.needed, 1));
            } else if (k == 1) {
                cr_assert(eq(int, st, REDIR_OK));
                cr_assert(eq(int, s.old_form, true));
            } else if (k <= name_end) {
                cr_assert(eq(int, st, REDIR_E_NO_TERMINATOR), "%s prefix %zu", v->name, k);
                cr_assert(eq(sz, pd.offset, k));
                cr_assert(eq(sz, s.auth_plugin.len, 0));
            } else {
                cr_assert(eq(int, st, REDIR_OK), "%s prefix %zu", v->name, k);
                cr_assert(span_is(s.auth_plugin, v->plugin));
                cr_assert(eq(sz, s.auth_data.len, k - name_end - 1));
                assert_switch_reencodes(&s, raw, k);
            }
        }
    }
}

Test(auth_switch, old_form_is_one_byte_fe) {
    const uint8_t in[] = {0xfe};
    redir_auth_switch s;
    cr_assert(eq(int, redir_auth_switch_decode(&s, NULL, guard_copy(0, in, 1), 1), REDIR_OK));
    cr_assert(eq(int, s.old_form, true));
    cr_assert(eq(sz, s.auth_plugin.len, 0));
    cr_assert(eq(sz, s.auth_data.len, 0));
    assert_switch_reencodes(&s, in, 1);
}

Test(auth_switch, empty_name_with_nul_is_not_old_form) {
    const uint8_t in[] = {0xfe, 0x00};
    redir_auth_switch s;
    cr_assert(eq(int, redir_auth_switch_decode(&s, NULL, guard_copy(0, in, 2), 2), REDIR_OK));
    cr_assert(eq(int, s.old_form, false));
    cr_assert(eq(sz, s.auth_plugin.len, 0));
    cr_assert(eq(sz, s.auth_data.len, 0));
    assert_switch_reencodes(&s, in, 2);
}

Test(auth_switch, conc_auth_switch_name_without_nul) {
    /* Connector/C once ran strlen() past the end of such a packet. */
    const uint8_t in[] = {0xfe, 'm', 'y', 's', 'q', 'l'};
    redir_auth_switch s;
    redir_diag d = {0, 0};
    cr_assert(eq(int, redir_auth_switch_decode(&s, &d, guard_copy(0, in, sizeof in), sizeof in),
                 REDIR_E_NO_TERMINATOR));
    cr_assert(eq(sz, d.offset, sizeof in));
    cr_assert(eq(int, s.old_form, false));
    cr_assert(s.auth_plugin.ptr == NULL);
}

Test(auth_switch, wrong_first_byte_is_bad_header) {
    static const uint8_t firsts[] = {0x00, 0x01, 0x02, 0xff, 0x0a};
    for (size_t i = 0; i < sizeof firsts; i++) {
        uint8_t in[4] = {firsts[i], 'a', 0x00, 0x01};
        redir_auth_switch s;
        redir_diag d = {9, 9};
        cr_assert(eq(int, redir_auth_switch_decode(&s, &d, guard_copy(0, in, 4), 4),
                     REDIR_E_BAD_HEADER));
        cr_assert(eq(sz, d.offset, 0));
    }
}

Test(auth_switch, encode_sizes_and_rejects) {
    size_t n;
    const uint8_t *raw = hexbuf(0, mysql8021_switch, &n);
    redir_auth_switch s;
    cr_assert(eq(int, redir_auth_switch_decode(&s, NULL, raw, n), REDIR_OK));
    size_t need = 0;
    cr_assert(eq(int, redir_auth_switch_encode(NULL, 0, &need, &s), REDIR_E_NOSPACE));
    cr_assert(eq(sz, need, n));
    uint8_t small[64];
    memset(small, 0xAA, sizeof small);
    cr_assert(eq(int, redir_auth_switch_encode(small, n - 1, &need, &s), REDIR_E_NOSPACE));
    cr_assert(eq(sz, need, n));
    cr_assert(eq(u8, small[n - 1], 0xAA));

    redir_auth_switch bad = s;
    bad.auth_plugin = redir_span_of("my\0sql", 6);
    cr_assert(eq(int, redir_auth_switch_encode(small, sizeof small, &need, &bad),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(sz, need, 0));
    bad = s;
    bad.old_form = true; /* the old form carries no name or data */
    cr_assert(eq(int, redir_auth_switch_encode(small, sizeof small, &need, &bad),
                 REDIR_E_INVALID_ARGUMENT));

    bad = s;
    bad.auth_data = redir_span_of(NULL, 4);
    cr_assert(eq(int, redir_auth_switch_encode(small, sizeof small, &need, &bad),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(int, redir_auth_more_data_encode(small, sizeof small, &need,
                                                  redir_span_of(NULL, 1)),
                 REDIR_E_INVALID_ARGUMENT));
    cr_assert(eq(sz, need, 0));

    /* built from fields, a switch to sha256_password with a 20-byte nonce */
    redir_auth_switch built;
    memset(&built, 0, sizeof built);
    built.auth_plugin = redir_span_of("sha256_password", 15);
    const uint8_t *want = hexbuf(1, navicat_switch, &n);
    built.auth_data = redir_span_of(want + 17, 21);
    assert_switch_reencodes(&built, want, n);
}

struct more_vec {
    const char *name;
    const char *hex;
};

Test(auth_more_data, caching_sha2_fast_and_full_auth) {
    /* zeek caching_sha2_password.pcap and datakit mysql_4: 01 03 fast auth
     * success, 01 04 perform full authentication */
    static const struct {
        const char *hex;
        uint8_t value;
    } v[] = {{"0103", 0x03}, {"0104", 0x04}};
    for (size_t i = 0; i < 2; i++) {
        size_t n;
        const uint8_t *raw = hexbuf(0, v[i].hex, &n);
        const uint8_t *in = guard_copy(0, raw, n);
        redir_span data;
        redir_diag d;
        cr_assert(eq(int, redir_auth_more_data_decode(&data, &d, in, n), REDIR_OK));
        cr_assert(eq(sz, data.len, 1));
        cr_assert(eq(u8, data.ptr[0], v[i].value));
        cr_assert(data.ptr == in + 1);
        uint8_t out[2];
        size_t out_len;
        cr_assert(eq(int, redir_auth_more_data_encode(out, sizeof out, &out_len, data), REDIR_OK));
        cr_assert(eq(sz, out_len, 2));
        cr_assert(eq(int, memcmp(out, raw, 2), 0));
    }
}

Test(auth_more_data, public_key_from_real_servers) {
    static const struct more_vec keys[] = {{"mysql-8.0.32", sha2_pubkey},
                                           {"mysql-8.4.0", dk4_pubkey}};
    static const char begin[] = "-----BEGIN PUBLIC KEY-----\n";
    static const char end[] = "-----END PUBLIC KEY-----\n";
    for (size_t i = 0; i < 2; i++) {
        size_t n;
        const uint8_t *raw = hexbuf(0, keys[i].hex, &n);
        cr_assert(eq(sz, n, 452));
        redir_span data;
        cr_assert(eq(int, redir_auth_more_data_decode(&data, NULL, guard_copy(0, raw, n), n),
                     REDIR_OK), "%s", keys[i].name);
        cr_assert(eq(sz, data.len, 451));
        cr_assert(eq(int, memcmp(data.ptr, begin, strlen(begin)), 0));
        cr_assert(eq(int, memcmp(data.ptr + data.len - strlen(end), end, strlen(end)), 0));
        uint8_t out[512];
        size_t out_len;
        cr_assert(eq(int, redir_auth_more_data_encode(out, sizeof out, &out_len, data), REDIR_OK));
        cr_assert(eq(sz, out_len, n));
        cr_assert(eq(int, memcmp(out, raw, n), 0));
        size_t need = 0;
        memset(out, 0xAA, sizeof out);
        cr_assert(eq(int, redir_auth_more_data_encode(out, n - 1, &need, data), REDIR_E_NOSPACE));
        cr_assert(eq(sz, need, n));
        cr_assert(eq(u8, out[n - 1], 0xAA));
        /* every prefix but the empty one is valid AuthMoreData */
        for (size_t k = 0; k < n; k++) {
            redir_diag d = {9, 9};
            redir_status st = redir_auth_more_data_decode(&data, &d, guard_copy(1, raw, k), k);
            if (k == 0) {
                cr_assert(eq(int, st, REDIR_E_TRUNCATED));
                cr_assert(eq(sz, d.offset, 0));
                cr_assert(eq(sz, d.needed, 1));
                cr_assert(eq(sz, data.len, 0));
            } else {
                cr_assert(eq(int, st, REDIR_OK));
                cr_assert(eq(sz, data.len, k - 1));
            }
        }
    }
}

Test(auth_more_data, header_only_and_wrong_header) {
    const uint8_t one[] = {0x01};
    redir_span data;
    redir_diag d = {9, 9};
    cr_assert(eq(int, redir_auth_more_data_decode(&data, &d, guard_copy(0, one, 1), 1), REDIR_OK));
    cr_assert(eq(sz, data.len, 0));
    const uint8_t wrong[] = {0x02, 0x04};
    cr_assert(eq(int, redir_auth_more_data_decode(&data, &d, guard_copy(0, wrong, 2), 2),
                 REDIR_E_BAD_HEADER));
    cr_assert(eq(sz, d.offset, 0));
    cr_assert(data.ptr == NULL);
    const uint8_t fe[] = {0xfe, 0x00};
    cr_assert(eq(int, redir_auth_more_data_decode(&data, &d, guard_copy(0, fe, 2), 2),
                 REDIR_E_BAD_HEADER));
    uint8_t out[1];
    size_t out_len;
    cr_assert(eq(int, redir_auth_more_data_encode(out, 1, &out_len, redir_span_of(NULL, 0)),
                 REDIR_OK));
    cr_assert(eq(sz, out_len, 1));
    cr_assert(eq(u8, out[0], 0x01));
    cr_assert(eq(int, redir_auth_more_data_encode(NULL, 0, &out_len, redir_span_of("\x04", 1)),
                 REDIR_E_NOSPACE));
    cr_assert(eq(sz, out_len, 2));
}
