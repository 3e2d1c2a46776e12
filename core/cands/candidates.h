/* The trigger rule, in one place: a candidate whose status reaches the org's
 * trigger and whose job is active is queued for a push in the same
 * transaction as the change that made it so; otherwise the candidate is
 * held with a visible reason.  Activating a job releases its held
 * candidates (in the activation's transaction). */
#ifndef ATSB_CORE_CANDIDATES_H
#define ATSB_CORE_CANDIDATES_H

#include "store/store.h"

/* The hold reason of a candidate without email (rows stored before intake
 * required one): re-importing it with an email releases it. */
#define CAND_HOLD_NO_EMAIL                                                            \
    "no email address: connectors find an already pushed candidate by email, so a "  \
    "push without one could create duplicates on retry; re-import the candidate "    \
    "with an email"

/* Re-evaluate one candidate; caller's transaction.  *queued when a push row
 * was created now. */
int cand_evaluate(store *st, const store_org *org, int64_t cand_id, int *queued,
                  atsb_error *err);

/* Activate / deactivate a job and apply the consequences, in one
 * transaction.  *released: candidates queued by the activation. */
int cand_set_job_active(store *st, const store_org *org, const char *job_remote_id,
                        int active, int *released, atsb_error *err);

#endif
