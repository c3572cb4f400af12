/* Memory for the big tables: anonymous mappings the kernel may back with
 * transparent huge pages, so a lookup into a table of hundreds of MiB does
 * not also miss the TLB (with 4 KiB pages every random access does). */
#include <sys/mman.h>

#include "tof_mem.h"

#define TOF_HUGE (2u << 20)

void *tof_mem_alloc(size_t len)
{
	void *p;

	if (len == 0)
		len = 1;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Zeroed, page-aligned (so cache-line aligned); huge pages where the
	 * kernel has them (a hint: fine if refused). */
	if (len >= TOF_HUGE)
		(void)madvise(p, len, MADV_HUGEPAGE);
	return p;
}

void tof_mem_free(void *p, size_t len)
{
	if (p != NULL)
		munmap(p, len == 0 ? 1 : len);
}
