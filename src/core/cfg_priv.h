/*
 * cfg_priv.h - shared by the config parser's files only.
 *
 * The getters report every problem through cfg_error() with the file and
 * line of the offending setting, and keep going so one run shows them all.
 * They return 1 when the key was present and valid, 0 when absent (the
 * output keeps its default) and -1 after reporting an error.
 */
#ifndef DIRECTOR_CFG_PRIV_H
#define DIRECTOR_CFG_PRIV_H

#include <libconfig.h>

#include "cfg.h"
#include "log.h"

struct cfg_parser {
	struct cfg		*cfg;
	struct cfg_errors	*errs;
	const char		*file;
	/* A splice: the config whose servers cfg->same_as names. */
	const struct cfg	*prev;
};

struct cfg_enum {
	const char	*name;
	int		 value;
};

void	cfg_error(struct cfg_parser *, const config_setting_t *,
	    const char *, ...) LOG_FMT(3, 4);
void	cfg_error_line(struct cfg_parser *, const char *file, int line,
	    const char *, ...) LOG_FMT(4, 5);
void	cfg_errors_add(struct cfg_errors *, const char *, ...) LOG_FMT(2, 3);
int	cfg_line(const config_setting_t *);

/*
 * Reports each key of group s not in keys[] (NULL-terminated), with a
 * "did you mean" suggestion; what names the group in the message.
 */
void	cfg_check_keys(struct cfg_parser *, const config_setting_t *s,
	    const char *const keys[], const char *what);
/* Group s must be of type group; reports otherwise. */
bool	cfg_is_group(struct cfg_parser *, const config_setting_t *s,
	    const char *what);

int	cfg_get_int(struct cfg_parser *, const config_setting_t *g,
	    const char *key, long long min, long long max, long long *out);
int	cfg_get_bool(struct cfg_parser *, const config_setting_t *g,
	    const char *key, bool *out);
int	cfg_get_str(struct cfg_parser *, const config_setting_t *g,
	    const char *key, char **out);
/* An absolute path. */
int	cfg_get_path(struct cfg_parser *, const config_setting_t *g,
	    const char *key, char **out);
/* A name: 1 to CFG_NAME_MAX characters of [A-Za-z0-9_.:-]. */
int	cfg_get_name(struct cfg_parser *, const config_setting_t *g,
	    const char *key, char **out);
/* An interface name: the same, at most CFG_IFNAME_MAX characters. */
int	cfg_get_ifname(struct cfg_parser *, const config_setting_t *g,
	    const char *key, char **out);
/* Checks v (the value of setting s) as a name of at most max characters. */
int	cfg_check_name(struct cfg_parser *, const config_setting_t *s,
	    const char *key, const char *v, size_t max);
/* Seconds as an integer or float, stored in milliseconds. */
int	cfg_get_secs(struct cfg_parser *, const config_setting_t *g,
	    const char *key, uint32_t min_ms, uint32_t max_ms, uint32_t *ms);
int	cfg_get_addr(struct cfg_parser *, const config_setting_t *g,
	    const char *key, bool allow_prefix, struct addr *out);
int	cfg_get_port(struct cfg_parser *, const config_setting_t *g,
	    const char *key, uint16_t *out);
/* One of the names in tab; the message lists the accepted names. */
int	cfg_get_enum(struct cfg_parser *, const config_setting_t *g,
	    const char *key, const struct cfg_enum *tab, int *out);
/* A program: "path" or [ "path", "arg", ... ]. */
int	cfg_get_argv(struct cfg_parser *, const config_setting_t *g,
	    const char *key, struct cfg_argv *out);
int	cfg_argv_from(struct cfg_parser *, const config_setting_t *s,
	    struct cfg_argv *out);
/* A list or array at key: returns it (and its length), or NULL. */
const config_setting_t *cfg_get_list(struct cfg_parser *,
	    const config_setting_t *g, const char *key, size_t *n);
const char *cfg_enum_name(const struct cfg_enum *, int value);

/* Section parsers, in cfg_vrrp.c and cfg_vs.c. */
void	cfg_parse_vrrp_scripts(struct cfg_parser *, const config_setting_t *);
void	cfg_parse_vrrp_instances(struct cfg_parser *, const config_setting_t *);
void	cfg_parse_sync_groups(struct cfg_parser *, const config_setting_t *);
void	cfg_parse_virtual_servers(struct cfg_parser *, const config_setting_t *);
/* Parses list's groups into out[] (room for all); returns how many. */
size_t	cfg_parse_vs_elems(struct cfg_parser *, const config_setting_t *list,
	    struct cfg_vs *out);
/* Cross-reference checks over the whole config, in cfg_validate.c. */
void	cfg_validate(struct cfg_parser *);

/* An empty config for file, with the defaults, in its own arena. */
struct cfg *cfg_new(const char *file);
/* libconfig set up as every load uses it (includes, options). */
void	cfg_lc_init(config_t *, const char *file);
/* Every top-level section of root into p->cfg, without validation. */
void	cfg_parse_root(struct cfg_parser *, const config_setting_t *root);

/*
 * Reload support, in cfg_splice.c and cfg_copy.c. cfg_src_attach keeps
 * text (len bytes, which c was fully parsed from) in c for the next
 * load, when it can tell where each virtual server is in it; text is in
 * ta, which c then takes, or (ta NULL) is copied. cfg_splice
 * builds the config of a new text from prev by parsing only what changed,
 * or returns NULL: the caller then parses the whole text.
 */
void	 cfg_src_attach(struct cfg *c, const char *text, size_t len,
	    struct arena *ta);
struct cfg *cfg_splice(const struct cfg *prev, const char *text, size_t len,
	    struct arena *ta, const char *file);
/* A deep copy of s into c's arena (c owns it), its lines moved by dline. */
void	 cfg_vs_copy(struct cfg *c, struct cfg_vs *d, const struct cfg_vs *s,
	    int dline);
/* Moves every line of vs by dline (those in rs[] through rs_line_shift). */
void	 cfg_vs_move(struct cfg_vs *vs, int dline);
/* A copy of s alone that shares its real servers and strings with s. */
void	 cfg_vs_share(struct cfg_vs *d, const struct cfg_vs *s, int dline);

extern const struct cfg_enum cfg_fwd_names[];
extern const struct cfg_enum cfg_proto_names[];
extern const struct cfg_enum cfg_check_names[];
extern const struct cfg_enum cfg_tun_names[];
extern const struct cfg_enum cfg_csum_names[];

#endif
