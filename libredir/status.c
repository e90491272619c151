#include "redir/redir.h"

#define NAME_CASE_(name, value, msg) \
    case REDIR_##name:               \
        return #name;
#define MSG_CASE_(name, value, msg) \
    case REDIR_##name:              \
        return msg;
#define VALUE_(name, value, msg) REDIR_##name,

static const redir_status all_statuses[] = {REDIR_STATUS_LIST(VALUE_)};

const char *redir_status_name(redir_status status) {
    switch (status) {
        REDIR_STATUS_LIST(NAME_CASE_)
    }
    return NULL;
}

const char *redir_status_message(redir_status status) {
    switch (status) {
        REDIR_STATUS_LIST(MSG_CASE_)
    }
    return NULL;
}

bool redir_status_is_error(redir_status status) {
    return status != REDIR_OK && status != REDIR_DONE && status != REDIR_NOT_FOUND;
}

size_t redir_status_count(void) { return sizeof all_statuses / sizeof all_statuses[0]; }

bool redir_status_at(size_t index, redir_status *out) {
    if (index >= redir_status_count()) {
        return false;
    }
    *out = all_statuses[index];
    return true;
}

const char *redir_version(void) { return REDIR_VERSION_STRING; }
