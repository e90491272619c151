#include <string.h>

#include "redir/policy.h"
#include "util.h"

void redir_target_cache_init(redir_target_cache *c) { memset(c, 0, sizeof *c); }

void redir_target_cache_invalidate(redir_target_cache *c) { redir_target_cache_init(c); }

/* Host names compare without regard to ASCII case. */
static bool same_host(const uint8_t *a, size_t a_len, redir_span b) {
    if (a_len != b.len) {
        return false;
    }
    for (size_t i = 0; i < a_len; i++) {
        if (redir__ascii_lower(a[i]) != redir__ascii_lower(b.ptr[i])) {
            return false;
        }
    }
    return true;
}

redir_status redir_target_cache_store(redir_target_cache *c, redir_span origin, uint16_t origin_port,
                               redir_span target, uint16_t target_port, uint64_t ttl_ms,
                               uint64_t now_ms) {
    if (origin.len > REDIR_CACHE_HOST_MAX || target.len > REDIR_CACHE_HOST_MAX) {
        return REDIR_E_FIELD_TOO_LONG;
    }
    if (ttl_ms == 0) {
        redir_target_cache_invalidate(c);
        return REDIR_OK;
    }
    redir_target_cache_init(c);
    c->valid = true;
    /* Saturate: a huge ttl means "until replaced", never a wrapped past time. */
    c->expires_ms = ttl_ms > UINT64_MAX - now_ms ? UINT64_MAX : now_ms + ttl_ms;
    c->origin_port = origin_port;
    c->target_port = target_port;
    c->origin_len = origin.len;
    c->target_len = target.len;
    if (origin.len > 0) {
        memcpy(c->origin, origin.ptr, origin.len);
    }
    if (target.len > 0) {
        memcpy(c->target, target.ptr, target.len);
    }
    return REDIR_OK;
}

redir_status redir_target_cache_lookup(redir_target_cache *c, redir_span *target,
                                       uint16_t *target_port, redir_span origin,
                                       uint16_t origin_port, uint64_t now_ms) {
    *target = redir_span_of(NULL, 0);
    *target_port = 0;
    if (!c->valid) {
        return REDIR_NOT_FOUND;
    }
    if (now_ms >= c->expires_ms) {
        redir_target_cache_invalidate(c);
        return REDIR_NOT_FOUND;
    }
    if (c->origin_port != origin_port || !same_host(c->origin, c->origin_len, origin)) {
        return REDIR_NOT_FOUND;
    }
    *target = redir_span_of(c->target, c->target_len);
    *target_port = c->target_port;
    return REDIR_OK;
}
