// A shared receive queue.
#pragma once

#include "common.h"
#include "wr_layout.h"

namespace vrdma {

class SrqHandle : public Handle {
 public:
  SrqHandle(ibv_srq* srq, uint32_t max_wr, uint32_t max_sge) : srq_(srq), max_wr_(max_wr), max_sge_(max_sge) {}
  ~SrqHandle() override { ReleaseInDestructor(); }
  ibv_srq* srq() const { return srq_; }
  uint32_t max_wr() const { return max_wr_; }
  uint32_t max_sge() const { return max_sge_; }
  RecvScratch& scratch() { return scratch_; }

 protected:
  void Release() noexcept override {
    if (srq_ != nullptr) ibv_destroy_srq(srq_);
    srq_ = nullptr;
  }

 private:
  ibv_srq* srq_;
  uint32_t max_wr_;
  uint32_t max_sge_;
  RecvScratch scratch_;
};

class SrqWrap : public Napi::ObjectWrap<SrqWrap> {
 public:
  static constexpr const char* kClassName = "NativeSrq";
  static const napi_type_tag kTag;
  static const napi_type_tag kConstructTag;

  explicit SrqWrap(const Napi::CallbackInfo& info);
  const std::shared_ptr<SrqHandle>& handle() const { return h_; }
  SrqHandle& Open(Napi::Env env) const;

 private:
  friend Napi::Function DefineSrq(Napi::Env env);
  Napi::Value PostRecv(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  std::shared_ptr<SrqHandle> h_;
};

}  // namespace vrdma
