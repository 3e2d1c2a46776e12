/* One sync per organisation at a time, across processes (the daemon and a
 * hand-run `atsbridge sync`).  An flock on a file beside the store: the
 * kernel drops it when the holder dies, so a kill -9 never leaves it stuck. */
#ifndef ATSB_CORE_SYNCLOCK_H
#define ATSB_CORE_SYNCLOCK_H

#include "atsbridge/connector.h"

typedef struct synclock {
    int fd;
} synclock;

/* CORE_ERR_BUSY when another process holds it (wait = 0), or blocks until it
 * is free (wait != 0). */
int synclock_acquire(synclock *lk, const char *store_path, const char *org, const char *kind,
                     int wait, atsb_error *err);
void synclock_release(synclock *lk);

#endif
