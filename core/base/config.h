/* The host's configuration: libconfig file, validated in full so a typo is an
 * error naming file:line and the setting, never a silently ignored line. */
#ifndef ATSB_CORE_CONFIG_H
#define ATSB_CORE_CONFIG_H

#include "atsbridge/connector.h"

typedef struct config {
    char *path;               /* the file read; NULL = built-in defaults */
    char *store_path;         /* store.path, or store.url when set */
    char *store_url;          /* store.url: postgresql://... */
    int store_pool_size;      /* store.pool_size: the API's store handles */
    char *plugins_dir;        /* plugins.dir */
    int log_level;            /* log.level */
    long jobs_interval_s;     /* sync.jobs_interval */
    long full_pass_interval_s;/* sync.full_pass_interval */
    int workers;              /* sync.workers */
    int max_page_jobs;        /* sync.max_page_jobs: jobs one ATS page may hold */
    int max_pages;            /* sync.max_pages: ATS pages one job sync may read */
    long lease_s;             /* sync.lease: how long a daemon's claim on an org's task lasts unrenewed */
    int push_batch;           /* sync.push_batch: pushes in one turn of an org's drain */
    int pages_per_turn;       /* sync.pages_per_turn: job pages in one turn of an org's sync */
    int http_timeout_ms;      /* http.timeout_ms */
    int http_max_attempts;    /* http.max_attempts */
    int http_backoff_base_ms; /* http.backoff_base_ms */
    int http_backoff_cap_ms;  /* http.backoff_cap_ms */
    long http_max_response;   /* http.max_response_bytes */
    int http_rate_limit;      /* http.rate_limit: requests/s per connection, 0 = none */
    char *source_name;        /* candidates.source_name */
    char *default_trigger;    /* candidates.default_trigger */
    char *profile_url_template; /* candidates.profile_url_template */
    long push_retry_base_s;   /* candidates.retry_base */
    long push_retry_cap_s;    /* candidates.retry_cap */
    int push_max_attempts;    /* candidates.max_attempts */
    char *resume_dir;         /* intake.resume_dir: NULL = resume paths refused */
    /* The resume validator's limits and the render child's (profile.h). */
    int profile_max_memory_mb;  /* profile.max_memory_mb */
    int profile_timeout_s;      /* profile.timeout_s */
    int profile_max_resume_mb;  /* profile.max_resume_mb */
    int profile_max_pages;      /* profile.max_resume_pages */
    int profile_max_tree_depth; /* profile.max_page_tree_depth */
    int profile_max_objects;    /* profile.max_pdf_objects */
    int profile_max_inflate_mb; /* profile.max_inflate_mb */
    int us_territories;       /* location.us_territories: PR, GU, VI, AS, MP count as US */
    /* The platform API (core/api/). */
    char *api_listen;         /* api.listen: HOST:PORT; NULL = the daemon serves none */
    long api_max_body;        /* api.max_body_bytes */
    int api_rate_limit;       /* api.rate_limit: requests/s per token, 0 = none */
    int api_rate_burst;       /* api.rate_burst */
    int api_metrics_open;     /* api.metrics_open: GET /metrics without a token */
    long api_max_wait_s;      /* api.max_wait: longest long-poll of GET /v1/events */
    int api_max_connections;  /* api.max_connections */
    char *api_console_dir;    /* api.console_dir: the console's files; NULL = no console */
    char *webhook_url;        /* webhooks.url: NULL = no webhooks */
    char *webhook_secret;     /* webhooks.secret (literal, env:NAME or file:PATH) */
    long webhook_retry_base_s;/* webhooks.retry_base */
    long webhook_retry_cap_s; /* webhooks.retry_cap */
    int webhook_timeout_ms;   /* webhooks.timeout_ms */
    /* Each task (one org's job sync or outbox drain) in a child process
     * under these limits (daemon/task_run.h). */
    int isolation;            /* isolation.enabled */
    int task_max_memory_mb;   /* isolation.max_memory_mb: RLIMIT_AS */
    int task_max_cpu_s;       /* isolation.max_cpu_s: RLIMIT_CPU */
    int task_timeout_s;       /* isolation.timeout_s: wall clock, then SIGKILL */
} config;

/* Load `path` (NULL: the default search, see config_default_path).  On error
 * returns ATSB_ERR_CONFIG with "FILE:LINE: setting: problem" in err. */
int config_load(config *cfg, const char *path, atsb_error *err);
/* --db: the store to use, whatever the file said (store.url included). */
void config_set_store(config *cfg, const char *path_or_url);
/* A PostgreSQL store URL (postgresql:// or postgres://), not a path. */
int config_is_store_url(const char *v);
/* The same from text in memory (no @include); name stands for the file in
 * errors.  For the fuzz target and tests. */
int config_load_string(config *cfg, const char *name, const char *text, atsb_error *err);
void config_free(config *cfg);
/* The whole configuration as libconfig text that config_load_string reads
 * back to the same values (paths already resolved): how an isolated task's
 * child gets exactly its parent's settings, even after the file changed.
 * malloc'd; NULL when out of memory. */
char *config_to_text(const config *cfg);
/* The file used when -c is not given: $ATSBRIDGE_CONFIG, then
 * <dir of binary>/../conf/atsbridge.conf (an in-tree build), then
 * SYSCONFDIR/atsbridge/atsbridge.conf.  NULL when none exists. */
char *config_default_path(void);
/* "HOST:PORT" or "[V6]:PORT" -> host (no brackets) and port 0..65535;
 * 0 ok, -1 when it does not parse. */
int config_parse_listen(const char *s, char *host, size_t host_size, int *port);

#endif
