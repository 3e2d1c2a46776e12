/* A growing hash set of org ids (> 0): the orgs this daemon has a task
 * queued or running for.  No cap: it grows with the fleet. */
#ifndef ATSB_CORE_DAEMON_IDSET_H
#define ATSB_CORE_DAEMON_IDSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct idset {
    int64_t *slots;   /* 0: empty */
    size_t cap;       /* a power of two, or 0 */
    size_t n;
} idset;

/* 0, or -1 when out of memory (the set is unchanged). */
int idset_add(idset *s, int64_t id);
void idset_del(idset *s, int64_t id);
int idset_has(const idset *s, int64_t id);
/* Up to max ids into out; returns how many. */
size_t idset_ids(const idset *s, int64_t *out, size_t max);
void idset_free(idset *s);

#endif
