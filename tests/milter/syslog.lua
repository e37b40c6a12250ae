-- syslog.lua - a bounce the milter tags, one it rejects and a null-sender
-- message that is no bounce, for the log.
dofile(LIB .. "/common.lua")

local conn = open()
send_bounce(conn, "u@plain.test", {to = {"<bounces@bm.test>"}})
check(mt.getreply(conn) == SMFIR_ACCEPT, "tagged and accepted")
send_bounce(conn, "u@reject.test", {to = {"<bounces@bm.test>"}})
check(mt.getreply(conn) == SMFIR_REPLYCODE, "rejected")
mailfrom(conn, "<>", "QIDNOBOUNCE")
rcptto(conn, "<bob@bm.test>")
check(mt.header(conn, "From", "robot@sender.test") == nil, "header From")
check(mt.header(conn, "Subject", "your invoice") == nil, "header Subject")
check(mt.eoh(conn) == nil, "eoh")
check(mt.bodystring(conn, "Nothing bounced here.\r\n") == nil, "body")
check(mt.eom(conn) == nil, "eom")
check(mt.getreply(conn) == SMFIR_ACCEPT, "no bounce accepted")
mt.disconnect(conn)
