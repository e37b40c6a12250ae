/*
 * instance.h - one daemon per socket and pid file, and the start-up checks
 * made as the service user.
 *
 * Before anything is touched, instance_other() tells whether another
 * process serves the socket or holds the pid file; instance_write_pid()
 * then writes the pid file without following links; instance_user_check()
 * runs what the service user will have to do later (read the rules at a
 * reload, write the stats file), as that user, for -n and for a start.
 */
#ifndef MILTER_INSTANCE_H
#define MILTER_INSTANCE_H

#include <stddef.h>
#include <sys/types.h>

/* 1 when a process answers on socket spec (unix or inet; tried as user,
 * as for instance_user_check) or pid_file (may be "") names a live
 * bounce-milter, saying so on stderr; else 0. */
int instance_other(const char *spec, const char *pid_file, const char *user, uid_t uid, gid_t gid);

/* Write this process's id to path (not through a symlink, hard link or
 * anything but a regular file): 0, or -1 with the reason in msg. */
int instance_write_pid(const char *path, char *msg, size_t msglen);

/* Load config_path as user (uid, gid; user "" or not root: as we are) and
 * check that the stats file's directory is writable; problems go to
 * stderr.  0 when all is well. */
int instance_user_check(const char *config_path, const char *user, uid_t uid, gid_t gid);

#endif
