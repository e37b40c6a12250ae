-- demo.lua - play the MTA for tests/demo: send each message file named in
-- FILES (separated by ':') to the running bounce-milter over SOCK, as
-- Postfix would, and print what the milter answered and the headers it added.

local function read_file(path)
    local f = assert(io.open(path, "rb"))
    local s = f:read("*a")
    f:close()
    return s
end

-- Split a message into unfolded header fields and the body (CRLF lines).
local function split_message(msg)
    msg = msg:gsub("\r\n", "\n")
    local head, body = msg:match("^(.-)\n\n(.*)$")
    if head == nil then
        head, body = msg, ""
    end
    local fields = {}
    for line in (head .. "\n"):gmatch("(.-)\n") do
        if line:match("^[ \t]") and #fields > 0 then
            fields[#fields][2] = fields[#fields][2] .. "\n" .. line
        elseif not line:match("^From ") then
            local name, value = line:match("^([^:%s]+):[ \t]?(.*)$")
            if name then
                fields[#fields + 1] = { name, value }
            end
        end
    end
    return fields, (body:gsub("\n", "\r\n"))
end

local replies = {
    [SMFIR_ACCEPT] = "accept (not a bounce: the milter let it go before the body)",
    [SMFIR_CONTINUE] = "continue", [SMFIR_REJECT] = "reject", [SMFIR_DISCARD] = "discard",
    [SMFIR_TEMPFAIL] = "tempfail", [SMFIR_REPLYCODE] = "reject with a reply",
}

local function send(path, n)
    local fields, body = split_message(read_file(path))
    local sender = "<>"
    for _, f in ipairs(fields) do
        if f[1]:lower() == "from" and not f[2]:lower():match("mailer%-daemon") and
            not f[2]:lower():match("postmaster") then
            sender = "<someone@example.org>"
        end
    end
    mt.echo("")
    mt.echo("=== " .. path .. "  (MAIL FROM:" .. sender .. ")")
    local conn = mt.connect(SOCK, 40, 0.25)
    assert(conn, "cannot connect to " .. SOCK)
    if not mt.test_option(conn, SMFIP_NOCONNECT) then
        assert(mt.conninfo(conn, "mx.example.net", "192.0.2.25") == nil)
    end
    mt.macro(conn, SMFIC_MAIL, "i", string.format("DEMO%04d", n))
    assert(mt.mailfrom(conn, sender) == nil)
    local r = mt.getreply(conn)
    if r == SMFIR_CONTINUE then
        assert(mt.rcptto(conn, "<newsletter@example.com>") == nil)
        r = mt.getreply(conn)
    end
    local at_eom = false
    local i = 1
    while r == SMFIR_CONTINUE and i <= #fields do
        assert(mt.header(conn, fields[i][1], fields[i][2]) == nil)
        r = mt.getreply(conn)
        i = i + 1
    end
    if r == SMFIR_CONTINUE then
        assert(mt.eoh(conn) == nil)
        r = mt.getreply(conn)
    end
    if r == SMFIR_CONTINUE then
        assert(mt.bodystring(conn, body) == nil)
        r = mt.getreply(conn)
        if r == SMFIR_CONTINUE or r == SMFIR_SKIP then
            assert(mt.eom(conn) == nil)
            r = mt.getreply(conn)
            at_eom = true
            for _, h in ipairs({ "X-Bounce-Class", "X-Bounce-Summary", "X-Bounce-Description",
                                 "X-Bounce-Quarantine" }) do
                local k = 0
                while true do
                    local v = mt.getheader(conn, h, k)
                    if v == nil then break end
                    mt.echo("  " .. h .. ": " .. v)
                    k = k + 1
                end
            end
            if mt.eom_check(conn, MT_QUARANTINE) then mt.echo("  -> quarantined (hold queue)") end
        end
    end
    if at_eom and r == SMFIR_ACCEPT then
        mt.echo("  milter answered: accept (the message goes on, with the changes above)")
    else
        mt.echo("  milter answered: " .. (replies[r] or tostring(r)))
    end
    mt.disconnect(conn)
end

local n = 0
for path in FILES:gmatch("[^:]+") do
    n = n + 1
    send(path, n)
end
