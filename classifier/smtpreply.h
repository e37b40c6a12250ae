/*
 * smtpreply.h - which three-digit numbers are SMTP reply codes.
 *
 * Bounce text is full of three-digit numbers (ports, counts, vendor codes
 * such as "571" or "542").  Only the codes SMTP actually defines (RFC 5321,
 * and the extensions that add codes: AUTH, ETRN, null MX, ...) are taken
 * as the reply of a failed delivery.
 */
#ifndef SMTPREPLY_H
#define SMTPREPLY_H

/* 1 if p[0..3) is a registered SMTP reply code (p needs 3 readable bytes). */
int smtp_reply_registered(const char *p);

#endif
