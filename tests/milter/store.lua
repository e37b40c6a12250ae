-- store.lua - COUNT bounces for PREFIX<i>@DOMAIN, each answered ACCEPT; prints "ANSWERED addr" per answer.
-- Defines: COUNT, PREFIX, DOMAIN, DAEMON ({daemon_name}, "" for none),
-- STATUS and DIAG (default: a hard 5.1.1).  The suite counts the ANSWERED
-- lines (kill -9 in between must lose no answered message's event).
dofile(LIB .. "/common.lua")

local macros = {}
if DAEMON ~= nil and DAEMON ~= "" then
    macros = {{"{daemon_name}", DAEMON}}
end
local conn = open(macros)
for i = 1, tonumber(COUNT) do
    local addr = PREFIX .. i .. "@" .. DOMAIN
    local opts = {}
    if STATUS ~= nil and STATUS ~= "" then
        opts.status = STATUS
        opts.diag = DIAG
    end
    send_bounce(conn, addr, opts)
    check(mt.getreply(conn) == SMFIR_ACCEPT, "bounce for " .. addr .. " accepted")
    mt.echo("ANSWERED " .. addr)
end
mt.disconnect(conn)
