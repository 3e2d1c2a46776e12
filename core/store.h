/* The store: every SQL statement of atsbridge lives behind this interface
 * (store*.c), so a second backend can come later without touching sync
 * logic.  SQLite in WAL mode, foreign keys on, migrations by user_version. */
#ifndef ATSB_CORE_STORE_H
#define ATSB_CORE_STORE_H

#include <stdint.h>

#include "atsbridge/connector.h"

typedef struct store store;

int store_open(store **out, const char *path, atsb_error *err);
void store_close(store *st);
int store_schema_version(store *st);
/* The latest migration this build knows. */
int store_schema_latest(void);

int store_begin(store *st, atsb_error *err);     /* BEGIN IMMEDIATE */
int store_commit(store *st, atsb_error *err);
void store_rollback(store *st);

/* ---- orgs ---- */
typedef struct store_org {
    int64_t id;
    char slug[64];
    char name[256];
    char trigger_status[32];
    int64_t created_at;
} store_org;

int store_org_add(store *st, const char *slug, const char *name, atsb_error *err);
/* ATSB_ERR_NOT_FOUND when absent. */
int store_org_get(store *st, const char *slug, store_org *out, atsb_error *err);
typedef int (*store_org_cb)(const store_org *org, void *payload);
int store_org_each(store *st, store_org_cb cb, void *payload, atsb_error *err);
int store_org_set_trigger(store *st, int64_t org_id, const char *status, atsb_error *err);

/* ---- connections (at most one per org: UNIQUE(org_id)) ---- */
typedef struct store_setting {
    char *name;
    char *value;   /* as given: a literal or an env:/file: reference */
} store_setting;

typedef struct store_conn {
    int64_t id;
    int64_t org_id;
    char connector[64];
    char state[32];          /* ok | needs_attention | paused */
    char *last_error;
    int64_t created_at;
    int64_t last_sync_at;
    int64_t last_full_sync_at;
    int64_t sync_watermark;  /* updated_since for the next incremental run */
    store_setting *settings;
    size_t n_settings;
} store_conn;

void store_conn_free(store_conn *c);
/* CORE_ERR_CONFLICT, naming the existing connector, when the org has one. */
int store_conn_add(store *st, int64_t org_id, const char *connector,
                   const store_setting *settings, size_t n, atsb_error *err);
int store_conn_get(store *st, int64_t org_id, store_conn *out, atsb_error *err);
int store_conn_delete(store *st, int64_t org_id, atsb_error *err);
int store_conn_set_state(store *st, int64_t org_id, const char *state,
                         const char *last_error, atsb_error *err);

/* ---- audit log ---- */
int store_audit(store *st, int64_t org_id, const char *action, const char *subject,
                const char *detail, atsb_error *err);

#endif
