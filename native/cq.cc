#include "cq.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>

#include "addon.h"
#include "context.h"
#include "errors.h"

namespace vrdma {

const WrapInfo CqWrap::kInfo = {"NativeCq", "CompletionQueue", {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b21ULL}, {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b22ULL}};

void CqHandle::Create(Napi::Env env, ibv_context* ctx) {
  env_state_ = AddonOf(env).env_state;
  channel_ = ibv_create_comp_channel(ctx);
  if (channel_ == nullptr) ThrowVerbs(env, "ibv_create_comp_channel", errno ? errno : ENOMEM);
  cq_ = ibv_create_cq(ctx, static_cast<int>(depth_), this, channel_, 0);
  if (cq_ == nullptr) {
    int err = errno ? errno : ENOMEM;
    ibv_destroy_comp_channel(channel_);
    channel_ = nullptr;
    ThrowVerbs(env, "ibv_create_cq", err, ErrnoText(err) + " (depth " + std::to_string(depth_) + ")");
  }
  try {
    watch_ = WatchHandle(env, this, channel_->fd, &CqHandle::OnChannelReadable, "ibv_create_comp_channel");
    async_ = std::make_unique<Napi::AsyncContext>(env, "vrdma:CompletionQueue", Napi::Object::New(env));
  } catch (...) {
    watch_.reset();
    ibv_destroy_cq(cq_);
    cq_ = nullptr;
    ibv_destroy_comp_channel(channel_);
    channel_ = nullptr;
    throw;
  }
}

Napi::Value CqHandle::OverrunError(Napi::Env env) const {
  return MakeRdmaError(env, "ERR_CQ_OVERRUN",
                       "completion queue overrun: more than " + std::to_string(depth_) +
                           " completions were waiting; the CQ and its queue pairs are in error "
                           "(poll more often or create a deeper CQ)");
}

uint32_t CqHandle::Poll(Napi::Env env, uint8_t* buf, uint32_t capacity, uint32_t max) {
  if (overrun_) throw Napi::Error(env, OverrunError(env));
  double* ids = reinterpret_cast<double*>(buf);
  uint32_t* fields = reinterpret_cast<uint32_t*>(buf + static_cast<size_t>(capacity) * wc_batch::kWrIdBytes);
  uint32_t n = 0;
  auto store = [&](const ibv_wc& wc) {
    ids[n] = static_cast<double>(wc.wr_id);
    uint32_t* f = fields + static_cast<size_t>(n) * wc_batch::kStride;
    f[wc_batch::kStatus] = static_cast<uint32_t>(wc.status);
    f[wc_batch::kOpcode] = static_cast<uint32_t>(wc.opcode);
    f[wc_batch::kByteLen] = wc.byte_len;
    f[wc_batch::kImm] = (wc.wc_flags & IBV_WC_WITH_IMM) != 0 ? ntohl(wc.imm_data) : 0;
    f[wc_batch::kQpNum] = wc.qp_num;
    f[wc_batch::kSrcQp] = wc.src_qp;
    f[wc_batch::kWcFlags] = wc.wc_flags;
    f[wc_batch::kSlid] = wc.slid;
    f[wc_batch::kVendorErr] = wc.vendor_err;
    n++;
  };
  if (has_stash_ && n < max) {
    store(stash_);
    has_stash_ = false;
  }
  constexpr int kChunk = 32;
  ibv_wc wcs[kChunk];
  while (n < max) {
    int want = static_cast<int>(std::min<uint32_t>(kChunk, max - n));
    int got = ibv_poll_cq(cq_, want, wcs);
    if (got < 0) {
      MarkOverrun(env);
      throw Napi::Error(env, OverrunError(env));
    }
    for (int i = 0; i < got; i++) store(wcs[i]);
    if (got < want) break;
  }
  return n;
}

Napi::Value CqHandle::Wait(Napi::Env env) {
  auto d = Napi::Promise::Deferred::New(env);
  if (overrun_) {
    d.Reject(OverrunError(env));
    return d.Promise();
  }
  if (has_stash_) {
    d.Resolve(env.Undefined());
    return d.Promise();
  }
  int rc = ibv_req_notify_cq(cq_, 0);
  if (rc != 0) {
    d.Reject(MakeVerbsError(env, "ibv_req_notify_cq", rc));
    return d.Promise();
  }
  // A completion that arrived before the arm raises no event: look once
  // more, keeping what is found for the next Poll() (order is preserved, as
  // it is older than anything still in the CQ).
  int got = ibv_poll_cq(cq_, 1, &stash_);
  if (got < 0) {
    MarkOverrun(env);
    d.Reject(OverrunError(env));
    return d.Promise();
  }
  if (got == 1) {
    has_stash_ = true;
    d.Resolve(env.Undefined());
    return d.Promise();
  }
  waiters_.push_back(d);
  watch_->Start();
  watch_->SetRef(true);
  return d.Promise();
}

void CqHandle::OnChannelReadable() {
  if (released()) return;
  bool got = false;
  for (;;) {
    ibv_cq* ev_cq = nullptr;
    void* ev_ctx = nullptr;
    if (ibv_get_cq_event(channel_, &ev_cq, &ev_ctx) != 0) break;  // EAGAIN: drained
    ibv_ack_cq_events(ev_cq, 1);
    got = true;
  }
  if (!got) return;
  std::vector<Napi::Promise::Deferred> ws;
  ws.swap(waiters_);
  // The watcher stays in the loop (no epoll changes per wait) but no
  // longer keeps it alive; events only come after Wait() arms the CQ.
  watch_->SetRef(false);
  if (ws.empty()) return;
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  Napi::CallbackScope cb(env, *async_);
  for (auto& d : ws) d.Resolve(env.Undefined());
}

void CqHandle::MarkOverrun(Napi::Env env) {
  overrun_ = true;
  if (watch_) {
    watch_->Stop();
    watch_->SetRef(false);
  }
  std::vector<Napi::Promise::Deferred> ws;
  ws.swap(waiters_);
  for (auto& d : ws) d.Reject(OverrunError(env));
}

void CqHandle::ResolveWaiters(Napi::Env env) {
  std::vector<Napi::Promise::Deferred> ws;
  ws.swap(waiters_);
  if (watch_) {
    watch_->Stop();
    watch_->SetRef(false);
  }
  for (auto& d : ws) d.Resolve(env.Undefined());
}

void CqHandle::Release() noexcept {
  // Closing the watcher takes the fd off the loop before the channel closes it.
  watch_.reset();
  if (cq_ != nullptr) {
    ibv_destroy_cq(cq_);
    cq_ = nullptr;
  }
  if (channel_ != nullptr) {
    ibv_destroy_comp_channel(channel_);
    channel_ = nullptr;
  }
  // Waiters left here are settled by the wrapper's close(); when the
  // environment is going away nothing may run, so they are dropped.
  waiters_.clear();
}

CqHandle::~CqHandle() {
  ReleaseInDestructor();
  if (async_ && env_state_ && env_state_->tearing_down) {
    // No async hooks may be emitted during teardown: let the process exit reclaim it.
    (void)async_.release();
  }
}

// ---- wrapper ----

// poll(buffer: ArrayBuffer, capacity: number, max: number): number
Napi::Value CqWrap::Poll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CqHandle& h = Open(env);
  Napi::ArrayBuffer ab = ArgBuffer(info, 3, "poll(buffer, capacity, max)");
  uint32_t capacity = ArgU32(info, 1, "capacity");
  uint32_t max = ArgU32(info, 2, "max");
  if (capacity == 0 || max > capacity || ab.ByteLength() < static_cast<size_t>(capacity) * (wc_batch::kWrIdBytes + sizeof(uint32_t) * wc_batch::kStride)) {
    throw Napi::RangeError::New(env, "poll(): the buffer is smaller than a WcBatch of that capacity");
  }
  if (max == 0) return Napi::Number::New(env, 0);
  uint32_t n = h.Poll(env, static_cast<uint8_t*>(ab.Data()), capacity, max);
  return Napi::Number::New(env, n);
}

Napi::Value CqWrap::Wait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CqHandle& h = Open(env);
  return h.Wait(env);
}

Napi::Value CqWrap::Close(const Napi::CallbackInfo& info) {
  if (h_ && !h_->closing()) {
    h_->ResolveWaiters(info.Env());
    h_->Close();
  }
  return info.Env().Undefined();
}

Napi::Function DefineCq(Napi::Env env) {
  return CqWrap::Define(env, {
    CqWrap::InstanceMethod("poll", &CqWrap::Poll),
    CqWrap::InstanceMethod("wait", &CqWrap::Wait),
  });
}

}  // namespace vrdma
