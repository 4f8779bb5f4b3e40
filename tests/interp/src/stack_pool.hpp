// Fiber stacks for the block scheduler, kept between blocks: a grid of many blocks would
// otherwise map and unmap one stack per CUDA thread per block. Each stack has a guard page below
// it, so a kernel that overflows its stack faults at once instead of writing over another's.
#pragma once

#include <boost/context/stack_context.hpp>
#include <cstddef>
#include <vector>

namespace rlloss::interp {

class StackPool {
 public:
  explicit StackPool(std::size_t stack_bytes);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& stack) noexcept;

 private:
  std::size_t stack_bytes_;
  std::vector<boost::context::stack_context> free_;
  std::vector<void*> mappings_;
};

// The StackAllocator concept of Boost.Context over a pool the caller owns; `given` learns the
// stack handed out (the scheduler tells AddressSanitizer its bounds at each switch).
struct PooledStack {
  StackPool* pool;
  boost::context::stack_context* given;
  boost::context::stack_context allocate() { return *given = pool->allocate(); }
  void deallocate(boost::context::stack_context& stack) noexcept { pool->deallocate(stack); }
};

}  // namespace rlloss::interp
