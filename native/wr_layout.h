// The packed work-request layout shared with lib/providers/native/pack.ts
// (the numbers are in wr_layout_generated.h).
// All integers are host order; records are multiples of 16 bytes.
//
// Send record: 64-byte header, then num_sge SGE records.
//   0  f64 wr_id          24 u64 remote_addr     48 u32 num_sge
//   8  u32 opcode         32 u64 compare_add     52 u32 remote_qpn (UD)
//   12 u32 send_flags     40 u64 swap            56 u32 remote_qkey (UD)
//   16 u32 imm (host order; sent in network order)  60 u32 ah id (UD)
//   20 u32 rkey
// SGE record (16 bytes): u32 addr_lo, u32 addr_hi, u32 length, u32 lkey.
// Receive record: 16-byte header (f64 wr_id, u32 num_sge, u32 0), then SGEs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common.h"
#include "wr_layout_generated.h"

namespace vrdma {

// The offsets (send_wr, recv_wr, sge), the WcBatch layout (wc_batch) and the
// send opcode table (wr_opcode) come from wr_layout_generated.h, rendered
// from the TypeScript side; what follows checks what this file relies on.
static_assert(send_wr::kRemoteAddr % 8 == 0 && send_wr::kCompareAdd % 8 == 0 && send_wr::kSwap % 8 == 0,
              "64-bit send fields must be 8-byte aligned");
static_assert(send_wr::kBytes % 16 == 0 && recv_wr::kBytes % 16 == 0 && sge::kBytes % 16 == 0,
              "packed records are multiples of 16 bytes");
static_assert(send_wr::kAh + 4 <= send_wr::kBytes && recv_wr::kNumSge + 4 <= recv_wr::kBytes &&
                  sge::kLkey + 4 <= sge::kBytes,
              "fields lie inside their record");
static_assert(wc_batch::kVendorErr < wc_batch::kStride, "completion fields lie inside one stride");

// The OpTrait bits of a send opcode; 0 when it is not one.
inline uint32_t SendOpcodeTraits(uint32_t opcode) {
  return opcode < wr_opcode::kCount ? wr_opcode::kTraits[opcode] : 0;
}

// Read one SGE record.
inline void LoadSge(const uint8_t* p, ibv_sge* out) {
  uint64_t lo = Load<uint32_t>(p + sge::kAddrLo);
  uint64_t hi = Load<uint32_t>(p + sge::kAddrHi);
  out->addr = (hi << 32) | lo;
  out->length = Load<uint32_t>(p + sge::kLength);
  out->lkey = Load<uint32_t>(p + sge::kLkey);
}

// Scratch space for building receive chains, reused between calls.
struct RecvScratch {
  std::vector<ibv_recv_wr> wrs;
  std::vector<ibv_sge> sges;
};

// Build a chain of `count` receive requests from a packed buffer into
// `scratch`. Throws a RangeError when the buffer is short or a request has
// more than `max_sge` entries. Returns the head of the chain.
ibv_recv_wr* BuildRecvChain(Napi::Env env, const uint8_t* buf, size_t len, uint32_t count, uint32_t max_sge,
                            RecvScratch& scratch);

// Message for a failed post: how many were posted, and why the rest were not.
std::string PostFailureDetail(int err, size_t posted, size_t count, const char* queue, uint32_t depth);

}  // namespace vrdma
