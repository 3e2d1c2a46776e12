/* The daemon's side of systemd's service protocol (Type=notify): READY,
 * RELOADING, STOPPING and STATUS through libsystemd's sd_notify, and the
 * watchdog (WatchdogSec=), pinged from the scheduler loop only, so a daemon
 * whose loop hangs is killed and restarted.  Outside systemd (no
 * NOTIFY_SOCKET) every call is a cheap no-op. */
#ifndef ATSB_CORE_NOTIFY_H
#define ATSB_CORE_NOTIFY_H

/* After start-up: READY=1 and a STATUS line. */
void notify_ready(int workers, int connectors);
/* SIGHUP: RELOADING=1 before the reload, notify_ready after it. */
void notify_reloading(void);
void notify_stopping(void);
/* Once per scheduler pass: the watchdog ping (at half its interval) and
 * STATUS when the tasks running or queued changed. */
void notify_tick(int queued, int running);

#endif
