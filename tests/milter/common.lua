-- common.lua - helpers for the bounce-milter miltertest scripts.
--
-- The scripts run against a daemon that tests/suites/30-miltertest.sh has
-- started; SOCK (the daemon's socket) and LIB (this directory) come from
-- miltertest -D.  A script fails by raising an error; miltertest then exits
-- non-zero and the suite prints "not ok".

function check(cond, what)
    if not cond then
        mt.echo("FAILED: " .. what)
        error("FAILED: " .. what)
    end
end

-- Macros sent with each MAIL command besides the queue id, as {name, value}
-- pairs: the milter asks for {daemon_name} there (it negotiates the connect
-- step away).
MAIL_MACROS = {}

-- Connect; macros as for MAIL_MACROS.
function open(macros)
    MAIL_MACROS = macros or {}
    local conn = mt.connect(SOCK, 40, 0.25)
    check(conn ~= nil, "connect to " .. SOCK)
    check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiate")
    if not mt.test_option(conn, SMFIP_NOCONNECT) then
        check(mt.conninfo(conn, "localhost", "127.0.0.1") == nil, "conninfo")
    end
    return conn
end

-- Send RCPT TO, unless the milter negotiated that step away.
function rcptto(conn, rcpt)
    if not mt.test_option(conn, SMFIP_NORCPT) then
        check(mt.rcptto(conn, rcpt) == nil, "rcptto " .. rcpt)
    end
end

-- Send MAIL FROM with the queue id and MAIL_MACROS.
function mailfrom(conn, sender, qid)
    local args = {"i", qid}
    for _, m in ipairs(MAIL_MACROS) do
        table.insert(args, m[1])
        table.insert(args, m[2])
    end
    check(mt.macro(conn, SMFIC_MAIL, (table.unpack or unpack)(args)) == nil, "MAIL macros")
    check(mt.mailfrom(conn, sender) == nil, "mailfrom")
end

-- A delivery status notification (RFC 3464) for one failed recipient,
-- CRLF line ends, with the returned original as message/rfc822.
function dsn_body(rcpt, status, diag)
    local b = table.concat({
        "This is a MIME-encapsulated message.",
        "",
        "--BOUNDARY.1",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "I'm sorry to have to inform you that your message could not",
        "be delivered to one or more recipients.",
        "",
        "<" .. rcpt .. ">: host mx.remote.test said: " .. diag,
        "",
        "--BOUNDARY.1",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.sender.test",
        "Arrival-Date: Mon, 23 Nov 2026 10:00:00 +0000",
        "",
        "Final-Recipient: rfc822; " .. rcpt,
        "Original-Recipient: rfc822; " .. rcpt,
        "Action: failed",
        "Status: " .. status,
        "Remote-MTA: dns; mx.remote.test",
        "Diagnostic-Code: smtp; " .. diag,
        "",
        "--BOUNDARY.1",
        "Content-Type: message/rfc822",
        "",
        "From: Sender <sender@sender.test>",
        "To: <" .. rcpt .. ">",
        "Subject: hello",
        "Message-ID: <original.1@sender.test>",
        "",
        "The original message body, which strip removes.",
        "",
        "--BOUNDARY.1--",
        ""
    }, "\r\n")
    return b
end

-- Send a bounce for failed recipient rcpt.  opts: from (envelope sender,
-- default "<>"), to (envelope recipients, default {"<sender@sender.test>"}),
-- status, diag, headers (extra {name, value} pairs), subject.
function send_bounce(conn, rcpt, opts)
    opts = opts or {}
    local status = opts.status or "5.1.1"
    local diag = opts.diag or ("550 5.1.1 <" .. rcpt .. ">: Recipient address rejected: User unknown")
    mailfrom(conn, opts.from or "<>", "QID" .. string.upper(string.gsub(rcpt, "%W", "")))
    for _, r in ipairs(opts.to or {"<sender@sender.test>"}) do
        rcptto(conn, r)
    end
    local hdrs = {
        {"Return-Path", "<>"},
        {"From", "MAILER-DAEMON@mx.sender.test (Mail Delivery System)"},
        {"To", "sender@sender.test"},
        {"Subject", opts.subject or "Undelivered Mail Returned to Sender"},
        {"MIME-Version", "1.0"},
        {"Content-Type", "multipart/report; report-type=delivery-status;\n\tboundary=\"BOUNDARY.1\""},
    }
    for _, h in ipairs(opts.headers or {}) do
        table.insert(hdrs, h)
    end
    for _, h in ipairs(hdrs) do
        check(mt.header(conn, h[1], h[2]) == nil, "header " .. h[1])
    end
    check(mt.eoh(conn) == nil, "eoh")
    check(mt.getreply(conn) == SMFIR_CONTINUE, "bounce not accepted at end of headers")
    check(mt.bodystring(conn, dsn_body(rcpt, status, diag)) == nil, "body")
    check(mt.eom(conn) == nil, "eom")
end

-- A plain message from a normal sender; returns after end of headers.
function send_plain_headers(conn, extra)
    mailfrom(conn, "<alice@sender.test>", "QIDPLAIN")
    rcptto(conn, "<bob@example.com>")
    local hdrs = {
        {"From", "Alice <alice@sender.test>"},
        {"To", "bob@example.com"},
        {"Subject", "lunch"},
    }
    local ctype = "text/plain; charset=us-ascii"
    for _, h in ipairs(extra or {}) do
        if string.lower(h[1]) == "content-type" then
            ctype = h[2]
        else
            table.insert(hdrs, h)
        end
    end
    table.insert(hdrs, {"Content-Type", ctype})
    for _, h in ipairs(hdrs) do
        check(mt.header(conn, h[1], h[2]) == nil, "header " .. h[1])
    end
    check(mt.eoh(conn) == nil, "eoh")
end

-- The value of the n-th (0-based) added header, "" if none.
function added(conn, name, n)
    return mt.getheader(conn, name, n or 0) or ""
end

function contains(s, sub)
    return string.find(s, sub, 1, true) ~= nil
end
