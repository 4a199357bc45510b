// A protection domain: the factory of memory regions, queue pairs, shared
// receive queues and address handles.
#pragma once

#include "common.h"

namespace vrdma {

class ContextHandle;

class PdHandle : public Handle {
 public:
  explicit PdHandle(ibv_pd* pd) : pd_(pd) {}
  ~PdHandle() override { ReleaseInDestructor(); }
  ibv_pd* pd() const { return pd_; }

 protected:
  void Release() noexcept override {
    if (pd_ != nullptr) ibv_dealloc_pd(pd_);
    pd_ = nullptr;
  }

 private:
  ibv_pd* pd_;
};

class PdWrap : public Napi::ObjectWrap<PdWrap> {
 public:
  static constexpr const char* kClassName = "NativePd";
  static const napi_type_tag kTag;
  static const napi_type_tag kConstructTag;

  explicit PdWrap(const Napi::CallbackInfo& info);
  const std::shared_ptr<PdHandle>& handle() const { return h_; }
  PdHandle& Open(Napi::Env env) const;

 private:
  friend Napi::Function DefinePd(Napi::Env env);
  Napi::Value RegMr(const Napi::CallbackInfo& info);
  Napi::Value CreateQp(const Napi::CallbackInfo& info);
  Napi::Value CreateSrq(const Napi::CallbackInfo& info);
  Napi::Value CreateAh(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  std::shared_ptr<PdHandle> h_;
};

// ibv_alloc_pd on the context; returns the wrapper.
Napi::Value NewPdFor(Napi::Env env, const std::shared_ptr<ContextHandle>& ctx);

// mr.cc, qp.cc, srq.cc, ah.cc
Napi::Value RegisterMemory(Napi::Env env, const std::shared_ptr<PdHandle>& pd, const Napi::Value& view, uint32_t access);
Napi::Value CreateQueuePair(const Napi::CallbackInfo& info, const std::shared_ptr<PdHandle>& pd);
Napi::Value CreateSharedReceiveQueue(Napi::Env env, const std::shared_ptr<PdHandle>& pd, uint32_t max_wr, uint32_t max_sge);
Napi::Value CreateAddressHandle(Napi::Env env, const std::shared_ptr<PdHandle>& pd, const Napi::Object& attrs);

}  // namespace vrdma
