// A shared receive queue.
#pragma once

#include "common.h"
#include "wr_layout.h"

namespace vrdma {

class SrqHandle : public VerbsHandle<ibv_srq, ibv_destroy_srq> {
 public:
  SrqHandle(ibv_srq* srq, uint32_t max_wr, uint32_t max_sge) : VerbsHandle(srq), max_wr_(max_wr), max_sge_(max_sge) {}
  ibv_srq* srq() const { return get(); }
  uint32_t max_wr() const { return max_wr_; }
  uint32_t max_sge() const { return max_sge_; }
  RecvScratch& scratch() { return scratch_; }

 private:
  uint32_t max_wr_;
  uint32_t max_sge_;
  RecvScratch scratch_;
};

class SrqWrap : public HandleWrap<SrqWrap, SrqHandle> {
 public:
  static const WrapInfo kInfo;

  using HandleWrap::HandleWrap;

 private:
  friend Napi::Function DefineSrq(Napi::Env env);
  Napi::Value PostRecv(const Napi::CallbackInfo& info);
};

}  // namespace vrdma
