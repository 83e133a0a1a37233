/*
 * ctl_vrrp.c - `directorctl vrrp`: each instance's state, priority
 * (configured and effective), master, timers and counters.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "ctl.h"
#include "daemon.h"
#include "json.h"
#include "../vrrp/vrrp.h"

static void
vrrp_json_one(struct json *j, const struct vrrp_inst_info *in)
{
	const struct cfg_vrrp	*c = in->conf;
	int			 e;

	json_obj_begin(j, NULL);
	json_str(j, "name", c->name);
	json_str(j, "interface", c->ifname);
	json_str(j, "vmac_interface", in->vmac);
	json_uint(j, "vrid", c->vrid);
	json_uint(j, "version", c->version);
	json_str(j, "family", c->af == AF_INET6 ? "inet6" : "inet");
	json_str(j, "state", vrrp_state_name(in->state));
	json_uint(j, "priority", in->priority);
	json_uint(j, "configured_priority", c->priority);
	json_str(j, "master", in->master[0] ? in->master : NULL);
	json_double(j, "advert_interval", c->advert_cs / 100.0);
	json_double(j, "master_advert_interval", in->master_adver_cs / 100.0);
	json_double(j, "master_down_in", in->master_down_in_us / 1e6);
	json_str(j, "last_reason", in->last_reason);
	json_str(j, "fault_reason", in->fault_reason);
	json_obj_begin(j, "counters");
	json_uint(j, "adverts_sent", in->fsm.adverts_sent);
	json_uint(j, "adverts_received", in->fsm.adverts_received);
	json_uint(j, "answers_sent", in->fsm.answers_sent);
	json_uint(j, "transitions", in->fsm.transitions);
	json_uint(j, "became_master", in->fsm.became_master);
	json_uint(j, "priority_zero_sent", in->fsm.priority_zero_sent);
	json_uint(j, "priority_zero_received",
	    in->fsm.priority_zero_received);
	json_obj_end(j);
	json_obj_begin(j, "drops");
	for (e = 0; e < VRRP_DROP_N; e++)
		json_uint(j, vrrp_drop_name(e), in->drops[e]);
	json_obj_end(j);
	json_obj_begin(j, "packet_errors");
	for (e = 1; e < VRRP_PKT_NERR; e++)
		json_uint(j, vrrp_pkt_err_name(e), in->pkt_errors[e]);
	json_obj_end(j);
	json_obj_end(j);
}

static void
vrrp_text_one(struct evbuffer *out, const struct vrrp_inst_info *in)
{
	const struct cfg_vrrp	*c = in->conf;
	int			 e;

	evbuffer_add_printf(out, "%-12s %-7s priority %u/%u  vrid %u on %s%s%s "
	    "(v%u %s)  advert %.2fs  master %s\n", c->name,
	    vrrp_state_name(in->state), in->priority, c->priority, c->vrid,
	    c->ifname, in->vmac ? " vmac " : "", in->vmac ? in->vmac : "",
	    c->version, c->af == AF_INET6 ? "IPv6" : "IPv4",
	    c->advert_cs / 100.0, in->master[0] ? in->master : "-");
	if (in->fault_reason != NULL)
		evbuffer_add_printf(out, "  fault: %s\n", in->fault_reason);
	if (in->master_down_in_us != 0)
		evbuffer_add_printf(out, "  master down in %.3fs (master "
		    "advert %.2fs)\n", in->master_down_in_us / 1e6,
		    in->master_adver_cs / 100.0);
	evbuffer_add_printf(out, "  adverts sent %llu received %llu, "
	    "transitions %llu (last: %s), priority 0 sent %llu received "
	    "%llu\n", (unsigned long long)in->fsm.adverts_sent,
	    (unsigned long long)in->fsm.adverts_received,
	    (unsigned long long)in->fsm.transitions,
	    in->last_reason[0] ? in->last_reason : "-",
	    (unsigned long long)in->fsm.priority_zero_sent,
	    (unsigned long long)in->fsm.priority_zero_received);
	evbuffer_add_printf(out, "  drops:");
	for (e = 0; e < VRRP_DROP_N; e++)
		evbuffer_add_printf(out, " %s %llu", vrrp_drop_name(e),
		    (unsigned long long)in->drops[e]);
	evbuffer_add_printf(out, "; packet errors:");
	for (e = 1; e < VRRP_PKT_NERR; e++)
		evbuffer_add_printf(out, " %s %llu", vrrp_pkt_err_name(e),
		    (unsigned long long)in->pkt_errors[e]);
	evbuffer_add_printf(out, "\n");
}

int
ctl_view_vrrp(struct director *d, const struct ctl_req *req,
    struct evbuffer *out, char *err, size_t errlen)
{
	struct vrrp_inst_info	in;
	struct json		j;
	size_t			i, n = d->vrrp ? vrrp_count(d->vrrp) : 0;

	if (req->json) {
		json_init(&j, out);
		json_obj_begin(&j, NULL);
		json_arr_begin(&j, "instances");
		for (i = 0; i < n; i++) {
			vrrp_info(d->vrrp, i, &in);
			vrrp_json_one(&j, &in);
		}
		json_arr_end(&j);
		json_uint(&j, "unknown_vrid", d->vrrp ?
		    vrrp_unknown_vrid(d->vrrp) : 0);
		json_obj_end(&j);
		json_finish(&j);
		return 0;
	}
	if (n == 0)
		evbuffer_add_printf(out, "no VRRP instances running\n");
	for (i = 0; i < n; i++) {
		vrrp_info(d->vrrp, i, &in);
		vrrp_text_one(out, &in);
	}
	return 0;
}
