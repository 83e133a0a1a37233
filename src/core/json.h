/*
 * json.h - a small streaming JSON writer onto an evbuffer.
 *
 * Keys are given for members of objects and NULL for array elements. The
 * writer tracks commas; it does not check that begin/end calls pair up.
 */
#ifndef DIRECTOR_JSON_H
#define DIRECTOR_JSON_H

#include <stdbool.h>
#include <stdint.h>

struct evbuffer;

#define JSON_MAXDEPTH	32

struct json {
	struct evbuffer	*b;
	int		 depth;
	bool		 first[JSON_MAXDEPTH];
};

void	json_init(struct json *, struct evbuffer *);
void	json_obj_begin(struct json *, const char *key);
void	json_obj_end(struct json *);
void	json_arr_begin(struct json *, const char *key);
void	json_arr_end(struct json *);
void	json_str(struct json *, const char *key, const char *v); /* NULL: null */
void	json_int(struct json *, const char *key, long long v);
void	json_uint(struct json *, const char *key, unsigned long long v);
void	json_double(struct json *, const char *key, double v);
void	json_bool(struct json *, const char *key, bool v);
void	json_null(struct json *, const char *key);
/* Ends the document with a newline. */
void	json_finish(struct json *);

#endif
