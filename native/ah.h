// Address handles for UD sends, known to packed work requests by id.
#pragma once

#include "addon.h"
#include "common.h"

namespace vrdma {

// Leaves the id table when the address handle is destroyed.
class AhHandle : public VerbsHandle<ibv_ah, ibv_destroy_ah> {
 public:
  AhHandle(ibv_ah* ah, std::shared_ptr<AhTable> table) : VerbsHandle(ah), table_(std::move(table)) {}
  ~AhHandle() override { ReleaseInDestructor(); }
  ibv_ah* ah() const { return get(); }
  uint32_t id() const { return id_; }
  void set_id(uint32_t id) { id_ = id; }

 protected:
  void Release() noexcept override {
    if (table_ && id_ != 0) table_->by_id.erase(id_);
    VerbsHandle::Release();
  }

 private:
  std::shared_ptr<AhTable> table_;
  uint32_t id_ = 0;
};

// An ibv_ah_attr from an AhValues object (lib/types/qp-attributes.ts):
// { dlid, sl, port, grh: { dgid, sgidIndex, hopLimit, trafficClass, flowLabel } | null }.
void ReadAhAttr(Napi::Env env, const Napi::Object& o, ibv_ah_attr& ah);

// The live address handle with this id, or null.
ibv_ah* FindAh(VrdmaAddon& addon, uint32_t id);

}  // namespace vrdma
