// The packed work-request layout shared with lib/providers/native/pack.ts.
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

namespace vrdma {

namespace send_wr {
constexpr size_t kBytes = 64;
constexpr size_t kWrId = 0;
constexpr size_t kOpcode = 8;
constexpr size_t kFlags = 12;
constexpr size_t kImm = 16;
constexpr size_t kRkey = 20;
constexpr size_t kRemoteAddr = 24;
constexpr size_t kCompareAdd = 32;
constexpr size_t kSwap = 40;
constexpr size_t kNumSge = 48;
constexpr size_t kRemoteQpn = 52;
constexpr size_t kRemoteQkey = 56;
constexpr size_t kAh = 60;
}  // namespace send_wr

namespace recv_wr {
constexpr size_t kBytes = 16;
constexpr size_t kWrId = 0;
constexpr size_t kNumSge = 8;
}  // namespace recv_wr

namespace sge {
constexpr size_t kBytes = 16;
constexpr size_t kAddrLo = 0;
constexpr size_t kAddrHi = 4;
constexpr size_t kLength = 8;
constexpr size_t kLkey = 12;
}  // namespace sge

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
