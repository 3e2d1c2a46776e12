/* make bench, isolation: what running a task in a child process costs.
 *   task_bench CONF DB PLUGINS ORG jobs|push isolated|inproc N
 *       runs the org's job sync (a full pass) or outbox drain N times
 *       through task_run and prints each run's milliseconds, one a line;
 *       only the task is timed, not this program's start.
 *   task_bench CONF DB PLUGINS ORG models N
 *       the process models' fixed cost per task, in microseconds: fork and
 *       wait (no exec), a round trip to a pre-forked worker over a
 *       socketpair, and a re-exec'd __task-child doing a no-op task (the
 *       org's outbox must be empty).
 * Being linked like atsbridge, it is its own __task-child and
 * __profile-child. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/config.h"
#include "cands/profile.h"
#include "base/util.h"
#include "daemon/task_run.h"
#include "net/http.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, const atsb_error *err)
{
    fprintf(stderr, "task_bench: %s: %s\n", what, err ? err->message : "failed");
    exit(1);
}

static double fork_wait_us(int n)
{
    double t0 = now_ms();
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        if (pid < 0 || waitpid(pid, NULL, 0) != pid)
            die("fork", NULL);
    }
    return (now_ms() - t0) * 1e3 / n;
}

static double socketpair_us(int n)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        die("socketpair", NULL);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(sv[0]);
        while (read(sv[1], &c, 1) == 1 && write(sv[1], &c, 1) == 1) {}
        _exit(0);
    }
    close(sv[1]);
    double t0 = now_ms();
    for (int i = 0; i < n; i++) {
        char c = 't';
        if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1)
            die("socketpair round trip", NULL);
    }
    double us = (now_ms() - t0) * 1e3 / n;
    close(sv[0]);
    waitpid(pid, NULL, 0);
    return us;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "__task-child") == 0)
        return task_child_main();
    if (argc == 2 && strcmp(argv[1], "__profile-child") == 0)
        return profile_child_main();
    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: task_bench CONF DB PLUGINS ORG jobs|push isolated|inproc N\n"
                        "       task_bench CONF DB PLUGINS ORG models N\n");
        return 2;
    }
    int models = strcmp(argv[5], "models") == 0;
    long n;
    if (str_to_long(argv[models ? 6 : 7], &n) < 0 || n < 1 || n > 1000000) {
        fprintf(stderr, "task_bench: N must be 1..1000000, got \"%s\"\n", argv[models ? 6 : 7]);
        return 2;
    }
    atsb_error err = ATSB_ERROR_INIT;
    config cfg;
    store *st = NULL;
    plugin_registry reg;
    store_org org;
    http_global_init();
    if (config_load(&cfg, argv[1], &err))
        die("config", &err);
    free(cfg.store_path);
    cfg.store_path = str_dup(argv[2]);
    free(cfg.plugins_dir);
    cfg.plugins_dir = str_dup(argv[3]);
    plugin_registry_init(&reg);
    if (store_open(&st, cfg.store_path, &err) || plugin_registry_load_dir(&reg, cfg.plugins_dir, &err) ||
        store_org_get(st, argv[4], &org, &err))
        die("setup", &err);
    task_run_opts o = { 1, { 1, 1, 500, 1 }, 1 };
    task_outcome out;
    task_worker *w = task_worker_new();
    if (models) {
        printf("fork+wait %.0f\n", fork_wait_us(n));
        printf("socketpair %.1f\n", socketpair_us(n * 10));
        /* A no-op task (nothing to push) in a fresh process each time, then
         * all in one worker. */
        double t0 = now_ms();
        for (int i = 0; i < n; i++) {
            task_worker *fresh = task_worker_new();
            if (task_run(fresh, st, &reg, &cfg, &org, TASK_RUN_PUSH, &o, &out, &err))
                die("no-op task", &err);
            task_worker_free(fresh);
        }
        printf("reexec %.0f\n", (now_ms() - t0) * 1e3 / n);
        if (task_run(w, st, &reg, &cfg, &org, TASK_RUN_PUSH, &o, &out, &err))
            die("no-op task", &err);
        t0 = now_ms();
        for (int i = 0; i < n; i++)
            if (task_run(w, st, &reg, &cfg, &org, TASK_RUN_PUSH, &o, &out, &err))
                die("no-op task", &err);
        printf("worker %.0f\n", (now_ms() - t0) * 1e3 / n);
    } else {
        task_run_kind kind = strcmp(argv[5], "jobs") == 0 ? TASK_RUN_JOBS : TASK_RUN_PUSH;
        o.isolate = strcmp(argv[6], "isolated") == 0;
        for (int i = 0; i < n; i++) {
            double t0 = now_ms();
            if (task_run(w, st, &reg, &cfg, &org, kind, &o, &out, &err))
                die("task", &err);
            printf("%.2f\n", now_ms() - t0);
        }
    }
    task_worker_free(w);
    plugin_registry_free(&reg);
    store_close(st);
    config_free(&cfg);
    http_global_cleanup();
    return 0;
}
