#include "daemon/task_stats.h"

#include <pthread.h>

#include "base/util.h"

/* A fleet has a handful of connectors and four ways to die: a small fixed
 * table; a pair that does not fit is counted under "other". */
#define TASK_STATS_MAX 64

typedef struct death_row {
    char connector[64];
    char how[16];
    long count;
} death_row;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static death_row g_rows[TASK_STATS_MAX];
static int g_n;

void task_stats_note_death(const char *connector, const char *how)
{
    pthread_mutex_lock(&g_lock);
    int i = 0;
    while (i < g_n && !(str_eq(g_rows[i].connector, connector) && str_eq(g_rows[i].how, how)))
        i++;
    if (i == g_n) {
        if (g_n == TASK_STATS_MAX) {
            connector = "other";
            for (i = 0; i < g_n && !str_eq(g_rows[i].connector, "other"); i++) {}
            if (i == g_n)
                i = g_n - 1; /* the table's last row absorbs the rest */
        } else {
            str_copy(g_rows[i].connector, sizeof(g_rows[i].connector), connector);
            str_copy(g_rows[i].how, sizeof(g_rows[i].how), how);
            g_n++;
        }
    }
    g_rows[i].count++;
    pthread_mutex_unlock(&g_lock);
}

void task_stats_each(int (*cb)(const char *connector, const char *how, long count, void *payload),
                     void *payload)
{
    death_row copy[TASK_STATS_MAX];
    pthread_mutex_lock(&g_lock);
    int n = g_n;
    for (int i = 0; i < n; i++)
        copy[i] = g_rows[i];
    pthread_mutex_unlock(&g_lock);
    for (int i = 0; i < n; i++)
        if (cb(copy[i].connector, copy[i].how, copy[i].count, payload))
            break;
}
