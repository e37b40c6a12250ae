-- drain.lua - SIGTERM drains: a message in flight gets its headers, one that begins during the drain 451
-- PID (the daemon's) comes from miltertest -D.  Connection a is in the
-- middle of a bounce (after RCPT) when the daemon gets SIGTERM; the daemon
-- must still accept connection b and answer its message 451 at the end of
-- headers, then finish a's message with its headers.
dofile(LIB .. "/common.lua")

local a = open()
mailfrom(a, "<>", "QIDDRAINA")
rcptto(a, "<sender@sender.test>")
os.execute("kill -TERM " .. PID)
mt.sleep(1)

local b = open()
mailfrom(b, "<>", "QIDDRAINB")
rcptto(b, "<sender@sender.test>")
check(mt.header(b, "From", "MAILER-DAEMON@mx.sender.test") == nil, "b: header")
check(mt.eoh(b) == nil, "b: eoh")
check(mt.getreply(b) == SMFIR_REPLYCODE, "b: a message that begins during the drain gets a reply code")
mt.disconnect(b)

local hdrs = {
    {"From", "MAILER-DAEMON@mx.sender.test (Mail Delivery System)"},
    {"To", "sender@sender.test"},
    {"Subject", "Undelivered Mail Returned to Sender"},
    {"MIME-Version", "1.0"},
    {"Content-Type", "multipart/report; report-type=delivery-status;\n\tboundary=\"BOUNDARY.1\""},
}
for _, h in ipairs(hdrs) do
    check(mt.header(a, h[1], h[2]) == nil, "a: header " .. h[1])
end
check(mt.eoh(a) == nil, "a: eoh")
check(mt.getreply(a) == SMFIR_CONTINUE, "a: the message in flight goes on after SIGTERM")
check(mt.bodystring(a, dsn_body("u@drain.test", "5.1.1", "550 5.1.1 user unknown")) == nil, "a: body")
check(mt.eom(a) == nil, "a: eom")
check(mt.eom_check(a, MT_HDRADD, "X-Bounce-Class"), "a: headers added after SIGTERM")
mt.disconnect(a)
