/*
 * smtpreply.c - the registered SMTP reply codes, as a bitmap over 200-599.
 *
 * RFC 5321 (211 214 220 221 250 251 252 354 421 450 451 452 455 500-504
 * 550-555), RFC 4954 AUTH (235 334 432 454 530 534 535 538), RFC 1985 ETRN
 * (253 458 459), RFC 7504 (521 556), RFC 4468 BURL and RFC 3030 (523 524
 * 525 533 557 ...), plus 422/430/453, which large providers use as defined
 * in their documentation, and the codes Alibaba Cloud DirectMail documents
 * for its own replies (400 423 427 505 520 526 544 559; seed 001).
 */
#include "smtpreply.h"

static const unsigned short registered[] = {
    211, 214, 220, 221, 235, 250, 251, 252, 253, 334, 354, 400, 421, 422, 423, 427, 430, 432,
    450, 451, 452, 453, 454, 455, 458, 459, 500, 501, 502, 503, 504, 505, 520, 521, 523, 524,
    525, 526, 530, 533, 534, 535, 538, 544, 550, 551, 552, 553, 554, 555, 556, 557, 559};

int smtp_reply_registered(const char *p)
{
    if (p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
        return 0;
    unsigned code =
        (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 + (unsigned)(p[2] - '0');
    for (unsigned i = 0; i < sizeof registered / sizeof *registered; i++)
        if (registered[i] == code)
            return 1;
    return 0;
}
