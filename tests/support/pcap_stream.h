/* Reading one direction of a captured TCP connection as a byte stream. */
#ifndef REDIR_TEST_PCAP_STREAM_H
#define REDIR_TEST_PCAP_STREAM_H

#include <stddef.h>
#include <stdint.h>

/* pcap_stream reads a classic pcap file (Ethernet link type) holding one TCP
 * connection and returns the payload bytes one side sent, in TCP sequence
 * order with retransmissions dropped: to_server selects the client's bytes.
 * The server is the side that answered the SYN, or else the side using
 * server_port. A gap or an unreadable file aborts the test process. The
 * result is malloc'd (free it); *out_len is its size. */
uint8_t *pcap_stream(const char *path, uint16_t server_port, int to_server, size_t *out_len);

#endif
