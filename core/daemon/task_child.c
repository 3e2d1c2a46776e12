/* The child side of isolated tasks: `atsbridge __task-child`, a worker
 * process that runs one task per job it reads on stdin (a socket) until the
 * parent closes it.
 * It keeps what costs to set up (the store connection, the connectors it
 * loaded, the location gazetteer) from one task to the next; each task
 * still gets its own connector instance (conn_open/conn_close). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/log.h"
#include "base/taskmark.h"
#include "base/util.h"
#include "daemon/task_proto.h"
#include "net/http.h"
#include "sync/runstate.h"

static void on_stop(int sig)
{
    (void)sig;
    runstate_request_stop();
}

static int io_all(int fd, void *data, size_t len, int writing)
{
    for (size_t off = 0; off < len;) {
        ssize_t n = writing ? write(fd, (char *)data + off, len - off)
                            : read(fd, (char *)data + off, len - off);
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

/* One job: its header, then the config text and the connector's path. */
static int read_job(task_job *job, char **text)
{
    *text = NULL;
    if (io_all(0, job, sizeof(*job), 0) < 0)
        return -1;
    size_t len = (size_t)job->cfg_len + job->plugin_len;
    if (memcmp(job->magic, TASK_JOB_MAGIC, 8) != 0 || !job->cfg_len || !job->plugin_len ||
        len > ((size_t)1 << 20) || !(*text = malloc(len)))
        return -1;
    if (io_all(0, *text, len, 0) < 0 || (*text)[job->cfg_len - 1] != '\0' ||
        (*text)[len - 1] != '\0') {
        free(*text);
        *text = NULL;
        return -1;
    }
    return 0;
}

/* What the worker keeps between tasks. */
typedef struct worker_state {
    char *cfg_text;
    config cfg;
    int have_cfg;
    store *st;
    char *st_path;
    plugin_registry reg;
} worker_state;

static int prepare(worker_state *w, const char *cfg_text, const char *plugin_path,
                   atsb_error *err)
{
    if (!w->have_cfg || strcmp(w->cfg_text, cfg_text) != 0) {
        if (w->have_cfg)
            config_free(&w->cfg);
        free(w->cfg_text);
        w->cfg_text = str_dup(cfg_text);
        w->have_cfg = 0;
        int rc = config_load_string(&w->cfg, "the daemon's configuration", cfg_text, err);
        if (rc) {
            config_free(&w->cfg);
            return rc;
        }
        w->have_cfg = 1;
    }
    if (!w->st || !str_eq(w->st_path, w->cfg.store_path)) {
        store_close(w->st);
        w->st = NULL;
        free(w->st_path);
        w->st_path = str_dup(w->cfg.store_path);
        int rc = store_open(&w->st, w->cfg.store_path, err);
        if (rc)
            return rc;
    }
    if (!str_eq(w->reg.dir, w->cfg.plugins_dir)) {
        free(w->reg.dir);
        w->reg.dir = str_dup(w->cfg.plugins_dir);
    }
    /* Only the connectors its tasks use: no other vendor's code here.  (The
     * parent starts a fresh worker when a loaded file changed.) */
    for (size_t i = 0; i < w->reg.n_plugins; i++)
        if (str_eq(w->reg.plugins[i].path, plugin_path))
            return ATSB_OK;
    for (size_t i = 0; i < w->reg.n_rejected; i++)
        if (str_eq(w->reg.rejected[i].path, plugin_path))
            return ATSB_OK;
    plugin_registry_load_file(&w->reg, plugin_path);
    return ATSB_OK;
}

/* The task's CPU budget, from what the worker used so far: SIGXCPU (which
 * ends the worker, reported as the limit) when it runs out. */
static void cpu_budget(long seconds)
{
    struct rusage ru;
    struct rlimit rl;
    if (seconds <= 0 || getrusage(RUSAGE_SELF, &ru) != 0 || getrlimit(RLIMIT_CPU, &rl) != 0)
        return;
    rlim_t used = (rlim_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + 1;
    rl.rlim_cur = used + (rlim_t)seconds;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
        rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_CPU, &rl);
}

int task_child_main(void)
{
    /* Stray output of a connector shows up in the parent's log at once. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGHUP, SIG_IGN);  /* the daemon reloads; its tasks carry on */
    signal(SIGPIPE, SIG_IGN);
    void *mark = mmap(NULL, sizeof(taskmark_page), PROT_READ | PROT_WRITE, MAP_SHARED,
                      TASK_FD_MARK, 0);
    if (mark != MAP_FAILED)
        taskmark_attach(mark);
    close(TASK_FD_MARK);
    http_global_init();
    worker_state w;
    memset(&w, 0, sizeof(w));
    plugin_registry_init(&w.reg);
    int status = 0;
    task_job job;
    char *text = NULL;
    /* Until the parent closes our stdin, or a stop. */
    while (!runstate_stop_requested() && read_job(&job, &text) == 0) {
        task_reply rep;
        memset(&rep, 0, sizeof(rep));
        memcpy(rep.magic, TASK_REPLY_MAGIC, 8);
        log_set_level((atsb_log_level)job.log_level);
        rep.rc = prepare(&w, text, text + job.cfg_len, &rep.err);
        if (!rep.rc) {
            task_run_opts here = job.opts;
            here.isolate = 0;
            cpu_budget(w.cfg.task_max_cpu_s);
            rep.rc = task_run(NULL, w.st, &w.reg, &w.cfg, &job.org, (task_run_kind)job.kind,
                              &here, &rep.out, &rep.err);
        }
        free(text);
        text = NULL;
        if (io_all(TASK_FD_REPLY, &rep, sizeof(rep), 1) < 0) {
            status = 3;
            break;
        }
    }
    free(text);
    taskmark_attach(NULL);
    if (mark != MAP_FAILED)
        munmap(mark, sizeof(taskmark_page));
    plugin_registry_free(&w.reg);
    store_close(w.st);
    free(w.st_path);
    if (w.have_cfg)
        config_free(&w.cfg);
    free(w.cfg_text);
    http_global_cleanup();
    return status;
}
