/* One intake record: parsed from JSON and validated in full, without the
 * store (see docs/candidates.md for the schema and the limits).  Used by
 * cand_import and cand_record_validate. */
#ifndef ATSB_CORE_CAND_RECORD_H
#define ATSB_CORE_CAND_RECORD_H

#include <json-c/json.h>
#include <stddef.h>

typedef struct cand_rec {
    /* Strings point into the parsed JSON (or the id buffers): valid while
     * the json_object given to cand_rec_parse lives. */
    const char *id, *org, *job, *first, *last, *email, *phone, *status, *profile_url;
    char id_buf[64], job_buf[64];
    json_object *data;          /* {"assessment":..., "transcript":[...]} (owned) */
    int has_resume;
    char *resume;               /* bytes (owned) */
    size_t resume_len;
    char resume_name[256];
    const char *resume_mime;
} cand_rec;

/* Parse o into r (zeroed first); 0 ok, -1 with "field F: why" in why.
 * Call cand_rec_free either way. */
int cand_rec_parse(json_object *o, cand_rec *r, char *why, size_t wn);
void cand_rec_free(cand_rec *r);

#endif
