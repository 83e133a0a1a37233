/*
 * json.c - JSON writer, see json.h.
 */
#include <math.h>
#include <stdio.h>

#include <event2/buffer.h>

#include "json.h"

void
json_init(struct json *j, struct evbuffer *b)
{
	j->b = b;
	j->depth = 0;
	j->first[0] = true;
}

static void
json_escaped(struct evbuffer *b, const char *s)
{
	evbuffer_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = *s;

		switch (c) {
		case '"':
			evbuffer_add(b, "\\\"", 2);
			break;
		case '\\':
			evbuffer_add(b, "\\\\", 2);
			break;
		case '\n':
			evbuffer_add(b, "\\n", 2);
			break;
		case '\r':
			evbuffer_add(b, "\\r", 2);
			break;
		case '\t':
			evbuffer_add(b, "\\t", 2);
			break;
		default:
			if (c < 0x20)
				evbuffer_add_printf(b, "\\u%04x", c);
			else
				evbuffer_add(b, &c, 1);
		}
	}
	evbuffer_add(b, "\"", 1);
}

static void
json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		evbuffer_add(j->b, ",", 1);
	j->first[j->depth] = false;
	if (key != NULL) {
		json_escaped(j->b, key);
		evbuffer_add(j->b, ":", 1);
	}
}

static void
json_open(struct json *j, const char *key, char c)
{
	json_key(j, key);
	evbuffer_add(j->b, &c, 1);
	if (j->depth + 1 < JSON_MAXDEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void
json_close(struct json *j, char c)
{
	evbuffer_add(j->b, &c, 1);
	if (j->depth > 0)
		j->depth--;
}

void
json_obj_begin(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void
json_obj_end(struct json *j)
{
	json_close(j, '}');
}

void
json_arr_begin(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void
json_arr_end(struct json *j)
{
	json_close(j, ']');
}

void
json_str(struct json *j, const char *key, const char *v)
{
	json_key(j, key);
	if (v == NULL)
		evbuffer_add(j->b, "null", 4);
	else
		json_escaped(j->b, v);
}

void
json_int(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	evbuffer_add_printf(j->b, "%lld", v);
}

void
json_uint(struct json *j, const char *key, unsigned long long v)
{
	json_key(j, key);
	evbuffer_add_printf(j->b, "%llu", v);
}

void
json_double(struct json *j, const char *key, double v)
{
	json_key(j, key);
	if (isfinite(v))
		evbuffer_add_printf(j->b, "%.6g", v);
	else
		evbuffer_add(j->b, "null", 4);
}

void
json_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	if (v)
		evbuffer_add(j->b, "true", 4);
	else
		evbuffer_add(j->b, "false", 5);
}

void
json_null(struct json *j, const char *key)
{
	json_key(j, key);
	evbuffer_add(j->b, "null", 4);
}

void
json_finish(struct json *j)
{
	evbuffer_add(j->b, "\n", 1);
}
