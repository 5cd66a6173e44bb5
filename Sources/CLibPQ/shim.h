#ifndef REHABCOUNT_CLIBPQ_SHIM_H
#define REHABCOUNT_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
