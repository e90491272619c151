/*
 * Internal to the server engine: shared between the input side (server.c)
 * and the answers (server_reply.c).
 */
#ifndef REDIR_SERVER_INTERNAL_H
#define REDIR_SERVER_INTERNAL_H

#include "redir/server.h"

/* srv_to_idle: a command response (or the login) is complete; the next
 * client packet starts a command with sequence id 0. */
void srv_to_idle(redir_server *srv);

#endif
