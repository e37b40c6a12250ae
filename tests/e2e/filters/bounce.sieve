# bounce.sieve - file the bounces bounce-milter classified (Sieve, RFC 5228;
# Dovecot Pigeonhole, Cyrus, ...).
#
# bounce-milter adds one "X-Bounce-Class: CLASS; severity=...; ..." header per
# failed recipient and one "X-Bounce-Summary: worst=hard|soft|none; ..." per
# message.  Filter on the summary for severity (mail clients often look at the
# first of repeated headers only) and on the class for the kind of report.
# Mail without these headers is not a bounce and stays in the inbox.
require ["fileinto"];

if header :matches "X-Bounce-Class" "feedback;*" {
    # A recipient complained (ARF feedback report): stop mailing them.
    fileinto "Bounces.Complaints";
    stop;
}
if header :matches "X-Bounce-Class" "vacation;*" {
    fileinto "Bounces.AutoReplies";
    stop;
}
if header :contains "X-Bounce-Summary" "worst=hard" {
    # Permanent: the address is gone or refuses us; suppress it.
    fileinto "Bounces.Hard";
    stop;
}
if header :contains "X-Bounce-Summary" "worst=soft" {
    # Temporary: mailbox full, greylisting, expired in a queue; retry later.
    fileinto "Bounces.Soft";
    stop;
}
if exists "X-Bounce-Summary" {
    # Other reports: delivery notices (class delivered) and the like.
    fileinto "Bounces.Other";
    stop;
}
