// One malloc arena for the process, set before main (and before any thread): robofy-tui's
// threads (the event loop's, the UI's, the concurrency pool's) each got an arena of their own,
// and a long answer's memory, allocated on one thread and freed on another, stayed spread
// over them: 4 MiB answer, 6.1 → 4.7 bytes of RSS per answer byte. glibc's per-thread cache
// keeps small allocations off the arena's lock.
//
// And a fixed mmap threshold (128 KiB, glibc's default): glibc raises the threshold each time a
// large mapped buffer is freed, so after the first one an answer's growing buffers (its text,
// its lines' blocks) came from the heap, and each growth left a hole there that RSS kept.
// A user's MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_ or glibc tunable still decides.
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

__attribute__((constructor)) static void rt_one_malloc_arena(void) {
    const char *tunables = getenv("GLIBC_TUNABLES");
    (void)tunables;
#ifdef M_ARENA_MAX
    if (getenv("MALLOC_ARENA_MAX") == NULL && (tunables == NULL || strstr(tunables, "arena_max") == NULL))
        mallopt(M_ARENA_MAX, 1);
#endif
#ifdef M_MMAP_THRESHOLD
    if (getenv("MALLOC_MMAP_THRESHOLD_") == NULL && (tunables == NULL || strstr(tunables, "mmap_threshold") == NULL))
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}
