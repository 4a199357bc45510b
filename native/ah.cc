#include "ah.h"

#include <arpa/inet.h>

#include <cerrno>

#include "errors.h"
#include "pd.h"

namespace vrdma {

class AhWrap : public HandleWrap<AhWrap, AhHandle> {
 public:
  static const WrapInfo kInfo;

  using HandleWrap::HandleWrap;
};

const WrapInfo AhWrap::kInfo = {"NativeAh", "AddressHandle", {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b61ULL}, {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b62ULL}};

Napi::Function DefineAh(Napi::Env env) {
  return AhWrap::Define(env, {
  });
}

ibv_ah* FindAh(VrdmaAddon& addon, uint32_t id) {
  auto it = addon.ah_table->by_id.find(id);
  if (it == addon.ah_table->by_id.end()) return nullptr;
  auto h = it->second.lock();
  if (!h || h->closing()) return nullptr;
  return h->ah();
}

void ReadAhAttr(Napi::Env env, const Napi::Object& o, ibv_ah_attr& ah) {
  ah.dlid = static_cast<uint16_t>(PropU32(o, "dlid"));
  ah.sl = static_cast<uint8_t>(PropU32(o, "sl"));
  ah.port_num = static_cast<uint8_t>(PropU32(o, "port"));
  Napi::Value grh = o.Get("grh");
  if (!grh.IsObject()) return;
  Napi::Object g = grh.As<Napi::Object>();
  ah.is_global = 1;
  std::string dgid = PropString(g, "dgid");
  if (inet_pton(AF_INET6, dgid.c_str(), ah.grh.dgid.raw) != 1) {
    throw Napi::TypeError::New(env, "the peer's GID is not in IPv6 notation: " + dgid);
  }
  ah.grh.sgid_index = static_cast<uint8_t>(PropU32(g, "sgidIndex"));
  ah.grh.hop_limit = static_cast<uint8_t>(PropU32(g, "hopLimit"));
  ah.grh.traffic_class = static_cast<uint8_t>(PropU32(g, "trafficClass"));
  ah.grh.flow_label = PropU32(g, "flowLabel");
}

// attrs: an AhValues object (see ReadAhAttr).
Napi::Value CreateAddressHandle(Napi::Env env, const std::shared_ptr<PdHandle>& pd, const Napi::Object& attrs) {
  ibv_ah_attr a{};
  ReadAhAttr(env, attrs, a);
  errno = 0;
  ibv_ah* ah = ibv_create_ah(pd->pd(), &a);
  if (ah == nullptr) {
    int err = errno != 0 ? errno : EINVAL;
    ThrowVerbs(env, "ibv_create_ah", err, ErrnoText(err) + " (no route to the peer's GID from this port?)");
  }
  VrdmaAddon& addon = AddonOf(env);
  auto h = std::make_shared<AhHandle>(ah, addon.ah_table);
  h->AddParent(pd);
  uint32_t id = addon.ah_table->next_id++;
  if (addon.ah_table->next_id == 0) addon.ah_table->next_id = 1;
  h->set_id(id);
  addon.ah_table->by_id[id] = h;
  Napi::Object obj = NewWrapper<AhWrap>(env, addon.ah_ctor, h);
  obj.Set("id", Napi::Number::New(env, id));
  return obj;
}

}  // namespace vrdma
