#include "context.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "addon.h"
#include "cq.h"
#include "errors.h"
#include "pd.h"

namespace vrdma {

const WrapInfo ContextWrap::kInfo = {"NativeContext", "Context", {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b01ULL}, {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b02ULL}};

namespace {

// The property of the wrapper object that holds the async-event listener.
// Keeping it on the JS object (not in a native reference) lets an unclosed,
// unreachable context be collected.
constexpr const char* kListenerKey = "__vrdmaAsyncListener";

const char* EventDetail(int type) {
  switch (type) {
    case IBV_EVENT_CQ_ERR: return "completion queue overrun or failure";
    case IBV_EVENT_QP_FATAL: return "queue pair failed (transport error)";
    case IBV_EVENT_QP_REQ_ERR: return "invalid request on the queue pair";
    case IBV_EVENT_QP_ACCESS_ERR: return "remote access violation on the queue pair";
    case IBV_EVENT_COMM_EST: return "communication established";
    case IBV_EVENT_SQ_DRAINED: return "send queue drained";
    case IBV_EVENT_PATH_MIG: return "path migrated";
    case IBV_EVENT_PATH_MIG_ERR: return "path migration failed";
    case IBV_EVENT_DEVICE_FATAL: return "the device failed: close and reopen it";
    case IBV_EVENT_PORT_ACTIVE: return "port became active";
    case IBV_EVENT_PORT_ERR: return "port went down";
    case IBV_EVENT_LID_CHANGE: return "LID changed";
    case IBV_EVENT_PKEY_CHANGE: return "P_Key table changed";
    case IBV_EVENT_SM_CHANGE: return "subnet manager changed";
    case IBV_EVENT_SRQ_ERR: return "shared receive queue failed";
    case IBV_EVENT_SRQ_LIMIT_REACHED: return "shared receive queue limit reached";
    case IBV_EVENT_QP_LAST_WQE_REACHED: return "last work request of an SRQ-attached queue pair reached";
    case IBV_EVENT_CLIENT_REREGISTER: return "client reregistration requested";
    case IBV_EVENT_GID_CHANGE: return "GID table changed";
    default: return "";
  }
}

}  // namespace

void ContextHandle::StartEvents(Napi::Env env, Napi::Object wrapper) {
  env_state_ = AddonOf(env).env_state;
  wrapper_ = Napi::Weak(wrapper);
  watch_ = WatchHandle(env, this, ctx_->async_fd, &ContextHandle::OnAsyncReadable, "ibv_get_async_event");
  async_ = std::make_unique<Napi::AsyncContext>(env, "vrdma:Context", Napi::Object::New(env));
  // Unreferenced: an open context alone does not keep the process alive.
  watch_->Start();
  watch_->SetRef(false);
}

void ContextHandle::OnAsyncReadable() {
  if (released()) return;
  struct Event {
    int type;
    int port;
    uint32_t qpn;
  };
  std::vector<Event> events;
  std::vector<std::shared_ptr<Handle>> failed_cqs;
  for (;;) {
    ibv_async_event ev{};
    if (ibv_get_async_event(ctx_, &ev) != 0) break;  // EAGAIN: drained
    Event e{static_cast<int>(ev.event_type), 0, 0};
    switch (ev.event_type) {
      case IBV_EVENT_CQ_ERR:
        if (ev.element.cq != nullptr && ev.element.cq->cq_context != nullptr) {
          failed_cqs.push_back(static_cast<CqHandle*>(ev.element.cq->cq_context)->shared_from_this());
        }
        break;
      case IBV_EVENT_QP_FATAL:
      case IBV_EVENT_QP_REQ_ERR:
      case IBV_EVENT_QP_ACCESS_ERR:
      case IBV_EVENT_COMM_EST:
      case IBV_EVENT_SQ_DRAINED:
      case IBV_EVENT_PATH_MIG:
      case IBV_EVENT_PATH_MIG_ERR:
      case IBV_EVENT_QP_LAST_WQE_REACHED:
        if (ev.element.qp != nullptr) e.qpn = ev.element.qp->qp_num;
        break;
      case IBV_EVENT_PORT_ACTIVE:
      case IBV_EVENT_PORT_ERR:
      case IBV_EVENT_LID_CHANGE:
      case IBV_EVENT_PKEY_CHANGE:
      case IBV_EVENT_SM_CHANGE:
      case IBV_EVENT_CLIENT_REREGISTER:
      case IBV_EVENT_GID_CHANGE:
        e.port = ev.element.port_num;
        break;
      default:
        break;
    }
    ibv_ack_async_event(&ev);
    events.push_back(e);
  }
  if (events.empty()) return;
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  Napi::CallbackScope cb(env, *async_);
  for (auto& cq : failed_cqs) {
    auto* h = static_cast<CqHandle*>(cq.get());
    if (!h->released()) h->MarkOverrun(env);
  }
  for (const Event& e : events) {
    if (released()) return;
    Napi::Value w = wrapper_.IsEmpty() ? env.Undefined() : wrapper_.Value();
    if (!w.IsObject()) return;
    Napi::Value fn = w.As<Napi::Object>().Get(kListenerKey);
    if (!fn.IsFunction()) continue;
    std::string detail = EventDetail(e.type);
    if (e.type == IBV_EVENT_CQ_ERR && !failed_cqs.empty()) {
      detail = "completion queue overrun (depth " +
               std::to_string(static_cast<CqHandle*>(failed_cqs.front().get())->depth()) +
               "): the CQ and its queue pairs are in error";
    }
    try {
      fn.As<Napi::Function>().Call(w, {Napi::Number::New(env, e.type), Napi::Number::New(env, e.port),
                                       Napi::Number::New(env, e.qpn), Napi::String::New(env, detail)});
    } catch (const Napi::Error& err) {
      // A throwing listener is an uncaught exception, as for any event emitter.
      napi_fatal_exception(env, err.Value());
      return;
    }
  }
}

void ContextHandle::Release() noexcept {
  watch_.reset();
  if (ctx_ != nullptr) {
    ibv_close_device(ctx_);
    ctx_ = nullptr;
  }
}

ContextHandle::~ContextHandle() {
  ReleaseInDestructor();
  if (async_ && env_state_ && env_state_->tearing_down) (void)async_.release();
}

// ---- wrapper ----

Napi::Value ContextWrap::QueryDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ContextHandle& h = Open(env);
  ibv_device_attr a{};
  int rc = ibv_query_device(h.ctx(), &a);
  if (rc != 0) ThrowVerbs(env, "ibv_query_device", rc);
  Napi::Object o = Napi::Object::New(env);
  o.Set("fwVer", Napi::String::New(env, a.fw_ver));
  o.Set("nodeGuid", Napi::String::New(env, GuidHex(a.node_guid)));
  o.Set("sysImageGuid", Napi::String::New(env, GuidHex(a.sys_image_guid)));
  o.Set("vendorId", Napi::Number::New(env, a.vendor_id));
  o.Set("vendorPartId", Napi::Number::New(env, a.vendor_part_id));
  o.Set("hwVer", Napi::Number::New(env, a.hw_ver));
  o.Set("physPortCnt", Napi::Number::New(env, a.phys_port_cnt));
  o.Set("maxQp", Napi::Number::New(env, a.max_qp));
  o.Set("maxQpWr", Napi::Number::New(env, a.max_qp_wr));
  o.Set("maxSge", Napi::Number::New(env, a.max_sge));
  o.Set("maxCq", Napi::Number::New(env, a.max_cq));
  o.Set("maxCqe", Napi::Number::New(env, a.max_cqe));
  o.Set("maxMr", Napi::Number::New(env, a.max_mr));
  o.Set("maxMrSize", Napi::BigInt::New(env, static_cast<uint64_t>(a.max_mr_size)));
  o.Set("maxPd", Napi::Number::New(env, a.max_pd));
  o.Set("maxSrq", Napi::Number::New(env, a.max_srq));
  o.Set("maxSrqWr", Napi::Number::New(env, a.max_srq_wr));
  o.Set("maxQpRdAtom", Napi::Number::New(env, a.max_qp_rd_atom));
  o.Set("maxQpInitRdAtom", Napi::Number::New(env, a.max_qp_init_rd_atom));
  o.Set("atomicCap", Napi::Number::New(env, static_cast<int>(a.atomic_cap)));
  return o;
}

namespace {

// ibv_query_port, throwing a VerbsError naming the port.
ibv_port_attr QueryPortOrThrow(Napi::Env env, ContextHandle& h, uint32_t port) {
  ibv_port_attr a{};
  int rc = ibv_query_port(h.ctx(), static_cast<uint8_t>(port), &a);
  if (rc != 0) ThrowVerbs(env, "ibv_query_port", rc, ErrnoText(rc) + " (port " + std::to_string(port) + ")");
  return a;
}

}  // namespace

Napi::Value ContextWrap::QueryPort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ContextHandle& h = Open(env);
  ibv_port_attr a = QueryPortOrThrow(env, h, ArgU32(info, 0, "port"));
  Napi::Object o = Napi::Object::New(env);
  o.Set("state", Napi::Number::New(env, static_cast<int>(a.state)));
  o.Set("maxMtu", Napi::Number::New(env, static_cast<int>(a.max_mtu)));
  o.Set("activeMtu", Napi::Number::New(env, static_cast<int>(a.active_mtu)));
  o.Set("lid", Napi::Number::New(env, a.lid));
  o.Set("smLid", Napi::Number::New(env, a.sm_lid));
  o.Set("lmc", Napi::Number::New(env, a.lmc));
  o.Set("gidTblLen", Napi::Number::New(env, a.gid_tbl_len));
  o.Set("pkeyTblLen", Napi::Number::New(env, a.pkey_tbl_len));
  o.Set("linkLayer", Napi::Number::New(env, a.link_layer));
  o.Set("activeWidth", Napi::Number::New(env, a.active_width));
  o.Set("activeSpeed", Napi::Number::New(env, a.active_speed));
  return o;
}

// pkeyTable(port): every entry of the port's P_Key table (ibv_query_pkey), in host order; unused entries are 0.
Napi::Value ContextWrap::PkeyTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ContextHandle& h = Open(env);
  uint32_t port = ArgU32(info, 0, "port");
  ibv_port_attr a = QueryPortOrThrow(env, h, port);
  Napi::Array out = Napi::Array::New(env, static_cast<size_t>(a.pkey_tbl_len));
  for (int i = 0; i < a.pkey_tbl_len; i++) {
    __be16 pkey = 0;
    int rc = ibv_query_pkey(h.ctx(), static_cast<uint8_t>(port), i, &pkey);
    if (rc != 0) ThrowVerbs(env, "ibv_query_pkey", rc, ErrnoText(rc) + " (port " + std::to_string(port) + ", index " + std::to_string(i) + ")");
    out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, ntohs(pkey)));
  }
  return out;
}

namespace {

bool IsZeroGid(const ibv_gid& g) {
  for (uint8_t b : g.raw) {
    if (b != 0) return false;
  }
  return true;
}

Napi::Object GidObject(Napi::Env env, uint32_t index, const ibv_gid& gid, int type, uint32_t ifindex) {
  char text[INET6_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET6, gid.raw, text, sizeof text);
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", Napi::Number::New(env, index));
  o.Set("gid", Napi::String::New(env, text));
  o.Set("type", Napi::Number::New(env, type));
  char name[IF_NAMESIZE] = {0};
  if (ifindex != 0 && if_indextoname(ifindex, name) != nullptr) o.Set("netdev", Napi::String::New(env, name));
  return o;
}

}  // namespace

// gidTable(port): [{ index, gid, type (-1 when unknown), netdev? }], populated entries only.
Napi::Value ContextWrap::GidTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ContextHandle& h = Open(env);
  uint32_t port = ArgU32(info, 0, "port");
  ibv_device_attr da{};
  int rc = ibv_query_device(h.ctx(), &da);
  if (rc != 0) ThrowVerbs(env, "ibv_query_device", rc);
  size_t total = 0;
  uint32_t port_len = 0;
  for (uint32_t p = 1; p <= da.phys_port_cnt; p++) {
    ibv_port_attr pa{};
    rc = ibv_query_port(h.ctx(), static_cast<uint8_t>(p), &pa);
    if (rc != 0) ThrowVerbs(env, "ibv_query_port", rc, ErrnoText(rc) + " (port " + std::to_string(p) + ")");
    total += static_cast<size_t>(pa.gid_tbl_len);
    if (p == port) port_len = static_cast<uint32_t>(pa.gid_tbl_len);
  }
  Napi::Array out = Napi::Array::New(env);
  uint32_t k = 0;
  // One call for the whole table where the kernel offers it.
  std::vector<ibv_gid_entry> entries(total > 0 ? total : 1);
  ssize_t n = ibv_query_gid_table(h.ctx(), entries.data(), entries.size(), 0);
  if (n >= 0) {
    std::vector<const ibv_gid_entry*> mine;
    for (ssize_t i = 0; i < n; i++) {
      if (entries[i].port_num == port && !IsZeroGid(entries[i].gid)) mine.push_back(&entries[i]);
    }
    std::sort(mine.begin(), mine.end(), [](auto a, auto b) { return a->gid_index < b->gid_index; });
    for (auto* e : mine) out.Set(k++, GidObject(env, e->gid_index, e->gid, static_cast<int>(e->gid_type), e->ndev_ifindex));
    return out;
  }
  // Entry by entry; then without types (the caller reads them from sysfs).
  bool typed = true;
  for (uint32_t i = 0; i < port_len; i++) {
    if (typed) {
      ibv_gid_entry e{};
      rc = ibv_query_gid_ex(h.ctx(), port, i, &e, 0);
      if (rc == 0) {
        if (!IsZeroGid(e.gid)) out.Set(k++, GidObject(env, i, e.gid, static_cast<int>(e.gid_type), e.ndev_ifindex));
        continue;
      }
      if (rc == ENODATA || rc == EINVAL) continue;
      if (rc != EOPNOTSUPP && rc != ENOSYS) ThrowVerbs(env, "ibv_query_gid_ex", rc);
      typed = false;
    }
    ibv_gid g{};
    if (ibv_query_gid(h.ctx(), static_cast<uint8_t>(port), static_cast<int>(i), &g) != 0) continue;
    if (!IsZeroGid(g)) out.Set(k++, GidObject(env, i, g, -1, 0));
  }
  return out;
}

Napi::Value ContextWrap::AllocPd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Open(env);
  return NewPdFor(env, h_);
}

Napi::Value ContextWrap::CreateCq(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ContextHandle& h = Open(env);
  uint32_t depth = ArgU32(info, 0, "depth");
  auto cq = std::make_shared<CqHandle>(env, depth);
  cq->Create(env, h.ctx());
  cq->AddParent(h_);
  return NewWrapper<CqWrap>(env, AddonOf(env).cq_ctor, cq);
}

Napi::Value ContextWrap::SetAsyncListener(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Open(env);
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "setAsyncListener(fn)");
  napi_property_descriptor d{};
  d.utf8name = kListenerKey;
  d.value = info[0];
  d.attributes = static_cast<napi_property_attributes>(napi_writable | napi_configurable);
  napi_status st = napi_define_properties(env, info.This(), 1, &d);
  if (st != napi_ok) throw Napi::Error::New(env, "cannot store the async-event listener");
  return env.Undefined();
}

// allocate(size): a page-aligned, zeroed Uint8Array of `size` bytes.
Napi::Value ContextWrap::Allocate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Open(env);
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "allocate(size)");
  double d = info[0].As<Napi::Number>().DoubleValue();
  if (!(d >= 1 && d <= 1099511627776.0) || d != static_cast<double>(static_cast<uint64_t>(d))) {
    throw Napi::RangeError::New(env, "size must be an integer from 1 to 2^40");
  }
  size_t size = static_cast<size_t>(d);
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t len = (size + page - 1) / page * page;
  void* mem = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) ThrowVerbs(env, "mmap", errno, ErrnoText(errno) + " (allocating " + std::to_string(size) + " bytes)");
  napi_value ab = nullptr;
  napi_status st = napi_create_external_arraybuffer(
      env, mem, size,
      [](napi_env fenv, void* data, void* hint) {
        size_t n = reinterpret_cast<size_t>(hint);
        munmap(data, n);
        int64_t adjusted = 0;
        napi_adjust_external_memory(fenv, -static_cast<int64_t>(n), &adjusted);
      },
      reinterpret_cast<void*>(len), &ab);
  if (st == napi_ok) {
    int64_t adjusted = 0;
    napi_adjust_external_memory(env, static_cast<int64_t>(len), &adjusted);
    return Napi::Uint8Array::New(env, size, Napi::ArrayBuffer(env, ab), 0);
  }
  munmap(mem, len);
  // Runtimes without external buffers: over-allocate and align a view.
  Napi::ArrayBuffer plain = Napi::ArrayBuffer::New(env, size + page);
  uintptr_t base = reinterpret_cast<uintptr_t>(plain.Data());
  size_t offset = (page - base % page) % page;
  return Napi::Uint8Array::New(env, size, plain, offset);
}

// The largest max_inline_data an RC queue pair accepts here (0 when none).
Napi::Value ContextWrap::ProbeMaxInline(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ContextHandle& h = Open(env);
  uint32_t found = 0;
  ibv_pd* pd = ibv_alloc_pd(h.ctx());
  ibv_cq* cq = pd != nullptr ? ibv_create_cq(h.ctx(), 2, nullptr, nullptr, 0) : nullptr;
  if (cq != nullptr) {
    for (uint32_t want : {4096u, 2048u, 1024u, 512u, 256u, 128u, 64u, 32u}) {
      ibv_qp_init_attr a{};
      a.send_cq = cq;
      a.recv_cq = cq;
      a.qp_type = IBV_QPT_RC;
      a.cap.max_send_wr = 1;
      a.cap.max_recv_wr = 1;
      a.cap.max_send_sge = 1;
      a.cap.max_recv_sge = 1;
      a.cap.max_inline_data = want;
      ibv_qp* qp = ibv_create_qp(pd, &a);
      if (qp != nullptr) {
        found = a.cap.max_inline_data;
        ibv_destroy_qp(qp);
        break;
      }
    }
  }
  if (cq != nullptr) ibv_destroy_cq(cq);
  if (pd != nullptr) ibv_dealloc_pd(pd);
  return Napi::Number::New(env, found);
}

Napi::Function DefineContext(Napi::Env env) {
  return ContextWrap::Define(env, {
    ContextWrap::InstanceMethod("queryDevice", &ContextWrap::QueryDevice),
    ContextWrap::InstanceMethod("queryPort", &ContextWrap::QueryPort),
    ContextWrap::InstanceMethod("gidTable", &ContextWrap::GidTable),
    ContextWrap::InstanceMethod("pkeyTable", &ContextWrap::PkeyTable),
    ContextWrap::InstanceMethod("allocPd", &ContextWrap::AllocPd),
    ContextWrap::InstanceMethod("createCq", &ContextWrap::CreateCq),
    ContextWrap::InstanceMethod("setAsyncListener", &ContextWrap::SetAsyncListener),
    ContextWrap::InstanceMethod("allocate", &ContextWrap::Allocate),
    ContextWrap::InstanceMethod("probeMaxInline", &ContextWrap::ProbeMaxInline),
  });
}

}  // namespace vrdma
