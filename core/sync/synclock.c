#include "sync/synclock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/util.h"

int synclock_acquire(synclock *lk, store *st, const char *store_path, const char *org,
                     const char *kind, int wait, atsb_error *err)
{
    lk->fd = -1;
    lk->st = NULL;
    if (store_is_shared(st)) {
        snprintf(lk->name, sizeof(lk->name), "sync:%s:%s", org, kind);
        int rc = store_lock_take(st, lk->name, wait, err);
        if (rc == CORE_ERR_BUSY)
            return err_set(err, CORE_ERR_BUSY,
                           "a %s sync for %s is already running (on this or another machine); "
                           "try again when it has finished", kind, org);
        if (!rc)
            lk->st = st;
        return rc;
    }
    char *path = str_printf("%s.%s.%s.lock", store_path, org, kind);
    if (!path)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        int rc = err_set(err, CORE_ERR_STORE, "lock file %s: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    int r;
    while ((r = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) != 0 && errno == EINTR)
        ;
    if (r != 0) {
        int busy = errno == EWOULDBLOCK;
        int rc = busy ? err_set(err, CORE_ERR_BUSY,
                                "a %s sync for %s is already running (lock %s); try again "
                                "when it has finished", kind, org, path)
                      : err_set(err, CORE_ERR_STORE, "lock %s: %s", path, strerror(errno));
        close(fd);
        free(path);
        return rc;
    }
    free(path);
    lk->fd = fd;
    return ATSB_OK;
}

void synclock_release(synclock *lk)
{
    if (lk->st)
        store_lock_release(lk->st, lk->name);
    lk->st = NULL;
    if (lk->fd >= 0) {
        flock(lk->fd, LOCK_UN);
        close(lk->fd);
    }
    lk->fd = -1;
}
