-- bodycap.lua - a bounce's body is read up to max_body (4096 here), then
-- skipped; the report near the top is still classified.
dofile(LIB .. "/common.lua")

local conn = open()
check(mt.test_option(conn, SMFIP_SKIP), "SKIP negotiated")
check(mt.mailfrom(conn, "<>") == nil, "mailfrom")
check(mt.rcptto(conn, "<sender@sender.test>") == nil, "rcptto")
check(mt.header(conn, "Content-Type", "multipart/report; report-type=delivery-status; boundary=\"BOUNDARY.1\"") == nil, "header")
check(mt.eoh(conn) == nil, "eoh")
check(mt.getreply(conn) == SMFIR_CONTINUE, "inspected")
check(mt.bodystring(conn, dsn_body("g@plain.test", "5.1.1", "550 5.1.1 user unknown")) == nil, "body")
check(mt.getreply(conn) == SMFIR_CONTINUE, "report read")
check(mt.bodystring(conn, string.rep("x", 5000)) == nil, "filler")
check(mt.getreply(conn) == SMFIR_SKIP, "rest of the body skipped past max_body")
check(mt.eom(conn) == nil, "eom")
check(contains(added(conn, "X-Bounce-Class"), "recipient=<g@plain.test>"), "classified from what was read")
mt.disconnect(conn)
