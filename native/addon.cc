#include "addon.h"

#include <endian.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include "errors.h"

namespace vrdma {

VrdmaAddon& AddonOf(Napi::Env env) {
  return *env.GetInstanceData<VrdmaAddon>();
}

VrdmaAddon::VrdmaAddon(Napi::Env env, Napi::Object exports) {
  // Runs before Node-API finalizes the wrappers of this environment.
  std::shared_ptr<EnvState> state = env_state;
  env.AddCleanupHook([state]() { state->tearing_down = true; });
  // Shared memory names this environment created go with it (a worker ended by terminate()).
  std::shared_ptr<OwnedShmNames> names = shm_names;
  env.AddCleanupHook([names]() { names->UnlinkAll(); });
  context_ctor = Napi::Persistent(DefineContext(env));
  pd_ctor = Napi::Persistent(DefinePd(env));
  mr_ctor = Napi::Persistent(DefineMr(env));
  cq_ctor = Napi::Persistent(DefineCq(env));
  qp_ctor = Napi::Persistent(DefineQp(env));
  srq_ctor = Napi::Persistent(DefineSrq(env));
  ah_ctor = Napi::Persistent(DefineAh(env));
  cm_id_ctor = Napi::Persistent(DefineCmId(env));

  DefineAddon(exports, {
    InstanceMethod("configure", &VrdmaAddon::Configure),
    InstanceMethod("getDeviceList", &VrdmaAddon::GetDeviceList),
    InstanceMethod("openDevice", &VrdmaAddon::OpenDevice),
    InstanceMethod("memlockLimit", &VrdmaAddon::MemlockLimit),
    InstanceMethod("cmUnavailable", &VrdmaAddon::CmUnavailable),
    InstanceMethod("createCmId", &VrdmaAddon::NewCmId),
    InstanceMethod("shmCreate", &VrdmaAddon::ShmCreate),
    InstanceMethod("shmMap", &VrdmaAddon::ShmMap),
    InstanceMethod("shmUnlink", &VrdmaAddon::ShmUnlink),
    InstanceMethod("shmUnlinkOwned", &VrdmaAddon::ShmUnlinkOwned),
    InstanceMethod("fileMap", &VrdmaAddon::FileMap),
    InstanceValue("layoutVersion", Napi::Number::New(env, kLayoutVersion), napi_enumerable),
    InstanceValue("pageSize", Napi::Number::New(env, static_cast<double>(sysconf(_SC_PAGESIZE))), napi_enumerable),
  });
}

// configure({ verbsError(verb, errno, message), rdmaError(code, message) })
Napi::Value VrdmaAddon::Configure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "configure() takes an object");
  Napi::Object o = info[0].As<Napi::Object>();
  Napi::Value v = o.Get("verbsError");
  Napi::Value r = o.Get("rdmaError");
  if (!v.IsFunction() || !r.IsFunction()) throw Napi::TypeError::New(env, "configure() needs verbsError and rdmaError functions");
  verbs_error_factory = Napi::Persistent(v.As<Napi::Function>());
  rdma_error_factory = Napi::Persistent(r.As<Napi::Function>());
  return env.Undefined();
}

Napi::Value VrdmaAddon::GetDeviceList(const Napi::CallbackInfo& info) {
  return DeviceList(info.Env());
}

Napi::Value VrdmaAddon::OpenDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "openDevice() takes a device name");
  return OpenDeviceByName(env, info[0].As<Napi::String>().Utf8Value());
}

// The soft RLIMIT_MEMLOCK in bytes, or -1 for unlimited.
Napi::Value VrdmaAddon::MemlockLimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct rlimit lim {};
  if (getrlimit(RLIMIT_MEMLOCK, &lim) != 0) return Napi::Number::New(env, -1);
  if (lim.rlim_cur == RLIM_INFINITY) return Napi::Number::New(env, -1);
  return Napi::Number::New(env, static_cast<double>(lim.rlim_cur));
}

// Why rdma_cm cannot be used (librdmacm missing), or null when it can.
Napi::Value VrdmaAddon::CmUnavailable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (EnsureCmLibrary(*this)) return env.Null();
  return Napi::String::New(env, cm_unavailable);
}

// createCmId(portSpace)
Napi::Value VrdmaAddon::NewCmId(const Napi::CallbackInfo& info) {
  return CreateCmId(info.Env(), ArgU32(info, 0, "portSpace"));
}

Napi::Value VrdmaAddon::ShmCreate(const Napi::CallbackInfo& info) {
  return vrdma::ShmCreate(info, shm_names);
}

Napi::Value VrdmaAddon::ShmMap(const Napi::CallbackInfo& info) {
  return vrdma::ShmMap(info);
}

Napi::Value VrdmaAddon::FileMap(const Napi::CallbackInfo& info) {
  return vrdma::FileMap(info);
}

Napi::Value VrdmaAddon::ShmUnlink(const Napi::CallbackInfo& info) {
  return vrdma::ShmUnlink(info, shm_names);
}

// Unlink every name this environment still owns (the process is exiting).
Napi::Value VrdmaAddon::ShmUnlinkOwned(const Napi::CallbackInfo& info) {
  shm_names->UnlinkAll();
  return info.Env().Undefined();
}

namespace {

uint32_t ToU32(Napi::Env env, const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 4294967295.0) || d != static_cast<double>(static_cast<uint64_t>(d))) {
    throw Napi::RangeError::New(env, std::string(name) + " must be an integer from 0 to 2^32-1");
  }
  return static_cast<uint32_t>(d);
}

}  // namespace

uint32_t ArgU32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return ToU32(info.Env(), info.Length() > i ? info[i] : info.Env().Undefined(), name);
}

uint32_t PropU32(const Napi::Object& obj, const char* name) {
  return ToU32(obj.Env(), obj.Get(name), name);
}

Napi::ArrayBuffer ArgBuffer(const Napi::CallbackInfo& info, size_t args, const char* usage) {
  if (info.Length() < args || !info[0].IsArrayBuffer()) throw Napi::TypeError::New(info.Env(), usage);
  return info[0].As<Napi::ArrayBuffer>();
}

bool PropBool(const Napi::Object& obj, const char* name) {
  Napi::Value v = obj.Get(name);
  if (!v.IsBoolean()) throw Napi::TypeError::New(obj.Env(), std::string(name) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string PropString(const Napi::Object& obj, const char* name) {
  Napi::Value v = obj.Get(name);
  if (!v.IsString()) throw Napi::TypeError::New(obj.Env(), std::string(name) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

std::string GuidHex(__be64 guid) {
  uint64_t host = be64toh(guid);
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(host));
  return std::string(buf);
}

}  // namespace vrdma

using vrdma::VrdmaAddon;
NODE_API_ADDON(VrdmaAddon)
