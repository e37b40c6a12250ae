/*
 * journal.c - the append-only event journal (see journal.h for the layout
 * and the locking).
 *
 * Group commit: an appender writes its record under the mutex, then either
 * waits for a sync already covering it or runs fdatasync itself for every
 * record written so far, so N threads finishing together share one sync.
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_MAGIC "BMJRNL01"
#define REC_MAGIC 0x524a4d42u /* "BMJR" little-endian */

struct journal {
    int fd;
    uint64_t max_bytes;
    pthread_mutex_t mu;
    pthread_cond_t synced;
    uint64_t written, synced_upto, failed_upto; /* record sequence numbers */
    int syncing;
    uint64_t dropped;
};

struct journal_reader {
    int fd;
    uint64_t gen, off;
    uint64_t skipped;
    sbuf buf;
};

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32_update(uint32_t crc, const void *p, size_t n)
{
    const unsigned char *u = p;
    crc = ~crc;
    while (n--)
        crc = crc_table[(crc ^ *u++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? -1 : 0;
        done += (size_t)r;
    }
    return 1;
}

static int pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pwrite(fd, (const char *)buf + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}

/* The journal's fd has O_APPEND: every write goes to the end. */
static int append_all(int fd, const void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = write(fd, (const char *)buf + done, n - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}

static int lock(int fd, int how)
{
    while (flock(fd, how) != 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

/* ------------------------------------------------------------- header */

/* The header's generation and confirmed offset; a torn or foreign header
 * reads as generation 0, offset JOURNAL_HEADER. */
static void header_read(int fd, uint64_t *gen, uint64_t *pos)
{
    unsigned char h[JOURNAL_HEADER];
    *gen = 0;
    *pos = JOURNAL_HEADER;
    if (pread_all(fd, h, sizeof h, 0) != 1 || memcmp(h, FILE_MAGIC, 8) != 0)
        return;
    if (crc32_update(0, h + 8, 16) != get32(h + 24))
        return;
    *gen = get64(h + 8);
    *pos = get64(h + 16);
    if (*pos < JOURNAL_HEADER)
        *pos = JOURNAL_HEADER;
}

static int header_write(int fd, uint64_t gen, uint64_t pos)
{
    unsigned char h[JOURNAL_HEADER] = {0};
    memcpy(h, FILE_MAGIC, 8);
    put64(h + 8, gen);
    put64(h + 16, pos);
    put32(h + 24, crc32_update(0, h + 8, 16));
    if (pwrite_all(fd, h, sizeof h, 0) < 0)
        return -1;
    return fdatasync(fd);
}

/* ------------------------------------------------------------ records */

/* Check the record at off (file size size): its total length, 0 if no
 * valid record starts there, -1 on an I/O error.  With buf, the payload
 * is read into it. */
static int64_t record_at(int fd, uint64_t off, uint64_t size, sbuf *buf)
{
    unsigned char h[JOURNAL_RECORD_OVERHEAD];
    if (size < off + sizeof h)
        return 0;
    int rc = pread_all(fd, h, sizeof h, off);
    if (rc <= 0)
        return rc;
    uint32_t len = get32(h + 4);
    if (get32(h) != REC_MAGIC || len > JOURNAL_MAX_RECORD || size - off - sizeof h < len)
        return 0;
    sbuf tmp = {0}, *b = buf ? buf : &tmp;
    sbuf_reset(b);
    if (sbuf_reserve(b, len) < 0) {
        sbuf_free(&tmp);
        errno = ENOMEM;
        return -1;
    }
    rc = pread_all(fd, b->s, len, off + sizeof h);
    b->len = len;
    b->s[len] = '\0';
    int ok = rc == 1 && crc32_update(crc32_update(0, h + 4, 4), b->s, len) == get32(h + 8);
    sbuf_free(&tmp);
    if (rc < 0)
        return -1;
    return ok ? (int64_t)(sizeof h + len) : 0;
}

/* The first offset at or after from where a valid record starts, or size. */
static uint64_t resync(int fd, uint64_t from, uint64_t size)
{
    unsigned char m[4];
    put32(m, REC_MAGIC);
    unsigned char chunk[4096];
    for (uint64_t off = from; off + JOURNAL_RECORD_OVERHEAD <= size;) {
        size_t n = size - off < sizeof chunk ? (size_t)(size - off) : sizeof chunk;
        if (pread_all(fd, chunk, n, off) != 1)
            return size;
        for (size_t i = 0; i + 4 <= n; i++)
            if (memcmp(chunk + i, m, 4) == 0 && record_at(fd, off + i, size, NULL) > 0)
                return off + i;
        off += n > 3 ? n - 3 : n;
    }
    return size;
}

static uint64_t file_size(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Under LOCK_EX: give an empty file its header, cut a torn tail off. */
static int repair(int fd)
{
    uint64_t size = file_size(fd), gen, pos;
    if (size < JOURNAL_HEADER)
        return ftruncate(fd, 0) == 0 ? header_write(fd, 0, JOURNAL_HEADER) : -1;
    header_read(fd, &gen, &pos);
    if (pos > size && header_write(fd, gen, pos = JOURNAL_HEADER) < 0)
        return -1;
    uint64_t end = pos;
    for (uint64_t off = pos; off < size;) {
        int64_t n = record_at(fd, off, size, NULL);
        if (n < 0)
            return -1;
        if (n > 0) {
            end = off += (uint64_t)n;
            continue;
        }
        off = resync(fd, off + 1, size);
    }
    if (end < size && (ftruncate(fd, (off_t)end) != 0 || fdatasync(fd) != 0))
        return -1;
    return 0;
}

static int open_file(const char *path, int flags, char *err, size_t errlen)
{
    int fd = open(path, flags | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return fd;
}

journal *journal_open(const char *path, uint64_t max_bytes, char *err, size_t errlen)
{
    pthread_once(&crc_once, crc_init);
    journal *j = calloc(1, sizeof *j);
    if (j == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if ((j->fd = open_file(path, O_RDWR | O_CREAT | O_APPEND, err, errlen)) < 0) {
        free(j);
        return NULL;
    }
    int rc = lock(j->fd, LOCK_EX) == 0 ? repair(j->fd) : -1;
    int saved = errno;
    lock(j->fd, LOCK_UN);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(saved));
        close(j->fd);
        free(j);
        return NULL;
    }
    j->max_bytes = max_bytes;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->synced, NULL);
    return j;
}

/* Under the mutex: wait until record seq is synced, or sync it. */
static int wait_synced(journal *j, uint64_t seq)
{
    while (j->synced_upto < seq) {
        if (j->syncing) {
            pthread_cond_wait(&j->synced, &j->mu);
            continue;
        }
        uint64_t target = j->written;
        j->syncing = 1;
        pthread_mutex_unlock(&j->mu);
        int rc = fdatasync(j->fd);
        pthread_mutex_lock(&j->mu);
        j->syncing = 0;
        j->synced_upto = target;
        if (rc != 0)
            j->failed_upto = target;
        pthread_cond_broadcast(&j->synced);
    }
    if (j->failed_upto >= seq) {
        errno = EIO;
        return -1;
    }
    return 0;
}

int journal_append(journal *j, const void *rec, size_t len)
{
    if (len > JOURNAL_MAX_RECORD) {
        errno = EMSGSIZE;
        return -1;
    }
    unsigned char *buf = malloc(JOURNAL_RECORD_OVERHEAD + len);
    if (buf == NULL)
        return -1;
    put32(buf, REC_MAGIC);
    put32(buf + 4, (uint32_t)len);
    put32(buf + 8, crc32_update(crc32_update(0, buf + 4, 4), rec, len));
    memcpy(buf + JOURNAL_RECORD_OVERHEAD, rec, len);

    pthread_mutex_lock(&j->mu);
    int rc = lock(j->fd, LOCK_EX);
    if (rc == 0) {
        uint64_t size = file_size(j->fd);
        if (j->max_bytes && size + JOURNAL_RECORD_OVERHEAD + len > j->max_bytes) {
            j->dropped++;
            rc = 1;
        } else if (append_all(j->fd, buf, JOURNAL_RECORD_OVERHEAD + len) < 0) {
            rc = -1;
        }
        int saved = errno;
        lock(j->fd, LOCK_UN);
        errno = saved;
    }
    if (rc == 0)
        rc = wait_synced(j, ++j->written);
    pthread_mutex_unlock(&j->mu);
    free(buf);
    return rc;
}

uint64_t journal_dropped(journal *j)
{
    pthread_mutex_lock(&j->mu);
    uint64_t n = j->dropped;
    pthread_mutex_unlock(&j->mu);
    return n;
}

void journal_close(journal *j)
{
    if (j == NULL)
        return;
    close(j->fd);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->synced);
    free(j);
}

/* ------------------------------------------------------------- reader */

journal_reader *journal_reader_open(const char *path, char *err, size_t errlen)
{
    pthread_once(&crc_once, crc_init);
    journal_reader *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if ((r->fd = open_file(path, O_RDWR, err, errlen)) < 0) {
        free(r);
        return NULL;
    }
    r->gen = UINT64_MAX; /* adopt the header's position at the first read */
    return r;
}

/* Under a lock: follow the header when another reader confirmed past us or
 * the journal was emptied. */
static void follow_header(journal_reader *r)
{
    uint64_t gen, pos;
    header_read(r->fd, &gen, &pos);
    if (gen != r->gen || pos > r->off) {
        r->gen = gen;
        r->off = pos;
    }
}

int journal_reader_next(journal_reader *r, sbuf *rec)
{
    if (lock(r->fd, LOCK_SH) < 0)
        return -1;
    follow_header(r);
    uint64_t size = file_size(r->fd);
    int64_t n = record_at(r->fd, r->off, size, &r->buf);
    if (n == 0 && r->off < size) {
        /* No writer is inside its write (we hold LOCK_SH): these bytes
         * were left by one that died. */
        uint64_t next = resync(r->fd, r->off + 1, size);
        if (next < size) {
            r->skipped += next - r->off;
            r->off = next;
            n = record_at(r->fd, r->off, size, &r->buf);
        }
    }
    int saved = errno;
    lock(r->fd, LOCK_UN);
    if (n < 0) {
        errno = saved;
        return -1;
    }
    if (n == 0)
        return 0;
    r->off += (uint64_t)n;
    sbuf_reset(rec);
    sbuf_put(rec, r->buf.s, r->buf.len);
    if (!sbuf_ok(rec)) {
        errno = ENOMEM;
        return -1;
    }
    return 1;
}

int journal_reader_confirm(journal_reader *r)
{
    if (lock(r->fd, LOCK_EX) < 0)
        return -1;
    uint64_t gen, pos;
    header_read(r->fd, &gen, &pos);
    int rc = 0;
    if (gen == r->gen && r->off > pos) {
        if (r->off >= file_size(r->fd)) {
            /* Header first: a crash before the truncation replays the
             * records (harmless), never skips new ones. */
            rc = header_write(r->fd, gen + 1, JOURNAL_HEADER);
            if (rc == 0)
                rc = ftruncate(r->fd, JOURNAL_HEADER);
            if (rc == 0) {
                r->gen = gen + 1;
                r->off = JOURNAL_HEADER;
            }
        } else {
            rc = header_write(r->fd, gen, r->off);
        }
    }
    int saved = errno;
    lock(r->fd, LOCK_UN);
    errno = saved;
    return rc;
}

void journal_reader_rewind(journal_reader *r)
{
    r->gen = UINT64_MAX; /* follow_header() adopts the confirmed offset */
}

uint64_t journal_reader_backlog(journal_reader *r)
{
    uint64_t gen, pos;
    if (lock(r->fd, LOCK_SH) < 0)
        return 0;
    header_read(r->fd, &gen, &pos);
    uint64_t size = file_size(r->fd);
    lock(r->fd, LOCK_UN);
    return size > pos ? size - pos : 0;
}

uint64_t journal_reader_skipped(journal_reader *r)
{
    return r->skipped;
}

void journal_reader_close(journal_reader *r)
{
    if (r == NULL)
        return;
    close(r->fd);
    sbuf_free(&r->buf);
    free(r);
}
