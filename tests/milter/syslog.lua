-- syslog.lua - a bounce the milter tags and one it rejects, for the log.
dofile(LIB .. "/common.lua")

local conn = open()
send_bounce(conn, "u@plain.test", {to = {"<bounces@bm.test>"}})
check(mt.getreply(conn) == SMFIR_ACCEPT, "tagged and accepted")
send_bounce(conn, "u@reject.test", {to = {"<bounces@bm.test>"}})
check(mt.getreply(conn) == SMFIR_REPLYCODE, "rejected")
mt.disconnect(conn)
