// Per-environment state of the addon (one instance per main thread or
// worker that loads it): the wrapper constructors, the error factories the
// TypeScript layer hands over, and the address-handle table. No mutable
// statics anywhere in the addon.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "common.h"
#include "shm_map.h"

namespace vrdma {

class AhHandle;
struct CmLibrary;

// Address handles by id, so packed UD work requests can name one with a
// number. Shared with the handles, which remove themselves when released.
struct AhTable {
  std::unordered_map<uint32_t, std::weak_ptr<AhHandle>> by_id;
  uint32_t next_id = 1;
};

// State that handles may outlive the addon instance with: whether the
// environment is being torn down (then no JS may run and async contexts
// are left to the process exit).
struct EnvState {
  bool tearing_down = false;
};

// Version of the packed work-request and completion layouts; the TypeScript
// side refuses an addon built with another.
constexpr uint32_t kLayoutVersion = 1;

class VrdmaAddon : public Napi::Addon<VrdmaAddon> {
 public:
  VrdmaAddon(Napi::Env env, Napi::Object exports);

  Napi::FunctionReference context_ctor;
  Napi::FunctionReference pd_ctor;
  Napi::FunctionReference mr_ctor;
  Napi::FunctionReference cq_ctor;
  Napi::FunctionReference qp_ctor;
  Napi::FunctionReference srq_ctor;
  Napi::FunctionReference ah_ctor;
  Napi::FunctionReference cm_id_ctor;

  Napi::FunctionReference verbs_error_factory;
  Napi::FunctionReference rdma_error_factory;

  std::shared_ptr<AhTable> ah_table = std::make_shared<AhTable>();
  std::shared_ptr<EnvState> env_state = std::make_shared<EnvState>();
  // librdmacm, loaded on the first CM use (null until then, or when missing).
  std::shared_ptr<CmLibrary> cm_library;
  // Why librdmacm cannot be used, once a load failed.
  std::string cm_unavailable;
  std::shared_ptr<OwnedShmNames> shm_names = std::make_shared<OwnedShmNames>();

 private:
  Napi::Value Configure(const Napi::CallbackInfo& info);
  Napi::Value GetDeviceList(const Napi::CallbackInfo& info);
  Napi::Value OpenDevice(const Napi::CallbackInfo& info);
  Napi::Value MemlockLimit(const Napi::CallbackInfo& info);
  Napi::Value CmUnavailable(const Napi::CallbackInfo& info);
  Napi::Value NewCmId(const Napi::CallbackInfo& info);
  Napi::Value ShmCreate(const Napi::CallbackInfo& info);
  Napi::Value ShmMap(const Napi::CallbackInfo& info);
  Napi::Value ShmUnlink(const Napi::CallbackInfo& info);
  Napi::Value ShmUnlinkOwned(const Napi::CallbackInfo& info);
  Napi::Value FileMap(const Napi::CallbackInfo& info);
};

// Class registration, one per file.
Napi::Function DefineContext(Napi::Env env);
Napi::Function DefinePd(Napi::Env env);
Napi::Function DefineMr(Napi::Env env);
Napi::Function DefineCq(Napi::Env env);
Napi::Function DefineQp(Napi::Env env);
Napi::Function DefineSrq(Napi::Env env);
Napi::Function DefineAh(Napi::Env env);
Napi::Function DefineCmId(Napi::Env env);

// cm_id.cc: a new CM id with its own event channel (librdmacm loaded).
Napi::Value CreateCmId(Napi::Env env, uint32_t port_space);
// Load librdmacm once; false (with addon.cm_unavailable set) when it cannot be used.
bool EnsureCmLibrary(VrdmaAddon& addon);

// qp.cc: the open QP behind a NativeQp wrapper, for the CM to move through
// its states; the returned handle keeps it from being freed meanwhile.
std::shared_ptr<Handle> QpHandleForCm(Napi::Env env, const Napi::Value& qp, ibv_qp** out);

// device_list.cc
Napi::Value DeviceList(Napi::Env env);
Napi::Value OpenDeviceByName(Napi::Env env, const std::string& name);

}  // namespace vrdma
