// Queue pairs: creation (moved to INIT at once), the INIT -> RTR -> RTS
// handshake, and posting packed work-request chains in one call.
#include <arpa/inet.h>

#include <cerrno>

#include "addon.h"
#include "ah.h"
#include "cq.h"
#include "errors.h"
#include "pd.h"
#include "srq.h"
#include "wr_layout.h"

namespace vrdma {

class QpHandle : public VerbsHandle<ibv_qp, ibv_destroy_qp> {
 public:
  QpHandle(ibv_qp* qp, uint32_t type, const ibv_qp_cap& cap, bool has_srq)
      : VerbsHandle(qp), type_(type), cap_(cap), has_srq_(has_srq) {}

  ibv_qp* qp() const { return get(); }
  uint32_t type() const { return type_; }
  const ibv_qp_cap& cap() const { return cap_; }
  bool has_srq() const { return has_srq_; }
  std::vector<ibv_send_wr>& send_wrs() { return send_wrs_; }
  std::vector<ibv_sge>& send_sges() { return send_sges_; }
  RecvScratch& recv_scratch() { return recv_; }

 private:
  uint32_t type_;
  ibv_qp_cap cap_;
  bool has_srq_;
  std::vector<ibv_send_wr> send_wrs_;
  std::vector<ibv_sge> send_sges_;
  RecvScratch recv_;
};

class QpWrap : public HandleWrap<QpWrap, QpHandle> {
 public:
  static const WrapInfo kInfo;

  using HandleWrap::HandleWrap;

  Napi::Value PostSend(const Napi::CallbackInfo& info);
  Napi::Value PostRecv(const Napi::CallbackInfo& info);
  Napi::Value Modify(const Napi::CallbackInfo& info);
  Napi::Value Query(const Napi::CallbackInfo& info);
  Napi::Value State(const Napi::CallbackInfo& info);
};

const WrapInfo QpWrap::kInfo = {"NativeQp", "QueuePair", {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b41ULL}, {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b42ULL}};

Napi::Function DefineQp(Napi::Env env) {
  return QpWrap::Define(env, {
    QpWrap::InstanceMethod("postSend", &QpWrap::PostSend),
    QpWrap::InstanceMethod("postRecv", &QpWrap::PostRecv),
    QpWrap::InstanceMethod("modify", &QpWrap::Modify),
    QpWrap::InstanceMethod("query", &QpWrap::Query),
    QpWrap::InstanceMethod("state", &QpWrap::State),
  });
}

namespace {

const char* StateName(int s) {
  switch (s) {
    case IBV_QPS_RESET: return "RESET";
    case IBV_QPS_INIT: return "INIT";
    case IBV_QPS_RTR: return "RTR";
    case IBV_QPS_RTS: return "RTS";
    case IBV_QPS_SQD: return "SQD";
    case IBV_QPS_SQE: return "SQE";
    case IBV_QPS_ERR: return "ERR";
    default: return "?";
  }
}

[[noreturn]] void ThrowModify(Napi::Env env, int rc, int from, int to, const std::string& more = "") {
  ThrowVerbs(env, "ibv_modify_qp", rc,
             ErrnoText(rc) + " (" + StateName(from) + " -> " + StateName(to) + (more.empty() ? "" : "; " + more) + ")");
}

constexpr int kRemoteAccessMask = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC;
constexpr uint32_t kSendFlagsMask = IBV_SEND_FENCE | IBV_SEND_SIGNALED | IBV_SEND_SOLICITED | IBV_SEND_INLINE;

// The INIT attributes: P_Key index, port, and the UD Q_Key or the RC/UC
// access flags (UC allows remote write only). Returns the mask.
int FillInit(ibv_qp_attr& a, uint32_t type, uint32_t pkey_index, uint32_t port, uint32_t access, uint32_t qkey) {
  a.qp_state = IBV_QPS_INIT;
  a.pkey_index = static_cast<uint16_t>(pkey_index);
  a.port_num = static_cast<uint8_t>(port);
  int mask = IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT;
  if (type == IBV_QPT_UD) {
    a.qkey = qkey;
    return mask | IBV_QP_QKEY;
  }
  a.qp_access_flags = access & static_cast<uint32_t>(type == IBV_QPT_UC ? IBV_ACCESS_REMOTE_WRITE : kRemoteAccessMask);
  return mask | IBV_QP_ACCESS_FLAGS;
}

}  // namespace

// createQp(sendCq, recvCq, srq | null, { type, maxSendWr, maxRecvWr, maxSge,
//   maxInline, sqSigAll, qkey, access, port })
Napi::Value CreateQueuePair(const Napi::CallbackInfo& info, const std::shared_ptr<PdHandle>& pd) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[3].IsObject()) throw Napi::TypeError::New(env, "createQp(sendCq, recvCq, srq, init)");
  CqWrap* send_cq = UnwrapTagged<CqWrap>(env, info[0], "sendCq");
  CqWrap* recv_cq = UnwrapTagged<CqWrap>(env, info[1], "recvCq");
  SrqWrap* srq = info[2].IsNull() || info[2].IsUndefined() ? nullptr : UnwrapTagged<SrqWrap>(env, info[2], "srq");
  CqHandle& scq = send_cq->Open(env);
  CqHandle& rcq = recv_cq->Open(env);
  SrqHandle* srqh = srq != nullptr ? &srq->Open(env) : nullptr;
  Napi::Object init = info[3].As<Napi::Object>();
  uint32_t type = PropU32(init, "type");
  if (type != IBV_QPT_RC && type != IBV_QPT_UC && type != IBV_QPT_UD) throw Napi::RangeError::New(env, "type must be RC, UC or UD");
  uint32_t port = PropU32(init, "port");
  uint32_t access = PropU32(init, "access");
  uint32_t qkey = PropU32(init, "qkey");

  ibv_qp_init_attr a{};
  a.send_cq = scq.cq();
  a.recv_cq = rcq.cq();
  a.srq = srqh != nullptr ? srqh->srq() : nullptr;
  a.qp_type = static_cast<ibv_qp_type>(type);
  a.sq_sig_all = PropBool(init, "sqSigAll") ? 1 : 0;
  a.cap.max_send_wr = PropU32(init, "maxSendWr");
  a.cap.max_recv_wr = srqh != nullptr ? 0 : PropU32(init, "maxRecvWr");
  a.cap.max_send_sge = PropU32(init, "maxSge");
  a.cap.max_recv_sge = srqh != nullptr ? 0 : PropU32(init, "maxSge");
  a.cap.max_inline_data = PropU32(init, "maxInline");
  const ibv_qp_cap wanted = a.cap;
  errno = 0;
  ibv_qp* qp = ibv_create_qp(pd->pd(), &a);
  if (qp == nullptr) {
    int err = errno != 0 ? errno : ENOMEM;
    ThrowVerbs(env, "ibv_create_qp", err,
               ErrnoText(err) + " (maxSendWr " + std::to_string(wanted.max_send_wr) + ", maxRecvWr " +
                   std::to_string(wanted.max_recv_wr) + ", maxSge " + std::to_string(wanted.max_send_sge) +
                   ", maxInline " + std::to_string(wanted.max_inline_data) +
                   "; compare with queryDevice().maxQpWr, maxSge and maxInlineData)");
  }
  // RESET -> INIT, so receives can be posted before connecting.
  ibv_qp_attr attr{};
  int mask = FillInit(attr, type, 0, port, access, qkey);
  int rc = ibv_modify_qp(qp, &attr, mask);
  if (rc != 0) {
    ibv_destroy_qp(qp);
    ThrowModify(env, rc, IBV_QPS_RESET, IBV_QPS_INIT, "port " + std::to_string(port));
  }
  auto h = std::make_shared<QpHandle>(qp, type, a.cap, srqh != nullptr);
  h->AddParent(pd);
  h->AddParent(send_cq->handle());
  if (recv_cq->handle() != send_cq->handle()) h->AddParent(recv_cq->handle());
  if (srq != nullptr) h->AddParent(srq->handle());
  Napi::Object obj = NewWrapper<QpWrap>(env, AddonOf(env).qp_ctor, h);
  obj.Set("qpn", Napi::Number::New(env, qp->qp_num));
  obj.Set("maxInline", Napi::Number::New(env, a.cap.max_inline_data));
  obj.Set("maxSendSge", Napi::Number::New(env, a.cap.max_send_sge));
  obj.Set("maxRecvSge", Napi::Number::New(env, a.cap.max_recv_sge));
  return obj;
}

// postSend(buffer: ArrayBuffer, count): one ibv_post_send of a chain.
Napi::Value QpWrap::PostSend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  QpHandle& h = Open(env);
  Napi::ArrayBuffer ab = ArgBuffer(info, 2, "postSend(buffer, count)");
  uint32_t count = ArgU32(info, 1, "count");
  if (count == 0) return env.Undefined();
  const uint8_t* buf = static_cast<const uint8_t*>(ab.Data());
  const size_t len = ab.ByteLength();
  const uint32_t max_sge = h.cap().max_send_sge;
  std::vector<ibv_send_wr>& wrs = h.send_wrs();
  std::vector<ibv_sge>& sges = h.send_sges();
  if (wrs.size() < count) wrs.resize(count);
  size_t sge_cap = static_cast<size_t>(count) * (max_sge > 0 ? max_sge : 1);
  if (sges.size() < sge_cap) sges.resize(sge_cap);
  const bool ud = h.type() == IBV_QPT_UD;
  VrdmaAddon* addon = ud ? &AddonOf(env) : nullptr;
  size_t pos = 0;
  size_t s = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (pos + send_wr::kBytes > len) throw Napi::RangeError::New(env, "packed send requests overrun their buffer");
    const uint8_t* p = buf + pos;
    const uint32_t num_sge = Load<uint32_t>(p + send_wr::kNumSge);
    if (num_sge > max_sge) {
      throw Napi::RangeError::New(env, "send request " + std::to_string(i) + " has " + std::to_string(num_sge) +
                                           " SGEs; the queue pair takes " + std::to_string(max_sge));
    }
    if (pos + send_wr::kBytes + num_sge * sge::kBytes > len) {
      throw Napi::RangeError::New(env, "packed send requests overrun their buffer");
    }
    const uint32_t opcode = Load<uint32_t>(p + send_wr::kOpcode);
    const uint32_t traits = SendOpcodeTraits(opcode);
    if (traits == 0) throw Napi::RangeError::New(env, "unknown send opcode " + std::to_string(opcode));
    ibv_send_wr& wr = wrs[i];
    wr = ibv_send_wr{};
    wr.wr_id = static_cast<uint64_t>(Load<double>(p + send_wr::kWrId));
    wr.opcode = static_cast<ibv_wr_opcode>(opcode);
    wr.send_flags = Load<uint32_t>(p + send_wr::kFlags) & kSendFlagsMask;
    if ((traits & wr_opcode::kImm) != 0) wr.imm_data = htonl(Load<uint32_t>(p + send_wr::kImm));
    if ((traits & wr_opcode::kAtomic) != 0) {
      wr.wr.atomic.remote_addr = Load<uint64_t>(p + send_wr::kRemoteAddr);
      wr.wr.atomic.compare_add = Load<uint64_t>(p + send_wr::kCompareAdd);
      wr.wr.atomic.swap = Load<uint64_t>(p + send_wr::kSwap);
      wr.wr.atomic.rkey = Load<uint32_t>(p + send_wr::kRkey);
    } else if ((traits & wr_opcode::kRemote) != 0) {
      wr.wr.rdma.remote_addr = Load<uint64_t>(p + send_wr::kRemoteAddr);
      wr.wr.rdma.rkey = Load<uint32_t>(p + send_wr::kRkey);
    }
    if (ud) {
      const uint32_t ah_id = Load<uint32_t>(p + send_wr::kAh);
      ibv_ah* ah = FindAh(*addon, ah_id);
      if (ah == nullptr) ThrowClosed(env, "AddressHandle");
      wr.wr.ud.ah = ah;
      wr.wr.ud.remote_qpn = Load<uint32_t>(p + send_wr::kRemoteQpn);
      wr.wr.ud.remote_qkey = Load<uint32_t>(p + send_wr::kRemoteQkey);
    }
    wr.num_sge = static_cast<int>(num_sge);
    wr.sg_list = num_sge > 0 ? &sges[s] : nullptr;
    const uint8_t* q = p + send_wr::kBytes;
    for (uint32_t j = 0; j < num_sge; j++) LoadSge(q + j * sge::kBytes, &sges[s++]);
    wr.next = i + 1 < count ? &wrs[i + 1] : nullptr;
    pos += send_wr::kBytes + num_sge * sge::kBytes;
  }
  ibv_send_wr* bad = nullptr;
  int rc = ibv_post_send(h.qp(), &wrs[0], &bad);
  if (rc != 0) {
    size_t posted = bad != nullptr ? static_cast<size_t>(bad - &wrs[0]) : 0;
    ThrowVerbs(env, "ibv_post_send", rc, PostFailureDetail(rc, posted, count, "send queue", h.cap().max_send_wr));
  }
  return env.Undefined();
}

// postRecv(buffer: ArrayBuffer, count)
Napi::Value QpWrap::PostRecv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  QpHandle& h = Open(env);
  if (info.Length() < 2 || !info[0].IsArrayBuffer()) throw Napi::TypeError::New(env, "postRecv(buffer, count)");
  if (h.has_srq()) throw Napi::TypeError::New(env, "this queue pair takes its receives from a shared receive queue");
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  uint32_t count = ArgU32(info, 1, "count");
  if (count == 0) return env.Undefined();
  ibv_recv_wr* head = BuildRecvChain(env, static_cast<const uint8_t*>(ab.Data()), ab.ByteLength(), count,
                                     h.cap().max_recv_sge, h.recv_scratch());
  ibv_recv_wr* bad = nullptr;
  int rc = ibv_post_recv(h.qp(), head, &bad);
  if (rc != 0) {
    size_t posted = bad != nullptr ? static_cast<size_t>(bad - head) : 0;
    ThrowVerbs(env, "ibv_post_recv", rc, PostFailureDetail(rc, posted, count, "receive queue", h.cap().max_recv_wr));
  }
  return env.Undefined();
}

namespace {

// The fields of one QpModifySpec step (lib/types/qp-attributes.ts), by the
// same names, into `a`; returns the mask for this QP type.
int FillStep(Napi::Env env, uint32_t state, uint32_t type, const Napi::Value& attrs, ibv_qp_attr& a) {
  a.qp_state = static_cast<ibv_qp_state>(state);
  if (state == IBV_QPS_ERR || (state == IBV_QPS_RTR && type == IBV_QPT_UD)) return IBV_QP_STATE;
  if (!attrs.IsObject()) throw Napi::TypeError::New(env, "modify(state, attrs): attrs must be an object");
  Napi::Object o = attrs.As<Napi::Object>();
  if (state == IBV_QPS_INIT) {
    return FillInit(a, type, PropU32(o, "pkeyIndex"), PropU32(o, "port"), PropU32(o, "accessFlags"), PropU32(o, "qkey"));
  }
  if (state == IBV_QPS_RTR) {
    a.path_mtu = static_cast<ibv_mtu>(PropU32(o, "pathMtu"));
    a.dest_qp_num = PropU32(o, "destQpn");
    a.rq_psn = PropU32(o, "rqPsn");
    Napi::Value ah = o.Get("ahAttr");
    if (!ah.IsObject()) throw Napi::TypeError::New(env, "ahAttr must be an object");
    ReadAhAttr(env, ah.As<Napi::Object>(), a.ah_attr);
    int mask = IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN;
    if (type != IBV_QPT_RC) return mask;
    a.max_dest_rd_atomic = static_cast<uint8_t>(PropU32(o, "maxDestRdAtomic"));
    a.min_rnr_timer = static_cast<uint8_t>(PropU32(o, "minRnrTimer"));
    return mask | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER;
  }
  if (state != IBV_QPS_RTS) throw Napi::RangeError::New(env, std::string("modify() to ") + StateName(static_cast<int>(state)) + " is not supported");
  a.sq_psn = PropU32(o, "sqPsn");
  if (type != IBV_QPT_RC) return IBV_QP_STATE | IBV_QP_SQ_PSN;
  a.timeout = static_cast<uint8_t>(PropU32(o, "timeout"));
  a.retry_cnt = static_cast<uint8_t>(PropU32(o, "retryCnt"));
  a.rnr_retry = static_cast<uint8_t>(PropU32(o, "rnrRetry"));
  a.max_rd_atomic = static_cast<uint8_t>(PropU32(o, "maxRdAtomic"));
  return IBV_QP_STATE | IBV_QP_SQ_PSN | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_MAX_QP_RD_ATOMIC;
}

int CurrentState(ibv_qp* qp) {
  ibv_qp_attr a{};
  ibv_qp_init_attr ia{};
  return ibv_query_qp(qp, &a, IBV_QP_STATE, &ia) == 0 ? static_cast<int>(a.qp_state) : -1;
}

Napi::Value AhObject(Napi::Env env, const ibv_ah_attr& ah) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("dlid", Napi::Number::New(env, ah.dlid));
  o.Set("sl", Napi::Number::New(env, ah.sl));
  o.Set("port", Napi::Number::New(env, ah.port_num));
  if (!ah.is_global) {
    o.Set("grh", env.Null());
    return o;
  }
  char text[INET6_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET6, ah.grh.dgid.raw, text, sizeof text);
  Napi::Object g = Napi::Object::New(env);
  g.Set("dgid", Napi::String::New(env, text));
  g.Set("sgidIndex", Napi::Number::New(env, ah.grh.sgid_index));
  g.Set("hopLimit", Napi::Number::New(env, ah.grh.hop_limit));
  g.Set("trafficClass", Napi::Number::New(env, ah.grh.traffic_class));
  g.Set("flowLabel", Napi::Number::New(env, ah.grh.flow_label));
  o.Set("grh", g);
  return o;
}

}  // namespace

// modify(state, attrs | null): one ibv_modify_qp to IBV_QPS_<state> with the
// attributes that step takes on this QP type (see FillStep).
Napi::Value QpWrap::Modify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  QpHandle& h = Open(env);
  const uint32_t state = ArgU32(info, 0, "state");
  ibv_qp_attr a{};
  const int mask = FillStep(env, state, h.type(), info.Length() > 1 ? info[1] : env.Undefined(), a);
  const int from = CurrentState(h.qp());
  int rc = ibv_modify_qp(h.qp(), &a, mask);
  if (rc != 0) {
    std::string more;
    if ((mask & IBV_QP_AV) != 0 && a.ah_attr.is_global) {
      char text[INET6_ADDRSTRLEN] = {0};
      inet_ntop(AF_INET6, a.ah_attr.grh.dgid.raw, text, sizeof text);
      more = "GID index " + std::to_string(a.ah_attr.grh.sgid_index) + " to peer " + text;
    }
    ThrowModify(env, rc, from, static_cast<int>(state), more);
  }
  return env.Undefined();
}

// query(): every attribute of QpAttributes (lib/types/qp-attributes.ts), by name.
Napi::Value QpWrap::Query(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  QpHandle& h = Open(env);
  ibv_qp_attr a{};
  ibv_qp_init_attr ia{};
  const int mask = IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS | IBV_QP_QKEY |
                   IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
                   IBV_QP_MIN_RNR_TIMER | IBV_QP_AV | IBV_QP_SQ_PSN | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
                   IBV_QP_RNR_RETRY | IBV_QP_MAX_QP_RD_ATOMIC;
  int rc = ibv_query_qp(h.qp(), &a, mask, &ia);
  if (rc != 0) ThrowVerbs(env, "ibv_query_qp", rc);
  const bool ud = h.type() == IBV_QPT_UD;
  const bool connected = a.qp_state != IBV_QPS_RESET && a.qp_state != IBV_QPS_INIT;
  Napi::Object o = Napi::Object::New(env);
  const std::pair<const char*, uint32_t> numbers[] = {
      {"state", a.qp_state},
      {"pkeyIndex", a.pkey_index},
      {"port", a.port_num},
      {"accessFlags", ud ? 0 : a.qp_access_flags},
      {"qkey", ud ? a.qkey : 0},
      {"pathMtu", ud ? 0 : a.path_mtu},
      {"destQpn", ud ? 0 : a.dest_qp_num},
      {"rqPsn", a.rq_psn},
      {"maxDestRdAtomic", a.max_dest_rd_atomic},
      {"minRnrTimer", a.min_rnr_timer},
      {"sqPsn", a.sq_psn},
      {"timeout", a.timeout},
      {"retryCnt", a.retry_cnt},
      {"rnrRetry", a.rnr_retry},
      {"maxRdAtomic", a.max_rd_atomic},
  };
  for (const auto& [name, value] : numbers) o.Set(name, Napi::Number::New(env, value));
  o.Set("ahAttr", ud || !connected ? env.Null() : AhObject(env, a.ah_attr));
  return o;
}

// The current state (ibv_query_qp), as an IBV_QPS_* value.
Napi::Value QpWrap::State(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  QpHandle& h = Open(env);
  ibv_qp_attr a{};
  ibv_qp_init_attr ia{};
  int rc = ibv_query_qp(h.qp(), &a, IBV_QP_STATE, &ia);
  if (rc != 0) ThrowVerbs(env, "ibv_query_qp", rc);
  return Napi::Number::New(env, static_cast<int>(a.qp_state));
}

std::shared_ptr<Handle> QpHandleForCm(Napi::Env env, const Napi::Value& qp, ibv_qp** out) {
  QpWrap* w = UnwrapTagged<QpWrap>(env, qp, "qp");
  *out = w->Open(env).qp();
  return w->handle();
}

}  // namespace vrdma
