/* Zeroed memory for the big tables, on huge pages where the kernel can. */
#ifndef TOF_CORE_MEM_H
#define TOF_CORE_MEM_H

#include <stddef.h>

void *tof_mem_alloc(size_t len);
void tof_mem_free(void *p, size_t len);

#endif
