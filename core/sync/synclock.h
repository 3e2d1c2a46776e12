/* One sync per organisation at a time, across processes (the daemon and a
 * hand-run `atsbridge sync`) and, on a shared store, across machines.
 * SQLite: an flock on a file beside the store.  PostgreSQL: an advisory
 * lock held by the store's session.  Either way the holder's death (the
 * kernel closing the file, the server ending the session) releases it, so
 * a kill -9 never leaves it stuck. */
#ifndef ATSB_CORE_SYNCLOCK_H
#define ATSB_CORE_SYNCLOCK_H

#include "atsbridge/connector.h"
#include "store/store.h"

typedef struct synclock {
    int fd;
    store *st;      /* set while an advisory lock is held */
    char name[160];
} synclock;

#define SYNCLOCK_INIT { -1, NULL, "" }

/* CORE_ERR_BUSY when another process holds it (wait = 0), or blocks until it
 * is free (wait != 0). */
int synclock_acquire(synclock *lk, store *st, const char *store_path, const char *org,
                     const char *kind, int wait, atsb_error *err);
void synclock_release(synclock *lk);

#endif
