-- headers.lua - the headers added to a bounce (INTERFACES.md section 1).
dofile(LIB .. "/common.lua")

local conn = open()
send_bounce(conn, "dave@plain.test")
check(mt.getreply(conn) == SMFIR_ACCEPT, "bounce accepted")
local class = added(conn, "X-Bounce-Class")
local flat = string.gsub(class, "\n ", " ")
check(string.find(flat, "^userunknown; severity=hard; advice=suppress;") ~= nil,
      "class header starts with class, severity, advice: " .. class)
check(contains(flat, "status=5.1.1;"), "status parameter")
check(contains(flat, "reply=550;"), "reply parameter")
check(contains(flat, "recipient=<dave@plain.test>;"), "recipient parameter")
check(contains(flat, "rule="), "rule parameter")
check(string.sub(class, 1, 1) ~= " ", "no leading space")
for line in string.gmatch(class .. "\n", "(.-)\n") do
    check(string.len(line) <= 78, "folded at 78: " .. line)
end
local summary = string.gsub(added(conn, "X-Bounce-Summary"), "\n ", " ")
check(string.find(summary, "^worst=hard; failed=1; delayed=0; hard=1; soft=0; kind=dsn") ~= nil,
      "summary: " .. summary)
check(added(conn, "X-Bounce-Description") ~= "", "description added")
check(not mt.eom_check(conn, MT_QUARANTINE), "default action: headers only")
check(not mt.eom_check(conn, MT_HDRCHANGE), "default action changes no header")

-- a soft bounce
send_bounce(conn, "erin@plain.test", {status = "4.2.2",
    diag = "452 4.2.2 <erin@plain.test>: mailbox full, over quota"})
summary = string.gsub(added(conn, "X-Bounce-Summary"), "\n ", " ")
check(string.find(summary, "^worst=soft;") ~= nil, "soft summary: " .. summary)
check(contains(added(conn, "X-Bounce-Class"), "severity=soft"), "soft class")
mt.disconnect(conn)
