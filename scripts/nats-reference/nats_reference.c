// The native-client reference of `herald bench --nats`: the same JetStream workload as Herald's NATS
// scenarios, run with the NATS C client (Debian's libnats-dev), so that one run compares the two.
//
// Build: cc -O2 -o nats-reference nats_reference.c -lnats
// Run:   nats-reference URL EVENTS SINGLE_EVENTS SIZE PARTITIONS RATE SECONDS
//
// Each partition is a stream of its own (as Herald's topics on NATS are) with a 120 s duplicate window.
// Messages carry the headers Herald writes for its benchmark events (the CloudEvents attributes and a
// Nats-Msg-Id), so that the server does the same work for both; one scenario also publishes bare
// messages, for the client's best case. Scenarios, printed one JSON object a line:
//   publish-async          EVENTS messages, js_PublishMsgAsync with at most 4,000 acks pending
//   publish-async-bare     the same without headers (no de-duplication id)
//   pull-ack               a durable pull consumer per stream fetching 500 at a time, acking each
//   publish-sync           SINGLE_EVENTS messages from 4 threads, js_PublishMsg one at a time (each
//                          waits for its ack)
//   latency                RATE messages a second for SECONDS (with the headers of Herald's latency
//                          events), from each one's due time until a push consumer's callback
//                          receives it (it acks each)
//   latency-pull           the same received by a durable pull consumer per stream (a thread each,
//                          fetching up to 64 at a time and acking each), as Herald's groups consume
// Every loop is bounded: a fetch that returns nothing for 10 s ends the run with an error.

#include <inttypes.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARTITIONS 64
#define PENDING_ACKS 4000
#define FETCH_BATCH 500

static const char *url;
static int events, singleEvents, size, partitions, rate, seconds;
static char prefix[64];
static char *payload;

static int64_t nowNanos(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void fail(const char *what, natsStatus status, jsErrCode code) {
    fprintf(stderr, "nats-reference: %s: %s (JetStream error %d)\n", what, natsStatus_GetText(status), (int)code);
    exit(2);
}

static void check(const char *what, natsStatus status, jsErrCode code) {
    if (status != NATS_OK) fail(what, status, code);
}

static void streamName(char *out, size_t length, const char *scenario, int partition) {
    snprintf(out, length, "%s_%s_%d", prefix, scenario, partition);
}

static void subjectName(char *out, size_t length, const char *scenario, int partition) {
    snprintf(out, length, "%s.%s.%d", prefix, scenario, partition);
}

static void createStreams(jsCtx *js, const char *scenario) {
    for (int partition = 0; partition < partitions; partition++) {
        char name[128], subject[128];
        streamName(name, sizeof name, scenario, partition);
        subjectName(subject, sizeof subject, scenario, partition);
        const char *subjects[1] = {subject};
        jsStreamConfig config;
        jsStreamConfig_Init(&config);
        config.Name = name;
        config.Subjects = subjects;
        config.SubjectsLen = 1;
        config.Storage = js_FileStorage;
        config.Duplicates = (int64_t)120 * 1000000000;
        jsErrCode code = 0;
        jsStreamInfo *info = NULL;
        check("creating a stream", js_AddStream(&info, js, &config, NULL, &code), code);
        jsStreamInfo_Destroy(info);
    }
}

static void deleteStreams(jsCtx *js, const char *scenario) {
    for (int partition = 0; partition < partitions; partition++) {
        char name[128];
        streamName(name, sizeof name, scenario, partition);
        js_DeleteStream(js, name, NULL, NULL);
    }
}

// Sets the headers Herald writes for an event: its CloudEvents attributes (`contentType` may be NULL)
// and the de-duplication id.
static void setEventHeaders(natsMsg *message, const char *id, const char *source, const char *type, const char *subject,
                            const char *contentType, const char *messageID) {
    natsMsgHeader_Set(message, "ce-specversion", "1.0");
    natsMsgHeader_Set(message, "ce-id", id);
    natsMsgHeader_Set(message, "ce-source", source);
    natsMsgHeader_Set(message, "ce-type", type);
    natsMsgHeader_Set(message, "ce-subject", subject);
    if (contentType != NULL) natsMsgHeader_Set(message, "ce-datacontenttype", contentType);
    natsMsgHeader_Set(message, "Nats-Msg-Id", messageID);
}

// A message with the headers Herald writes for benchmark event `index`.
static natsMsg *makeMessage(const char *scenario, int index, bool withHeaders) {
    char subject[128];
    subjectName(subject, sizeof subject, scenario, index % partitions);
    natsMsg *message = NULL;
    check("creating a message", natsMsg_Create(&message, subject, NULL, payload, size), 0);
    if (withHeaders) {
        char id[64], key[64], messageID[128];
        snprintf(id, sizeof id, "bench-%d", index);
        snprintf(key, sizeof key, "key-%d", index % 1024);
        snprintf(messageID, sizeof messageID, "%%2Fherald%%2Fbench bench-%d", index);
        setEventHeaders(message, id, "%2Fherald%2Fbench", "herald.bench.v1", key, "application%2Foctet-stream", messageID);
    }
    return message;
}

// This process's CPU time (user and system, every thread) so far, in seconds.
static double cpuSeconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Prints a throughput scenario's line: its events, wall time and this process's CPU time since cpuStart.
static void report(const char *scenario, int count, int64_t nanos, double cpuStart) {
    double elapsed = (double)nanos / 1e9;
    printf("{\"scenario\":\"%s\",\"events\":%d,\"seconds\":%.6f,\"eventsPerSecond\":%.1f,\"cpuSeconds\":%.6f}\n", scenario, count,
           elapsed, elapsed > 0 ? count / elapsed : 0, cpuSeconds() - cpuStart);
    fflush(stdout);
}

static void publishAsync(jsCtx *js, const char *scenario, const char *label, bool withHeaders) {
    createStreams(js, scenario);
    natsMsg **messages = calloc((size_t)events, sizeof *messages);
    for (int index = 0; index < events; index++) messages[index] = makeMessage(scenario, index, withHeaders);
    int64_t start = nowNanos();
    double cpuStart = cpuSeconds();
    for (int index = 0; index < events; index++) {
        check("publishing asynchronously", js_PublishMsgAsync(js, &messages[index], NULL), 0);
    }
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = 60000;
    check("waiting for the publish acks", js_PublishAsyncComplete(js, &options), 0);
    report(label, events, nowNanos() - start, cpuStart);
    free(messages);
}

static void pullAndAck(jsCtx *js, const char *scenario) {
    natsSubscription *subscriptions[MAX_PARTITIONS];
    for (int partition = 0; partition < partitions; partition++) {
        char name[128], subject[128];
        streamName(name, sizeof name, scenario, partition);
        subjectName(subject, sizeof subject, scenario, partition);
        jsSubOptions options;
        jsSubOptions_Init(&options);
        options.Stream = name;
        options.Config.AckPolicy = js_AckExplicit;
        options.Config.MaxAckPending = 20000;
        jsErrCode code = 0;
        check("creating a pull consumer", js_PullSubscribe(&subscriptions[partition], js, subject, "reference", NULL, &options, &code), code);
    }
    int consumed = 0;
    int64_t start = nowNanos();
    double cpuStart = cpuSeconds();
    int64_t lastProgress = start;
    while (consumed < events) {
        for (int partition = 0; partition < partitions && consumed < events; partition++) {
            natsMsgList list;
            jsErrCode code = 0;
            natsStatus status = natsSubscription_Fetch(&list, subscriptions[partition], FETCH_BATCH, 100, &code);
            if (status == NATS_TIMEOUT) continue;
            check("fetching", status, code);
            for (int index = 0; index < list.Count; index++) {
                check("acking", natsMsg_Ack(list.Msgs[index], NULL), 0);
            }
            consumed += list.Count;
            if (list.Count > 0) lastProgress = nowNanos();
            natsMsgList_Destroy(&list);
        }
        if (nowNanos() - lastProgress > (int64_t)10 * 1000000000) {
            fprintf(stderr, "nats-reference: pulled %d of %d, then nothing for 10 s\n", consumed, events);
            exit(2);
        }
    }
    report("pull-ack", consumed, nowNanos() - start, cpuStart);
    for (int partition = 0; partition < partitions; partition++) {
        natsSubscription_Unsubscribe(subscriptions[partition]);
        natsSubscription_Destroy(subscriptions[partition]);
    }
}

#define SYNC_PUBLISHERS 4

struct SyncShare {
    jsCtx *js;
    int first, count;
};

static void *publishShare(void *argument) {
    struct SyncShare *share = argument;
    for (int index = share->first; index < share->first + share->count; index++) {
        natsMsg *message = makeMessage("sync", index, true);
        jsPubAck *ack = NULL;
        jsErrCode code = 0;
        check("publishing", js_PublishMsg(&ack, share->js, message, NULL, &code), code);
        jsPubAck_Destroy(ack);
        natsMsg_Destroy(message);
    }
    return NULL;
}

// SYNC_PUBLISHERS threads on the one connection, each publishing its share one message at a time.
static void publishSync(jsCtx *js) {
    createStreams(js, "sync");
    pthread_t threads[SYNC_PUBLISHERS];
    struct SyncShare shares[SYNC_PUBLISHERS];
    int share = singleEvents / SYNC_PUBLISHERS;
    int64_t start = nowNanos();
    double cpuStart = cpuSeconds();
    for (int publisher = 0; publisher < SYNC_PUBLISHERS; publisher++) {
        shares[publisher] = (struct SyncShare){js, publisher * share, share};
        pthread_create(&threads[publisher], NULL, publishShare, &shares[publisher]);
    }
    for (int publisher = 0; publisher < SYNC_PUBLISHERS; publisher++) pthread_join(threads[publisher], NULL);
    report("publish-sync", share * SYNC_PUBLISHERS, nowNanos() - start, cpuStart);
    deleteStreams(js, "sync");
}

// Latencies in microseconds, one slot per message, filled by the push consumer's callback.
static int64_t *latencies;
static int64_t latencyStart, latencyInterval;
static volatile int received;
static pthread_mutex_t receivedLock = PTHREAD_MUTEX_INITIALIZER;

// Records one received message's latency and acks it.
static void receive(natsMsg *message) {
    int64_t now = nowNanos();
    const char *data = natsMsg_GetData(message);
    int index = atoi(data);
    int total = rate * seconds;
    if (index >= 0 && index < total) {
        int64_t latency = now - (latencyStart + latencyInterval * index);
        latencies[index] = latency > 0 ? latency / 1000 : 0;
    }
    natsMsg_Ack(message, NULL);
    natsMsg_Destroy(message);
    pthread_mutex_lock(&receivedLock);
    received++;
    pthread_mutex_unlock(&receivedLock);
}

static void onMessage(natsConnection *connection, natsSubscription *subscription, natsMsg *message, void *closure) {
    (void)connection;
    (void)subscription;
    (void)closure;
    receive(message);
}

static int receivedSoFar(void) {
    pthread_mutex_lock(&receivedLock);
    int seen = received;
    pthread_mutex_unlock(&receivedLock);
    return seen;
}

// A pull consumer's loop: fetch up to 64, ack each, until every message arrived or SECONDS + 30 s passed.
static void *pullLoop(void *closure) {
    natsSubscription *subscription = closure;
    int64_t deadline = nowNanos() + (int64_t)(seconds + 30) * 1000000000;
    while (receivedSoFar() < rate * seconds && nowNanos() < deadline) {
        natsMsgList list = {0};
        jsErrCode code = 0;
        natsStatus status = natsSubscription_Fetch(&list, subscription, 64, 200, &code);
        if (status != NATS_OK && status != NATS_TIMEOUT) {
            fprintf(stderr, "nats-reference: fetching for the latency: %s\n", natsStatus_GetText(status));
            break;
        }
        for (int index = 0; index < list.Count; index++) {
            receive(list.Msgs[index]);
            list.Msgs[index] = NULL;
        }
        natsMsgList_Destroy(&list);
    }
    return NULL;
}

static int compareLatency(const void *left, const void *right) {
    int64_t a = *(const int64_t *)left, b = *(const int64_t *)right;
    return (a > b) - (a < b);
}

static void latency(jsCtx *js, bool pull) {
    const char *scenario = pull ? "latency-pull" : "latency";
    createStreams(js, "latency");
    int total = rate * seconds;
    received = 0;
    latencies = calloc((size_t)total, sizeof *latencies);
    for (int index = 0; index < total; index++) latencies[index] = -1;
    latencyInterval = 1000000000 / rate;
    natsSubscription *subscriptions[MAX_PARTITIONS];
    for (int partition = 0; partition < partitions; partition++) {
        char name[128], subject[128];
        streamName(name, sizeof name, "latency", partition);
        subjectName(subject, sizeof subject, "latency", partition);
        jsSubOptions options;
        jsSubOptions_Init(&options);
        options.Stream = name;
        options.ManualAck = true;
        options.Config.AckPolicy = js_AckExplicit;
        options.Config.MaxAckPending = 1024;
        jsErrCode code = 0;
        if (pull) {
            check("creating a pull consumer", js_PullSubscribe(&subscriptions[partition], js, subject, "latency", NULL, &options, &code), code);
        } else {
            check("creating a push consumer", js_Subscribe(&subscriptions[partition], js, subject, onMessage, NULL, NULL, &options, &code), code);
        }
    }
    pthread_t pullers[MAX_PARTITIONS];
    if (pull) {
        for (int partition = 0; partition < partitions; partition++) pthread_create(&pullers[partition], NULL, pullLoop, subscriptions[partition]);
    }
    latencyStart = nowNanos() + 50000000;
    for (int index = 0; index < total; index++) {
        int64_t due = latencyStart + latencyInterval * index;
        int64_t wait = due - nowNanos();
        if (wait > 0) {
            struct timespec pause = {(time_t)(wait / 1000000000), (long)(wait % 1000000000)};
            nanosleep(&pause, NULL);
        }
        char subject[128];
        subjectName(subject, sizeof subject, "latency", index % partitions);
        char *data = malloc((size_t)(size > 16 ? size : 16));
        memset(data, 'l', (size_t)(size > 16 ? size : 16));
        snprintf(data, 16, "%d", index);
        // With the headers Herald's latency events carry (their CloudEvents attributes and the
        // de-duplication id), so that the server does the same work for both.
        natsMsg *message = NULL;
        check("creating a message", natsMsg_Create(&message, subject, NULL, data, size > 16 ? size : 16), 0);
        char id[32], key[16], messageID[64];
        snprintf(id, sizeof id, "lat-%d", index);
        snprintf(key, sizeof key, "k%d", index % 64);
        snprintf(messageID, sizeof messageID, "%%2Fbench lat-%d", index);
        setEventHeaders(message, id, "%2Fbench", "bench.latency.v1", key, NULL, messageID);
        check("publishing asynchronously", js_PublishMsgAsync(js, &message, NULL), 0);
        free(data);
    }
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = 60000;
    check("waiting for the publish acks", js_PublishAsyncComplete(js, &options), 0);
    int64_t deadline = nowNanos() + (int64_t)30 * 1000000000;
    if (pull) {
        for (int partition = 0; partition < partitions; partition++) pthread_join(pullers[partition], NULL);
    }
    for (;;) {
        if (receivedSoFar() >= total || nowNanos() > deadline) break;
        usleep(1000);
    }
    for (int partition = 0; partition < partitions; partition++) {
        natsSubscription_Unsubscribe(subscriptions[partition]);
        natsSubscription_Destroy(subscriptions[partition]);
    }
    int count = 0;
    for (int index = 0; index < total; index++) {
        if (latencies[index] >= 0) latencies[count++] = latencies[index];
    }
    qsort(latencies, (size_t)count, sizeof *latencies, compareLatency);
#define AT(percent) (count > 0 ? latencies[(int)((double)(count - 1) * (percent) / 100.0)] : 0)
    printf("{\"scenario\":\"%s\",\"events\":%d,\"p50\":%" PRId64 ",\"p99\":%" PRId64 ",\"p999\":%" PRId64 ",\"max\":%" PRId64 "}\n", scenario, count,
           AT(50), AT(99), AT(99.9), count > 0 ? latencies[count - 1] : 0);
    fflush(stdout);
    free(latencies);
    deleteStreams(js, "latency");
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: %s URL EVENTS SINGLE_EVENTS SIZE PARTITIONS RATE SECONDS\n", argv[0]);
        return 64;
    }
    url = argv[1];
    events = atoi(argv[2]);
    singleEvents = atoi(argv[3]);
    size = atoi(argv[4]);
    partitions = atoi(argv[5]);
    rate = atoi(argv[6]);
    seconds = atoi(argv[7]);
    if (events <= 0 || singleEvents < 0 || size < 0 || partitions <= 0 || partitions > MAX_PARTITIONS || rate < 0 || seconds < 0) {
        fprintf(stderr, "nats-reference: EVENTS and PARTITIONS (at most %d) must be positive, the others not negative\n", MAX_PARTITIONS);
        return 64;
    }
    snprintf(prefix, sizeof prefix, "HERALD_CREF_%d", (int)getpid());
    payload = malloc((size_t)size + 1);
    memset(payload, 'x', (size_t)size);

    natsConnection *connection = NULL;
    check("connecting", natsConnection_ConnectTo(&connection, url), 0);
    jsOptions options;
    jsOptions_Init(&options);
    options.PublishAsync.MaxPending = PENDING_ACKS;
    jsCtx *js = NULL;
    check("creating a JetStream context", natsConnection_JetStream(&js, connection, &options), 0);

    publishAsync(js, "bare", "publish-async-bare", false);
    deleteStreams(js, "bare");
    publishAsync(js, "batched", "publish-async", true);
    pullAndAck(js, "batched");
    deleteStreams(js, "batched");
    if (singleEvents > 0) publishSync(js);
    if (rate > 0 && seconds > 0) {
        latency(js, false);
        latency(js, true);
    }

    jsCtx_Destroy(js);
    natsConnection_Destroy(connection);
    nats_CloseAndWait(5000);
    free(payload);
    return 0;
}
