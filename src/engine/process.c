/* process.c: settings a program running the engine makes once, at start
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "scvae.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

/* Stages allocate buffers of tens of MB at 1024 px. By default glibc
 * gives most of them back to the kernel when they are freed (mmap above a
 * threshold, trimming the heap's top), so the next stage touches new pages
 * and faults on each one. Under a hypervisor that was the largest cost of
 * all: encoding, coding and decoding a 1024x768 image took 58,000 faults;
 * with freed memory kept, encode went from 400 to 230 ms and decode from
 * 230 to 105 ms, for 11 % more peak memory. So every block comes from the
 * heap, which keeps up to 256 MB of freed memory for reuse. (Raising
 * mmap's threshold to its largest, 32 MB, still left encode's 64 MB
 * D-products and segmentation's feature parts at 1024 px in fresh pages:
 * 16,385 faults an encode, and encode took 220-260 ms instead of
 * 125-135.) The session also keeps its largest buffers itself, from one
 * call to the next. */
static void
keep_freed_memory (void)
{
#ifdef __GLIBC__
  mallopt (M_MMAP_MAX, 0);
  mallopt (M_TRIM_THRESHOLD, 256 << 20);
#endif
}

void
scvae_init_process (void)
{
  keep_freed_memory ();
}
