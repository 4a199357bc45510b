// Errors the addon throws. The TypeScript layer hands the addon two factory
// functions at load time (configure()); native code builds the very error
// classes users catch (VerbsError, UnsupportedError, RdmaError) through them.
#pragma once

#include "common.h"

namespace vrdma {

// The text of an errno value (strerror_r).
std::string ErrnoText(int err);

// A VerbsError (or UnsupportedError for EOPNOTSUPP/ENOSYS) for `verb`
// failing with positive errno `err`. `detail` replaces the errno text when
// not empty.
Napi::Value MakeVerbsError(Napi::Env env, const char* verb, int err, const std::string& detail = "");

// An RdmaError with a library code such as "ERR_CQ_OVERRUN".
Napi::Value MakeRdmaError(Napi::Env env, const char* code, const std::string& message);

[[noreturn]] void ThrowVerbs(Napi::Env env, const char* verb, int err, const std::string& detail = "");
[[noreturn]] void ThrowRdma(Napi::Env env, const char* code, const std::string& message);

// The memlock limit (RLIMIT_MEMLOCK soft limit) in words, for messages.
std::string MemlockLimitText();

}  // namespace vrdma
