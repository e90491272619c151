/* Allocation counting for the benchmarks: the bench executables define
 * malloc, calloc, realloc and free themselves (the dynamic linker resolves
 * every library's calls to them, libc's own included), count each call, and
 * hand it to glibc's allocator. */
#ifndef REDIR_BENCH_ALLOC_COUNT_H
#define REDIR_BENCH_ALLOC_COUNT_H

#include <stdint.h>

/* Allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc) since
 * the process started. */
uint64_t alloc_count(void);

#endif
