-- verp.lua - a bounce to a VERP address is inspected whatever its sender,
-- and the decoded original recipient is reported.
dofile(LIB .. "/common.lua")

local conn = open()
send_bounce(conn, "frank@plain.test", {from = "<postmaster@mx.remote.test>",
                                       to = {"<bounces+frank=plain.test@bm.test>"}})
check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted")
local summary = string.gsub(added(conn, "X-Bounce-Summary"), "\n ", " ")
check(contains(summary, "verp=<frank@plain.test>"), "decoded VERP recipient in summary: " .. summary)
mt.disconnect(conn)
