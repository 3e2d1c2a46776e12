/* The child side of an isolated task: `atsbridge __task-child`. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

static int write_all(int fd, const void *data, size_t len)
{
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, (const char *)data + off, len - off);
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

/* The job is a header and two short strings (the config is a few KB). */
static int read_job(strbuf *in, task_job *job, const char **cfg_text, const char **plugin_path)
{
    char buf[16384];
    ssize_t n;
    while ((n = read(0, buf, sizeof(buf))) > 0 && in->len < ((size_t)1 << 20))
        sb_append(in, buf, (size_t)n);
    if (n < 0 || in->oom || in->len < sizeof(*job))
        return -1;
    memcpy(job, in->data, sizeof(*job));
    if (memcmp(job->magic, TASK_JOB_MAGIC, 8) != 0 || job->cfg_len == 0 || job->plugin_len == 0 ||
        in->len != sizeof(*job) + job->cfg_len + job->plugin_len)
        return -1;
    *cfg_text = in->data + sizeof(*job);
    *plugin_path = *cfg_text + job->cfg_len;
    if ((*cfg_text)[job->cfg_len - 1] != '\0' || (*plugin_path)[job->plugin_len - 1] != '\0')
        return -1;
    return 0;
}

int task_child_main(void)
{
    strbuf in;
    sb_init(&in);
    task_job job;
    const char *cfg_text = NULL, *plugin_path = NULL;
    if (read_job(&in, &job, &cfg_text, &plugin_path) < 0) {
        sb_free(&in);
        fprintf(stderr, "atsbridge: __task-child is internal (a job on stdin)\n");
        return 2;
    }
    /* Stray output of a connector shows up in the parent's log at once. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGHUP, SIG_IGN);  /* the daemon reloads; its tasks carry on */
    signal(SIGPIPE, SIG_IGN);
    log_set_level((atsb_log_level)job.log_level);
    void *mark = mmap(NULL, sizeof(taskmark_page), PROT_READ | PROT_WRITE, MAP_SHARED,
                      TASK_FD_MARK, 0);
    if (mark != MAP_FAILED)
        taskmark_attach(mark);
    close(TASK_FD_MARK);

    task_reply rep;
    memset(&rep, 0, sizeof(rep));
    memcpy(rep.magic, TASK_REPLY_MAGIC, 8);
    config cfg;
    store *st = NULL;
    plugin_registry reg;
    plugin_registry_init(&reg);
    http_global_init();
    rep.rc = config_load_string(&cfg, "the daemon's configuration", cfg_text, &rep.err);
    if (!rep.rc)
        rep.rc = store_open(&st, cfg.store_path, &rep.err);
    if (!rep.rc) {
        /* Only the org's connector: no other vendor's code in this process. */
        reg.dir = str_dup(cfg.plugins_dir);
        plugin_registry_load_file(&reg, plugin_path);
        task_run_opts here = job.opts;
        here.isolate = 0;
        rep.rc = task_run(st, &reg, &cfg, &job.org, (task_run_kind)job.kind, &here, &rep.out,
                          &rep.err);
    }
    int status = write_all(TASK_FD_REPLY, &rep, sizeof(rep)) < 0 ? 3 : 0;
    close(TASK_FD_REPLY);
    taskmark_attach(NULL);
    if (mark != MAP_FAILED)
        munmap(mark, sizeof(taskmark_page));
    plugin_registry_free(&reg);
    store_close(st);
    config_free(&cfg);
    http_global_cleanup();
    sb_free(&in);
    return status;
}
