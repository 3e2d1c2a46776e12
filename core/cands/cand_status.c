#include "cands/cand_status.h"

#include "base/util.h"

static const char *const FUNNEL[] = {
    "new",          /* sourced, not contacted yet */
    "contacted",    /* the AI recruiter reached out */
    "responded",    /* the candidate replied */
    "screening",    /* the screening conversation is under way */
    "engaged",      /* finished the screening conversation (default trigger) */
    "qualified",    /* a recruiter reviewed and approved */
    "interviewing",
    "offered",
    "hired",
};

static const char *const EXITS[] = { "rejected", "withdrawn", "opted_out", "unresponsive" };

int cand_status_rank(const char *status)
{
    for (int i = 0; i < (int)ARRAY_LEN(FUNNEL); i++)
        if (str_eq(status, FUNNEL[i]))
            return i;
    for (size_t i = 0; i < ARRAY_LEN(EXITS); i++)
        if (str_eq(status, EXITS[i]))
            return -1;
    return -2;
}

int cand_status_valid(const char *status) { return cand_status_rank(status) != -2; }
int cand_status_valid_trigger(const char *status) { return cand_status_rank(status) >= 0; }

const char *cand_status_list(void)
{
    return "new, contacted, responded, screening, engaged, qualified, interviewing, offered, "
           "hired (in that order), or rejected, withdrawn, opted_out, unresponsive";
}
