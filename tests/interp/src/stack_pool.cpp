#include "stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

#include "address_sanitizer.hpp"

namespace rlloss::interp {

StackPool::StackPool(std::size_t stack_bytes) : stack_bytes_(stack_bytes) {}

StackPool::~StackPool() {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  for (void* mapping : mappings_) munmap(mapping, stack_bytes_ + page);
}

boost::context::stack_context StackPool::allocate() {
  if (!free_.empty()) {
    const boost::context::stack_context stack = free_.back();
    free_.pop_back();
    return stack;
  }
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* mapping = mmap(nullptr, stack_bytes_ + page, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) throw std::bad_alloc();
  mprotect(mapping, page, PROT_NONE);  // the guard page: stacks grow down into it
  mappings_.push_back(mapping);
  free_.reserve(mappings_.size());  // so deallocate() never allocates
  boost::context::stack_context stack;
  stack.size = stack_bytes_;
  stack.sp = static_cast<char*>(mapping) + page + stack_bytes_;
  return stack;
}

void StackPool::deallocate(boost::context::stack_context& stack) noexcept {
#if defined(RLLOSS_INTERP_ASAN)
  // The frames of the fiber that ended may have left their redzones poisoned.
  __asan_unpoison_memory_region(static_cast<char*>(stack.sp) - stack.size, stack.size);
#endif
  free_.push_back(stack);
}

}  // namespace rlloss::interp
