// librdmacm, loaded at run time (dlopen), so the addon itself needs only
// libibverbs.so.1: a host without librdmacm still loads the addon, and the
// connection manager reports itself unavailable. The header's types are
// used; none of its functions is linked.
//
// A build without librdmacm's headers (no librdmacm-dev) still builds the
// addon: the connection manager then reports itself unavailable, saying so.
#pragma once

#if __has_include(<rdma/rdma_cma.h>) && !defined(VRDMA_NO_RDMACM)
#define VRDMA_HAVE_RDMACM 1
#include <rdma/rdma_cma.h>
#else
#define VRDMA_HAVE_RDMACM 0
#endif

#include <memory>
#include <string>

namespace vrdma {

#if VRDMA_HAVE_RDMACM

// The librdmacm functions the addon calls, taken from the loaded library.
struct CmLibrary {
  void* dl = nullptr;
  decltype(&rdma_create_event_channel) create_event_channel = nullptr;
  decltype(&rdma_destroy_event_channel) destroy_event_channel = nullptr;
  decltype(&rdma_create_id) create_id = nullptr;
  decltype(&rdma_destroy_id) destroy_id = nullptr;
  decltype(&rdma_bind_addr) bind_addr = nullptr;
  decltype(&rdma_listen) listen = nullptr;
  decltype(&rdma_resolve_addr) resolve_addr = nullptr;
  decltype(&rdma_resolve_route) resolve_route = nullptr;
  decltype(&rdma_connect) connect = nullptr;
  decltype(&rdma_accept) accept = nullptr;
  decltype(&rdma_reject) reject = nullptr;
  decltype(&rdma_disconnect) disconnect = nullptr;
  decltype(&rdma_establish) establish = nullptr;
  decltype(&rdma_get_cm_event) get_cm_event = nullptr;
  decltype(&rdma_ack_cm_event) ack_cm_event = nullptr;
  decltype(&rdma_init_qp_attr) init_qp_attr = nullptr;
  decltype(&rdma_migrate_id) migrate_id = nullptr;

  ~CmLibrary();
};
#else
struct CmLibrary {};
#endif

// Load librdmacm.so.1 and look up every function. Returns null, with `why`
// saying what is missing, when it cannot be used.
std::shared_ptr<CmLibrary> LoadCmLibrary(std::string* why);

}  // namespace vrdma
