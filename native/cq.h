// A completion queue with its own completion channel.
#pragma once

#include "common.h"
#include "fd_watcher.h"
#include "wr_layout_generated.h"

namespace vrdma {
struct EnvState;
}

namespace vrdma {

class CqHandle : public Handle {
 public:
  CqHandle(napi_env env, uint32_t depth) : env_(env), depth_(depth) {}
  ~CqHandle() override;

  // Create the channel, the CQ and the channel watcher. Throws on failure
  // (leaving nothing allocated).
  void Create(Napi::Env env, ibv_context* ctx);

  ibv_cq* cq() const { return cq_; }
  uint32_t depth() const { return depth_; }
  bool overrun() const { return overrun_; }

  // Store up to `max` completions into a WcBatch buffer of `capacity`
  // slots; returns the count. Throws ERR_CQ_OVERRUN once the CQ failed.
  uint32_t Poll(Napi::Env env, uint8_t* buf, uint32_t capacity, uint32_t max);

  // A promise that resolves when completions may be waiting.
  Napi::Value Wait(Napi::Env env);

  // The CQ failed (IBV_EVENT_CQ_ERR or a poll error): reject the waiters.
  // The caller holds a handle scope (and a callback scope outside JS calls).
  void MarkOverrun(Napi::Env env);

  // Resolve every waiter (on close).
  void ResolveWaiters(Napi::Env env);

 protected:
  void Release() noexcept override;

 private:
  void OnChannelReadable();
  Napi::Value OverrunError(Napi::Env env) const;

  napi_env env_;
  uint32_t depth_;
  ibv_comp_channel* channel_ = nullptr;
  ibv_cq* cq_ = nullptr;
  std::unique_ptr<FdWatcher> watch_;
  std::unique_ptr<Napi::AsyncContext> async_;
  std::shared_ptr<EnvState> env_state_;
  std::vector<Napi::Promise::Deferred> waiters_;
  // A completion taken by the poll that follows arming (see Wait()).
  ibv_wc stash_{};
  bool has_stash_ = false;
  bool overrun_ = false;
};

class CqWrap : public HandleWrap<CqWrap, CqHandle> {
 public:
  static const WrapInfo kInfo;

  using HandleWrap::HandleWrap;
  // Resolves pending waits before closing.
  Napi::Value Close(const Napi::CallbackInfo& info);

 private:
  friend Napi::Function DefineCq(Napi::Env env);
  Napi::Value Poll(const Napi::CallbackInfo& info);
  Napi::Value Wait(const Napi::CallbackInfo& info);
};

}  // namespace vrdma
