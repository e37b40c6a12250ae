/*
 * callbacks.h - the libmilter side: the filter description handed to
 * smfi_register(), negotiation, and the xxfi_* callbacks that drive a
 * session per connection.
 */
#ifndef MILTER_CALLBACKS_H
#define MILTER_CALLBACKS_H

#include <libmilter/mfapi.h>

/* The filter description for smfi_register(). */
struct smfiDesc *callbacks_desc(void);

/* Protocol steps bounce-milter asks the MTA to leave out or not answer,
 * given what the MTA offers; no_connect: the connect step is not needed
 * ({daemon_name} comes with MAIL). */
unsigned long callbacks_steps(unsigned long offered, int no_connect);

/* The drain at a stop: from now on a message that begins is refused (451),
 * and wait up to seconds for those in flight to end.  Returns how many are
 * still in flight (0: all done). */
long callbacks_drain(unsigned seconds);

/* Messages between MAIL and their end now. */
long callbacks_in_flight(void);

#endif
