#include "sync/runstate.h"

#include <signal.h>

static volatile sig_atomic_t g_stop;

void runstate_request_stop(void) { g_stop = 1; }
int runstate_stop_requested(void) { return g_stop != 0; }
void runstate_reset(void) { g_stop = 0; }
