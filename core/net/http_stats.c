/* Counters of this process's ATS requests, for GET /metrics: by connector
 * and HTTP status (0: no reply), and rate-limit waits. */
#include <pthread.h>
#include <string.h>

#include "net/http.h"
#include "base/util.h"

#define SLOTS 256

typedef struct slot {
    char name[64];
    int status;
    long count;
} slot;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static slot g_slots[SLOTS];
static int g_used;
static long g_waits;

void http_stats_note(const char *name, int status)
{
    pthread_mutex_lock(&g_lock);
    int i;
    for (i = 0; i < g_used; i++)
        if (g_slots[i].status == status && str_eq(g_slots[i].name, name))
            break;
    if (i == g_used && g_used < SLOTS) {
        str_copy(g_slots[i].name, sizeof(g_slots[i].name), name);
        g_slots[i].status = status;
        g_used++;
    }
    if (i < SLOTS)
        g_slots[i].count++;
    pthread_mutex_unlock(&g_lock);
}

void http_stats_note_wait(void)
{
    pthread_mutex_lock(&g_lock);
    g_waits++;
    pthread_mutex_unlock(&g_lock);
}

void http_stats_each(int (*cb)(const char *name, int status, long count, void *payload),
                     void *payload)
{
    slot copy[SLOTS];
    pthread_mutex_lock(&g_lock);
    int n = g_used;
    memcpy(copy, g_slots, sizeof(slot) * (size_t)n);
    pthread_mutex_unlock(&g_lock);
    for (int i = 0; i < n; i++)
        if (cb(copy[i].name, copy[i].status, copy[i].count, payload))
            break;
}

long http_stats_rate_waits(void)
{
    pthread_mutex_lock(&g_lock);
    long n = g_waits;
    pthread_mutex_unlock(&g_lock);
    return n;
}
