-- onerror.lua - a failure (here: forged headers the MTA does not let us
-- remove) applies on_error (EXPECT: tempfail or accept), message unmodified;
-- Postfix's own bounces are always accepted.
dofile(LIB .. "/common.lua")

local function refusing(macros)
    local conn = mt.connect(SOCK, 40, 0.25)
    check(conn ~= nil, "connect")
    -- milter protocol 2 offers no CHGHDRS: forged headers cannot be removed
    check(mt.negotiate(conn, 2, SMFIF_ADDHDRS, 0) == nil, "negotiate")
    -- protocol 2 has no macro lists: {daemon_name} comes with connect,
    -- as the MTA sends it by default
    for _, m in ipairs(macros or {}) do
        check(mt.macro(conn, SMFIC_CONNECT, m[1], m[2]) == nil, "macro")
    end
    check(not mt.test_option(conn, SMFIP_NOCONNECT), "connect kept without SETSYMLIST")
    check(mt.conninfo(conn, "localhost", "127.0.0.1") == nil, "conninfo")
    return conn
end

local forged = {headers = {{"X-Bounce-Class", "forged"}}}
local conn = refusing()
send_bounce(conn, "u@plain.test", forged)
local want = EXPECT == "tempfail" and SMFIR_TEMPFAIL or SMFIR_ACCEPT
check(mt.getreply(conn) == want, "on_error " .. EXPECT .. " applied")
check(not mt.eom_check(conn, MT_HDRADD), "message unmodified")
check(not mt.eom_check(conn, MT_BODYCHANGE), "body unmodified")
mt.disconnect(conn)

conn = refusing({{"{daemon_name}", "bounce-internal"}})
send_bounce(conn, "u@plain.test", forged)
check(mt.getreply(conn) == SMFIR_ACCEPT, "own bounce accepted on error")
mt.disconnect(conn)
