#include "pd.h"

#include <cerrno>

#include "addon.h"
#include "context.h"
#include "errors.h"

namespace vrdma {

const WrapInfo PdWrap::kInfo = {"NativePd", "ProtectionDomain", {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b11ULL}, {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b12ULL}};

Napi::Value NewPdFor(Napi::Env env, const std::shared_ptr<ContextHandle>& ctx) {
  errno = 0;
  ibv_pd* pd = ibv_alloc_pd(ctx->ctx());
  if (pd == nullptr) ThrowVerbs(env, "ibv_alloc_pd", errno != 0 ? errno : ENOMEM);
  auto h = std::make_shared<PdHandle>(pd);
  h->AddParent(ctx);
  return NewWrapper<PdWrap>(env, AddonOf(env).pd_ctor, h);
}

// regMr(view: Uint8Array, access: number)
Napi::Value PdWrap::RegMr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Open(env);
  if (info.Length() < 2) throw Napi::TypeError::New(env, "regMr(view, access)");
  return RegisterMemory(env, h_, info[0], ArgU32(info, 1, "access"));
}

// createQp(sendCq, recvCq, srq | null, init)
Napi::Value PdWrap::CreateQp(const Napi::CallbackInfo& info) {
  Open(info.Env());
  return CreateQueuePair(info, h_);
}

// createSrq(maxWr, maxSge)
Napi::Value PdWrap::CreateSrq(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Open(env);
  return CreateSharedReceiveQueue(env, h_, ArgU32(info, 0, "maxWr"), ArgU32(info, 1, "maxSge"));
}

// createAh({ dlid, isGlobal, dgid, sgidIndex, hopLimit, port })
Napi::Value PdWrap::CreateAh(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Open(env);
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "createAh(attrs)");
  return CreateAddressHandle(env, h_, info[0].As<Napi::Object>());
}

Napi::Function DefinePd(Napi::Env env) {
  return PdWrap::Define(env, {
    PdWrap::InstanceMethod("regMr", &PdWrap::RegMr),
    PdWrap::InstanceMethod("createQp", &PdWrap::CreateQp),
    PdWrap::InstanceMethod("createSrq", &PdWrap::CreateSrq),
    PdWrap::InstanceMethod("createAh", &PdWrap::CreateAh),
  });
}

}  // namespace vrdma
