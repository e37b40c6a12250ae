-- forged.lua - X-Bounce-* headers that arrive with a message are removed,
-- from ordinary mail (which is otherwise left alone) and from bounces.
dofile(LIB .. "/common.lua")

local conn = open()
send_plain_headers(conn, {{"X-Bounce-Class", "vacation; severity=none"},
                          {"x-bounce-summary", "worst=none"},
                          {"X-Bounce-Class", "second"}})
check(mt.getreply(conn) == SMFIR_CONTINUE, "forged headers keep the message past EOH")
check(mt.bodystring(conn, "hello\r\n") == nil, "body")
check(mt.getreply(conn) == SMFIR_SKIP, "the body of ordinary mail is skipped")
check(mt.eom(conn) == nil, "eom")
check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted at EOM")
check(mt.eom_check(conn, MT_HDRDELETE, "X-Bounce-Class"), "forged X-Bounce-Class removed")
check(mt.eom_check(conn, MT_HDRDELETE, "x-bounce-summary"), "forged x-bounce-summary removed")
check(not mt.eom_check(conn, MT_HDRADD), "nothing added to ordinary mail")
check(not mt.eom_check(conn, MT_HDRCHANGE, "Subject"), "subject untouched")

-- a bounce carrying a forged classification: removed, then ours added
send_bounce(conn, "carol@plain.test", {headers = {{"X-Bounce-Summary", "worst=none; forged"}}})
check(mt.eom_check(conn, MT_HDRDELETE, "X-Bounce-Summary"), "forged summary removed from a bounce")
check(contains(added(conn, "X-Bounce-Summary"), "worst=hard"), "real summary added")
mt.disconnect(conn)
