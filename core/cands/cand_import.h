/* Candidate intake from the sourcing side: one JSON object, a JSON array, or
 * JSON Lines (see docs/candidates.md for the schema).  Each record is
 * validated in full, then written in its own transaction together with the
 * trigger's consequences; a bad record is reported (record number, field,
 * why) and the others go on. */
#ifndef ATSB_CORE_CAND_IMPORT_H
#define ATSB_CORE_CAND_IMPORT_H

#include <stdio.h>

#include "base/config.h"
#include "store/store.h"

typedef struct cand_import_result {
    int records, created, updated, failed, queued, held;
} cand_import_result;

/* errors: where per-record problems are printed (one line each).
 * resume_dir: the only directory resume.path may point into (relative
 * paths are relative to it); NULL = cfg->resume_dir (intake.resume_dir);
 * when both are NULL resume paths are refused and only inline resumes
 * (text, base64) are accepted.  An unusable directory fails the import
 * (ATSB_ERR_CONFIG) before any record is read. */
int cand_import(store *st, const config *cfg, const char *resume_dir, const char *data,
                size_t len, FILE *errors, cand_import_result *res, atsb_error *err);

/* Parse one record (json, len bytes; need not be NUL-terminated) and run
 * the whole intake validation on it, touching neither a store nor the file
 * system: for fuzzing and for tools.  Not checked: that the org exists
 * (store), and resume.path's file (only its form: no "." or "..", no empty
 * component; nothing is opened).  Returns 0 when valid, -1 with the reason
 * in why ("field F: ...", as import reports it).  Safe on any bytes: no
 * leak, no crash, time linear in len apart from the PDF check of a base64
 * resume. */
int cand_record_validate(const char *json, size_t len, char *why, size_t wn);

#endif
