/*
 * test_cfg.c - the config parser, validator and printer, driven through
 * cfg_load_string(): typed values, defaults, cross references, and the
 * exact error list a user sees.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "cfg.h"
#include "cfg_text.h"

static struct cfg *
load_ok(const char *text)
{
	struct cfg_errors	 errs = { 0 };
	struct cfg		*c = cfg_load_string(text, "t.conf", &errs);
	size_t			 i;

	for (i = 0; i < errs.n; i++)
		print_message("unexpected: %s\n", errs.msg[i]);
	assert_int_equal(errs.n, 0);
	assert_non_null(c);
	cfg_errors_free(&errs);
	return c;
}

/* Loads text expecting failure; returns the errors joined by newlines. */
static char *
load_bad(const char *text)
{
	struct cfg_errors	 errs = { 0 };
	struct cfg		*c = cfg_load_string(text, "t.conf", &errs);
	size_t			 i, len = 1;
	char			*all;

	assert_null(c);
	assert_true(errs.n > 0);
	for (i = 0; i < errs.n; i++)
		len += strlen(errs.msg[i]) + 1;
	all = calloc(1, len);
	for (i = 0; i < errs.n; i++) {
		strcat(all, errs.msg[i]);
		strcat(all, "\n");
	}
	cfg_errors_free(&errs);
	return all;
}

static void
empty_file_gives_defaults(void **state)
{
	struct cfg *c = load_ok("");

	assert_int_equal(c->nvrrp, 0);
	assert_int_equal(c->nvs, 0);
	assert_true(c->global.script_security);
	assert_string_equal(c->global.script_user, "root");
	assert_true(c->global.ipvs_load_module);
	assert_int_equal(c->global.ipvs_drift_interval, 30000);
	cfg_free(c);
}

static void
vrrp_instance_values(void **state)
{
	struct cfg *c = load_ok(
	    "vrrp_scripts = ( { name = \"chk\"; script = [\"/bin/true\", \"-x\"];"
	    " weight = -20; } );\n"
	    "vrrp_instances = ( {\n"
	    "  name = \"VI_1\"; interface = \"eth0\"; virtual_router_id = 51;\n"
	    "  priority = 150; advert_interval = 0.05; preempt_delay = 2.5;\n"
	    "  virtual_addresses = ( \"192.0.2.1/24\", { address = "
	    "\"192.0.2.2/24\"; label = \"eth0:1\"; } );\n"
	    "  unicast_peers = [ \"192.0.2.9\" ];\n"
	    "  track_interfaces = ( \"eth1\", { interface = \"eth2\"; weight = -30; } );\n"
	    "  track_scripts = ( \"chk\", { name = \"chk\"; weight = -5; } );\n"
	    "  use_vmac = true;\n"
	    "} );\n");
	const struct cfg_vrrp *vr = &c->vrrp[0];

	assert_int_equal(c->nvrrp, 1);
	assert_string_equal(vr->name, "VI_1");
	assert_int_equal(vr->vrid, 51);
	assert_int_equal(vr->priority, 150);
	assert_int_equal(vr->version, 3);
	assert_int_equal(vr->advert_cs, 5);
	assert_int_equal(vr->preempt_delay, 2500);
	assert_true(vr->preempt);
	assert_int_equal(vr->af, AF_INET);
	assert_int_equal(vr->nvips, 2);
	assert_int_equal(vr->vips[0].addr.prefix, 24);
	assert_string_equal(vr->vips[1].label, "eth0:1");
	assert_int_equal(vr->npeers, 1);
	assert_int_equal(vr->ntrack_ifs, 2);
	assert_int_equal(vr->track_ifs[0].weight, 0);
	assert_int_equal(vr->track_ifs[1].weight, -30);
	/* A tracked script without a weight takes the script's own. */
	assert_int_equal(vr->track_scripts[0].weight, -20);
	assert_int_equal(vr->track_scripts[1].weight, -5);
	assert_ptr_equal(vr->track_scripts[0].script, &c->vrrp_scripts[0]);
	assert_int_equal(c->vrrp_scripts[0].argv.argc, 2);
	assert_string_equal(vr->vmac_ifname, "vrrp.51");
	assert_int_equal(vr->garp.count, 5);
	cfg_free(c);
}

static void
vrrp_v2_whole_seconds(void **state)
{
	struct cfg	*c;
	char		*e;

	c = load_ok("vrrp_instances = ( { name = \"a\"; interface = \"e\";"
	    " virtual_router_id = 1; version = 2; advert_interval = 3;"
	    " auth_pass = \"12345678\"; virtual_addresses = ( \"10.0.0.1\" ); } );");
	assert_int_equal(c->vrrp[0].advert_cs, 300);
	assert_string_equal(c->vrrp[0].auth_pass, "12345678");
	cfg_free(c);
	e = load_bad("vrrp_instances = ( { name = \"a\"; interface = \"e\";\n"
	    " virtual_router_id = 1; version = 2;\n advert_interval = 1.5;"
	    " virtual_addresses = ( \"10.0.0.1\" ); } );");
	assert_string_equal(e, "t.conf:3: advert_interval: VRRPv2 takes whole "
	    "seconds from 1 to 255\n");
	free(e);
}

static void
sync_group_resolves_members(void **state)
{
	struct cfg *c = load_ok(
	    "vrrp_instances = (\n"
	    " { name = \"A\"; interface = \"e\"; virtual_router_id = 1;"
	    " virtual_addresses = ( \"10.0.0.1\" ); },\n"
	    " { name = \"B\"; interface = \"e\"; virtual_router_id = 2;"
	    " virtual_addresses = ( \"10.0.0.2\" ); } );\n"
	    "sync_groups = ( { name = \"G\"; instances = [ \"B\", \"A\" ]; } );\n");

	assert_string_equal(c->vrrp[0].sync_group, "G");
	assert_string_equal(c->vrrp[1].sync_group, "G");
	assert_int_equal(c->groups[0].nmembers, 2);
	cfg_free(c);
}

static void
virtual_server_values(void **state)
{
	struct cfg *c = load_ok(
	    "virtual_servers = (\n"
	    " { name = \"web\"; address = \"192.0.2.1\"; port = 80;"
	    "   scheduler = \"sh\"; scheduler_flags = [ \"sh-port\", \"sh-fallback\" ];"
	    "   persistence_timeout = 300; persistence_netmask = \"255.255.255.0\";"
	    "   forwarding = \"dr\"; quorum = 4; hysteresis = 1;"
	    "   sorry_server = { address = \"192.0.2.99\"; };"
	    "   real_servers = (\n"
	    "    { address = \"192.0.2.11\"; weight = 3;"
	    "      check = { type = \"http\"; status = ( 200, \"301-302\" );"
	    "        digest = \"md5:D41D8CD98F00B204E9800998ECF8427E\"; }; },\n"
	    "    { address = \"2001:db8::5\"; port = 8080; forwarding = \"tun\";"
	    "      tunnel = { type = \"gue\"; port = 6080; checksum = \"remcsum\"; }; }\n"
	    "   ); },\n"
	    " { name = \"mark\"; fwmark = 7; family = \"inet6\"; scheduler = \"mh\";"
	    "   scheduler_flags = [ \"mh-port\" ]; },\n"
	    " { name = \"dns\"; address = \"192.0.2.1\"; port = 53;"
	    "   protocol = \"udp\"; one_packet = true; }\n"
	    ");\n");
	const struct cfg_vs *vs = &c->vs[0];

	assert_int_equal(c->nvs, 3);
	assert_int_equal(vs->protocol, IPPROTO_TCP);
	assert_int_equal(vs->sched_flags, CFG_SCHED_F_1 | CFG_SCHED_F_2);
	assert_int_equal(vs->persistence_timeout, 300);
	assert_int_equal(vs->persistence_netmask, 0xffffff00);
	assert_true(vs->has_sorry);
	assert_int_equal(vs->sorry.port, 80);	/* the service's port */
	assert_int_equal(vs->rs[0].port, 80);
	assert_int_equal(vs->rs[0].fwd.method, FWD_DR);	/* inherited */
	assert_int_equal(vs->rs[0].max_weight, 3);
	assert_int_equal(vs->rs[0].check.nstatus, 2);
	assert_int_equal(vs->rs[0].check.status[1].lo, 301);
	assert_int_equal(vs->rs[0].check.status[1].hi, 302);
	assert_int_equal(vs->rs[0].check.digest_alg, DIGEST_MD5);
	assert_string_equal(vs->rs[0].check.digest,
	    "d41d8cd98f00b204e9800998ecf8427e");
	assert_string_equal(vs->rs[0].check.path, "/");
	assert_int_equal(vs->rs[0].check.rise, 2);
	assert_int_equal(vs->rs[0].check.fall, 3);
	/* A tunnelled server may be of the other family. */
	assert_int_equal(vs->rs[1].addr.af, AF_INET6);
	assert_int_equal(vs->rs[1].fwd.tun_type, TUN_GUE);
	assert_int_equal(vs->rs[1].fwd.tun_port, 6080);
	assert_int_equal(vs->rs[1].fwd.tun_csum, TUN_CSUM_REMCSUM);
	assert_int_equal(c->vs[1].fwmark, 7);
	assert_int_equal(c->vs[1].af, AF_INET6);
	assert_int_equal(c->vs[1].sched_flags, CFG_SCHED_F_2);
	assert_int_equal(c->vs[2].protocol, IPPROTO_UDP);
	assert_true(c->vs[2].one_packet);
	cfg_free(c);
}

static void
every_error_in_line_order(void **state)
{
	char *e = load_bad(
	    "global = { scrip_user = \"root\"; };\n"
	    "vrrp_instances = (\n"
	    " { name = \"A\"; interface = \"e\"; virtual_router_id = 300;"
	    " virtual_addresses = ( \"10.0.0.1\" ); },\n"
	    " { name = \"A\"; interface = \"e\"; virtual_router_id = 2;"
	    " virtual_addresses = ( \"10.0.0.2\" ); }\n"
	    ");\n"
	    "sync_groups = ( { name = \"G\"; instances = [ \"Z\" ]; } );\n"
	    "virtual_servers = ( { name = \"w\"; address = \"10.0.0.1\";"
	    " port = 80; scheduler = \"wrrr\"; } );\n");

	assert_string_equal(e,
	    "t.conf:1: unknown key \"scrip_user\" in global (did you mean "
	    "\"script_user\"?)\n"
	    "t.conf:3: virtual_router_id: 300 is out of range (1-255)\n"
	    "t.conf:4: duplicate vrrp instance \"A\" (first at line 3)\n"
	    "t.conf:6: sync group \"G\": unknown vrrp instance \"Z\"\n"
	    "t.conf:7: vs w: unknown scheduler \"wrrr\" (did you mean "
	    "\"wrr\"?)\n");
	free(e);
}

static void
same_vrid_same_interface(void **state)
{
	char *e = load_bad(
	    "vrrp_instances = (\n"
	    " { name = \"A\"; interface = \"e\"; virtual_router_id = 9;"
	    " virtual_addresses = ( \"10.0.0.1\" ); },\n"
	    " { name = \"B\"; interface = \"e\"; virtual_router_id = 9;"
	    " virtual_addresses = ( \"10.0.0.2\" ); }\n);\n");

	assert_string_equal(e, "t.conf:3: vrrp instance \"B\": "
	    "virtual_router_id 9 on e is already used by \"A\" (line 2)\n");
	free(e);
}

static void
v2_limits(void **state)
{
	char *e = load_bad(
	    "vrrp_instances = (\n"
	    " { name = \"A\"; interface = \"e\"; virtual_router_id = 9;\n"
	    "   version = 2; virtual_addresses = ( \"2001:db8::1\" ); },\n"
	    " { name = \"B\"; interface = \"e\"; virtual_router_id = 10;\n"
	    "   auth_pass = \"x\"; virtual_addresses = ( \"10.0.0.2\" ); }\n);\n");

	assert_string_equal(e,
	    "t.conf:3: vrrp instance \"A\": IPv6 virtual addresses need "
	    "version 3 (VRRPv2 is IPv4 only)\n"
	    "t.conf:4: vrrp instance \"B\": auth_pass is only for version 2 "
	    "(RFC 5798 removed authentication)\n");
	free(e);
}

static void
type_errors(void **state)
{
	char *e = load_bad(
	    "global = { script_security = \"yes\"; log_facility = \"local9\"; };\n"
	    "virtual_servers = ( { name = \"w\"; address = \"10.0.0.1\";\n"
	    " port = \"80\"; } );\n");

	assert_string_equal(e,
	    "t.conf:1: log_facility: unknown facility \"local9\" (daemon, "
	    "user, local0-local7)\n"
	    "t.conf:1: script_security: expected true or false, got a "
	    "string\n"
	    "t.conf:3: port: expected an integer, got a string\n");
	free(e);
}

static void
syntax_error_has_line(void **state)
{
	char *e = load_bad("global = {\n router_id = ;\n};\n");

	assert_string_equal(e, "t.conf:2: syntax error\n");
	free(e);
}

static void
script_security(void **state)
{
	char *e = load_bad(
	    "global = { notify = \"/nonexistent/notify\"; };\n"
	    "vrrp_scripts = ( { name = \"s\"; script = \"relative\"; } );\n");

	assert_string_equal(e,
	    "t.conf:1: notify script /nonexistent/notify: does not exist "
	    "(script_security is on)\n"
	    "t.conf:2: script: the program must be an absolute path\n");
	free(e);
	/* With security off, only the form is checked. */
	cfg_free(load_ok("global = { script_security = false; notify = "
	    "\"/nonexistent/notify\"; };\n"));
}

/* Root-owned scripts: in a sticky dir (like /tmp) fine, in a 0777 one not. */
static void
script_security_directories(void **state)
{
	char	 dir[] = "/tmp/dtest-cfg-XXXXXX", path[64], conf[160];
	char	*e;

	if (geteuid() != 0)
		skip();
	assert_true(cfg_test_script(dir, "n.sh", path, sizeof(path)));
	snprintf(conf, sizeof(conf), "global = { notify = \"%s\"; };\n",
	    path);
	chmod(dir, 01777);
	cfg_free(load_ok(conf));
	chmod(dir, 0777);
	e = load_bad(conf);
	assert_non_null(strstr(e, "is in a directory writable by others "
	    "than root"));
	free(e);
	chmod(path, 0777);
	chmod(dir, 0700);
	e = load_bad(conf);
	assert_non_null(strstr(e, "is writable by others than root"));
	free(e);
	unlink(path);
	rmdir(dir);
}

static void
canonical_print_round_trips(void **state)
{
	struct cfg	*c1, *c2;
	char		*p1, *p2;

	c1 = load_ok(
	    "global = { router_id = \"lb\"; metrics_listen = \"127.0.0.1:9\"; };\n"
	    "vrrp_instances = ( { name = \"V\"; interface = \"e\";"
	    " virtual_router_id = 4; advert_interval = 0.01;"
	    " virtual_addresses = ( \"fe80::1/64\", \"2001:db8::1/64\" );"
	    " notify = { master = [ \"/bin/true\", \"a b\", \"q\\\"\" ]; }; } );\n"
	    "virtual_servers = ( { name = \"v6\"; address = \"2001:db8::1\";"
	    " port = 443; persistence_timeout = 60; persistence_netmask = 64;"
	    " real_servers = ( { address = \"2001:db8::2\"; check = {"
	    " type = \"tls\"; sni = \"www\"; }; } ); } );\n");
	p1 = cfg_text(c1);
	c2 = load_ok(p1);
	p2 = cfg_text(c2);
	assert_string_equal(p1, p2);
	assert_non_null(strstr(p1, "advert_interval = 0.01;"));
	assert_non_null(strstr(p1, "persistence_netmask = 64;"));
	assert_non_null(strstr(p1, "cert_expiry_warn_days = 14;"));
	assert_non_null(strstr(p1,
	    "master = [ \"/bin/true\", \"a b\", \"q\\\"\" ];"));
	free(p1);
	free(p2);
	cfg_free(c1);
	cfg_free(c2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_file_gives_defaults),
		cmocka_unit_test(vrrp_instance_values),
		cmocka_unit_test(vrrp_v2_whole_seconds),
		cmocka_unit_test(sync_group_resolves_members),
		cmocka_unit_test(virtual_server_values),
		cmocka_unit_test(every_error_in_line_order),
		cmocka_unit_test(same_vrid_same_interface),
		cmocka_unit_test(v2_limits),
		cmocka_unit_test(type_errors),
		cmocka_unit_test(syntax_error_has_line),
		cmocka_unit_test(script_security),
		cmocka_unit_test(script_security_directories),
		cmocka_unit_test(canonical_print_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
