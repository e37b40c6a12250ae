-- fastpath.lua - inspect.envelope_only: ordinary mail leaves at MAIL FROM
-- (AT=mail) or, when recipients can mark a bounce, at DATA (AT=data); its
-- headers are never sent; bounces are still read, tagged, forged headers removed.
dofile(LIB .. "/common.lua")

local conn = open()
-- headers and body stay negotiated: bounces share the connection
check(not mt.test_option(conn, SMFIP_NOHDRS), "headers kept")
check(not mt.test_option(conn, SMFIP_NOBODY), "body kept")

-- Envelope of a message up to where the fast path decides; returns the reply.
local function envelope(from, rcpts, qid)
    mailfrom(conn, from, qid)
    if AT == "mail" then
        return mt.getreply(conn)
    end
    for _, r in ipairs(rcpts) do
        rcptto(conn, r)
    end
    check(mt.data(conn) == nil, "data")
    return mt.getreply(conn)
end

if AT == "mail" then
    check(not mt.test_option(conn, SMFIP_NR_MAIL), "MAIL answered")
    check(mt.test_option(conn, SMFIP_NODATA), "no DATA step")
else
    check(not mt.test_option(conn, SMFIP_NODATA), "DATA step kept")
    check(not mt.test_option(conn, SMFIP_NR_DATA), "DATA answered")
    check(mt.test_option(conn, SMFIP_NR_MAIL), "MAIL not answered")
end

-- ordinary mail, twice on one connection
for i = 1, 2 do
    check(envelope("<alice@sender.test>", {"<bob@example.com>"}, "QIDFAST" .. i) == SMFIR_ACCEPT,
          "ordinary mail accepted at " .. AT .. " (" .. i .. ")")
end
-- a bounce from MAILER-DAEMON with a normal sender is kept
check(envelope("<MAILER-DAEMON@mx.remote.test>", {"<bob@example.com>"}, "QIDMD") == SMFIR_CONTINUE,
      "MAILER-DAEMON sender kept")
mt.abort(conn)
if AT == "data" then
    -- the bounce mailbox as the second recipient, and a VERP address
    check(envelope("<alice@sender.test>", {"<bob@example.com>", "<bounces@bm.test>"}, "QIDBM") ==
          SMFIR_CONTINUE, "bounce mailbox recipient kept")
    mt.abort(conn)
    check(envelope("<alice@sender.test>", {"<bounces+carol=example.org@bm.test>"}, "QIDV") ==
          SMFIR_CONTINUE, "VERP recipient kept")
    mt.abort(conn)
end

-- a null-sender bounce with a forged summary: read to the end and tagged
check(envelope("<>", {"<sender@sender.test>"}, "QIDFASTDSN") == SMFIR_CONTINUE,
      "null sender kept")
local rcpt = "carol@plain.test"
for _, h in ipairs({{"From", "MAILER-DAEMON@mx.sender.test"}, {"Subject", "Undelivered Mail"},
                    {"X-Bounce-Summary", "worst=none; forged"}, {"MIME-Version", "1.0"},
                    {"Content-Type", "multipart/report; report-type=delivery-status; boundary=\"BOUNDARY.1\""}}) do
    check(mt.header(conn, h[1], h[2]) == nil, "header " .. h[1])
end
check(mt.eoh(conn) == nil, "eoh")
check(mt.getreply(conn) == SMFIR_CONTINUE, "bounce read past the headers")
check(mt.bodystring(conn, dsn_body(rcpt, "5.1.1", "550 5.1.1 <" .. rcpt .. ">: User unknown")) == nil,
      "body")
check(mt.eom(conn) == nil, "eom")
check(mt.eom_check(conn, MT_HDRDELETE, "X-Bounce-Summary"), "forged summary removed from the bounce")
check(contains(added(conn, "X-Bounce-Summary"), "worst=hard"), "bounce tagged")
mt.disconnect(conn)
