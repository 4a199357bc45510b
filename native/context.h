// An open device (ibv_context) and its asynchronous events.
#pragma once

#include "common.h"
#include "fd_watcher.h"

namespace vrdma {
struct EnvState;
}

namespace vrdma {

class ContextHandle : public Handle {
 public:
  ContextHandle(napi_env env, ibv_context* ctx, std::string name) : env_(env), ctx_(ctx), name_(std::move(name)) {}
  ~ContextHandle() override;

  ibv_context* ctx() const { return ctx_; }
  const std::string& name() const { return name_; }

  // Watch the async-event descriptor. Events go to the listener stored on
  // `wrapper` (weakly held); CQ errors also fail the CQ concerned.
  void StartEvents(Napi::Env env, Napi::Object wrapper);

 protected:
  void Release() noexcept override;

 private:
  void OnAsyncReadable();

  napi_env env_;
  ibv_context* ctx_;
  std::string name_;
  std::unique_ptr<FdWatcher> watch_;
  Napi::ObjectReference wrapper_;
  std::unique_ptr<Napi::AsyncContext> async_;
  std::shared_ptr<EnvState> env_state_;
};

class ContextWrap : public HandleWrap<ContextWrap, ContextHandle> {
 public:
  static const WrapInfo kInfo;

  using HandleWrap::HandleWrap;

 private:
  friend Napi::Function DefineContext(Napi::Env env);
  Napi::Value QueryDevice(const Napi::CallbackInfo& info);
  Napi::Value QueryPort(const Napi::CallbackInfo& info);
  Napi::Value GidTable(const Napi::CallbackInfo& info);
  Napi::Value PkeyTable(const Napi::CallbackInfo& info);
  Napi::Value AllocPd(const Napi::CallbackInfo& info);
  Napi::Value CreateCq(const Napi::CallbackInfo& info);
  Napi::Value SetAsyncListener(const Napi::CallbackInfo& info);
  Napi::Value Allocate(const Napi::CallbackInfo& info);
  Napi::Value ProbeMaxInline(const Napi::CallbackInfo& info);
};

}  // namespace vrdma
