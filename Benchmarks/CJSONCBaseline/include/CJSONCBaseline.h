#ifndef CONTINUUM_CJSONC_BASELINE_H
#define CONTINUUM_CJSONC_BASELINE_H
#include <stddef.h>
/// Parses `length` bytes at `json` with json-c and frees the tree, `iterations` times, all in C.
/// Returns the wall seconds taken, or a negative number if any parse failed.
double continuum_jsonc_parse_loop(const char *json, size_t length, long iterations);
#endif
