/* The candidate statuses the sourcing side reports, in funnel order.  A
 * candidate "reaches" the trigger when their status is at or past it; the
 * exit statuses (rejected, withdrawn, opted_out, unresponsive) never do. */
#ifndef ATSB_CORE_CAND_STATUS_H
#define ATSB_CORE_CAND_STATUS_H

/* Position in the funnel (0 = new), -1 for an exit status, -2 unknown. */
int cand_status_rank(const char *status);
int cand_status_valid(const char *status);
/* "new, contacted, ..." for messages. */
const char *cand_status_list(void);
/* Statuses a trigger may be (funnel statuses only). */
int cand_status_valid_trigger(const char *status);

#endif
