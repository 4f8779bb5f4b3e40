// Writing a message into a caller's rlloss_error_buffer, as every host and plugin must: a buffer
// whose struct_size is below ABI 1.0's is never touched, and a message that does not fit is cut at
// a UTF-8 character boundary, never inside a character.
#pragma once

#include <rlloss/plugin_api.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace rlloss::contract {

// The longest prefix of `message` that fits `capacity - 1` bytes and ends between characters.
inline size_t utf8_prefix_length(std::string_view message, uint64_t capacity) noexcept {
  if (capacity == 0) return 0;
  size_t kept = static_cast<size_t>(std::min<uint64_t>(message.size(), capacity - 1));
  if (kept < message.size()) {
    // Back off while the first byte left out continues a character (10xxxxxx).
    while (kept > 0 && (static_cast<unsigned char>(message[kept]) & 0xC0) == 0x80) --kept;
  }
  return kept;
}

inline bool writable(const rlloss_error_buffer* error) noexcept {
  return error != nullptr && error->struct_size >= RLLOSS_ERROR_BUFFER_STRUCT_SIZE_1_0 &&
         error->data != nullptr && error->capacity > 0;
}

inline void write_message(rlloss_error_buffer* error, std::string_view message) noexcept {
  if (!writable(error)) return;
  const size_t kept = utf8_prefix_length(message, error->capacity);
  std::memcpy(error->data, message.data(), kept);
  error->data[kept] = '\0';
}

}  // namespace rlloss::contract
