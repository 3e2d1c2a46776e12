/* Writing one validated intake record: the candidate, its resume and the
 * trigger's consequences in one transaction.  Shared by `candidates import`
 * and the API's PUT .../candidates/{id}. */
#ifndef ATSB_CORE_CAND_UPSERT_H
#define ATSB_CORE_CAND_UPSERT_H

#include "base/config.h"
#include "cands/cand_record.h"
#include "store/store.h"

typedef struct cand_upsert_result {
    int64_t id;
    int created;     /* a new candidate */
    int unchanged;   /* the record equals what is stored: nothing was written */
    int queued;      /* a push was queued by this write */
    int held;        /* the candidate is held (hold_reason set) */
} cand_upsert_result;

/* r was parsed for org.  A record identical to the stored candidate
 * (fields, assessment and transcript, and the resume when it has one)
 * writes nothing, so a repeated upsert is a no-op. */
int cand_upsert(store *st, const config *cfg, const store_org *org, const cand_rec *r,
                cand_upsert_result *res, atsb_error *err);

#endif
