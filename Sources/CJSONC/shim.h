// The one C header Swift sees for json-c. Only ContinuumJSON imports this module.
#ifndef CONTINUUM_CJSONC_SHIM_H
#define CONTINUUM_CJSONC_SHIM_H
#include <json-c/json.h>
#endif
