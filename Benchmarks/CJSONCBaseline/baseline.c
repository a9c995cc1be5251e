// The ceiling for `make bench`: what json-c itself does per second, with no Swift involved.
#include "CJSONCBaseline.h"
#include <json-c/json.h>
#include <time.h>

double continuum_jsonc_parse_loop(const char *json, size_t length, long iterations) {
    struct timespec start, end;
    struct json_tokener *tokener = json_tokener_new_ex(64);
    if (tokener == NULL) return -1.0;
    json_tokener_set_flags(tokener, JSON_TOKENER_STRICT);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < iterations; i++) {
        json_tokener_reset(tokener);
        struct json_object *root = json_tokener_parse_ex(tokener, json, (int)length);
        if (root == NULL) { json_tokener_free(tokener); return -1.0; }
        json_object_put(root);
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    json_tokener_free(tokener);
    return (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
}
