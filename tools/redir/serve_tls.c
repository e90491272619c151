/* redir serve: a certificate no CA vouches for, made at start-up for the
 * tls-unverified scenario (and for scenarios that must offer TLS when no
 * certificate was given). */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "serve.h"
#include "tls.h"

SSL_CTX *serve_tls_selfsigned(char *err, size_t err_len) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *name = x != NULL ? X509_get_subject_name(x) : NULL;
    X509_EXTENSION *san = NULL;
    bool ok = ctx != NULL && pkey != NULL && name != NULL &&
              SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
              X509_set_version(x, 2) == 1 && ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1 &&
              X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
              X509_gmtime_adj(X509_getm_notAfter(x), 86400) != NULL &&
              X509_set_pubkey(x, pkey) == 1 &&
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                         (const unsigned char *)"redir serve unverified", -1, -1,
                                         0) == 1 &&
              X509_set_issuer_name(x, name) == 1;
    if (ok) {
        /* the names match, so only the missing trust can make a client refuse */
        san = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
                                  "IP:127.0.0.1,IP:::1,DNS:localhost");
        ok = san != NULL && X509_add_ext(x, san, -1) == 1 &&
             X509_sign(x, pkey, EVP_sha256()) > 0 && SSL_CTX_use_certificate(ctx, x) == 1 &&
             SSL_CTX_use_PrivateKey(ctx, pkey) == 1;
    }
    if (!ok) {
        unsigned long e = ERR_get_error();
        char why[160] = "unknown error";
        if (e != 0) {
            ERR_error_string_n(e, why, sizeof why);
        }
        ERR_clear_error();
        snprintf(err, err_len, "self-signed certificate: %s", why);
        SSL_CTX_free(ctx);
        ctx = NULL;
    }
    X509_EXTENSION_free(san);
    X509_free(x);
    EVP_PKEY_free(pkey);
    return ctx;
}
