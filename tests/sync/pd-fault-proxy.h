/* pd-fault-proxy.h: a small HTTP/1.1 proxy on 127.0.0.1 that sits in front of a test server
 * (the Apache WebDAV fixture) and breaks requests on purpose, following a plan drawn from a
 * seeded PRNG, so the sync tests can check what a user relies on when the network and the
 * server misbehave. Every request and what the proxy did to it is logged. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  PD_FAULT_NONE,             /* forwarded both ways unchanged */
  PD_FAULT_CUT_REQUEST,      /* half the request body goes to the server, then both sides close */
  PD_FAULT_LOSE_RESPONSE,    /* the server handles the request; its answer never reaches the client */
  PD_FAULT_STALL,            /* no answer for the stall time, then the connection closes */
  PD_FAULT_DELAY,            /* forwarded after the stall time: a slow server */
  PD_FAULT_500,              /* answered by the proxy, never forwarded */
  PD_FAULT_503_RETRY_AFTER,
  PD_FAULT_429_RETRY_AFTER,
  PD_FAULT_507,
  PD_N_FAULTS
} PdFault;

typedef struct _PdFaultProxy PdFaultProxy;

/* Listens on a free loopback port and forwards to 127.0.0.1:@upstream_port. @seed makes the
 * plan reproducible: the fault for a request depends only on the seed, its method and path,
 * and how many times that method and path were seen before, not on thread timing. */
PdFaultProxy *pd_fault_proxy_new            (guint16       upstream_port,
                                             guint32       seed);
void          pd_fault_proxy_free           (PdFaultProxy *proxy);
guint16       pd_fault_proxy_get_port       (PdFaultProxy *proxy);
/* Waits until no request is being handled: one whose client has gone (a killed process) may
 * still be delayed and then forwarded. FALSE if that takes longer than @timeout_ms. */
gboolean      pd_fault_proxy_wait_idle      (PdFaultProxy *proxy,
                                             guint         timeout_ms);

/* Probability (0..1) that a request gets a fault, chosen evenly among the enabled ones. Only
 * requests whose method is in @methods (space-separated, NULL: all) are faulted. */
void          pd_fault_proxy_set_fault_rate (PdFaultProxy *proxy,
                                             double        rate,
                                             const char   *methods);
void          pd_fault_proxy_enable_fault   (PdFaultProxy *proxy,
                                             PdFault       fault,
                                             gboolean      enabled);
void          pd_fault_proxy_set_stall_ms   (PdFaultProxy *proxy,
                                             guint         stall_ms);
/* Retry-After the proxy sends with 503 and 429, in seconds. */
void          pd_fault_proxy_set_retry_after (PdFaultProxy *proxy,
                                             guint         seconds);

/* A delay past the client's timeout, once: the next request whose method is @method is
 * forwarded and handled by the server, whose whole answer is then held @hold_ms before it is
 * passed on (by then the client has usually given up). Logged as "held". */
void          pd_fault_proxy_hold_response  (PdFaultProxy *proxy,
                                             const char   *method,
                                             guint         hold_ms);

/* How many requests got @fault so far (PD_FAULT_NONE: forwarded cleanly). */
guint         pd_fault_proxy_count          (PdFaultProxy *proxy,
                                             PdFault       fault);
guint         pd_fault_proxy_count_requests (PdFaultProxy *proxy);
/* One line per request: "<n> <METHOD> <path> <fault> [<upstream status>]". */
char         *pd_fault_proxy_dup_log        (PdFaultProxy *proxy);
const char   *pd_fault_to_string            (PdFault       fault);

G_END_DECLS
