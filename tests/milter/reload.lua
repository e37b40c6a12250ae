-- reload.lua - after SIGUSR1 the new config is in force (EXPECT: "quarantine"
-- or "headers").
dofile(LIB .. "/common.lua")

local conn = open()
-- RCPT stays although neither config looks at recipients: the log names them
check(not mt.test_option(conn, SMFIP_NORCPT), "NORCPT not requested")
send_bounce(conn, "u@plain.test")
if EXPECT == "quarantine" then
    check(mt.eom_check(conn, MT_QUARANTINE, "reloaded"), "new config's quarantine")
else
    check(not mt.eom_check(conn, MT_QUARANTINE), "old config: no quarantine")
    check(mt.eom_check(conn, MT_HDRADD, "X-Bounce-Class"), "old config: headers")
end
mt.disconnect(conn)
