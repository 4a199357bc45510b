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

// attrs: { dlid, isGlobal, dgid (text), sgidIndex, hopLimit, port }
Napi::Value CreateAddressHandle(Napi::Env env, const std::shared_ptr<PdHandle>& pd, const Napi::Object& attrs) {
  ibv_ah_attr a{};
  a.dlid = static_cast<uint16_t>(PropU32(attrs, "dlid"));
  a.port_num = static_cast<uint8_t>(PropU32(attrs, "port"));
  a.sl = 0;
  a.src_path_bits = 0;
  if (PropBool(attrs, "isGlobal")) {
    a.is_global = 1;
    std::string dgid = PropString(attrs, "dgid");
    if (inet_pton(AF_INET6, dgid.c_str(), a.grh.dgid.raw) != 1) {
      throw Napi::TypeError::New(env, "dgid is not a GID in IPv6 notation: " + dgid);
    }
    a.grh.sgid_index = static_cast<uint8_t>(PropU32(attrs, "sgidIndex"));
    a.grh.hop_limit = static_cast<uint8_t>(PropU32(attrs, "hopLimit"));
    a.grh.traffic_class = 0;
    a.grh.flow_label = 0;
  }
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
