// Connection-manager ids (rdma_cm_id) over librdmacm loaded at run time.
// Each id has an event channel of its own, watched on the environment's
// event loop; an incoming connection's id is moved to a new channel as soon
// as its CONNECT_REQUEST is acknowledged. The queue pair an id connects is
// the caller's (made on vrdma's own context): the id moves it through
// INIT, RTR and RTS with the attributes the CM computes
// (rdma_init_qp_attr), keeping the QP's own access flags, as librdmacm
// does for a QP it did not create.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>

#include "addon.h"
#include "cm_library.h"
#include "errors.h"
#include "fd_watcher.h"

namespace vrdma {

#if VRDMA_HAVE_RDMACM
namespace {

const napi_type_tag kCmIdTag = {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b71ULL};
const napi_type_tag kCmIdTokenTag = {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b72ULL};

// What the factory hands the constructor.
struct CmIdToken {
  std::shared_ptr<CmLibrary> lib;
  rdma_event_channel* channel;
  rdma_cm_id* id;
};

int ErrnoOr(int fallback) { return errno != 0 ? errno : fallback; }

// Run one librdmacm call: a non-zero return throws a VerbsError naming
// `verb`, with the errno the call set.
template <typename Call>
void CmCall(Napi::Env env, const char* verb, Call call) {
  errno = 0;
  if (call() != 0) ThrowVerbs(env, verb, ErrnoOr(EINVAL));
}

// Parse a numeric IPv4/IPv6 address and port into `out`; false when malformed.
bool ToSockaddr(const std::string& text, uint32_t port, sockaddr_storage* out) {
  std::memset(out, 0, sizeof *out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    return true;
  }
  return false;
}

// { address, port } of a sockaddr, or null when it has no family yet.
Napi::Value FromSockaddr(Napi::Env env, const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {0};
  uint16_t port = 0;
  if (sa->sa_family == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof buf);
    port = ntohs(v4->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    auto* v6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
    port = ntohs(v6->sin6_port);
  } else {
    return env.Null();
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("address", buf);
  o.Set("port", port);
  return o;
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsString()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

// Private data argument: a Uint8Array or null.
std::vector<uint8_t> ArgBytes(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsNull() || info[i].IsUndefined()) return {};
  if (!info[i].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "privateData must be a Uint8Array or null");
  auto a = info[i].As<Napi::Uint8Array>();
  return std::vector<uint8_t>(a.Data(), a.Data() + a.ByteLength());
}

}  // namespace

class CmIdWrap : public Napi::ObjectWrap<CmIdWrap> {
 public:
  explicit CmIdWrap(const Napi::CallbackInfo& info);
  ~CmIdWrap() override { Destroy(); }

  static Napi::Object New(Napi::Env env, CmIdToken token);

 private:
  friend Napi::Function DefineCmId(Napi::Env env);
  enum class Role { kNone, kActive, kPassive };

  rdma_cm_id* Open(Napi::Env env) const {
    if (id_ == nullptr) ThrowClosed(env, "CmId");
    return id_;
  }
  void Destroy() noexcept;
  void OnReadable();
  // Move the QP to `state` with the CM's attributes; `depth` >= 0 replaces
  // the read/atomic depth of RTR (responder resources) or RTS (initiator depth).
  int MoveQp(ibv_qp_state state, int depth);
  rdma_conn_param Param(const Napi::CallbackInfo& info, const std::vector<uint8_t>& data);
  void TakeQp(Napi::Env env, const Napi::Value& v);
  void Deliver(Napi::Env env, int type, int status, const std::vector<uint8_t>& data, Napi::Value child, int ird, int ord);

  Napi::Value OnEvent(const Napi::CallbackInfo& info);
  Napi::Value Bind(const Napi::CallbackInfo& info);
  Napi::Value Listen(const Napi::CallbackInfo& info);
  Napi::Value ResolveAddr(const Napi::CallbackInfo& info);
  Napi::Value ResolveRoute(const Napi::CallbackInfo& info);
  Napi::Value DeviceName(const Napi::CallbackInfo& info);
  Napi::Value LocalAddress(const Napi::CallbackInfo& info);
  Napi::Value RemoteAddress(const Napi::CallbackInfo& info);
  Napi::Value Connect(const Napi::CallbackInfo& info);
  Napi::Value Accept(const Napi::CallbackInfo& info);
  Napi::Value Reject(const Napi::CallbackInfo& info);
  Napi::Value Disconnect(const Napi::CallbackInfo& info);
  Napi::Value SetRef(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  std::shared_ptr<CmLibrary> lib_;
  rdma_event_channel* channel_ = nullptr;
  rdma_cm_id* id_ = nullptr;
  std::unique_ptr<FdWatcher> watch_;
  std::unique_ptr<Napi::AsyncContext> async_;
  std::shared_ptr<EnvState> env_state_;
  Napi::FunctionReference listener_;
  std::shared_ptr<Handle> qp_keep_;
  ibv_qp* qp_ = nullptr;
  Role role_ = Role::kNone;
  int responder_resources_ = -1;
  int initiator_depth_ = -1;
  bool disconnect_sent_ = false;
  std::vector<uint8_t> response_data_;
};

CmIdWrap::CmIdWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CmIdWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsExternal() || !info[0].As<Napi::External<CmIdToken>>().CheckTypeTag(&kCmIdTokenTag)) {
    throw Napi::TypeError::New(env, "NativeCmId cannot be constructed directly");
  }
  CmIdToken* t = info[0].As<Napi::External<CmIdToken>>().Data();
  lib_ = t->lib;
  channel_ = t->channel;
  id_ = t->id;
  t->channel = nullptr;
  t->id = nullptr;
  info.This().As<Napi::Object>().TypeTag(&kCmIdTag);
  env_state_ = AddonOf(env).env_state;
  id_->context = this;
  watch_ = std::make_unique<FdWatcher>(env, channel_->fd, [this]() { OnReadable(); }, "rdma_create_event_channel");
  async_ = std::make_unique<Napi::AsyncContext>(env, "vrdma:CmId", Napi::Object::New(env));
  watch_->Start();
}

Napi::Object CmIdWrap::New(Napi::Env env, CmIdToken token) {
  auto ext = Napi::External<CmIdToken>::New(env, &token);
  ext.TypeTag(&kCmIdTokenTag);
  try {
    return AddonOf(env).cm_id_ctor.New({ext});
  } catch (...) {
    if (token.id != nullptr) token.lib->destroy_id(token.id);
    if (token.channel != nullptr) token.lib->destroy_event_channel(token.channel);
    throw;
  }
}

void CmIdWrap::Destroy() noexcept {
  watch_.reset();
  if (id_ != nullptr) lib_->destroy_id(id_);
  id_ = nullptr;
  if (channel_ != nullptr) lib_->destroy_event_channel(channel_);
  channel_ = nullptr;
  qp_keep_.reset();
  qp_ = nullptr;
  if (async_ && env_state_ && env_state_->tearing_down) (void)async_.release();
}

int CmIdWrap::MoveQp(ibv_qp_state state, int depth) {
  if (qp_ == nullptr || !qp_keep_ || qp_keep_->closing()) return EBADF;
  ibv_qp_attr a{};
  int mask = 0;
  a.qp_state = state;
  errno = 0;
  if (lib_->init_qp_attr(id_, &a, &mask) != 0) return ErrnoOr(EINVAL);
  mask &= ~IBV_QP_ACCESS_FLAGS;
  if (state == IBV_QPS_RTR && depth >= 0) a.max_dest_rd_atomic = static_cast<uint8_t>(depth);
  if (state == IBV_QPS_RTS && depth >= 0) a.max_rd_atomic = static_cast<uint8_t>(depth);
  return ibv_modify_qp(qp_, &a, mask);
}

void CmIdWrap::Deliver(Napi::Env env, int type, int status, const std::vector<uint8_t>& data, Napi::Value child, int ird, int ord) {
  if (listener_.IsEmpty()) return;
  Napi::Value pd = data.empty() ? env.Null() : Napi::Buffer<uint8_t>::Copy(env, data.data(), data.size()).As<Napi::Value>();
  listener_.MakeCallback(Value(), {Napi::Number::New(env, type), Napi::Number::New(env, status), pd, child, Napi::Number::New(env, ird), Napi::Number::New(env, ord)}, *async_);
}

void CmIdWrap::OnReadable() {
  if (id_ == nullptr || (env_state_ && env_state_->tearing_down)) return;
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  Napi::Reference<Napi::Object> keep = Napi::Persistent(Value());  // the wrapper stays alive while its events are delivered
  for (;;) {
    if (channel_ == nullptr) return;
    rdma_cm_event* ev = nullptr;
    if (lib_->get_cm_event(channel_, &ev) != 0) return;  // EAGAIN: drained
    int type = ev->event;
    int status = ev->status;
    const auto& conn = ev->param.conn;
    std::vector<uint8_t> data;
    if (conn.private_data != nullptr && conn.private_data_len > 0) {
      auto* p = static_cast<const uint8_t*>(conn.private_data);
      data.assign(p, p + conn.private_data_len);
    }
    // The kernel's CM hands a CONNECT_REQUEST's depths over from the
    // listener's side (responder_resources is the connector's initiator
    // depth); the record names them as the connector asked.
    int ird = conn.responder_resources;
    int ord = conn.initiator_depth;
    rdma_cm_id* child = type == RDMA_CM_EVENT_CONNECT_REQUEST ? ev->id : nullptr;
    lib_->ack_cm_event(ev);

    Napi::Value child_obj = env.Null();
    if (child != nullptr) {
      rdma_event_channel* ch = lib_->create_event_channel();
      if (ch == nullptr || lib_->migrate_id(child, ch) != 0) {
        lib_->reject(child, nullptr, 0);
        if (ch != nullptr) lib_->destroy_event_channel(ch);
        lib_->destroy_id(child);
        continue;
      }
      try {
        child_obj = New(env, CmIdToken{lib_, ch, child});
        CmIdWrap::Unwrap(child_obj.As<Napi::Object>())->role_ = Role::kPassive;
      } catch (const Napi::Error&) {
        continue;
      }
    } else if (type == RDMA_CM_EVENT_CONNECT_RESPONSE) {
      // The active side of a connect: RTR, RTS, then the RTU (rdma_establish).
      int err = MoveQp(IBV_QPS_INIT, -1);
      if (err == 0) err = MoveQp(IBV_QPS_RTR, responder_resources_);
      if (err == 0) err = MoveQp(IBV_QPS_RTS, initiator_depth_);
      if (err == 0 && lib_->establish(id_) != 0) err = ErrnoOr(EIO);
      if (err != 0) {
        lib_->reject(id_, nullptr, 0);
        type = RDMA_CM_EVENT_CONNECT_ERROR;
        status = -err;
      } else {
        type = RDMA_CM_EVENT_ESTABLISHED;
      }
    } else if (type == RDMA_CM_EVENT_DISCONNECTED && !disconnect_sent_) {
      // The peer disconnected: answer it (rdma_disconnect sends the reply in
      // this state), or its DISCONNECTED waits until its requests time out.
      disconnect_sent_ = true;
      lib_->disconnect(id_);
    } else if (type == RDMA_CM_EVENT_ESTABLISHED && role_ == Role::kPassive) {
      int err = MoveQp(IBV_QPS_RTS, initiator_depth_);
      if (err != 0) {
        lib_->disconnect(id_);
        type = RDMA_CM_EVENT_CONNECT_ERROR;
        status = -err;
      }
    }
    Deliver(env, type, status, data, child_obj, ird, ord);
    if (id_ == nullptr) return;  // closed by the listener
  }
}

void CmIdWrap::TakeQp(Napi::Env env, const Napi::Value& v) {
  qp_keep_ = QpHandleForCm(env, v, &qp_);
}

rdma_conn_param CmIdWrap::Param(const Napi::CallbackInfo& info, const std::vector<uint8_t>& data) {
  if (info.Length() < 2 || !info[1].IsObject()) throw Napi::TypeError::New(info.Env(), "expected (qp, param, privateData)");
  Napi::Object o = info[1].As<Napi::Object>();
  ibv_device_attr dev{};
  uint32_t max_resp = 16, max_init = 16;
  if (id_->verbs != nullptr && ibv_query_device(id_->verbs, &dev) == 0) {
    max_resp = static_cast<uint32_t>(dev.max_qp_rd_atom);
    max_init = static_cast<uint32_t>(dev.max_qp_init_rd_atom);
  }
  rdma_conn_param p{};
  p.private_data = data.empty() ? nullptr : data.data();
  p.private_data_len = static_cast<uint8_t>(data.size());
  p.responder_resources = static_cast<uint8_t>(std::min(PropU32(o, "responderResources"), max_resp));
  p.initiator_depth = static_cast<uint8_t>(std::min(PropU32(o, "initiatorDepth"), max_init));
  p.retry_count = static_cast<uint8_t>(std::min(PropU32(o, "retryCount"), 7u));
  p.rnr_retry_count = static_cast<uint8_t>(std::min(PropU32(o, "rnrRetryCount"), 7u));
  p.flow_control = 1;
  p.qp_num = qp_->qp_num;
  p.srq = qp_->srq != nullptr ? 1 : 0;
  responder_resources_ = p.responder_resources;
  initiator_depth_ = p.initiator_depth;
  return p;
}

// onEvent((type, status, privateData, child, initiatorDepth, responderResources) => void)
Napi::Value CmIdWrap::OnEvent(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "onEvent(listener)");
  listener_ = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

// bind(address, port)
Napi::Value CmIdWrap::Bind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rdma_cm_id* id = Open(env);
  sockaddr_storage sa;
  if (!ToSockaddr(ArgString(info, 0, "address"), ArgU32(info, 1, "port"), &sa)) throw Napi::TypeError::New(env, "bind(): not a numeric address");
  CmCall(env, "rdma_bind_addr", [&] { return lib_->bind_addr(id, reinterpret_cast<sockaddr*>(&sa)); });
  return env.Undefined();
}

// listen(backlog)
Napi::Value CmIdWrap::Listen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rdma_cm_id* id = Open(env);
  int backlog = static_cast<int>(ArgU32(info, 0, "backlog"));
  CmCall(env, "rdma_listen", [&] { return lib_->listen(id, backlog); });
  return env.Undefined();
}

// resolveAddr(srcAddress | null, srcPort, dstAddress, dstPort, timeoutMs)
Napi::Value CmIdWrap::ResolveAddr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rdma_cm_id* id = Open(env);
  sockaddr_storage src, dst;
  bool has_src = info.Length() > 0 && info[0].IsString();
  if (has_src && !ToSockaddr(ArgString(info, 0, "source"), ArgU32(info, 1, "sourcePort"), &src)) throw Napi::TypeError::New(env, "resolveAddr(): bad source");
  if (!ToSockaddr(ArgString(info, 2, "destination"), ArgU32(info, 3, "port"), &dst)) throw Napi::TypeError::New(env, "resolveAddr(): bad destination");
  int timeout_ms = static_cast<int>(ArgU32(info, 4, "timeoutMs"));
  sockaddr* from = has_src ? reinterpret_cast<sockaddr*>(&src) : nullptr;
  CmCall(env, "rdma_resolve_addr", [&] { return lib_->resolve_addr(id, from, reinterpret_cast<sockaddr*>(&dst), timeout_ms); });
  return env.Undefined();
}

// resolveRoute(timeoutMs)
Napi::Value CmIdWrap::ResolveRoute(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rdma_cm_id* id = Open(env);
  int timeout_ms = static_cast<int>(ArgU32(info, 0, "timeoutMs"));
  CmCall(env, "rdma_resolve_route", [&] { return lib_->resolve_route(id, timeout_ms); });
  return env.Undefined();
}

Napi::Value CmIdWrap::DeviceName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rdma_cm_id* id = Open(env);
  if (id->verbs == nullptr) return env.Null();
  return Napi::String::New(env, ibv_get_device_name(id->verbs->device));
}

Napi::Value CmIdWrap::LocalAddress(const Napi::CallbackInfo& info) {
  return FromSockaddr(info.Env(), rdma_get_local_addr(Open(info.Env())));
}

Napi::Value CmIdWrap::RemoteAddress(const Napi::CallbackInfo& info) {
  return FromSockaddr(info.Env(), rdma_get_peer_addr(Open(info.Env())));
}

// connect(qp, { responderResources, initiatorDepth, retryCount, rnrRetryCount }, privateData | null)
Napi::Value CmIdWrap::Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rdma_cm_id* id = Open(env);
  TakeQp(env, info[0]);
  std::vector<uint8_t> data = ArgBytes(info, 2);
  rdma_conn_param p = Param(info, data);
  role_ = Role::kActive;
  CmCall(env, "rdma_connect", [&] { return lib_->connect(id, &p); });
  return env.Undefined();
}

// accept(qp, param, privateData | null): the QP goes to RTR first.
Napi::Value CmIdWrap::Accept(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rdma_cm_id* id = Open(env);
  TakeQp(env, info[0]);
  std::vector<uint8_t> data = ArgBytes(info, 2);
  rdma_conn_param p = Param(info, data);
  role_ = Role::kPassive;
  int err = MoveQp(IBV_QPS_INIT, -1);
  if (err == 0) err = MoveQp(IBV_QPS_RTR, responder_resources_);
  if (err != 0) ThrowVerbs(env, "ibv_modify_qp", err, ErrnoText(err) + " (moving the accepting QP to RTR)");
  CmCall(env, "rdma_accept", [&] { return lib_->accept(id, &p); });
  return env.Undefined();
}

// reject(privateData | null)
Napi::Value CmIdWrap::Reject(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rdma_cm_id* id = Open(env);
  std::vector<uint8_t> data = ArgBytes(info, 0);
  CmCall(env, "rdma_reject", [&] { return lib_->reject(id, data.empty() ? nullptr : data.data(), static_cast<uint8_t>(data.size())); });
  return env.Undefined();
}

Napi::Value CmIdWrap::Disconnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rdma_cm_id* id = Open(env);
  CmCall(env, "rdma_disconnect", [&] { return lib_->disconnect(id); });
  disconnect_sent_ = true;
  return env.Undefined();
}

// setRef(on): keep the process alive while the id waits for events.
Napi::Value CmIdWrap::SetRef(const Napi::CallbackInfo& info) {
  if (watch_ && info.Length() > 0 && info[0].IsBoolean()) watch_->SetRef(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

Napi::Value CmIdWrap::Close(const Napi::CallbackInfo& info) {
  Destroy();
  listener_.Reset();
  return info.Env().Undefined();
}

Napi::Function DefineCmId(Napi::Env env) {
  return CmIdWrap::DefineClass(env, "NativeCmId", {
    CmIdWrap::InstanceMethod("onEvent", &CmIdWrap::OnEvent),
    CmIdWrap::InstanceMethod("bind", &CmIdWrap::Bind),
    CmIdWrap::InstanceMethod("listen", &CmIdWrap::Listen),
    CmIdWrap::InstanceMethod("resolveAddr", &CmIdWrap::ResolveAddr),
    CmIdWrap::InstanceMethod("resolveRoute", &CmIdWrap::ResolveRoute),
    CmIdWrap::InstanceMethod("deviceName", &CmIdWrap::DeviceName),
    CmIdWrap::InstanceMethod("localAddress", &CmIdWrap::LocalAddress),
    CmIdWrap::InstanceMethod("remoteAddress", &CmIdWrap::RemoteAddress),
    CmIdWrap::InstanceMethod("connect", &CmIdWrap::Connect),
    CmIdWrap::InstanceMethod("accept", &CmIdWrap::Accept),
    CmIdWrap::InstanceMethod("reject", &CmIdWrap::Reject),
    CmIdWrap::InstanceMethod("disconnect", &CmIdWrap::Disconnect),
    CmIdWrap::InstanceMethod("setRef", &CmIdWrap::SetRef),
    CmIdWrap::InstanceMethod("close", &CmIdWrap::Close),
  });
}

#else
// Built without librdmacm's headers: no id can be made (CreateCmId says why).
Napi::Function DefineCmId(Napi::Env env) {
  return Napi::Function::New(
      env, [](const Napi::CallbackInfo& info) -> Napi::Value { throw Napi::TypeError::New(info.Env(), "NativeCmId cannot be constructed directly"); },
      "NativeCmId");
}
#endif

bool EnsureCmLibrary(VrdmaAddon& addon) {
  if (addon.cm_library) return true;
  if (!addon.cm_unavailable.empty()) return false;
  addon.cm_library = LoadCmLibrary(&addon.cm_unavailable);
  return addon.cm_library != nullptr;
}

// createCmId(portSpace): a new id with its own event channel.
Napi::Value CreateCmId(Napi::Env env, uint32_t port_space) {
  VrdmaAddon& addon = AddonOf(env);
  if (!EnsureCmLibrary(addon)) ThrowRdma(env, "ERR_UNSUPPORTED", "rdma_cm unavailable: " + addon.cm_unavailable);
#if VRDMA_HAVE_RDMACM
  const auto& lib = addon.cm_library;
  errno = 0;
  rdma_event_channel* ch = lib->create_event_channel();
  if (ch == nullptr) ThrowVerbs(env, "rdma_create_event_channel", ErrnoOr(ENODEV));
  rdma_cm_id* id = nullptr;
  errno = 0;
  if (lib->create_id(ch, &id, nullptr, static_cast<rdma_port_space>(port_space)) != 0) {
    int err = ErrnoOr(EINVAL);
    lib->destroy_event_channel(ch);
    ThrowVerbs(env, "rdma_create_id", err);
  }
  return CmIdWrap::New(env, CmIdToken{lib, ch, id});
#else
  return env.Undefined();  // not reached: EnsureCmLibrary fails without the headers
#endif
}

}  // namespace vrdma
