-- nonbounce.lua - negotiation, and the cheap early decision: ordinary mail is
-- accepted at end of headers (its body is never sent); the envelope and
-- header markers make a message be inspected.
dofile(LIB .. "/common.lua")

local conn = open()
-- steps the milter never needs are negotiated away, header replies too
check(mt.test_option(conn, SMFIP_NOHELO), "NOHELO requested")
check(mt.test_option(conn, SMFIP_NR_HDR), "NR_HDR requested")
check(mt.test_option(conn, SMFIP_NOUNKNOWN), "NOUNKNOWN requested")
-- {daemon_name} comes with MAIL (SETSYMLIST), so no connect step
check(mt.test_option(conn, SMFIP_NOCONNECT), "NOCONNECT requested")
check(mt.test_action(conn, SMFIF_SETSYMLIST), "SETSYMLIST requested")
-- this config looks at recipients (patterns, VERP, redirect): RCPT kept
check(not mt.test_option(conn, SMFIP_NORCPT), "RCPT kept")
-- actions this config needs
check(mt.test_action(conn, SMFIF_ADDHDRS), "ADDHDRS requested")
check(mt.test_action(conn, SMFIF_CHGHDRS), "CHGHDRS requested")
check(mt.test_action(conn, SMFIF_QUARANTINE), "QUARANTINE requested")
check(mt.test_action(conn, SMFIF_CHGBODY), "CHGBODY requested")

-- plain mail: accepted at end of headers
send_plain_headers(conn)
check(mt.getreply(conn) == SMFIR_ACCEPT, "plain mail accepted at EOH")

-- a read receipt (report type not configured): accepted too
send_plain_headers(conn, {{"Content-Type", "multipart/report; report-type=disposition-notification; boundary=x"}})
check(mt.getreply(conn) == SMFIR_ACCEPT, "MDN accepted at EOH")

-- Auto-Submitted: auto-generated is not in the configured list
send_plain_headers(conn, {{"Auto-Submitted", "auto-generated"}})
check(mt.getreply(conn) == SMFIR_ACCEPT, "auto-generated accepted at EOH")

-- an auto-reply is inspected
send_plain_headers(conn, {{"Auto-Submitted", "auto-replied (vacation)"}})
check(mt.getreply(conn) == SMFIR_CONTINUE, "auto-reply inspected")
check(mt.abort(conn) == nil, "abort")

-- X-Autoreply marks an auto-reply
send_plain_headers(conn, {{"X-Autoreply", "yes"}})
check(mt.getreply(conn) == SMFIR_CONTINUE, "X-Autoreply inspected")
check(mt.abort(conn) == nil, "abort")

-- a report with a non-null sender is inspected by its content type
send_plain_headers(conn, {{"Content-Type", "Multipart/Report; boundary=\"b\"; Report-Type=\"delivery-status\""}})
check(mt.getreply(conn) == SMFIR_CONTINUE, "delivery-status report inspected")
check(mt.abort(conn) == nil, "abort")

-- mail to the bounce mailbox (recipient pattern) is inspected
check(mt.mailfrom(conn, "<alice@sender.test>") == nil, "mailfrom")
check(mt.rcptto(conn, "<Bounces@BM.test>") == nil, "rcptto")
check(mt.header(conn, "Subject", "x") == nil, "header")
check(mt.eoh(conn) == nil, "eoh")
check(mt.getreply(conn) == SMFIR_CONTINUE, "bounce mailbox inspected")
check(mt.abort(conn) == nil, "abort")

-- null sender: inspected whatever the headers
check(mt.mailfrom(conn, "<>") == nil, "mailfrom")
check(mt.rcptto(conn, "<bob@example.com>") == nil, "rcptto")
check(mt.header(conn, "Subject", "x") == nil, "header")
check(mt.eoh(conn) == nil, "eoh")
check(mt.getreply(conn) == SMFIR_CONTINUE, "null sender inspected")
-- a null-sender message that is no bounce passes unmodified
check(mt.bodystring(conn, "just some text\r\n") == nil, "body")
check(mt.eom(conn) == nil, "eom")
check(mt.getreply(conn) == SMFIR_ACCEPT, "non-bounce accepted at EOM")
check(not mt.eom_check(conn, MT_HDRADD), "no header added to a non-bounce")
mt.disconnect(conn)
