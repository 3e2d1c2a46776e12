/* Process-wide "please stop" flag, set from signal handlers and polled by
 * long operations (HTTP waits, job pages, the daemon loop). */
#ifndef ATSB_CORE_RUNSTATE_H
#define ATSB_CORE_RUNSTATE_H

void runstate_request_stop(void);      /* async-signal-safe */
int runstate_stop_requested(void);
void runstate_reset(void);

#endif
