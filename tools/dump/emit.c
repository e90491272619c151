/* Event delivery: every layer reports through the session's callback. */
#include <string.h>

#include "dump_internal.h"

void dump__emit(dump_session *s, dump_event *ev) {
    ev->ts = s->cur_ts;
    ev->frame = s->cur_frame;
    if (s->fn != NULL) {
        s->fn(s->ctx, ev);
    }
}

void dump__emit_simple(dump_session *s, dump_flow_internal *f, dump_event_type type, dump_dir dir,
                       uint64_t bytes, const char *text) {
    dump_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = type;
    ev.flow = &f->pub;
    ev.dir = dir;
    ev.bytes = bytes;
    ev.text = text;
    dump__emit(s, &ev);
}
