-- actions.lua - each configured action carried out (the suite's config
-- picks the action by the failed recipient's domain).
dofile(LIB .. "/common.lua")

local conn = open()

send_bounce(conn, "u@subject.test")
check(mt.eom_check(conn, MT_HDRCHANGE, "Subject", "[Bounce] Undelivered Mail Returned to Sender"),
      "subject prefixed")
check(mt.eom_check(conn, MT_HDRADD, "X-Bounce-Class"), "headers added with subject")

send_bounce(conn, "u@hold.test")
check(mt.eom_check(conn, MT_QUARANTINE, "held by test"), "quarantined with reason")
check(mt.eom_check(conn, MT_HDRADD, "X-Bounce-Quarantine", "held by test"), "reason in header")
check(mt.getreply(conn) == SMFIR_ACCEPT, "quarantined message accepted")

send_bounce(conn, "u@redirect.test", {to = {"<a@sender.test>", "<b@sender.test>"}})
check(mt.eom_check(conn, MT_RCPTDELETE, "<a@sender.test>"), "first recipient removed")
check(mt.eom_check(conn, MT_RCPTDELETE, "<b@sender.test>"), "second recipient removed")
check(mt.eom_check(conn, MT_RCPTADD, "<postmaster@bm.test>"), "redirect recipient added")

send_bounce(conn, "u@copy.test")
check(mt.eom_check(conn, MT_RCPTADD, "<archive@bm.test>"), "copy recipient added")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<sender@sender.test>"), "copy removes nobody")

send_bounce(conn, "u@strip.test")
local body = dsn_body("u@strip.test", "5.1.1",
                      "550 5.1.1 <u@strip.test>: Recipient address rejected: User unknown")
local cut = string.find(body, "--BOUNDARY.1\r\nContent-Type: message/rfc822", 1, true)
check(cut ~= nil, "test body has an original")
local want = string.sub(body, 1, cut - 1) .. "--BOUNDARY.1--\r\n"
check(mt.eom_check(conn, MT_BODYCHANGE, want), "returned original stripped, report kept")
check(mt.eom_check(conn, MT_HDRADD, "X-Bounce-Class"), "headers added with strip")

send_bounce(conn, "u@reject.test")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "rejected with a reply code")
check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "test: bounce refused"), "reject text")
check(not mt.eom_check(conn, MT_HDRADD), "no headers on a rejected message")

send_bounce(conn, "u@discard.test")
check(mt.getreply(conn) == SMFIR_DISCARD, "discarded")
mt.disconnect(conn)
