/*
 * sdnotify.h - the systemd notification protocol without libsystemd.
 */
#ifndef DIRECTOR_SDNOTIFY_H
#define DIRECTOR_SDNOTIFY_H

/*
 * Sends msg ("READY=1", "RELOADING=1\nMONOTONIC_USEC=...") as one datagram
 * to $NOTIFY_SOCKET. Returns 1 if sent, 0 when not under systemd, -1 on
 * error (errno set).
 */
int	sd_notify_send(const char *msg);

#endif
