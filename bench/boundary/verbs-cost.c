/*
 * The C side of the boundary benchmark: what libibverbs itself costs per
 * work request on a device, for the same work as bench/boundary/post-cost.ts
 * (8-byte RDMA WRITEs between two connected RC queue pairs of one context,
 * posted as one list of `batch` requests, then polled until every completion
 * is back). CPU nanoseconds per work request (this process's CPU time, so
 * other programs do not count; wall time when VRDMA_BENCH_CLOCK=wall, as
 * the JavaScript side uses in the VM), fastest of five runs.
 *
 *   cc -O2 -o verbs-cost verbs-cost.c -libverbs
 *   ./verbs-cost DEVICE GID_INDEX BUDGET_MS BATCH...
 *
 * Prints one line per batch: "batch N post+poll ns/WR T".
 * Exits 1 with a message on stderr when the device cannot be used.
 */
#include <infiniband/verbs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_BATCH 64

static void die(const char *what) {
  perror(what);
  exit(1);
}

static clockid_t bench_clock = CLOCK_PROCESS_CPUTIME_ID;

static double cpu_ns(void) {
  struct timespec ts;
  clock_gettime(bench_clock, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void to_rts(struct ibv_qp *qp, uint32_t dest_qpn, const union ibv_gid *gid, int gid_index, enum ibv_mtu mtu) {
  struct ibv_qp_attr a;
  memset(&a, 0, sizeof a);
  a.qp_state = IBV_QPS_INIT;
  a.port_num = 1;
  a.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_LOCAL_WRITE;
  if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS)) die("ibv_modify_qp INIT");
  memset(&a, 0, sizeof a);
  a.qp_state = IBV_QPS_RTR;
  a.path_mtu = mtu;
  a.dest_qp_num = dest_qpn;
  a.max_dest_rd_atomic = 1;
  a.min_rnr_timer = 1;
  a.ah_attr.port_num = 1;
  a.ah_attr.is_global = 1;
  a.ah_attr.grh.dgid = *gid;
  a.ah_attr.grh.sgid_index = (uint8_t)gid_index;
  a.ah_attr.grh.hop_limit = 1;
  if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
                                IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER)) die("ibv_modify_qp RTR");
  memset(&a, 0, sizeof a);
  a.qp_state = IBV_QPS_RTS;
  a.timeout = 14;
  a.retry_cnt = 7;
  a.rnr_retry = 7;
  a.max_rd_atomic = 1;
  if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
                                IBV_QP_MAX_QP_RD_ATOMIC)) die("ibv_modify_qp RTS");
}

struct rig {
  struct ibv_qp *qp;
  struct ibv_cq *cq;
  struct ibv_send_wr wr[MAX_BATCH];
  struct ibv_sge sge[MAX_BATCH];
};

/* One round: post `batch` requests as one list, poll until all are back. */
static void round_of(struct rig *r, int batch) {
  struct ibv_send_wr *bad = NULL;
  struct ibv_wc wc[MAX_BATCH];
  r->wr[batch - 1].next = NULL;
  if (ibv_post_send(r->qp, &r->wr[0], &bad)) die("ibv_post_send");
  int got = 0;
  while (got < batch) {
    int n = ibv_poll_cq(r->cq, MAX_BATCH, wc);
    if (n < 0) die("ibv_poll_cq");
    for (int i = 0; i < n; i++) {
      if (wc[i].status != IBV_WC_SUCCESS) {
        fprintf(stderr, "completion status %s\n", ibv_wc_status_str(wc[i].status));
        exit(1);
      }
    }
    got += n;
  }
  r->wr[batch - 1].next = batch < MAX_BATCH ? &r->wr[batch] : NULL;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s DEVICE GID_INDEX BUDGET_MS BATCH...\n", argv[0]);
    return 2;
  }
  const char *clock_name = getenv("VRDMA_BENCH_CLOCK");
  if (clock_name != NULL && strcmp(clock_name, "wall") == 0) bench_clock = CLOCK_MONOTONIC;
  const char *name = argv[1];
  int gid_index = atoi(argv[2]);
  double budget_ns = atof(argv[3]) * 1e6;
  int num = 0;
  struct ibv_device **list = ibv_get_device_list(&num);
  if (list == NULL) die("ibv_get_device_list");
  struct ibv_device *dev = NULL;
  for (int i = 0; i < num; i++) if (strcmp(ibv_get_device_name(list[i]), name) == 0) dev = list[i];
  if (dev == NULL) {
    fprintf(stderr, "no device %s\n", name);
    return 1;
  }
  struct ibv_context *ctx = ibv_open_device(dev);
  if (ctx == NULL) die("ibv_open_device");
  struct ibv_port_attr port;
  if (ibv_query_port(ctx, 1, &port)) die("ibv_query_port");
  union ibv_gid gid;
  if (ibv_query_gid(ctx, 1, gid_index, &gid)) die("ibv_query_gid");
  struct ibv_pd *pd = ibv_alloc_pd(ctx);
  if (pd == NULL) die("ibv_alloc_pd");
  static uint8_t buf[4096];
  struct ibv_mr *mr = ibv_reg_mr(pd, buf, sizeof buf, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
  if (mr == NULL) die("ibv_reg_mr");
  struct ibv_cq *cq_a = ibv_create_cq(ctx, 4096, NULL, NULL, 0);
  struct ibv_cq *cq_b = ibv_create_cq(ctx, 4096, NULL, NULL, 0);
  if (cq_a == NULL || cq_b == NULL) die("ibv_create_cq");
  struct ibv_qp_init_attr init;
  memset(&init, 0, sizeof init);
  init.qp_type = IBV_QPT_RC;
  init.cap.max_send_wr = 256;
  init.cap.max_recv_wr = 16;
  init.cap.max_send_sge = 1;
  init.cap.max_recv_sge = 1;
  init.send_cq = cq_a;
  init.recv_cq = cq_a;
  struct ibv_qp *a = ibv_create_qp(pd, &init);
  init.send_cq = cq_b;
  init.recv_cq = cq_b;
  struct ibv_qp *b = ibv_create_qp(pd, &init);
  if (a == NULL || b == NULL) die("ibv_create_qp");
  enum ibv_mtu mtu = port.active_mtu;
  to_rts(a, b->qp_num, &gid, gid_index, mtu);
  to_rts(b, a->qp_num, &gid, gid_index, mtu);

  struct rig r;
  memset(&r, 0, sizeof r);
  r.qp = a;
  r.cq = cq_a;
  for (int i = 0; i < MAX_BATCH; i++) {
    r.sge[i].addr = (uintptr_t)buf + 8u * (unsigned)i;
    r.sge[i].length = 8;
    r.sge[i].lkey = mr->lkey;
    r.wr[i].wr_id = (uint64_t)i;
    r.wr[i].sg_list = &r.sge[i];
    r.wr[i].num_sge = 1;
    r.wr[i].opcode = IBV_WR_RDMA_WRITE;
    r.wr[i].send_flags = IBV_SEND_SIGNALED;
    r.wr[i].wr.rdma.remote_addr = (uintptr_t)buf + 2048u + 8u * (unsigned)i;
    r.wr[i].wr.rdma.rkey = mr->rkey;
    r.wr[i].next = i + 1 < MAX_BATCH ? &r.wr[i + 1] : NULL;
  }

  for (int k = 4; k < argc; k++) {
    int batch = atoi(argv[k]);
    if (batch < 1 || batch > MAX_BATCH) {
      fprintf(stderr, "batch %d: expected 1..%d\n", batch, MAX_BATCH);
      return 2;
    }
    /* Size the inner loop so that one run lasts about the budget. */
    long reps = 1;
    for (;;) {
      double t0 = cpu_ns();
      for (long i = 0; i < reps; i++) round_of(&r, batch);
      if (cpu_ns() - t0 >= budget_ns / 4) {
        reps = (long)((double)reps * budget_ns / (cpu_ns() - t0)) + 1;
        break;
      }
      reps *= 4;
    }
    double best = 1e300;
    for (int run = 0; run < 5; run++) {
      double t0 = cpu_ns();
      for (long i = 0; i < reps; i++) round_of(&r, batch);
      double ns = (cpu_ns() - t0) / ((double)reps * batch);
      if (ns < best) best = ns;
    }
    printf("batch %d post+poll ns/WR %.1f\n", batch, best);
    fflush(stdout);
  }
  ibv_destroy_qp(a);
  ibv_destroy_qp(b);
  ibv_destroy_cq(cq_a);
  ibv_destroy_cq(cq_b);
  ibv_dereg_mr(mr);
  ibv_dealloc_pd(pd);
  ibv_close_device(ctx);
  ibv_free_device_list(list);
  return 0;
}
