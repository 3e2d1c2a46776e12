/*
 * atsbridge connector SDK — ABI 1.2
 *
 * The one header a connector includes.  A connector is a shared object that
 * exports exactly one symbol, `atsb_connector_entry`, which returns a const
 * descriptor (`atsb_connector`).  The host hands every connector instance a
 * function table of host services (`atsb_host_api`) so that a connector links
 * neither the host nor libcurl.
 *
 * Compatibility rules (the contract we keep):
 *  - A connector loads only when its ABI major equals the host's and its ABI
 *    minor is not newer than the host's.
 *  - Every struct that crosses the boundary starts with `struct_size`.  Fields
 *    are only ever appended; a reader touches a field only when
 *    `ATSB_HAS_FIELD(type, ptr, field)` says the writer's struct holds it.
 *  - Arrays of structs are passed as arrays of pointers (or with an explicit
 *    element size), so element structs can grow without breaking old code.
 *  - Error codes are never renumbered or reused.
 *
 * Ownership, unless a comment says otherwise:
 *  - Everything the host passes into a connector callback is owned by the host
 *    and valid only for the duration of that call.  Copy what you keep.
 *  - Everything a connector passes to a host callback (the job sink, log,
 *    set_error) is owned by the connector; the host copies what it keeps.
 *  - The descriptor and everything it points to must stay valid and unchanged
 *    for as long as the shared object is loaded (use static const data).
 *
 * Threading: the host never calls into one instance from two threads at once.
 * Different instances of the same connector may run concurrently in different
 * threads, so connectors keep no mutable globals.
 */
#ifndef ATSBRIDGE_CONNECTOR_H
#define ATSBRIDGE_CONNECTOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versions and magic ------------------------------------------------ */

#define ATSB_ABI_MAJOR 1
#define ATSB_ABI_MINOR 2
/* Packed form handed to the entry function: major in the high 16 bits. */
#define ATSB_ABI_VERSION(major, minor) \
    ((uint32_t)(((uint32_t)(major) << 16) | ((uint32_t)(minor) & 0xffffu)))
#define ATSB_ABI_MAJOR_OF(v) ((unsigned)((v) >> 16))
#define ATSB_ABI_MINOR_OF(v) ((unsigned)((v) & 0xffffu))

/* "ATSB" in ASCII; distinguishes our descriptor from random memory. */
#define ATSB_CONNECTOR_MAGIC 0x41545342u

/* The only symbol a connector exports. */
#define ATSB_ENTRY_SYMBOL "atsb_connector_entry"

#if defined(_WIN32)
#define ATSB_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define ATSB_EXPORT __attribute__((visibility("default")))
#else
#define ATSB_EXPORT
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ATSB_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define ATSB_PRINTF(fmt, args)
#endif

/* True when the struct at `ptr`, whose first member is `struct_size`, was
 * written by code new enough to contain `field`. */
#define ATSB_HAS_FIELD(type, ptr, field)                                  \
    ((ptr) != NULL &&                                                     \
     (size_t)(ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* ---- status codes ------------------------------------------------------ */

/* Every operation returns ATSB_OK (0) or one of these negative codes, and on
 * failure fills the caller's atsb_error.  The class tells the host what to
 * do; the connector never retries on its own. */
typedef enum atsb_status {
    ATSB_OK = 0,
    /* Credentials rejected (401/403, invalid_client).  The host pauses the
     * connection and asks an admin to reconnect. */
    ATSB_ERR_AUTH = -1,
    /* A setting is missing or wrong (bad URL, unknown source id). */
    ATSB_ERR_CONFIG = -2,
    /* The ATS asked us to slow down; retry after error.retry_after_s. */
    ATSB_ERR_RATE_LIMITED = -3,
    /* Network failure, timeout, 5xx: retry later with backoff. */
    ATSB_ERR_TRANSIENT = -4,
    /* This record can never succeed as sent (e.g. 422): dead-letter it. */
    ATSB_ERR_PERMANENT = -5,
    /* The connector does not implement this operation. */
    ATSB_ERR_UNSUPPORTED = -6,
    /* A bug or an impossible state inside the connector or host. */
    ATSB_ERR_INTERNAL = -7,
    /* Expected outcome of find_candidate when nothing was pushed before. */
    ATSB_ERR_NOT_FOUND = -8,
    /* The host asked the operation to stop (shutdown, sink refused). */
    ATSB_ERR_CANCELLED = -9
} atsb_status;

#define ATSB_ERROR_MESSAGE_MAX 512

/* Filled by whoever fails.  Owned by the caller (host memory); connectors
 * fill it with api->set_error() or directly. */
typedef struct atsb_error {
    uint32_t struct_size;
    int code;              /* an atsb_status */
    int retry_after_s;     /* ATSB_ERR_RATE_LIMITED: seconds to wait, 0 = unknown */
    int http_status;       /* the ATS's HTTP status when one caused this, else 0 */
    char message[ATSB_ERROR_MESSAGE_MAX]; /* human text, NUL-terminated, no secrets */
} atsb_error;

#define ATSB_ERROR_INIT { sizeof(atsb_error), ATSB_OK, 0, 0, { 0 } }

/* ---- settings schema --------------------------------------------------- */

typedef enum atsb_setting_type {
    ATSB_SETTING_STRING = 1,
    ATSB_SETTING_INT = 2,
    ATSB_SETTING_BOOL = 3,
    ATSB_SETTING_URL = 4
} atsb_setting_type;

/* One setting a connector takes.  The host validates values against this
 * schema before create() runs, applies defaults, resolves secret references
 * (env:NAME, file:PATH) and never prints or logs a secret value. */
typedef struct atsb_setting_spec {
    const char *name;          /* key used with --set name=value; NULL ends the array */
    atsb_setting_type type;
    int required;              /* non-zero: connect fails without it */
    int secret;                /* non-zero: shown as ****, never logged */
    const char *default_value; /* NULL: none */
    const char *help;          /* one line for `atsbridge plugins show` */
} atsb_setting_spec;

/* ---- capabilities ------------------------------------------------------ */

#define ATSB_CAP_LIST_JOBS      (1u << 0)
#define ATSB_CAP_PUSH_CANDIDATE (1u << 1)
#define ATSB_CAP_FIND_CANDIDATE (1u << 2)
/* list_jobs honours atsb_list_request.updated_since. */
#define ATSB_CAP_INCREMENTAL    (1u << 3)
/* ABI 1.2: list_jobs reports where it stands (atsb_job_sink.cursor) and
 * continues from there (atsb_list_request.resume_at), so the host can stop
 * a long listing after some pages and resume it later without reading the
 * committed pages again.  Without it a listing always runs to its end. */
#define ATSB_CAP_RESUMABLE      (1u << 4)

/* ---- data crossing the boundary --------------------------------------- */

typedef enum atsb_job_status {
    ATSB_JOB_OPEN = 1,
    ATSB_JOB_CLOSED = 2  /* closed, archived, filled, cancelled: stop sourcing */
} atsb_job_status;

/* A requisition as the ATS describes it.  Strings are UTF-8; NULL means
 * unknown.  Location fields are what the ATS said: the host, not the
 * connector, decides whether a job is in the US. */
typedef struct atsb_job {
    uint32_t struct_size;
    const char *remote_id;         /* required: the ATS's id, stable */
    const char *title;             /* required */
    atsb_job_status status;
    const char *location_text;     /* raw text, e.g. "Austin, TX" */
    const char *country_code;      /* ISO 3166-1 alpha-2 when the ATS gives one */
    const char *region;            /* state / province */
    const char *city;
    int remote;                    /* non-zero: remote / work from home */
    const char *department;
    const char *description;       /* plain text or HTML, as the ATS has it */
    const char *url;               /* link to the job in the ATS */
    int64_t updated_at;            /* seconds since the epoch (UTC), 0 unknown */
} atsb_job;

/* What list_jobs is asked for. */
typedef struct atsb_list_request {
    uint32_t struct_size;
    /* 0: full pass (every job the ATS has, in every status).  Otherwise only
     * jobs changed at or after this time (seconds since the epoch), in every
     * status, so a job closed since the last run is seen. */
    int64_t updated_since;
    int page_size;                 /* hint; 0 = connector default */
    /* ABI 1.2, for ATSB_CAP_RESUMABLE (check ATSB_HAS_FIELD): NULL, start
     * at the first page; otherwise a cursor this connector reported through
     * sink->cursor in an earlier call with the same updated_since: deliver
     * the page that cursor names and go on from there. */
    const char *resume_at;
} atsb_list_request;

/* The host's receiver for job pages.  list_jobs calls page() once per ATS
 * page, in order.  The host commits each page before page() returns, so a
 * connector must not call page() with a partial ATS page.  A non-zero return
 * from page() means stop: the connector returns that value unchanged. */
typedef struct atsb_job_sink {
    uint32_t struct_size;
    int (*page)(void *payload, const atsb_job *const *jobs, size_t count);
    /* A record the connector could not turn into a job; counted and logged,
     * the rest of the page goes on.  remote_id may be NULL. */
    void (*malformed)(void *payload, const char *remote_id, const char *reason);
    void *payload;
    /* ABI 1.2, for ATSB_CAP_RESUMABLE (check ATSB_HAS_FIELD; may be NULL):
     * call it right before each page(), with where the listing goes on
     * after that page (NULL: it is the last one).  An opaque string of at
     * most ATSB_CURSOR_MAX - 1 bytes that resume_at accepts back, in this
     * process or a later one (the next page's URL, an offset token...);
     * the host copies it.  The host commits it with the page, so a listing
     * stopped after any page (page() returned non-zero, or a crash)
     * resumes with the next. */
    void (*cursor)(void *payload, const char *next);
} atsb_job_sink;

#define ATSB_CURSOR_MAX 2048

/* One turn of the screening conversation. */
typedef struct atsb_message {
    uint32_t struct_size;
    const char *from;              /* speaker, e.g. "AI recruiter", "candidate" */
    int64_t at;                    /* seconds since the epoch, UTC */
    const char *text;
} atsb_message;

/* A file to hand to the ATS. */
typedef struct atsb_attachment {
    uint32_t struct_size;
    const char *file_name;         /* e.g. "Jane_Doe_profile.pdf" */
    const char *mime_type;         /* e.g. "application/pdf" */
    const unsigned char *data;
    size_t size;
} atsb_attachment;

/* A candidate to push.  The host has already applied every rule (trigger,
 * job state); the connector only translates. */
typedef struct atsb_candidate {
    uint32_t struct_size;
    const char *local_id;          /* our id; stable across retries */
    const char *job_remote_id;     /* the ATS job to apply to */
    const char *first_name;
    const char *last_name;
    const char *email;             /* may be NULL */
    const char *phone;             /* may be NULL */
    const char *profile_url;       /* link back to the candidate here */
    const char *source_name;       /* e.g. "FactoryFix" */
    int assessment_stars;          /* 1..5, 0 = none */
    const char *assessment_summary;
    const atsb_message *const *transcript;
    size_t transcript_count;
    const char *resume_text;       /* plain text resume, may be NULL */
    /* attachments[0], when present, is the PDF profile to file as the resume. */
    const atsb_attachment *const *attachments;
    size_t attachment_count;
} atsb_candidate;

#define ATSB_REMOTE_ID_MAX 128

/* The parts of a push (atsb_push_result.missing).  A push is complete when
 * the ATS has all three: the candidate, their application to
 * c->job_remote_id (with the source and the link back), and
 * c->attachments[0] filed on it when the host passed one.  A push that
 * failed half-way (a lost reply, a crash, an upload refused) leaves some of
 * them undone; find_candidate names what is missing and push_candidate
 * finishes it. */
#define ATSB_PUSH_MISSING_APPLICATION (1u << 0)
#define ATSB_PUSH_MISSING_ATTACHMENT  (1u << 1)

/* Output of push_candidate / find_candidate; host memory. */
typedef struct atsb_push_result {
    uint32_t struct_size;
    char candidate_id[ATSB_REMOTE_ID_MAX];
    char application_id[ATSB_REMOTE_ID_MAX];
    /* ABI 1.1 */
    /* find_candidate sets it when it finds an incomplete push: the
     * ATSB_PUSH_MISSING_* parts still to do (0: complete).  The host then
     * calls push_candidate with this struct as find left it, so the push
     * resumes from the ids found and does only what `missing` names; it
     * clears `missing` when it returns ATSB_OK.  Check
     * ATSB_HAS_FIELD(atsb_push_result, out, missing): a 1.0 host's struct
     * has no such field, and there an incomplete push must be reported as
     * ATSB_ERR_NOT_FOUND (push_candidate then looks up what exists itself). */
    uint32_t missing;
} atsb_push_result;

/* ---- host services ----------------------------------------------------- */

/* Opaque handle identifying one connector instance to the host. */
typedef struct atsb_host atsb_host;

typedef enum atsb_log_level {
    ATSB_LOG_ERROR = 0,
    ATSB_LOG_WARN = 1,
    ATSB_LOG_INFO = 2,
    ATSB_LOG_DEBUG = 3
} atsb_log_level;

typedef enum atsb_auth_kind {
    ATSB_AUTH_NONE = 0,
    /* HTTP Basic with user:password; the host encodes it. */
    ATSB_AUTH_BASIC = 1,
    /* OAuth2: the host fetches a token from token_url, caches it per
     * instance, refreshes it before expiry (and once on a 401), and sends
     * "Authorization: Bearer ...". */
    ATSB_AUTH_OAUTH2 = 2
} atsb_auth_kind;

typedef struct atsb_http_auth {
    uint32_t struct_size;
    atsb_auth_kind kind;
    const char *user;              /* BASIC: user / API key;   OAUTH2: client_id */
    const char *password;          /* BASIC: password or "";   OAUTH2: client_secret */
    const char *token_url;         /* OAUTH2 */
    /* OAUTH2: extra form fields, url-encoded, e.g. "sub=12345" or
     * "refresh_token=...".  grant_type defaults to client_credentials;
     * give "grant_type=refresh_token&refresh_token=..." to override. */
    const char *token_form;
} atsb_http_auth;

typedef struct atsb_http_header {
    const char *name;
    const char *value;
} atsb_http_header;

typedef struct atsb_http_request {
    uint32_t struct_size;
    const char *method;            /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *url;               /* absolute; https, or http to loopback only */
    const atsb_http_header *headers; /* may be NULL */
    size_t header_count;
    const void *body;              /* may be NULL */
    size_t body_len;
    const atsb_http_auth *auth;    /* may be NULL */
    int timeout_ms;                /* 0 = host default */
    /* Non-zero: the request is safe to repeat (GET, lookups); the host then
     * retries 429, 5xx and network errors itself, with capped backoff.
     * Creates pass 0: the host still retries a 429 (the ATS refused it
     * unprocessed) but never repeats one after a 5xx, a timeout or a lost
     * reply, since the ATS may have acted; the caller decides (the host's
     * outbox runs find_candidate before any new attempt). */
    int idempotent;
    /* Non-zero: an HTTP 500 reply is handed back (ATSB_OK, status 500)
     * instead of being retried and reported as transient.  For APIs that
     * report application errors as 500, such as SOAP faults; the connector
     * classifies the fault.  502/503/504 and network errors are still
     * retried by the host. */
    int pass_500;
} atsb_http_request;

/* Owned by the host; release with api->http_free(). */
typedef struct atsb_http_response {
    uint32_t struct_size;
    int status;                    /* HTTP status */
    const char *body;              /* NUL-terminated copy of the body */
    size_t body_len;
} atsb_http_response;

/* ABI 1.1 */
/* A multipart/form-data part, for api->form_build.  A file part
 * has a file_name; a plain field has none. */
typedef struct atsb_form_part {
    uint32_t struct_size;
    const char *name;              /* the form field's name, e.g. "file" */
    const char *file_name;         /* NULL: a plain field; else the file's name */
    const char *content_type;      /* NULL: none for a field, application/octet-stream for a file */
    const void *data;              /* size bytes, binary-safe */
    size_t size;
} atsb_form_part;

/* ABI 1.1 */
/* A built multipart/form-data body; host memory, released with
 * api->form_free.  Send body/body_len with a "Content-Type" header whose
 * value is content_type. */
typedef struct atsb_form {
    uint32_t struct_size;
    const char *content_type;      /* "multipart/form-data; boundary=..." */
    const unsigned char *body;
    size_t body_len;
} atsb_form;

/* ABI 1.1 */
/* How the host reads a job's location (api->location_classify). */
typedef enum atsb_location_verdict {
    ATSB_LOCATION_UNKNOWN = 0,     /* cannot tell ("Remote", "Multiple locations"): not synced */
    ATSB_LOCATION_US = 1,          /* in the United States: synced */
    ATSB_LOCATION_NON_US = 2       /* elsewhere: not synced */
} atsb_location_verdict;

typedef struct atsb_host_api {
    uint32_t struct_size;          /* grows as functions are appended */
    uint16_t abi_major;            /* the host's ABI */
    uint16_t abi_minor;

    /* Log a line.  Never pass secrets; the host adds connector name and level. */
    void (*log)(atsb_host *host, atsb_log_level level, const char *fmt, ...)
        ATSB_PRINTF(3, 4);

    /* The value of a setting, after defaults and secret references are
     * applied, or NULL when unset.  Host memory, valid until the instance is
     * destroyed. */
    const char *(*setting)(atsb_host *host, const char *name);

    /* Perform an HTTP request.  ATSB_OK means a response arrived (any status;
     * *out is set and must be released with http_free).  Otherwise *out is
     * NULL and err says why: ATSB_ERR_TRANSIENT (network, timeout, size cap,
     * 5xx after the host's retries), ATSB_ERR_RATE_LIMITED, ATSB_ERR_AUTH
     * (the OAuth token endpoint refused), ATSB_ERR_CONFIG (bad URL, plain
     * http to a non-loopback host, credentials for an origin that none of
     * the connection's URL settings names), ATSB_ERR_CANCELLED. */
    int (*http)(atsb_host *host, const atsb_http_request *req,
                atsb_http_response **out, atsb_error *err);

    void (*http_free)(atsb_host *host, atsb_http_response *resp);

    /* A response header (case-insensitive name), or NULL.  Valid until
     * http_free. */
    const char *(*http_header)(const atsb_http_response *resp, const char *name);

    /* Non-zero when the host wants the current operation to stop soon; a
     * long operation checks it between requests and returns
     * ATSB_ERR_CANCELLED. */
    int (*cancelled)(atsb_host *host);

    /* Fill err with a code and a formatted message (truncated to fit);
     * returns code, so `return api->set_error(err, ATSB_ERR_AUTH, "...")`. */
    int (*set_error)(atsb_error *err, int code, const char *fmt, ...)
        ATSB_PRINTF(3, 4);

    /* Percent-encode src for a URL query (RFC 3986 unreserved kept).
     * Returns bytes written excluding NUL, or -1 if dst is too small. */
    int (*url_encode)(char *dst, size_t dst_size, const char *src);

    /* Base64-encode (RFC 4648, no line breaks) into a host buffer, released
     * with api->free.  NULL on allocation failure. */
    char *(*base64_encode)(const void *data, size_t len);

    /* Release memory handed out by the host (base64_encode, url_with_query). */
    void (*free)(void *ptr);

    /* ABI 1.1 */
    /* URL building: base with a query appended: "?n1=v1&n2=v2"
     * ("&" first when base already holds a '?'), every name and value
     * percent-encoded (RFC 3986 unreserved characters kept).  pairs holds
     * 2 * n_pairs strings, name then value; a pair whose value is NULL is
     * left out.  Host memory, release with api->free; NULL on allocation
     * failure. */
    char *(*url_with_query)(const char *base, const char *const *pairs, size_t n_pairs);

    /* ABI 1.1 */
    /* multipart/form-data (RFC 7578).  Build one body from count
     * parts (an array of pointers).  The boundary is checked against every
     * part's bytes; quotes, backslashes, CR and LF in names and file names
     * become '_'.  ATSB_OK with *out set (release with form_free), or an
     * error (ATSB_ERR_INTERNAL: a part without a name, out of memory). */
    int (*form_build)(const atsb_form_part *const *parts, size_t count, atsb_form **out,
                      atsb_error *err);
    void (*form_free)(atsb_form *form);

    /* ABI 1.1 */
    /* The host's location rule, the one that decides which jobs
     * are synced (only ATSB_LOCATION_US).  Reads job's country_code,
     * region, city and location_text as list_jobs would hand them over;
     * writes the ISO 3166-1 alpha-2 code found to country ("" when
     * unknown).  For a connector's logs and tests, so an author can see how
     * their location fields will be read: never drop jobs yourself. */
    atsb_location_verdict (*location_classify)(const atsb_job *job, char *country,
                                               size_t country_size);

    /* New functions are appended here only; check with ATSB_HAS_FIELD. */
} atsb_host_api;

/* ---- the descriptor ---------------------------------------------------- */

typedef struct atsb_connector {
    uint32_t magic;                /* ATSB_CONNECTOR_MAGIC */
    uint16_t abi_major;            /* ATSB_ABI_MAJOR the connector was built with */
    /* The lowest host minor the connector runs on: the host refuses it when
     * this is newer than its own.  ATSB_CONNECTOR_HEADER says the build's
     * minor (safe); ATSB_CONNECTOR_HEADER_NEEDS(m) says less, for a
     * connector that checks ATSB_HAS_FIELD before every newer feature. */
    uint16_t abi_minor;
    uint32_t struct_size;          /* sizeof(atsb_connector) as built */

    const char *name;              /* unique key, [a-z0-9_-], e.g. "greenhouse" */
    const char *version;           /* the connector's own version, e.g. "1.2.0" */
    const char *description;       /* one line */
    uint32_t capabilities;         /* ATSB_CAP_* */

    const atsb_setting_spec *settings; /* array ended by an entry with name NULL */
    uint32_t setting_size;         /* sizeof(atsb_setting_spec) as built; host strides by it */

    /* Create an instance.  Read settings with api->setting(host, name).  The
     * api table and host handle stay valid until destroy().  On failure
     * return an error code, fill err and leave *out NULL. */
    int (*create)(const atsb_host_api *api, atsb_host *host, void **out,
                  atsb_error *err);

    /* Release an instance; NULL is allowed. */
    void (*destroy)(void *instance);

    /* Prove the settings work: authenticate and read something cheap.
     * Bad credentials must give ATSB_ERR_AUTH. */
    int (*check)(void *instance, atsb_error *err);

    /* Stream every job (see atsb_list_request) to sink, one page at a time. */
    int (*list_jobs)(void *instance, const atsb_list_request *req,
                     const atsb_job_sink *sink, atsb_error *err);

    /* Make the push complete (see ATSB_PUSH_MISSING_*): create the
     * candidate (or reuse the ATS's match), apply to c->job_remote_id with
     * the source and the link back, file c->attachments[0] on the
     * application.  Fill out with the ATS's ids and return ATSB_OK only when
     * all of it is done.  The host calls find_candidate first, every time:
     *  - nothing found (ATSB_ERR_NOT_FOUND): out arrives zeroed, a fresh push;
     *  - found incomplete (out->missing != 0): out arrives as find filled it
     *    (resume mode): reuse its ids and create only what `missing` names;
     *  - found complete: push_candidate is not called.
     * Never create what find would have found: that is a duplicate. */
    int (*push_candidate)(void *instance, const atsb_candidate *c,
                          atsb_push_result *out, atsb_error *err);

    /* Look for what an earlier push of this candidate (by email) to
     * c->job_remote_id made.  ATSB_ERR_NOT_FOUND when there is no candidate
     * with that email (or no application of theirs to the job: push_candidate
     * must then reuse the candidate the ATS has).  Otherwise ATSB_OK with
     * out's ids filled and out->missing naming what the push has not done
     * yet: the application, the attachment (compare by file name).  Report complete only what is
     * complete: the host never pushes again a candidate found complete, so
     * a loose answer loses the PDF for good.  Any failure to look (HTTP
     * error, unreadable reply) is that error, never ATSB_ERR_NOT_FOUND. */
    int (*find_candidate)(void *instance, const atsb_candidate *c,
                          atsb_push_result *out, atsb_error *err);

    /* New members are appended here only. */
} atsb_connector;

/* The entry function every connector exports.  host_abi is the host's
 * ATSB_ABI_VERSION(major, minor), so a newer connector can decide to serve an
 * older host.  Return NULL to refuse to load. */
typedef const atsb_connector *(*atsb_connector_entry_fn)(uint32_t host_abi);

/* Define the entry function.  Use once per connector:
 *     static const atsb_connector my_desc = { ATSB_CONNECTOR_HEADER, ... };
 *     ATSB_CONNECTOR_DEFINE(my_desc)
 * ATSB_CONNECTOR_HEADER declares that the connector needs a host of this
 * header's minor.  A connector that also serves older hosts declares the
 * oldest minor it needs instead, ATSB_CONNECTOR_HEADER_NEEDS(0), and then
 * touches nothing newer without ATSB_HAS_FIELD: the host API table
 * (api->struct_size) and host-written structs (atsb_push_result) are an
 * older host's size there.
 */
#define ATSB_CONNECTOR_HEADER_NEEDS(minor) \
    ATSB_CONNECTOR_MAGIC, ATSB_ABI_MAJOR, (uint16_t)(minor), (uint32_t)sizeof(atsb_connector)
#define ATSB_CONNECTOR_HEADER ATSB_CONNECTOR_HEADER_NEEDS(ATSB_ABI_MINOR)

#define ATSB_CONNECTOR_DEFINE(desc)                                          \
    ATSB_EXPORT const atsb_connector *atsb_connector_entry(uint32_t host_abi); \
    ATSB_EXPORT const atsb_connector *atsb_connector_entry(uint32_t host_abi) \
    {                                                                        \
        (void)host_abi;                                                      \
        return &(desc);                                                      \
    }

#ifdef __cplusplus
}
#endif

#endif /* ATSBRIDGE_CONNECTOR_H */
