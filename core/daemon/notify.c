#include "daemon/notify.h"

#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "base/log.h"
#include "base/util.h"

/* Only the scheduler thread calls these. */
static uint64_t g_watchdog_us;    /* 0: no watchdog */
static int64_t g_last_ping_ms;
static int g_last_queued = -1, g_last_running = -1;

/* CLOCK_MONOTONIC in µs, as systemd's MONOTONIC_USEC wants it. */
static uint64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void notify_ready(int workers, int connectors)
{
    /* sd_watchdog_enabled reads WATCHDOG_USEC/WATCHDOG_PID (ours only). */
    if (sd_watchdog_enabled(0, &g_watchdog_us) <= 0)
        g_watchdog_us = 0;
    sd_notifyf(0, "READY=1\nSTATUS=serving: %d workers, %d connectors loaded", workers,
               connectors);
    g_last_queued = g_last_running = -1;
    g_last_ping_ms = time_now_ms();
    if (g_watchdog_us)
        log_info("daemon", "systemd watchdog every %llu ms",
                 (unsigned long long)(g_watchdog_us / 1000));
}

void notify_reloading(void)
{
    sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading the configuration",
               (unsigned long long)monotonic_us());
}

void notify_stopping(void)
{
    sd_notify(0, "STOPPING=1\nSTATUS=stopping: finishing the page or push in flight");
}

void notify_tick(int queued, int running)
{
    int64_t now = time_now_ms();
    if (g_watchdog_us && (uint64_t)(now - g_last_ping_ms) * 1000u >= g_watchdog_us / 2) {
        sd_notify(0, "WATCHDOG=1");
        g_last_ping_ms = now;
    }
    if (queued != g_last_queued || running != g_last_running) {
        sd_notifyf(0, "STATUS=serving: %d task%s running, %d queued", running,
                   running == 1 ? "" : "s", queued);
        g_last_queued = queued;
        g_last_running = running;
    }
}
