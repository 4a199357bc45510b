// A protection domain: the factory of memory regions, queue pairs, shared
// receive queues and address handles.
#pragma once

#include "common.h"

namespace vrdma {

class ContextHandle;

class PdHandle : public VerbsHandle<ibv_pd, ibv_dealloc_pd> {
 public:
  using VerbsHandle::VerbsHandle;
  ibv_pd* pd() const { return get(); }
};

class PdWrap : public HandleWrap<PdWrap, PdHandle> {
 public:
  static const WrapInfo kInfo;

  using HandleWrap::HandleWrap;

 private:
  friend Napi::Function DefinePd(Napi::Env env);
  Napi::Value RegMr(const Napi::CallbackInfo& info);
  Napi::Value CreateQp(const Napi::CallbackInfo& info);
  Napi::Value CreateSrq(const Napi::CallbackInfo& info);
  Napi::Value CreateAh(const Napi::CallbackInfo& info);
};

// ibv_alloc_pd on the context; returns the wrapper.
Napi::Value NewPdFor(Napi::Env env, const std::shared_ptr<ContextHandle>& ctx);

// mr.cc, qp.cc, srq.cc, ah.cc
Napi::Value RegisterMemory(Napi::Env env, const std::shared_ptr<PdHandle>& pd, const Napi::Value& view, uint32_t access);
Napi::Value CreateQueuePair(const Napi::CallbackInfo& info, const std::shared_ptr<PdHandle>& pd);
Napi::Value CreateSharedReceiveQueue(Napi::Env env, const std::shared_ptr<PdHandle>& pd, uint32_t max_wr, uint32_t max_sge);
Napi::Value CreateAddressHandle(Napi::Env env, const std::shared_ptr<PdHandle>& pd, const Napi::Object& attrs);

}  // namespace vrdma
