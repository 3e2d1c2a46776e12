/* Task deaths counted in this process, for GET /metrics: a worker that
 * crashed, called exit(), ran out of time or memory while running a task.
 * Per process (like the ATS request counters): complete where the daemon
 * serves the API itself (api.listen). */
#ifndef ATSB_CORE_TASK_STATS_H
#define ATSB_CORE_TASK_STATS_H

/* how: "signal", "exit", "timeout" or "memory". */
void task_stats_note_death(const char *connector, const char *how);
/* Every (connector, how) counted so far; stops when cb returns non-zero. */
void task_stats_each(int (*cb)(const char *connector, const char *how, long count, void *payload),
                     void *payload);

#endif
