// CRehabMemory is header-only (include/rehab_memory.h); a C target needs one source file.
#include "rehab_memory.h"
