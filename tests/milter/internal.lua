-- internal.lua - Postfix's own bounces ({daemon_name} in internal.daemon_names)
-- are never rejected, discarded, redirected or stripped: tagged, at most held.
dofile(LIB .. "/common.lua")

local conn = open({{"{daemon_name}", "bounce-internal"}})

send_bounce(conn, "u@reject.test")
check(mt.getreply(conn) == SMFIR_ACCEPT, "own bounce not rejected")
check(mt.eom_check(conn, MT_HDRADD, "X-Bounce-Class"), "own bounce tagged")

send_bounce(conn, "u@discard.test")
check(mt.getreply(conn) == SMFIR_ACCEPT, "own bounce not discarded")

send_bounce(conn, "u@redirect.test")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<sender@sender.test>"), "own bounce not redirected")

send_bounce(conn, "u@strip.test")
check(not mt.eom_check(conn, MT_BODYCHANGE), "own bounce not stripped")

send_bounce(conn, "u@hold.test")
check(mt.eom_check(conn, MT_QUARANTINE), "own bounce may be held")
mt.disconnect(conn)

-- another daemon name: the configured action applies
conn = open({{"{daemon_name}", "smtpd"}})
send_bounce(conn, "u@reject.test")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "smtpd bounce rejected as configured")
mt.disconnect(conn)
