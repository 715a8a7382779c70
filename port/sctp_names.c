/* SPDX-License-Identifier: MIT */
/* port/sctp_names.c: log names for port/sctp.h enums, shared by all ports. */
#include "port/sctp.h"

const char *ps_ev_name(enum ps_ev_type t)
{
	switch (t) {
	case PS_EV_DATA: return "DATA";
	case PS_EV_ASSOC_CHANGE: return "ASSOC_CHANGE";
	case PS_EV_PEER_ADDR_CHANGE: return "PEER_ADDR_CHANGE";
	case PS_EV_SEND_FAILED: return "SEND_FAILED";
	case PS_EV_REMOTE_ERROR: return "REMOTE_ERROR";
	case PS_EV_SHUTDOWN: return "SHUTDOWN";
	case PS_EV_PARTIAL_DELIVERY: return "PARTIAL_DELIVERY";
	case PS_EV_ADAPTATION: return "ADAPTATION";
	case PS_EV_AUTH: return "AUTH";
	case PS_EV_SENDER_DRY: return "SENDER_DRY";
	case PS_EV_STREAM_RESET: return "STREAM_RESET";
	case PS_EV_ASSOC_RESET: return "ASSOC_RESET";
	case PS_EV_STREAM_CHANGE: return "STREAM_CHANGE";
	case PS_EV_UNKNOWN: return "UNKNOWN";
	}
	return "?";
}

const char *ps_assoc_state_name(enum ps_assoc_state s)
{
	switch (s) {
	case PS_COMM_UP: return "COMM_UP";
	case PS_COMM_LOST: return "COMM_LOST";
	case PS_RESTART: return "RESTART";
	case PS_SHUTDOWN_COMP: return "SHUTDOWN_COMP";
	case PS_CANT_STR_ASSOC: return "CANT_STR_ASSOC";
	}
	return "?";
}

const char *ps_addr_state_name(enum ps_addr_state s)
{
	switch (s) {
	case PS_ADDR_AVAILABLE: return "AVAILABLE";
	case PS_ADDR_UNREACHABLE: return "UNREACHABLE";
	case PS_ADDR_REMOVED: return "REMOVED";
	case PS_ADDR_ADDED: return "ADDED";
	case PS_ADDR_MADE_PRIM: return "MADE_PRIM";
	case PS_ADDR_CONFIRMED: return "CONFIRMED";
	case PS_ADDR_PF: return "PF";
	}
	return "?";
}

const char *ps_path_state_name(enum ps_path_state s)
{
	switch (s) {
	case PS_PATH_ACTIVE: return "ACTIVE";
	case PS_PATH_INACTIVE: return "INACTIVE";
	case PS_PATH_PF: return "PF";
	case PS_PATH_UNCONFIRMED: return "UNCONFIRMED";
	case PS_PATH_UNKNOWN: return "UNKNOWN";
	}
	return "?";
}

const char *ps_transport_name(enum ps_transport t)
{
	switch (t) {
	case PS_TRANSPORT_AUTO: return "auto";
	case PS_TRANSPORT_KERNEL: return "kernel";
	case PS_TRANSPORT_UDP: return "udp";
	}
	return "?";
}
