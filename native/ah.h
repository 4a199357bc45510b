// Address handles for UD sends, known to packed work requests by id.
#pragma once

#include "addon.h"
#include "common.h"

namespace vrdma {

class AhHandle : public Handle {
 public:
  AhHandle(ibv_ah* ah, std::shared_ptr<AhTable> table) : ah_(ah), table_(std::move(table)) {}
  ~AhHandle() override { ReleaseInDestructor(); }
  ibv_ah* ah() const { return ah_; }
  uint32_t id() const { return id_; }
  void set_id(uint32_t id) { id_ = id; }

 protected:
  void Release() noexcept override {
    if (table_ && id_ != 0) table_->by_id.erase(id_);
    if (ah_ != nullptr) ibv_destroy_ah(ah_);
    ah_ = nullptr;
  }

 private:
  ibv_ah* ah_;
  std::shared_ptr<AhTable> table_;
  uint32_t id_ = 0;
};

// The live address handle with this id, or null.
ibv_ah* FindAh(VrdmaAddon& addon, uint32_t id);

}  // namespace vrdma
