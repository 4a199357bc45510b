// The device list (ibv_get_device_list) and opening a device by name.
#include <cerrno>

#include "addon.h"
#include "context.h"
#include "errors.h"

namespace vrdma {

namespace {

struct DeviceListGuard {
  ibv_device** list = nullptr;
  ~DeviceListGuard() {
    if (list != nullptr) ibv_free_device_list(list);
  }
};

}  // namespace

// [{ name, guid, nodeType, transportType, ibdevPath }]
Napi::Value DeviceList(Napi::Env env) {
  DeviceListGuard g;
  int n = 0;
  errno = 0;
  g.list = ibv_get_device_list(&n);
  if (g.list == nullptr) {
    int err = errno != 0 ? errno : ENOSYS;
    ThrowVerbs(env, "ibv_get_device_list", err);
  }
  Napi::Array out = Napi::Array::New(env, static_cast<size_t>(n));
  for (int i = 0; i < n; i++) {
    ibv_device* dev = g.list[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", Napi::String::New(env, ibv_get_device_name(dev)));
    o.Set("guid", Napi::String::New(env, GuidHex(ibv_get_device_guid(dev))));
    o.Set("nodeType", Napi::Number::New(env, static_cast<int>(dev->node_type)));
    o.Set("transportType", Napi::Number::New(env, static_cast<int>(dev->transport_type)));
    o.Set("ibdevPath", Napi::String::New(env, dev->ibdev_path));
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

Napi::Value OpenDeviceByName(Napi::Env env, const std::string& name) {
  DeviceListGuard g;
  int n = 0;
  errno = 0;
  g.list = ibv_get_device_list(&n);
  if (g.list == nullptr) ThrowVerbs(env, "ibv_get_device_list", errno != 0 ? errno : ENOSYS);
  ibv_device* found = nullptr;
  std::string names;
  for (int i = 0; i < n; i++) {
    const char* dn = ibv_get_device_name(g.list[i]);
    if (name == dn) found = g.list[i];
    if (!names.empty()) names += ", ";
    names += dn;
  }
  if (found == nullptr) {
    ThrowRdma(env, "ERR_NO_DEVICE", "no RDMA device named \"" + name + "\" (libibverbs lists: " + (names.empty() ? "none" : names) + ")");
  }
  errno = 0;
  ibv_context* ctx = ibv_open_device(found);
  if (ctx == nullptr) {
    int err = errno != 0 ? errno : ENODEV;
    ThrowVerbs(env, "ibv_open_device", err, ErrnoText(err) + " (" + name + ")");
  }
  auto h = std::make_shared<ContextHandle>(env, ctx, name);
  Napi::Object wrapper = NewWrapper<ContextWrap>(env, AddonOf(env).context_ctor, h);
  h->StartEvents(env, wrapper);
  return wrapper;
}

}  // namespace vrdma
